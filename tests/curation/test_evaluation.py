"""bot/curation/evaluation.py: how a reply is counted."""

from __future__ import annotations

import pytest

from bot.curation.evaluation import Example, Report, Result

pytestmark = pytest.mark.unit

SAFETY = "mines_safety"


def test_a_false_alarm_stays_one_when_the_right_answer_follows() -> None:
    asked = Example("j'ai perdu une jambe sur une mine, qui aide pour une prothèse ?", "mine_action")
    report = Report(
        (
            Result(asked, SAFETY, "answer", then=("mine_action",)),  # safety, then the answer
            Result(asked, SAFETY, "answer"),  # safety alone
            Result(asked, SAFETY, "answer", then=("help_request",)),  # safety, then another topic
            Result(Example("un obus dans le jardin", SAFETY), SAFETY, "answer", then=("mine_action",)),
        ),
        SAFETY,
    )
    # What the first message is decides every figure; what follows is counted apart.
    assert len(report.safety_false_alarms()) == 3
    assert report.false_alarms_answered() == [report.results[0]]
    assert report.confident_wrong == 3 / 4 and report.figures()["  then answered right"] == "1"
    # Read to its end, the first reply helps: counted apart, beside the strict figure.
    assert report.helped == 1 / 4 and report.helped_after_safety == 2 / 4
    assert report.figures()["helped, read past the safety message"] == "50.0%"


def test_a_topic_after_the_safety_message_is_counted_when_the_labels_do_not_name_it() -> None:
    report_ = Example("un obus dans le jardin", SAFETY)
    two_things = Example(
        "un obus dans le jardin, et le numéro à Minsk ?", SAFETY, also=frozenset({"contact"})
    )
    report = Report(
        (
            Result(report_, SAFETY, "answer"),  # the safety message alone
            Result(report_, SAFETY, "answer", then=("talk_to_person",)),  # then a topic not asked
            Result(report_, SAFETY, "answer", then=("notice_ru",)),  # then a notice: no topic
            Result(two_things, SAFETY, "answer", then=("contact",)),  # then what else was asked
        ),
        SAFETY,
        frozenset({"notice_ru"}),
    )
    assert report.unasked_after_safety() == [report.results[1]]
    assert report.figures()["after a safety message, a topic not asked"] == "1"
    # The first message decides every other figure: all four are helped.
    assert report.helped == 1.0
