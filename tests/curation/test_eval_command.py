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
    ):
        assert figure in out
