"""bot/curation/eval_command.py: `python -m bot eval` on a file of labelled messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main

pytestmark = pytest.mark.integration


def test_eval_command_reports_each_set_on_its_own(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    given = tmp_path / "few.yaml"
    given.write_text(
        "- {text: numero du cicr a minsk, expect: belarus_contact}\n- {text: la meteo a minsk}\n",
        encoding="utf-8",
    )
    assert main(["eval", str(given)]) == 0
    out = capsys.readouterr().out
    # The file given, on its own: no other set is mixed in.
    assert "== few.yaml ==" in out and "blind" not in out and "leave-one-out" not in out
    for figure in (
        "helped",
        "answered right (in scope)",
        "clarified (in scope)",
        "refused (in scope)",
        "accuracy",
        "confident wrong",
        "out-of-scope rejection",
        "safety first",
        "worst confusions",
        "helped, 95% interval",
        "confident wrong, 95% interval",
    ):
        assert figure in out


def test_eval_keeps_each_outcome_without_the_text_and_compares_a_later_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    given = tmp_path / "few.yaml"
    given.write_text(
        "- {text: numero du cicr a minsk, expect: belarus_contact}\n- {text: la meteo a minsk}\n",
        encoding="utf-8",
    )
    kept = tmp_path / "before.json"
    assert main(["eval", str(given), "--outcomes", str(kept)]) == 0
    assert "outcomes of 2 messages saved (no text)" in capsys.readouterr().out
    assert "minsk" not in kept.read_text(encoding="utf-8")
    assert main(["eval", str(given), "--against", str(kept)]) == 0
    out = capsys.readouterr().out
    # The same bot on the same messages: nothing moved, and no set never read was in the run.
    assert "helped 2 = of 2 (+0 -0, p = 1.00)" in out
    assert "none of the sets never read was in both runs" in out
