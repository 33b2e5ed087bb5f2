"""bot/curation/outcomes.py: each message's outcome kept without its text, and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.curation.outcomes import compare, load, marks, save, together
from bot.curation.report import Example, Report, Result

pytestmark = pytest.mark.unit

SAFETY = "mines_safety"
SON = Example("mon fils a disparu, que faire ?", "family_links")
SHELL = Example("un obus dans le jardin", SAFETY)
BUS = Example("horaires du bus pour Minsk", None)
LEG = Example("j'ai perdu une jambe sur une mine il y a dix ans, qui paie la prothèse ?", "mine_action")


def _report(*results: Result) -> Report:
    return Report(results, SAFETY)


def test_a_mark_says_what_the_person_got_and_never_the_text(tmp_path: Path) -> None:
    report = _report(
        Result(SON, "family_links", "answer"),
        Result(SHELL, "family_links", "answer"),  # a report missed, and a wrong topic
        Result(BUS, "contacts", "answer"),  # out of scope, answered: wrong
        Result(LEG, SAFETY, "answer", then=("mine_action",)),  # a false alarm
    )
    found = marks(report)
    assert [m.helped for m in found] == [True, False, False, False]
    assert [m.wrong for m in found] == [False, True, True, False]
    assert [m.missed for m in found] == [False, True, False, False]
    assert [m.alarm for m in found] == [False, False, False, True]
    path = tmp_path / "outcomes.json"
    save(path, {"set": found})
    kept = path.read_text(encoding="utf-8")
    for example in (SON, SHELL, BUS, LEG):
        assert example.text not in kept and "fils" not in kept and "obus" not in kept
    assert load(path) == {"set": found}


def test_the_same_messages_are_paired_whatever_their_order_and_repeats() -> None:
    before = marks(
        _report(
            Result(SON, None, "fallback"),
            Result(SON, "family_links", "answer"),
            Result(BUS, None, "fallback"),
        )
    )
    # Shuffled, and the two copies of one text keep their rank: the first copy is still refused.
    after = marks(
        _report(
            Result(BUS, "contacts", "answer"),
            Result(SON, "family_links", "answer"),
            Result(SON, "family_links", "answer"),
        )
    )
    change = compare(before, after)
    assert change.messages == 3
    assert change.helped == (2, 2) and change.wrong == (0, 1)
    assert (change.change.gained, change.change.lost) == (1, 1)
    assert "helped 2 = of 3 (+1 -1, p = 1.00); wrong topics 0 -> 1" in change.line()


def test_messages_in_one_run_only_are_left_out() -> None:
    before = marks(_report(Result(SON, "family_links", "answer")))
    after = marks(_report(Result(SON, "family_links", "answer"), Result(BUS, "contacts", "answer")))
    assert compare(before, after).messages == 1


def test_sets_compared_together_sum_and_are_tested_as_one() -> None:
    refused = Result(SON, None, "fallback")
    answered = Result(SON, "family_links", "answer")
    one = compare(marks(_report(refused, refused, refused)), marks(_report(answered, answered, answered)))
    two = compare(marks(_report(refused, refused)), marks(_report(answered, answered)))
    both = together([one, two])
    assert both.messages == 5 and both.helped == (0, 5)
    assert both.change.gained == 5 and both.change.p_value == pytest.approx(2 / 32)
