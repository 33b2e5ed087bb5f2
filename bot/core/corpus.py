"""The training corpus: realistic messages, one file per topic, in `knowledge/examples/`.

Each file names the entry its messages are for (`entry: family_links`, or `entry: null` for
messages no topic answers) and lists them with who wrote them and in what style, so that a
curator can read, correct and extend them like the rest of the knowledge base. They teach the
learned ranker (`ranker.py`) how people write; they are never shown to anyone.

Validated as strictly as the topic files (`file:line: message`), by `check` and at start-up.
Parsing 9,000 messages with their line numbers takes most of a start: a file parsed without a
problem is kept, as plain JSON, under the hash of its text and of this parser's version
(`ParsedFiles`, the ranker's cache), so the next start reads it back in milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.core.html import quoted
from bot.core.knowledge import (
    NOTICE_LANGUAGES,
    Fields,
    KnowledgeError,
    Located,
    LocatedList,
    parse_yaml,
    read_text,
)

EXAMPLES_DIR = "examples"
# A message longer than this teaches little that its first part does not; the bot reads 1,000.
MAX_EXAMPLE_CHARS = 1000
LANGUAGES = NOTICE_LANGUAGES | {"other"}
_FILE_FIELDS = frozenset({"entry", "examples"})
_ITEM_FIELDS = frozenset({"text", "writer", "style", "also", "safety", "language"})
# Part of every parsed file's key: change it when what a file parses to changes (a new field, a
# new check), so that no file parsed by the old rules is taken as valid by the new ones.
PARSER_VERSION = "1"


class ParsedFiles(Protocol):
    """Where files parsed without a problem are kept, by key (`RankerStore` implements it)."""

    def parsed(self, key: str) -> dict[str, Any] | None: ...
    def save_parsed(self, key: str, record: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Example:
    """One realistic message and the entry it must get (None: out of scope)."""

    text: str
    entry: str | None
    writer: str
    style: str = ""
    also: tuple[str, ...] = ()  # other entries as right as a first reply
    safety: bool = False  # an explosive object is reported
    language: str | None = None  # not French
    location: str = ""  # file:line, for the curator


def example_paths(directory: str | Path) -> list[Path]:
    root = Path(directory) / EXAMPLES_DIR
    if not root.is_dir():
        return []
    return sorted([*root.glob("*.yaml"), *root.glob("*.yml")])


def load_examples(
    directory: str | Path, entries: Mapping[str, object], parsed: ParsedFiles | None = None
) -> tuple[Example, ...]:
    """Every example of a knowledge directory (none without `examples/`); KnowledgeError with
    `file:line` problems when a file is malformed or names an unknown entry. With `parsed`,
    files already parsed are read back from it, and files parsed now are kept there."""
    problems: list[str] = []
    found: list[Example] = []
    for path in example_paths(directory):
        shown = str(path)
        text = read_text(path, shown, problems)
        if text is None:
            continue
        key = hashlib.sha256(f"{PARSER_VERSION}\0{text}".encode()).hexdigest()[:32]
        kept = _from_record(parsed.parsed(key), shown, entries) if parsed is not None else None
        if kept is not None:
            found.extend(kept)
            continue
        before = len(problems)
        readable, data = parse_yaml(text, shown, problems)
        if not readable:
            continue
        examples = _parse_file(data, shown, entries, problems)
        found.extend(examples)
        if parsed is not None and len(problems) == before:
            parsed.save_parsed(key, _record(data.get("entry"), examples))
    if problems:
        raise KnowledgeError(problems[:200])
    return tuple(found)


def _record(entry: str | None, examples: list[Example]) -> dict[str, Any]:
    """A file parsed without a problem, as plain data: its entry, and each message with its line."""
    items = [
        [e.text, e.writer, e.style, list(e.also), e.safety, e.language, int(e.location.rsplit(":", 1)[1])]
        for e in examples
    ]
    return {"entry": entry, "items": items}


def _from_record(
    record: dict[str, Any] | None, shown: str, entries: Mapping[str, object]
) -> list[Example] | None:
    """The examples of a file parsed before, or None (parse it again) when nothing was kept or
    an entry it names is gone from the knowledge base (the parse then says where)."""
    if record is None:
        return None
    try:
        entry = record["entry"]
        examples = [
            Example(
                str(text),
                entry,
                str(writer),
                str(style),
                tuple(str(other) for other in also),
                bool(safety),
                None if language is None else str(language),
                f"{shown}:{int(line)}",
            )
            for text, writer, style, also, safety, language, line in record["items"]
        ]
    except (KeyError, TypeError, ValueError):
        return None  # a cache file from elsewhere: parsed again, as if absent
    if entry is not None and not isinstance(entry, str):
        return None
    named = {entry} | {other for e in examples for other in e.also}
    if any(name is not None and name not in entries for name in named):
        return None
    return examples


def _parse_file(
    data: object, where: str, entries: Mapping[str, object], problems: list[str]
) -> list[Example]:
    if not isinstance(data, Located) or not isinstance(data.get("examples"), LocatedList):
        line = data.line if isinstance(data, Located) else 1
        problems.append(
            f"{where}:{line}: an examples file holds 'entry:' and 'examples:', a list of messages"
        )
        return []
    fields = Fields(data, where, problems)
    fields.unknown(_FILE_FIELDS)
    if "entry" not in data:
        fields.problem(None, "missing field 'entry' (an entry id, or null for messages out of scope)")
        return []
    entry = data["entry"]
    if entry is not None and (not isinstance(entry, str) or entry not in entries):
        fields.problem("entry", f"unknown entry {quoted(str(entry))}")
        return []
    items = data["examples"]
    found = []
    for raw, line in zip(items, items.item_lines, strict=True):
        example = _parse_item(raw, where, line, entry, entries, problems)
        if example is not None:
            found.append(example)
    return found


def _parse_item(
    raw: object,
    where: str,
    line: int,
    entry: str | None,
    entries: Mapping[str, object],
    problems: list[str],
) -> Example | None:
    if not isinstance(raw, Located):
        problems.append(f"{where}:{line}: each example is a mapping with 'text' and 'writer'")
        return None
    fields = Fields(raw, where, problems)
    before = len(problems)
    fields.unknown(_ITEM_FIELDS)
    text = fields.text("text")
    writer = fields.text("writer")
    style = fields.text("style", required=False) or ""
    also = fields.texts("also", required=False)
    for other in also:
        if other not in entries:
            fields.problem("also", f"'also' names unknown entry {quoted(other)}")
    safety = raw.get("safety", False)
    if not isinstance(safety, bool):
        fields.problem("safety", "'safety' is true or false")
    language = raw.get("language")
    if language is not None and language not in LANGUAGES:
        fields.problem("language", f"'language' is one of {', '.join(sorted(LANGUAGES))}")
    if text is not None and len(text) > MAX_EXAMPLE_CHARS:
        fields.problem("text", f"longer than {MAX_EXAMPLE_CHARS} characters: keep the part that matters")
    if len(problems) > before or text is None or writer is None:
        return None
    return Example(
        text=text,
        entry=entry,
        writer=writer,
        style=style,
        also=also,
        safety=bool(safety),
        language=language if isinstance(language, str) else None,
        location=f"{where}:{line}",
    )
