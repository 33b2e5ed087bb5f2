"""Matching: answer, clarify or refuse honestly; safety first for explosive reports."""

from __future__ import annotations

import time

import pytest

from bot.core.matcher import Matcher, Outcome

OUT_OF_SCOPE_TRAPS = [
    "horaires du bus Minsk–Brest",
    "un bon hôtel à Minsk",
    "numéro de la pizzeria",
    "un hôtel pas cher à Bakou",
    "la météo à Minsk",
    "asdfgh",
    "",
]


@pytest.mark.parametrize("message", OUT_OF_SCOPE_TRAPS)
def test_out_of_scope_traps_are_not_answered(matcher: Matcher, message: str) -> None:
    assert matcher.match(message).outcome is not Outcome.ANSWER


@pytest.mark.parametrize(("message", "entry"), [
    ("numéro du CICR à Minsk", "belarus_contact"),
    ("adresse de la mission au Bélarus", "belarus_contact"),
    ("comment retrouver ma mere disparue", "family_links"),
    ("que fait le CICR au Bélarus", "belarus_mission"),
    ("qu'a fait le CICR en Azerbaïdjan en 2023", "azerbaijan_2023"),
    ("bonjour", "hello"),
    ("merci", "thanks"),
    ("que faites-vous de mes données ?", "privacy"),
])
def test_plain_questions_are_answered(matcher: Matcher, message: str, entry: str) -> None:
    found = matcher.match(message)
    assert found.outcome is Outcome.ANSWER and found.best and found.best.entry_id == entry


@pytest.mark.parametrize("message", [
    "j'ai trouvé un obus dans mon jardin",
    "g trouve une grenade pres de l ecole, c koi le numero du cicr a minsk",
    "mon fils a ramassé une munition rouillée",
    "il y a une mine dans le champ",
])
def test_explosive_reports_are_flagged(matcher: Matcher, message: str) -> None:
    assert matcher.match(message).explosive_report


def test_talk_about_mine_programmes_is_not_a_report(matcher: Matcher) -> None:
    assert not matcher.match("il a bonne mine").explosive_report


def test_scores_are_percentages(matcher: Matcher) -> None:
    for message in ("numero cicr minsk", "pizzeria", "bonjour"):
        assert 0 <= matcher.match(message).score <= 100


def test_matching_is_well_under_a_millisecond(matcher: Matcher) -> None:
    messages = ["numero du cicr a minsk", "je cherche mon frere disparu depuis la guerre",
                "g trouvé un obus", "meteo a minsk", "qui etes vous"] * 40
    matcher.match("warm up")
    started = time.perf_counter()
    for message in messages:
        matcher.match(message)
    per_message = (time.perf_counter() - started) / len(messages)
    # Generous bound for a loaded CI machine; `make bench` measures precisely.
    assert per_message < 0.002
