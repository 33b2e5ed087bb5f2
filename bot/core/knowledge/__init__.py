"""Load and validate the YAML knowledge base; every problem is reported as `file:line: message`.

The rooms: `model` (what the bot reads), `located` (YAML with lines, field checks), `entries`
(a topic's entries), `texts` (the interface and language files); here, the whole directory and
its canaries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.html import quoted
from bot.core.knowledge.entries import DEFAULT_REVIEW_MAX_AGE_DAYS, parse_entry, stale_entries
from bot.core.knowledge.located import (
    Fields,
    Located,
    LocatedList,
    complain,
    fingerprint,
    parse_yaml,
    read_text,
    read_yaml,
)
from bot.core.knowledge.model import (
    CANARIES_FILE,
    COUNTRIES,
    ENTRY_KINDS,
    INTERFACE_FILE,
    LANGUAGE_FILE,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_PROBLEMS,
    MAX_TITLE,
    NOTICE_LANGUAGES,
    ROUTE_KIND,
    Canary,
    Command,
    Contact,
    Entry,
    EntryKind,
    Interface,
    KnowledgeBase,
    KnowledgeError,
    Language,
    Link,
    MenuItem,
    RouteButton,
    Routes,
    Text,
)
from bot.core.knowledge.texts import INTERFACE_TEXTS, parse_interface, parse_language

__all__ = [
    "CANARIES_FILE",
    "COUNTRIES",
    "DEFAULT_REVIEW_MAX_AGE_DAYS",
    "ENTRY_KINDS",
    "INTERFACE_FILE",
    "INTERFACE_TEXTS",
    "LANGUAGE_FILE",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "MAX_TITLE",
    "NOTICE_LANGUAGES",
    "ROUTE_KIND",
    "Canary",
    "Command",
    "Contact",
    "Entry",
    "EntryKind",
    "Fields",
    "Interface",
    "KnowledgeBase",
    "KnowledgeError",
    "Language",
    "Link",
    "Located",
    "LocatedList",
    "MenuItem",
    "RouteButton",
    "Routes",
    "Text",
    "fingerprint",
    "load",
    "load_canaries",
    "parse_yaml",
    "read_text",
    "read_yaml",
    "stale_entries",
]

# --- The whole directory ----------------------------------------------------------------------


@dataclass
class _Reading:
    """What the files of one directory gave, as they are read."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    interface: Interface | None = None
    language: Language | None = None
    unreadable: set[str] = field(default_factory=set)  # the interface or language file, unread

    def add(self, entry: Entry) -> None:
        if entry.id in self.entries:
            self.problems.append(
                f"{entry.location}: duplicate id {quoted(entry.id)} "
                f"(already used at {self.entries[entry.id].location})"
            )
        else:
            self.entries[entry.id] = entry


def load(directory: str | Path) -> KnowledgeBase:
    """Load a knowledge directory, or raise KnowledgeError listing the problems found (the
    first MAX_PROBLEMS; references between entries once everything else is valid)."""
    root = Path(directory)
    if not root.is_dir():
        raise KnowledgeError([f"{root}:0: not a directory"])
    paths = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    found = _Reading()
    for path in paths:
        if path.name != CANARIES_FILE:  # read by `load_canaries`, once the entries are known
            _read_file(path, found)
    problems = found.problems
    for name, parsed in ((INTERFACE_FILE, found.interface), (LANGUAGE_FILE, found.language)):
        if parsed is None and name not in found.unreadable and not (root / name).exists():
            problems.append(f"{root / name}:0: missing file")
    if not found.entries and not problems:
        problems.append(f"{root}:0: no entries found")
    if not problems:
        # Only now: with a file unread or an entry refused, its ids would all be "unknown".
        problems.extend(_check_references(found.entries, found.interface, str(root / INTERFACE_FILE)))
    if problems or found.interface is None or found.language is None:
        if len(problems) > MAX_PROBLEMS:
            hidden = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], f"{root}:0: {hidden} more problems not shown"]
        raise KnowledgeError(problems)
    return KnowledgeBase(
        entries=found.entries,
        interface=found.interface,
        language=found.language,
        files=tuple(str(path) for path in paths),
        warnings=tuple(found.warnings),
    )


def _read_file(path: Path, found: _Reading) -> None:
    shown = str(path)
    readable, data = read_yaml(path, shown, found.problems)
    if not readable:
        if path.name in (INTERFACE_FILE, LANGUAGE_FILE):
            found.unreadable.add(path.name)
    elif path.name == INTERFACE_FILE:
        found.interface = parse_interface(data, shown, found.problems)
    elif path.name == LANGUAGE_FILE:
        found.language = parse_language(data, shown, found.problems)
    else:
        for entry in _parse_topic_file(data, shown, found.problems, found.warnings):
            found.add(entry)


def _parse_topic_file(data: Any, where: str, problems: list[str], warnings: list[str]) -> Iterator[Entry]:
    if data is None:  # nothing but comments, perhaps a topic being started
        warnings.append(f"{where}:1: warning: empty topic file (no entries)")
        return
    if not isinstance(data, Located) or not isinstance(data.get("entries"), LocatedList):
        line = data.line if isinstance(data, Located) else 1
        complain(problems, data, f"{where}:{line}: a topic file holds 'entries:', a list of entries")
        return
    Fields(data, where, problems).unknown(frozenset({"entries"}))
    raw_entries = data["entries"]
    if not raw_entries:  # `entries: []`
        warnings.append(f"{where}:{raw_entries.line}: warning: empty topic file (no entries)")
    for raw, line in zip(raw_entries, raw_entries.item_lines, strict=True):
        entry = parse_entry(raw, where, line, problems)
        if entry is not None:
            yield entry


def _check_references(
    entries: dict[str, Entry], interface: Interface | None, interface_path: str
) -> list[str]:
    problems = [p for entry in entries.values() for p in _entry_references(entry, entries)]
    if interface is not None and entries:
        problems += [
            f"{interface_path}:{item.line}: menu item {quoted(item.label)} "
            f"names unknown entry {quoted(item.entry)}"
            for item in interface.menu
            if item.entry not in entries
        ]
        problems += [
            f"{interface_path}:{command.line}: command {quoted(command.name)} "
            f"names unknown entry {quoted(command.entry)}"
            for command in interface.commands
            if command.entry and command.entry not in entries
        ]
    return problems


def _entry_references(entry: Entry, entries: Mapping[str, Entry]) -> list[str]:
    """An entry's next steps and routes must name entries; a route has no routes of its own."""
    problems = [
        f"{entry.location}: next_steps names unknown entry {quoted(step)}"
        for step in entry.next_steps
        if step not in entries
    ]
    if entry.routes is not None:
        named = [*entry.routes.by_country.values(), *(b.entry for b in entry.routes.buttons)]
        for route in dict.fromkeys(named):
            if route not in entries:
                problems.append(f"{entry.location}: routes names unknown entry {quoted(route)}")
            elif entries[route].routes is not None:
                problems.append(f"{entry.location}: route {quoted(route)} has routes of its own")
    return problems


def load_canaries(directory: str | Path, entries: Mapping[str, Entry]) -> tuple[Canary, ...]:
    """The canary questions of a knowledge directory (none without the file); KnowledgeError
    with `file:line` problems when the file is malformed or names an unknown entry."""
    path = Path(directory) / CANARIES_FILE
    if not path.exists():
        return ()
    shown = str(path)
    problems: list[str] = []
    readable, data = read_yaml(path, shown, problems)
    found: list[Canary] = []
    if readable:
        items = data.get("canaries") if isinstance(data, dict) else None
        if not isinstance(items, list):
            problems.append(
                f"{shown}:1: expected 'canaries:' followed by a list of {{question: ..., entry: ...}}"
            )
            items = []
        for item in items:
            line = getattr(item, "line", getattr(data, "line", 0))
            question = item.get("question") if isinstance(item, dict) else None
            entry = item.get("entry") if isinstance(item, dict) else None
            route = item.get("route") if isinstance(item, dict) else None
            if not isinstance(question, str) or not isinstance(entry, str) or not question.strip():
                problems.append(f"{shown}:{line}: each canary needs a 'question' and an 'entry' (text)")
            elif entry not in entries:
                problems.append(f"{shown}:{line}: unknown entry {quoted(entry)}")
            elif route is not None and (not isinstance(route, str) or route not in entries):
                problems.append(f"{shown}:{line}: unknown route {quoted(route)}")
            else:
                found.append(Canary(question, entry, f"{shown}:{line}", route))
    if problems:
        raise KnowledgeError(problems)
    return tuple(found)
