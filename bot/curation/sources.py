"""Where the facts come from: every source named in the knowledge base, oldest review first.

A curator reads it to know which pages to check again first: a source's date is the oldest
`reviewed` of the entries that cite it, since a page changed since then may have changed any of
them. Contact cards name their own source (`contact.source`), listed with the entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.knowledge import KnowledgeBase


@dataclass(frozen=True)
class Source:
    where: str  # a URL, or a seed document's file name
    entries: tuple[str, ...]
    reviewed: dt.date  # the oldest review among those entries

    def line(self, today: dt.date) -> str:
        age = (today - self.reviewed).days
        return f"{self.reviewed.isoformat()}  ({age:>3} days)  {self.where}  <- {', '.join(self.entries)}"


def sources(kb: KnowledgeBase) -> list[Source]:
    """Every source with the entries that cite it, the least recently reviewed first."""
    cited: dict[str, list[str]] = {}
    reviewed: dict[str, dt.date] = {}
    for entry in kb.entries.values():
        named = [*entry.sources, *([entry.contact.source] if entry.contact else [])]
        for where in dict.fromkeys(named):
            cited.setdefault(where, []).append(entry.id)
            reviewed[where] = min(reviewed.get(where, entry.reviewed), entry.reviewed)
    found = [Source(where, tuple(sorted(ids)), reviewed[where]) for where, ids in cited.items()]
    return sorted(found, key=lambda s: (s.reviewed, s.where))


def report(found: Iterable[Source], today: dt.date) -> list[str]:
    lines = [s.line(today) for s in found]
    return [*lines, f"{len(lines)} sources"]
