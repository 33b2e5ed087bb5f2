"""What identifies a person never reaches the inbox, whatever its case or spelling: @handles, first
names (and the surname after one), phone numbers and dates written in words. Checked in both
places it could: the question a person shares (`redact`) and the counted words (`terms_of`)."""

from __future__ import annotations

import re

import pytest

from bot.core.normalize import fold
from bot.ops.inbox import _DATA, first_names, redact, terms_of
from tests.ops.test_inbox import STOP

pytestmark = pytest.mark.unit

# (a declined question, the words of it that identify someone, ordinary words that must stay)
EXAMPLES = [
    (
        "je cherche mon frère @ivan_petrov depuis la guerre, écrivez à @petit_chat",
        {"ivan", "petrov", "petit", "chat"},
        {"cherche", "guerre", "ecrivez"},
    ),
    ("je cherche ivan petrov et jean dupont à la gare", {"ivan", "petrov", "jean", "dupont"}, {"gare"}),
    ("Ivan cherche son frère. Marie aussi, avec pierre", {"ivan", "marie", "pierre"}, {"cherche", "frere"}),
    (
        "appelez le zéro six douze trente-quatre cinquante-six svp",
        {"zero", "six", "douze", "trente", "quatre", "cinquante"},
        {"appelez"},
    ),
    (
        "il est né le douze mars mille neuf cent quatre-vingt-cinq à la frontière",
        {"douze", "mars", "mille", "neuf", "cent", "quatre", "vingt", "cinq"},
        {"frontiere"},
    ),
    (
        "mon numéro est 06 douze 34 cinquante-six, merci",
        {"06", "douze", "34", "cinquante", "six"},
        {"numero"},
    ),
]


def shown_words(text: str) -> set[str]:
    return set(fold(text).split())


def counted_words(text: str) -> set[str]:
    return {word for term in terms_of(text, frozenset(STOP)) for word in term.split()}


@pytest.mark.parametrize(("question", "secrets", "ordinary"), EXAMPLES, ids=[e[0][:30] for e in EXAMPLES])
def test_what_identifies_a_person_is_blanked_in_the_shared_text_and_never_counted(
    question: str, secrets: set[str], ordinary: set[str]
) -> None:
    shared = redact(question, frozenset())
    assert "@" not in shared
    assert not shown_words(shared) & secrets, shared
    assert ordinary <= shown_words(shared), shared  # the question still reads
    counted = counted_words(question)
    assert not counted & secrets, counted
    assert ordinary <= counted, counted


def test_one_number_word_or_a_month_alone_is_ordinary() -> None:
    question = "deux enfants et trois cousins cherchent la gare en mars"
    assert redact(question, frozenset()) == question
    assert {"deux", "trois", "mars", "gare"} <= counted_words(question)


def test_the_first_names_are_a_real_list_of_the_countries_served_with_their_licence() -> None:
    names = first_names()
    assert 3_000 < len(names) < 30_000
    assert all(re.fullmatch(r"[a-z]{3,}", name) for name in names)
    # French, Russian, Belarusian, Ukrainian, Armenian and Azerbaijani names, as people write them.
    assert {"jean", "pierre", "marie", "ivan", "natasha", "siarhei", "aliaksandr", "volodymyr"} <= names
    assert {"mykola", "olena", "hovhannes", "armen", "elchin", "aysel", "rashad"} <= names
    assert not {"mais", "aime", "amour"} & names  # names somewhere, but French words first
    data = _DATA / "first_names.txt"
    assert data.stat().st_size < 1_000_000
    header = data.read_text(encoding="utf-8").split("\nabas\n")[0]
    assert "github.com/lead-ratings/gender-guesser" in header and "GNU Free Documentation License" in header
    assert "GNU Free Documentation License" in (_DATA / "GFDL-1.2.txt").read_text(encoding="utf-8")
