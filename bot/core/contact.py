"""Is the message only a question about how to reach the CICR? Its own step, like safety.

"Où puis-je vous rencontrer ?", "vos locaux au Bélarus", "numéro de la mission": short messages
made of contact words, perhaps a country or a town, and nothing else. A person asking that must
get an address and a phone number, never a clarification or the wrong country's card, so the
rule answers before any ranking. Anything else in the message ("l'adresse de l'ambassade de
France", "les horaires du bus pour Minsk", "voir mon fils") makes it another question, left to
the ranker. The words are in `langue.yaml` (`contact_asks`, `visit_words`, `office_words`,
`in_person_words`, `organisation_names`, `not_contact_words`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from bot.core.knowledge import Language
from bot.core.normalize import Analysis, fold

# A contact question is short: a longer message says something more, for the ranker to read.
MOST_TERMS = 6


@dataclass(frozen=True)
class ContactAsk:
    """A question about how to reach the CICR: `in_person` when it is about coming (an office,
    a visit, opening hours); `countries`, the countries it names."""

    in_person: bool
    countries: frozenset[str]


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(w).strip() for w in words)


def _without_rendez_vous(words: Sequence[str]) -> list[str]:
    """The words, the "vous" of "rendez-vous" left out: "mes rendez-vous" addresses no one."""
    return [w for i, w in enumerate(words) if not (w == "vous" and i > 0 and words[i - 1] == "rendez")]


class ContactQuestions:
    def __init__(
        self,
        language: Language,
        terms_of: Callable[[Iterable[str]], list[str]],
        countries: Mapping[str, str],  # term -> country (`Countries.by_term`)
    ) -> None:
        self._asks = frozenset(terms_of(language.contact_asks))
        self._visits = frozenset(terms_of(language.visit_words))
        self._offices = _folded(language.office_words)
        self._not_contact = _folded(language.not_contact_words)
        self._in_person = frozenset(terms_of(language.in_person_words)) | frozenset(
            terms_of(language.office_words)
        )
        # "vous" and "votre" are stop words, gone from the terms: looked for as written.
        self._names_written = _folded(language.organisation_names)
        self._names = frozenset(terms_of(language.organisation_names))
        self._countries = countries
        self._allowed = self._asks | self._visits | self._in_person | self._names | set(countries)
        # Candidates for a letter missing or extra, sorted once (the first one wins, as listed).
        self._near = tuple(sorted(known for known in self._allowed if len(known) >= 4))

    def read(self, analysis: Analysis) -> ContactAsk | None:
        if not analysis.content or len(set(analysis.content)) > MOST_TERMS:
            return None
        if self._not_contact.intersection(analysis.words):
            return None
        known = [self._known(t) for t in set(analysis.content)]
        if None in known:
            return None
        terms = {t for t in known if t is not None}
        countries = frozenset(self._countries[t] for t in terms if t in self._countries)
        office = bool(self._offices.intersection(analysis.words))
        # A visit needs someone to visit: "où puis-je vous rencontrer", "venir au bureau de
        # Minsk"; "l'as-tu rencontrée" or "des rendez-vous à venir" are about something else.
        addressed = (
            office
            or bool(countries)
            or bool(terms & self._names)
            or bool(self._names_written.intersection(_without_rendez_vous(analysis.words)))
        )
        visit = bool(terms & self._visits) and addressed
        if not (terms & self._asks or office or visit):
            return None
        return ContactAsk(in_person=office or visit or bool(terms & self._in_person), countries=countries)

    def _known(self, term: str) -> str | None:
        """The contact word, place or name of the CICR the term is, a letter missing or extra
        included ("mision"; not a letter changed: "postul" is not "postal"); None if none."""
        if term in self._allowed:
            return term
        if len(term) < 5:
            return None
        return next((known for known in self._near if Indel.distance(term, known, score_cutoff=1) <= 1), None)
