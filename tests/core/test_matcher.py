"""Ranking: candidates come best first, with scores out of 100; the matcher knows no policy."""

from __future__ import annotations

import pytest

from bot.core.matcher import Matcher

pytestmark = pytest.mark.unit


def test_candidates_are_ranked_best_first_with_percentages(matcher: Matcher) -> None:
    analysis = matcher.analyzer.analyze("numero du cicr a minsk")
    ranked = matcher.rank(analysis.content, matcher.neutral_terms("numero du cicr a minsk", analysis))
    assert ranked[0].entry_id == "belarus_contact"
    assert all(0 <= c.score <= 100 for c in ranked)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_names_places_and_numbers_are_neutral_common_words_are_not(matcher: Matcher) -> None:
    text = "je cherche mon frère Ivan Ostaptchouk né en 1990 et mon chat"
    neutral = matcher.neutral_terms(text, matcher.analyzer.analyze(text))
    assert {"ivan", "ostaptchouk", "1990"} <= neutral
    assert "chat" not in neutral


def test_nothing_but_neutral_words_gives_no_candidate(matcher: Matcher) -> None:
    analysis = matcher.analyzer.analyze("Ivan Petrov 1990")
    assert matcher.rank(analysis.content, frozenset(analysis.content)) == ()
