"""Follow-ups: "et le téléphone ?", "et au Bélarus ?", "plus de détails" after a topic.

Only a message made of nothing but such words is a follow-up: one that says anything else is
complete on its own and is answered on its own. The rules only need the last topic's id; where
it is kept (memory, Redis) is the channel's business (bot/state/followups.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.countries import Countries
from bot.core.knowledge import Entry, EntryKind, KnowledgeBase
from bot.core.normalize import Analysis, fold
from bot.core.routes import Router


@dataclass(frozen=True)
class FollowUp:
    entry: Entry
    details: bool  # the details of the entry ("plus de détails"), not its answer


class FollowUpRules:
    def __init__(
        self,
        kb: KnowledgeBase,
        countries: Countries,
        terms_of: Callable[[Iterable[str]], list[str]],
        router: Router,
    ) -> None:
        self._kb = kb
        self._countries = countries
        self._router = router
        language = kb.language
        self._contact_words = {fold(w) for w in language.contact_words}
        self._contact_terms = set(terms_of(language.contact_words))
        self._detail_terms = set(terms_of(language.detail_words))
        self._detail_phrases = [fold(w) for w in language.detail_words if " " in fold(w)]
        self._starters = {fold(w) for w in language.followup_starters}
        self._stopwords = {fold(w) for w in language.stopwords}
        self._followup_terms = (
            self._contact_terms
            | self._detail_terms
            | set(countries.by_term)
            | set(terms_of(language.followup_neutral))
        )

    def resolve(self, analysis: Analysis, last: Entry) -> FollowUp | None:
        """What the message asks of the last topic, or None when it is not a follow-up."""
        words = set(analysis.words) - self._starters
        has_content = bool(words - self._stopwords)
        terms = set(analysis.content) if has_content else set()
        countries = self._countries.named(terms)
        joined = f" {' '.join(analysis.words)} "
        wants_details = bool(terms & self._detail_terms) or any(
            f" {phrase} " in joined for phrase in self._detail_phrases
        )
        wants_contact = bool(terms & self._contact_terms or words & self._contact_words)
        if terms - self._followup_terms or not (wants_details or wants_contact or countries):
            return None
        target: Entry | None
        if countries:
            target = self._same_topic_in(last, countries.pop(), contact=wants_contact)
        elif wants_contact:
            target = self._contact_for(last)
        else:
            return FollowUp(last, details=True)
        return FollowUp(target, details=False) if target is not None else None

    def _contact_for(self, entry: Entry) -> Entry | None:
        if entry.contact is not None or entry.kind == EntryKind.CONTACT:
            return entry
        for step in entry.next_steps:
            if self._kb.entries[step].kind == EntryKind.CONTACT:
                return self._kb.entries[step]
        if entry.country:
            return self._countries.entry(entry.country, EntryKind.CONTACT)
        return None

    def _same_topic_in(self, entry: Entry, country: str, *, contact: bool) -> Entry | None:
        # A topic with routes, or one of its routes: the route of that country ("Ukraine" after
        # the question "dans quel pays ?", "et en Arménie ?" after the Ukraine route).
        route = self._router.in_country(entry, country)
        if route is not None and not contact:
            return route
        kind = EntryKind.CONTACT if contact else entry.kind
        if entry.country is None and not contact:
            kind = EntryKind.MISSION
        return self._countries.entry(country, kind) or self._countries.entry(country, EntryKind.MISSION)
