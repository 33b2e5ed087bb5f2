"""Which service handles a person's case: a topic's route for the country the message names.

"Mon fils a disparu près de Kherson" is the family-links topic, but what helps is the route of
the Russia–Ukraine conflict (the Central Tracing Agency's bureau), not the general answer. A
topic with `routes` (knowledge/parcours.yaml) is answered with the route of the first country
the message names, in the order the topic lists them; without one, the bot asks (buttons).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.countries import Countries
from bot.core.knowledge import Entry, KnowledgeBase


class Router:
    def __init__(self, kb: KnowledgeBase, countries: Countries) -> None:
        self._kb = kb
        self._countries = countries
        # A route's topic, for "et en Arménie ?" after a route: the first topic that names it.
        self._topics: dict[str, Entry] = {}
        for entry in kb.entries.values():
            if entry.routes is not None:
                named = [*entry.routes.by_country.values(), *(b.entry for b in entry.routes.buttons)]
                for route in named:
                    self._topics.setdefault(route, entry)

    def named_countries(self, terms: Iterable[str]) -> set[str]:
        return self._countries.named(terms)

    def route(self, entry: Entry, countries: Iterable[str]) -> Entry | None:
        """The route of `entry` for the first of its countries among `countries`; None if the
        entry has no routes or none of those countries."""
        if entry.routes is None:
            return None
        named = set(countries)
        for country, route in entry.routes.by_country.items():
            if country in named:
                return self._kb.entries[route]
        return None

    def in_country(self, entry: Entry, country: str) -> Entry | None:
        """The same topic's route in another country: after a topic or one of its routes."""
        topic = entry if entry.routes is not None else self._topics.get(entry.id)
        return self.route(topic, [country]) if topic is not None else None

    def agreed(self, offered: Sequence[str], countries: Iterable[str]) -> tuple[str, Entry] | None:
        """The first topic and the route, when every topic offered routes the named country to
        the same service (family links and detainees, for Kherson: the tracing bureau)."""
        named = list(countries)
        routes = {i: self.route(self._kb.entries[i], named) for i in offered}
        targets = {r.id for r in routes.values() if r is not None}
        # A topic offered that is itself the service another one routes to ("help in Belarus"
        # and the Belarus response) agrees with it.
        services = [r.id if r is not None else (i if i in targets else None) for i, r in routes.items()]
        first = routes.get(offered[0]) if offered else None
        if len(services) < 2 or None in services or len(set(services)) != 1 or first is None:
            return None
        return offered[0], first

    def country_for_buttons(self, offered: Iterable[str], countries: Iterable[str]) -> str | None:
        """The named country a clarification's buttons carry, so that the topic chosen is
        answered with its route: the first one any offered topic routes."""
        named = set(countries)
        for entry_id in offered:
            routes = self._kb.entries[entry_id].routes
            if routes is not None:
                found = next((c for c in routes.by_country if c in named), None)
                if found is not None:
                    return found
        return None
