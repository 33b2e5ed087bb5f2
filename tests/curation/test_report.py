"""bot/curation/report.py: how a reply is counted (and a set's labels read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.curation.evaluation import load_examples
from bot.curation.report import Example, Report, Result

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


def test_what_follows_a_safety_message_is_judged_where_the_labels_say_what_else_is_asked() -> None:
    def report_of(wanted: tuple[str, ...] | None, given: tuple[str, ...]) -> Report:
        example = Example("un obus dans la cour, et je cherche mon frère", SAFETY, safety=True, then=wanted)
        return Report((Result(example, SAFETY, "answer", then=given),), SAFETY, frozenset({"notice_ru"}))

    asked = ("family_links", "detainees")  # the topic asked, and one as right
    assert report_of(asked, ("detainees",)).after_safety() == {"right": 1}
    assert report_of(asked, ()).after_safety() == {"missing": 1}
    # Not answered, but a button under the safety message opens it.
    example = Example("un obus dans la cour, et je cherche mon frère", SAFETY, safety=True, then=asked)
    buttons = Report((Result(example, SAFETY, "answer", suggestions=("contacts", "family_links")),), SAFETY)
    assert buttons.after_safety() == {"offered": 1}
    assert report_of(asked, ("notice_ru",)).after_safety() == {"missing": 1}  # a notice is no topic
    assert report_of(asked, ("help_request",)).after_safety() == {"wrong": 1}
    assert report_of((), ("help_request",)).after_safety() == {"unasked": 1}
    assert report_of((), ()).after_safety() == {"none": 1}
    assert report_of(None, ("help_request",)).after_safety() == {}  # the set does not say
    # A false alarm followed by its first reply's topic: counted as a false alarm answered.
    deminer = Example("vous recrutez des démineurs ?", "jobs", then=())
    alarm = Report((Result(deminer, SAFETY, "answer", then=("jobs",)),), SAFETY)
    assert alarm.after_safety() == {} and len(alarm.false_alarms_answered()) == 1
    figure = "what else is asked, after it: right / offered / missing / wrong / unasked"
    assert report_of(asked, ()).figures()[figure] == "0 / 0 / 1 / 0 / 0"
    assert report_of(None, ()).figures()[figure] == "-"


def test_then_labels_are_read(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        '- {text: "obus et mon frère", expect: mines_safety, safety: true, then: family_links,'
        " also_then: [detainees]}\n"
        '- {text: "obus", expect: mines_safety, then: null}\n'
        '- {text: "bonjour", expect: hello}\n',
        encoding="utf-8",
    )
    assert [e.then for e in load_examples(path)] == [("family_links", "detainees"), (), None]


def test_a_topic_the_then_label_names_is_not_counted_unasked() -> None:
    example = Example(
        "obus dans la cour et je cherche mon frère", SAFETY, safety=True, then=("family_links",)
    )
    report = Report((Result(example, SAFETY, "answer", then=("family_links",)),), SAFETY)
    assert report.unasked_after_safety() == []


def test_a_refusal_whose_buttons_open_the_right_topic_is_counted_apart() -> None:
    def refused(expect: str | None, suggestions: tuple[str, ...]) -> Result:
        return Result(Example("...", expect), None, "fallback", suggestions)

    report = Report(
        (
            refused("help_request", ("help_request", "family_links")),  # the guess, right
            refused("family_links", ("family_links",)),  # the menu's
            refused("donations", ("help_request", "family_links")),
            refused(None, ("family_links",)),  # out of scope: no refusal of the bot's
            Result(Example("...", "jobs"), "jobs", "answer"),
        ),
        SAFETY,
    )
    assert report.refused == 3 / 4  # still refused: "je n'ai pas compris" was said
    assert report.refused_with_a_way == 2 / 3
    assert report.figures()["  of which a button opens the right topic"] == "67%"
