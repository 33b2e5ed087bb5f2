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


def test_the_sets_never_read_are_compared_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.curation.eval_command import SCORED_ONLY, _compared_together, _Run
    from bot.curation.outcomes import Mark, compare

    def marks(*helped: bool) -> list[Mark]:
        return [Mark(f"k{i}.1", h, False, False, False) for i, h in enumerate(helped)]

    state = _Run(engine=None, examples=[])  # type: ignore[arg-type]  # only the comparisons are read
    state.compared[SCORED_ONLY[0]] = compare(marks(False, True), marks(True, True))
    state.compared[SCORED_ONLY[-1]] = compare(marks(True), marks(True))
    state.compared["hand-written development set (tuned on)"] = compare(marks(True), marks(False))
    _compared_together(state)
    out = capsys.readouterr().out
    # The tuned-on set is left out: only the never-read ones decide.
    assert "the 2 sets never read, together" in out
    assert "helped 2 -> 3 of 3 (+1 -0, p = 1.00)" in out
