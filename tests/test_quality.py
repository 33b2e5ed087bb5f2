"""The quality gate of issue 3, on the whole development set (labelled + generated variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue import Dialogue
from bot.evaluation import Example, Report, evaluate, generated_examples, load_examples
from bot.knowledge import KnowledgeBase

DEV_SET = Path(__file__).parent / "data" / "dev.yaml"


@pytest.fixture(scope="module")
def labelled() -> list[Example]:
    return load_examples(DEV_SET)


@pytest.fixture(scope="module")
def report(kb: KnowledgeBase, labelled: list[Example]) -> Report:
    from bot.dialogue import MemoryContextStore
    from bot.matcher import Matcher

    dialogue = Dialogue(kb, Matcher(list(kb.entries.values()), kb.language), MemoryContextStore())
    return evaluate(dialogue, labelled + generated_examples(kb))


def test_development_set_is_rich_enough(kb: KnowledgeBase, labelled: list[Example]) -> None:
    assert len(labelled) >= 300
    assert sum(e.expect is None for e in labelled) >= len(labelled) / 4
    covered = {e.expect for e in labelled}
    assert set(kb.entries) <= covered, set(kb.entries) - covered
    assert {e.expect for e in labelled} - {None} <= set(kb.entries)


def test_accuracy_at_least_97_percent(report: Report) -> None:
    assert report.accuracy >= 0.97, report.summary()


def test_confident_wrong_answers_at_most_1_percent(report: Report) -> None:
    assert report.confident_wrong <= 0.01, report.summary()


def test_every_explosive_report_gets_the_safety_answer_first(report: Report) -> None:
    misses = report.safety_misses("mines_safety")
    assert not misses, [m.example.text for m in misses]


def test_eval_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["eval", str(DEV_SET), "--no-generated"]) == 0
    out = capsys.readouterr().out
    for figure in ("accuracy", "confident wrong", "out-of-scope rejection", "clarification rate",
                   "worst confusions"):
        assert figure in out
