"""French as typed on a phone reduces to the same terms as the careful spelling."""

from __future__ import annotations

import pytest

from bot.core.knowledge import KnowledgeBase
from bot.core.matcher import Matcher, common_french_words
from bot.core.normalize import Analyzer, fold

pytestmark = pytest.mark.unit


def test_fold_case_accents_ligatures_apostrophes_and_emoji() -> None:
    assert fold("Œuvre DU Comité 🙂!") == "oeuvre du comite"
    assert fold("l’adresse d'Élise") == "l adresse d elise"
    assert fold("Минск") == "минск"


@pytest.mark.parametrize(
    ("typed", "careful"),
    [
        ("numero du cicr a minsk", "Numéro du CICR à Minsk"),
        ("c koi le num du cicr", "c'est quoi le numéro du CICR"),
        ("explosee", "explosée"),
        ("biélorussie", "Belarus"),
        ("Беларусь", "Bélarus"),
        ("Минск", "minsk"),
        ("perdu de vue", "disparu"),
        ("un obus", "une grenade"),
        ("ICRC", "Croix-Rouge internationale"),
    ],
)
def test_variants_share_terms(matcher: Matcher, typed: str, careful: str) -> None:
    analyze = matcher.analyzer.analyze
    assert analyze(typed).terms == analyze(careful).terms


def test_meaningful_words_are_not_stop_words(matcher: Matcher) -> None:
    terms = matcher.analyzer.analyze("pas de mine, merci, personne").terms
    assert len(terms) == 4


def test_typos_snap_to_known_words(matcher: Matcher) -> None:
    analyze = matcher.analyzer.analyze
    assert analyze("adrese").terms == analyze("adresse").terms
    assert analyze("minks").terms == analyze("minsk").terms
    # An unknown word that is no typo of a known one stays itself.
    assert analyze("pizzeria").terms == (matcher.analyzer.stem("pizzeria"),)


def test_politeness_is_set_apart(matcher: Matcher) -> None:
    analysis = matcher.analyzer.analyze("merci, et pour retrouver ma soeur ?")
    assert set(analysis.terms) - set(analysis.content) == {matcher.analyzer.stem("merci")}


def test_siblings_share_plain_analyses_but_not_the_vocabulary(kb: KnowledgeBase) -> None:
    parent = Analyzer(kb.language, common_french_words())
    first, second = parent.sibling(), parent.sibling()
    first.learn(["zelvianka"])  # a village no knowledge base names
    assert first.analyze("zelvainka").terms == first.analyze("zelvianka").terms  # a typo of its word
    assert second.analyze("zelvainka").terms == (second.stem("zelvainka"),)  # a word it does not know
    # Without typo snapping the vocabulary plays no part: an analysis is made once, for all.
    text = "le numéro du CICR à Minsk, merci"
    assert second.analyze(text, snap=False) is first.analyze(text, snap=False)
    assert first.analyze(text, snap=False) == Analyzer(kb.language, common_french_words()).analyze(
        text, snap=False
    )


def test_phrases_are_found_wherever_they_start(matcher: Matcher) -> None:
    # Only a phrase's first word (or its stem) opens the search for longer phrases: a phrase at
    # the start, in the middle after words that open none, or at the end of a long message, is
    # read in its place (the words of a phrase found out of order come last instead).
    analyze = matcher.analyzer.analyze
    (cicr,), (minsk,) = analyze("cicr").terms, analyze("minsk").terms
    filler = "ma voisine m a dit hier soir que "
    for said in ("comité international de la croix-rouge", "Croix Rouge internationale"):
        for text in (f"{said} minsk", f"{filler * 5}{said} a minsk", f"{filler}{said} minsk"):
            terms = analyze(text).terms
            assert terms.count(cicr) == 1 and terms.index(cicr) == terms.index(minsk) - 1, text
