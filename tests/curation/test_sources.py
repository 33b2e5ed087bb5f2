"""`python -m bot sources`: every source, the entries citing it, the oldest review first."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.__main__ import main
from bot.core.knowledge import KnowledgeBase
from bot.curation.sources import report, sources

pytestmark = pytest.mark.unit


def test_every_source_is_listed_once_with_its_entries_oldest_review_first(kb: KnowledgeBase) -> None:
    found = sources(kb)
    cited = {where for entry in kb.entries.values() for where in entry.sources}
    assert {s.where for s in found} >= cited and len({s.where for s in found}) == len(found)
    assert [s.reviewed for s in found] == sorted(s.reviewed for s in found)
    for source in found:
        for entry_id in source.entries:
            entry = kb.entries[entry_id]
            contact = entry.contact.source if entry.contact else None
            assert source.where in entry.sources or source.where == contact
            assert source.reviewed <= entry.reviewed


def test_contact_cards_are_listed_under_their_own_source(kb: KnowledgeBase) -> None:
    with_cards = [e for e in kb.entries.values() if e.contact is not None]
    assert with_cards
    by_source = {s.where: s.entries for s in sources(kb)}
    for entry in with_cards:
        assert entry.contact is not None
        assert entry.id in by_source[entry.contact.source]


def test_the_report_gives_the_age_of_each_review(kb: KnowledgeBase) -> None:
    found = sources(kb)
    oldest = found[0]
    lines = report(found, oldest.reviewed + dt.timedelta(days=400))
    assert lines[0].startswith(f"{oldest.reviewed.isoformat()}  (400 days)  {oldest.where}  <- ")
    assert lines[-1] == f"{len(found)} sources"


def test_the_sources_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].endswith(" sources") and any("https://www.icrc.org/" in line for line in out)
