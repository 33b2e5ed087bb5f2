"""Which country a message names, and a country's entry of a given kind (contact, mission)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.core.knowledge import Entry, EntryKind, KnowledgeBase


class Countries:
    def __init__(self, kb: KnowledgeBase, terms_of: Callable[[Iterable[str]], list[str]]) -> None:
        self._kb = kb
        # Each name of a country, its capital and towns, as a term -> the country.
        self.by_term = {
            term: country for country, names in kb.language.countries.items() for term in terms_of(names)
        }

    def named(self, terms: Iterable[str]) -> set[str]:
        return {self.by_term[t] for t in terms if t in self.by_term}

    def entry(self, country: str, kind: EntryKind) -> Entry | None:
        return next((e for e in self._kb.entries.values() if e.country == country and e.kind == kind), None)
