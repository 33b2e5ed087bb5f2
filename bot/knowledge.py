"""Load and validate the YAML knowledge base; every problem is reported as `file:line: message`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import telegram_html

ENTRY_KINDS = frozenset({"mission", "service", "contact", "safety", "smalltalk", "info"})
COUNTRIES = frozenset({"belarus", "azerbaijan"})
# Ids travel in callback_data (64 bytes with a prefix) and deep links (letters, digits, _ and -).
ENTRY_ID = re.compile(r"[a-z0-9_-]{1,40}\Z")
MIN_QUESTIONS = {"smalltalk": 3}
DEFAULT_MIN_QUESTIONS = 5
MAX_TITLE = 40
INTERFACE_FILE = "interface.yaml"
LANGUAGE_FILE = "langue.yaml"


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` holds one `file:line: message` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    reviewed: dt.date
    country: str | None = None
    details: str | None = None
    contact: Contact | None = None
    next_steps: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    location: str = ""  # file:line, for messages about this entry


@dataclass(frozen=True)
class MenuItem:
    label: str
    entry: str
    line: int = 0


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    entry: str | None  # None: the command is handled by the dialogue itself (start)
    line: int = 0


@dataclass(frozen=True)
class Interface:
    """Every user-facing text that is not an entry's answer."""

    texts: dict[str, str]
    menu: tuple[MenuItem, ...]
    commands: tuple[Command, ...]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]


@dataclass(frozen=True)
class Language:
    """How French is read: see knowledge/langue.yaml."""

    sms: dict[str, str]
    stopwords: frozenset[str]
    courtesy: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]  # canonical word -> variants (words or phrases)
    explosive_words: frozenset[str]
    found_cues: frozenset[str]
    contact_words: frozenset[str]
    detail_words: frozenset[str]
    followup_starters: frozenset[str]
    followup_neutral: frozenset[str]
    weak_words: frozenset[str]
    countries: dict[str, tuple[str, ...]]  # country id -> the place names that mean it


@dataclass(frozen=True)
class KnowledgeBase:
    entries: dict[str, Entry]
    interface: Interface
    language: Language
    files: tuple[str, ...] = field(default=())


# --- YAML with line numbers -------------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict[Any, int]


class _LocatedList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _KnowledgeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that records line numbers and rejects duplicate keys."""

    def __init__(self, stream: str, path: str) -> None:
        super().__init__(stream)
        self.path = path
        self.problems: list[str] = []


def _construct_mapping(loader: _KnowledgeLoader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    mapping = _Located()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            loader.problems.append(
                f"{loader.path}:{line}: duplicate key {key!r} "
                f"(first at line {mapping.key_lines[key]})"
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines.setdefault(key, line)
    return mapping


def _construct_sequence(loader: _KnowledgeLoader, node: yaml.SequenceNode) -> _LocatedList:
    items = _LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_KnowledgeLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_KnowledgeLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _read_yaml(path: Path, shown: str, problems: list[str]) -> tuple[bool, Any]:
    """Return (readable, data); an unreadable file's problem is already recorded."""
    loader = _KnowledgeLoader(path.read_text(encoding="utf-8"), shown)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else 0
        problems.append(f"{shown}:{line}: invalid YAML: {error.problem}")
        return False, None
    except yaml.YAMLError as error:
        problems.append(f"{shown}:1: invalid YAML: {error}")
        return False, None
    finally:
        loader.dispose()
    problems.extend(loader.problems)
    return True, data


# --- Field checks -----------------------------------------------------------------------------


class _Fields:
    """Typed access to one mapping's fields, collecting `file:line:` problems instead of raising."""

    def __init__(self, mapping: _Located, where: str, problems: list[str]) -> None:
        self.mapping = mapping
        self.where = where
        self.problems = problems

    def line_of(self, key: str) -> int:
        return self.mapping.key_lines.get(key, self.mapping.line)

    def problem(self, key: str | None, message: str) -> None:
        line = self.line_of(key) if key else self.mapping.line
        self.problems.append(f"{self.where}:{line}: {message}")

    def text(self, key: str, *, required: bool = True, html: bool = False) -> str | None:
        value = self.mapping.get(key)
        if value is None:
            if required:
                self.problem(None, f"missing field '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"'{key}' must be non-empty text")
            return None
        value = value.strip()
        if html:
            for issue in telegram_html.validate(value):
                self.problem(key, f"'{key}' is not valid Telegram HTML: {issue}")
            if telegram_html.telegram_length(value) > telegram_html.MAX_MESSAGE_LENGTH:
                self.problem(
                    key,
                    f"'{key}' is longer than Telegram's {telegram_html.MAX_MESSAGE_LENGTH} "
                    "characters: shorten it or move part of it to 'details'",
                )
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.mapping.get(key)
        if value is None:
            if required:
                self.problem(None, f"missing field '{key}'")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(key, f"'{key}' must be a list of non-empty texts")
            return ()
        lines = getattr(value, "item_lines", [self.line_of(key)] * len(value))
        bad = [(item, line) for item, line in zip(value, lines, strict=True)
               if not isinstance(item, str) or not item.strip()]
        for item, line in bad:
            # YAML reads on/off/yes/no as true/false and 2023 as a number: quotes keep them text.
            self.problems.append(
                f"{self.where}:{line}: '{key}': {item!r} is not text: write it in quotes"
            )
        return () if bad else tuple(item.strip() for item in value)

    def mapping_field(self, key: str) -> _Located | None:
        value = self.mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, _Located):
            self.problem(key, f"'{key}' must be a mapping of fields")
            return None
        return value

    def unknown(self, allowed: frozenset[str]) -> None:
        for key in self.mapping:
            if key not in allowed:
                self.problem(key, f"unknown field {key!r} (known: {', '.join(sorted(allowed))})")


_ENTRY_FIELDS = frozenset(
    {"id", "kind", "title", "questions", "keywords", "answer", "details", "contact", "source",
     "reviewed", "country", "next_steps", "links"}
)
_CONTACT_FIELDS = frozenset({"name", "address", "phone", "hours"})
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,}\Z")


def _parse_entry(raw: Any, where: str, line: int, problems: list[str]) -> Entry | None:
    if not isinstance(raw, _Located):
        problems.append(f"{where}:{line}: each entry must be a mapping of fields")
        return None
    fields = _Fields(raw, where, problems)
    count_before = len(problems)
    fields.unknown(_ENTRY_FIELDS)
    entry_id = fields.text("id")
    if entry_id and not ENTRY_ID.match(entry_id):
        fields.problem("id", f"id {entry_id!r} must be 1-40 characters among a-z 0-9 _ -")
    kind = fields.text("kind")
    if kind and kind not in ENTRY_KINDS:
        fields.problem("kind", f"kind {kind!r} must be one of {', '.join(sorted(ENTRY_KINDS))}")
    country = fields.text("country", required=False)
    if country and country not in COUNTRIES:
        fields.problem("country", f"country {country!r} must be one of {', '.join(sorted(COUNTRIES))}")
    title = fields.text("title")
    if title and len(title) > MAX_TITLE:
        fields.problem("title", f"title is longer than {MAX_TITLE} characters (it goes on a button)")
    questions = fields.texts("questions")
    minimum = MIN_QUESTIONS.get(kind or "", DEFAULT_MIN_QUESTIONS)
    if len(questions) < minimum:
        fields.problem("questions", f"give at least {minimum} example questions ({len(questions)} given)")
    keywords = fields.texts("keywords", required=False)
    answer = fields.text("answer", html=True)
    details = fields.text("details", required=False, html=True)
    sources = fields.texts("source")
    reviewed = raw.get("reviewed")
    if reviewed is None:
        fields.problem(None, "missing field 'reviewed' (the date the entry was checked, YYYY-MM-DD)")
    elif not isinstance(reviewed, dt.date):
        fields.problem("reviewed", "'reviewed' must be a date written YYYY-MM-DD")
    contact = _parse_contact(fields)
    next_steps = fields.texts("next_steps", required=False)
    links = _parse_links(fields)
    if len(problems) > count_before:
        return None
    assert entry_id and kind and title and answer and isinstance(reviewed, dt.date)
    return Entry(
        id=entry_id, kind=kind, title=title, questions=questions, keywords=keywords,
        answer=answer, sources=sources, reviewed=reviewed, country=country, details=details,
        contact=contact, next_steps=next_steps, links=links, location=f"{where}:{raw.line}",
    )


def _parse_contact(fields: _Fields) -> Contact | None:
    raw = fields.mapping_field("contact")
    if raw is None:
        return None
    contact = _Fields(raw, fields.where, fields.problems)
    contact.unknown(_CONTACT_FIELDS)
    name = contact.text("name")
    phone = contact.text("phone")
    if phone and not _PHONE.match(phone):
        contact.problem("phone", f"phone {phone!r} must be digits, spaces and an optional leading +")
    address = contact.text("address", required=False) or ""
    hours = contact.text("hours", required=False) or ""
    if not (name and phone):
        return None
    return Contact(name=name, phone=phone, address=address, hours=hours)


def _parse_links(fields: _Fields) -> tuple[Link, ...]:
    raw = fields.mapping.get("links")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fields.problem("links", "'links' must be a list of {label, url}")
        return ()
    links = []
    for item in raw:
        if not isinstance(item, _Located):
            fields.problem("links", "each link must have a 'label' and a 'url'")
            continue
        link = _Fields(item, fields.where, fields.problems)
        link.unknown(frozenset({"label", "url"}))
        label, url = link.text("label"), link.text("url")
        if url and not url.startswith("https://"):
            link.problem("url", f"url {url!r} must start with https://")
        elif label and url:
            links.append(Link(label=label, url=url))
    return tuple(links)


# --- Interface and language files -------------------------------------------------------------

# Texts the code needs, with whether they are Telegram HTML (sent as a message) or plain.
INTERFACE_TEXTS = {
    "welcome": True,
    "privacy_line": True,
    "fallback": True,
    "general_contact": True,
    "clarify_prompt": True,
    "other_choice": False,
    "chosen": True,
    "non_text": True,
    "more_details_none": True,
    "next_steps_prompt": False,
    "address_label": False,
    "phone_label": False,
    "hours_label": False,
    "source_label": False,
    "error": True,
    "description": False,
    "short_description": False,
    "terminal_intro": False,
    "terminal_telegram_hint": False,
    "no_terminal": False,
}


def _top_level(data: Any, where: str, problems: list[str]) -> _Fields | None:
    if not isinstance(data, _Located):
        problems.append(f"{where}:1: the file must be a mapping of named fields")
        return None
    return _Fields(data, where, problems)


def _parse_interface(data: Any, where: str, problems: list[str]) -> Interface | None:
    fields = _top_level(data, where, problems)
    if fields is None:
        return None
    count_before = len(problems)
    fields.unknown(frozenset(INTERFACE_TEXTS) | {"menu", "commands"})
    texts = {key: fields.text(key, html=is_html) or "" for key, is_html in INTERFACE_TEXTS.items()}
    if len(texts["description"]) > 512:
        fields.problem("description", "'description' is longer than Telegram's 512 characters")
    if len(texts["short_description"]) > 120:
        fields.problem("short_description", "'short_description' is longer than 120 characters")
    menu = tuple(
        MenuItem(label=item["label"], entry=item["entry"], line=line)
        for item, line in _records(fields, "menu", ("label", "entry"))
    )
    commands = []
    for item, line in _records(fields, "commands", ("command", "description"), ("entry",)):
        if not re.fullmatch(r"[a-z0-9_]{1,32}", item["command"]):
            fields.problem("commands", f"command {item['command']!r}: 1-32 of a-z 0-9 _")
        commands.append(Command(item["command"], item["description"], item.get("entry"), line))
    if len(problems) > count_before:
        return None
    return Interface(texts=texts, menu=menu, commands=tuple(commands))


def _records(
    fields: _Fields, key: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[dict[str, str], int]]:
    raw = fields.mapping.get(key)
    if not isinstance(raw, list) or not raw:
        fields.problem(key if key in fields.mapping else None, f"'{key}' must be a non-empty list")
        return
    for item in raw:
        if not isinstance(item, _Located):
            fields.problem(key, f"each item of '{key}' must be a mapping")
            continue
        record = _Fields(item, fields.where, fields.problems)
        record.unknown(frozenset(required + optional))
        values = {name: record.text(name) for name in required}
        values.update({name: record.text(name, required=False) for name in optional})
        if all(values[name] for name in required):
            yield {name: value for name, value in values.items() if value}, item.line


def _parse_language(data: Any, where: str, problems: list[str]) -> Language | None:
    fields = _top_level(data, where, problems)
    if fields is None:
        return None
    count_before = len(problems)
    word_lists = ("stopwords", "courtesy", "explosive_words", "found_cues", "contact_words",
                  "detail_words", "followup_starters", "followup_neutral", "weak_words")
    fields.unknown(frozenset(word_lists) | {"sms", "synonyms", "countries"})
    lists = {name: frozenset(fields.texts(name)) for name in word_lists}
    sms = _word_map(fields, "sms")
    synonyms = {canonical: tuple(variants)
                for canonical, variants in _word_map(fields, "synonyms", lists=True).items()}
    countries = {country: tuple(names)
                 for country, names in _word_map(fields, "countries", lists=True).items()}
    for country in countries:
        if country not in COUNTRIES:
            fields.problem("countries", f"country {country!r} must be one of {sorted(COUNTRIES)}")
    if len(problems) > count_before:
        return None
    return Language(
        sms={key: str(value) for key, value in sms.items()}, synonyms=synonyms,
        stopwords=lists["stopwords"], courtesy=lists["courtesy"],
        explosive_words=lists["explosive_words"], found_cues=lists["found_cues"],
        contact_words=lists["contact_words"], detail_words=lists["detail_words"],
        followup_starters=lists["followup_starters"], followup_neutral=lists["followup_neutral"],
        weak_words=lists["weak_words"], countries=countries,
    )


def _word_map(fields: _Fields, key: str, *, lists: bool = False) -> dict[str, Any]:
    raw = fields.mapping_field(key)
    if raw is None:
        fields.problem(None, f"missing mapping '{key}'")
        return {}
    expected = list if lists else str
    for word, value in raw.items():
        if not isinstance(word, str) or not isinstance(value, expected):
            line = raw.key_lines.get(word, raw.line)
            kind = "a list of words" if lists else "a word"
            fields.problems.append(f"{fields.where}:{line}: '{key}': {word!r} must map to {kind}")
    return {word: value for word, value in raw.items() if isinstance(value, expected)}


# --- The whole directory ----------------------------------------------------------------------


def load(directory: str | Path) -> KnowledgeBase:
    """Load a knowledge directory, or raise KnowledgeError listing every problem found."""
    root = Path(directory)
    problems: list[str] = []
    if not root.is_dir():
        raise KnowledgeError([f"{root}:0: not a directory"])
    paths = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    entries: dict[str, Entry] = {}
    interface: Interface | None = None
    language: Language | None = None
    unreadable: set[str] = set()
    for path in paths:
        shown = str(path)
        readable, data = _read_yaml(path, shown, problems)
        if not readable:
            if path.name in (INTERFACE_FILE, LANGUAGE_FILE):
                unreadable.add(path.name)
            continue
        if path.name == INTERFACE_FILE:
            interface = _parse_interface(data, shown, problems)
        elif path.name == LANGUAGE_FILE:
            language = _parse_language(data, shown, problems)
        else:
            for entry in _parse_topic_file(data, shown, problems):
                if entry.id in entries:
                    problems.append(
                        f"{entry.location}: duplicate id {entry.id!r} "
                        f"(already used at {entries[entry.id].location})"
                    )
                else:
                    entries[entry.id] = entry
    for name, found in ((INTERFACE_FILE, interface), (LANGUAGE_FILE, language)):
        if found is None and name not in unreadable and not (root / name).exists():
            problems.append(f"{root / name}:0: missing file")
    if not entries and not problems:
        problems.append(f"{root}:0: no entries found")
    problems.extend(_check_references(entries, interface, str(root / INTERFACE_FILE)))
    if problems or interface is None or language is None:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        entries=entries, interface=interface, language=language,
        files=tuple(str(path) for path in paths),
    )


def _parse_topic_file(data: Any, where: str, problems: list[str]) -> Iterator[Entry]:
    if data is None:
        return
    if not isinstance(data, _Located) or not isinstance(data.get("entries"), _LocatedList):
        line = data.line if isinstance(data, _Located) else 1
        problems.append(f"{where}:{line}: a topic file holds 'entries:', a list of entries")
        return
    if isinstance(data, _Located):
        _Fields(data, where, problems).unknown(frozenset({"entries"}))
    raw_entries = data["entries"]
    for raw, line in zip(raw_entries, raw_entries.item_lines, strict=True):
        entry = _parse_entry(raw, where, line, problems)
        if entry is not None:
            yield entry


def _check_references(
    entries: dict[str, Entry], interface: Interface | None, interface_path: str
) -> list[str]:
    problems = []
    for entry in entries.values():
        for step in entry.next_steps:
            if step not in entries:
                problems.append(f"{entry.location}: next_steps names unknown entry {step!r}")
    if interface is not None and entries:
        for item in interface.menu:
            if item.entry not in entries:
                problems.append(
                    f"{interface_path}:{item.line}: menu item {item.label!r} "
                    f"names unknown entry {item.entry!r}"
                )
        for command in interface.commands:
            if command.entry and command.entry not in entries:
                problems.append(
                    f"{interface_path}:{command.line}: command {command.name!r} "
                    f"names unknown entry {command.entry!r}"
                )
    return problems
