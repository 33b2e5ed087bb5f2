"""Load and validate the YAML knowledge base; every problem is reported as `file:line: message`."""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core import html as telegram_html
from bot.core.html import MAX_ECHO, quoted, shorten

ENTRY_KINDS = frozenset({"mission", "service", "contact", "safety", "smalltalk", "info", "notice", "route"})
# A route is reached only through a topic's `routes` (the country of the person's case), a button
# or a link: it has no example questions of its own, and no matcher or ranker ever answers it.
ROUTE_KIND = "route"
# Languages a `notice` entry can be written in: the bot answers in French, and tells people who
# write in one of these, in their language, where to turn.
NOTICE_LANGUAGES = frozenset({"en", "ru", "be", "uk", "az"})
# The countries a message may name (`langue.yaml` lists their names and towns): the two missions
# the seeds cover, and the countries of the conflicts most people who write are affected by.
COUNTRIES = frozenset({"belarus", "azerbaijan", "ukraine", "russia", "armenia"})
# Ids travel in callback_data (64 bytes with a prefix) and deep links (letters, digits, _ and -).
ENTRY_ID = re.compile(r"[a-z0-9_-]{1,40}\Z")
MIN_QUESTIONS = {"smalltalk": 3, "notice": 3, ROUTE_KIND: 0}
DEFAULT_MIN_QUESTIONS = 5
MAX_TITLE = 40
INTERFACE_FILE = "interface.yaml"
LANGUAGE_FILE = "langue.yaml"
# Questions with the entry each must get: a knowledge base that answers one of them otherwise is
# refused (at start-up, by `check`, and by a reload, which keeps the old one serving).
CANARIES_FILE = "canaries.yaml"
# Bounds that keep `check` and start-up fast whatever a file holds (PyYAML reads about 1 MB a
# second): the shipped files are under 10 kB, 800 values and 6 levels each.
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_PROBLEMS = 200  # printed; beyond, one line says how many more


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` holds one `file:line: message` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    source: str  # the page (or seed document) the phone and address were taken from
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class RouteButton:
    label: str
    entry: str


@dataclass(frozen=True)
class Routes:
    """Where a topic sends a person, by the country of their case: the service that handles it.

    With one of `by_country` named, the bot answers that route; with none, it asks `question`
    with `buttons` and a last button, `other`, for the topic's general answer."""

    question: str  # Telegram HTML
    by_country: dict[str, str]  # country -> route entry id; when several are named, the first
    buttons: tuple[RouteButton, ...]
    other: str


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
    routes: Routes | None = None
    location: str = ""  # file:line, for messages about this entry
    language: str | None = None  # notices only: the language the answer is written in


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
    explosive_if_present: frozenset[str]
    not_dangers: frozenset[str]
    general_cues: frozenset[str]
    place_cues: frozenset[str]
    presence_cues: frozenset[str]
    other_topics: frozenset[str]
    neutral_words: frozenset[str]
    always_against: frozenset[str]
    contact_words: frozenset[str]
    contact_asks: frozenset[str]
    office_words: frozenset[str]
    visit_words: frozenset[str]
    not_contact_words: frozenset[str]
    in_person_words: frozenset[str]
    organisation_names: frozenset[str]
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
    # `file:line: warning: ...`: worth a curator's look, not worth refusing to start.
    warnings: tuple[str, ...] = ()


# --- YAML with line numbers -------------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict[Any, int]


class _LocatedList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Unreadable:
    """Stands for a value YAML could not construct, with the problem to report about it.

    The check that finds a value of the wrong type reports this problem instead of its own, so
    that a 30 February is explained once, and counts as a problem of the entry it is in.
    """

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.reported = False

    def __repr__(self) -> str:
        return "<unreadable>"

    def report(self, problems: list[str]) -> None:
        if not self.reported:  # a field may fail several checks: one line is enough
            problems.append(self.problem)
            self.reported = True


def _complain(problems: list[str], value: Any, problem: str) -> None:
    """Record `problem` about a value of the wrong type, or the value's own if YAML could not read it."""
    if isinstance(value, _Unreadable):
        value.report(problems)
    else:
        problems.append(problem)


class _Refused(yaml.YAMLError):
    """YAML the knowledge base does not accept (anchors, deep nesting...): the message says why."""

    def __init__(self, event: yaml.Event, message: str) -> None:
        super().__init__(message)
        self.line = event.start_mark.line + 1 if event.start_mark else 0
        self.message = message


class _KnowledgeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that records line numbers, rejects duplicate keys, and never raises
    anything but a YAMLError: whatever a file holds, the curator reads `file:line: message`."""

    def __init__(self, stream: str, path: str) -> None:
        super().__init__(stream)
        self.path = path
        self.problems: list[str] = []
        self._depth = 0
        self._nodes = 0

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(self.located(node, message))

    def located(self, node: yaml.Node, message: str) -> str:
        return f"{self.path}:{node.start_mark.line + 1}: {message}"

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            # Curators never need them, and aliases nested in aliases make a few lines expand
            # to gigabytes ("billion laughs"): refused before anything is built.
            raise _Refused(event, "YAML anchors and aliases (&, *) are not allowed: write each value out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(event, f"more than {MAX_NODES} values in one file: split it")
        if self._depth >= MAX_DEPTH:
            # Composing and constructing recurse once per level: thousands of levels would
            # exhaust Python's stack long before any check could say where.
            raise _Refused(event, f"nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build one value; a value Python refuses (a 30 February, a 5,000-digit number...)
        becomes an _Unreadable carrying its problem, and the rest of the file is still read."""
        try:
            # Always deep: the constructors that are generators (!!set, !!omap) then run now,
            # inside this try, rather than later in construct_document.
            return super().construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as error:
            if node.tag == _TIMESTAMP:
                message = (
                    f"{quoted(node.value)} is not a valid date ({shorten(str(error))}): write YYYY-MM-DD"
                )
            else:
                shown = quoted(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
                message = f"cannot read {shown}: {shorten(str(error) or type(error).__name__)}"
            return _Unreadable(self.located(node, message))


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _KnowledgeLoader, node: yaml.MappingNode) -> _Located:
    mapping = _Located()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            loader.problem(key_node, "YAML merge keys (<<) are not allowed: write each field out")
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, _Unreadable):  # no check will see it: the pair is dropped
            key.report(loader.problems)
            continue
        try:
            hash(key)
        except TypeError:
            loader.problem(key_node, "a key must be a word, not a list or a mapping")
            continue
        line = key_node.start_mark.line + 1
        if key in mapping:
            loader.problem(key_node, f"duplicate key {quoted(key)} (first at line {mapping.key_lines[key]})")
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


def _construct_text(loader: _KnowledgeLoader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    # The reader refuses these characters in the file, but escapes ("\0", "\ud800") bring them
    # back in quoted text, where a lone surrogate cannot even be printed or sent as UTF-8.
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found:
        raise ValueError(f"character U+{ord(found.group()):04X} is not allowed in text: remove it")
    return text


_KnowledgeLoader.add_constructor("tag:yaml.org,2002:str", _construct_text)
# YAML 1.1 reads a lone "=" as a "value key", which SafeLoader then cannot construct: it is text.
_KnowledgeLoader.add_constructor("tag:yaml.org,2002:value", _construct_text)


_FILE_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO"}


def fingerprint(directory: str | Path) -> str:
    """A hash of the knowledge files' names and contents: it changes when a curator edits one.

    Read as carefully as `load` reads them: what is not a regular file, or is too big, is
    hashed by its name and kind only (a FIFO would block forever).
    """
    digest = hashlib.sha256()
    root = Path(directory)
    # The training examples too (`examples/`): a new message there retrains the ranker.
    files = [
        *root.glob("*.yaml"),
        *root.glob("*.yml"),
        *root.glob("examples/*.yaml"),
        *root.glob("examples/*.yml"),
    ]
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode("utf-8", errors="replace") + b"\0")
        try:
            status = os.stat(path)
            if stat.S_ISREG(status.st_mode) and status.st_size <= MAX_FILE_BYTES:
                with path.open("rb") as file:
                    digest.update(file.read(MAX_FILE_BYTES + 1))
            else:
                digest.update(f"{stat.S_IFMT(status.st_mode)}:{status.st_size}".encode())
        except OSError as error:
            digest.update(f"unreadable:{error.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _read_text(path: Path, shown: str, problems: list[str]) -> str | None:
    """The file's text, or None with its problem recorded: never opens what is not a regular
    file (a FIFO would block forever), never reads more than MAX_FILE_BYTES."""
    try:
        status = os.stat(path)  # follows symbolic links: a link to a regular file is fine
    except OSError as error:
        reason = {errno.ENOENT: "a broken symbolic link", errno.ELOOP: "a symbolic link loop"}
        problems.append(
            f"{shown}:0: not a regular file ({reason.get(error.errno or 0, error.strerror)}): remove it"
        )
        return None
    if not stat.S_ISREG(status.st_mode):
        kind = _FILE_KINDS.get(stat.S_IFMT(status.st_mode), "a device or a socket")
        problems.append(f"{shown}:0: not a regular file ({kind}): remove it or rename it")
        return None
    too_big = f"{shown}:0: larger than {MAX_FILE_BYTES // 1_000_000} MB: split it into several files"
    if status.st_size > MAX_FILE_BYTES:
        problems.append(too_big)
        return None
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # + 1: a file that grew since the stat shows it
    except OSError as error:
        problems.append(f"{shown}:0: cannot read the file: {error.strerror}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(too_big)
        return None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        problems.append(
            f"{shown}:1: not UTF-8 but UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8"
        )
        return None
    try:
        return raw.decode("utf-8-sig")  # -sig: a UTF-8 byte order mark is harmless, and dropped
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        byte = raw[error.start]
        problems.append(
            f"{shown}:{line}: not UTF-8: byte 0x{byte:02X} "
            f"({quoted(bytes([byte]).decode('cp1252', 'replace'))} in Latin-1/Windows-1252?): "
            "save the file as UTF-8"
        )
        return None


if yaml.__with_libyaml__:
    _CParser: Any = yaml._yaml.CParser  # libyaml's parser (no type stubs)

    class _FastKnowledgeLoader(_CParser, _KnowledgeLoader):  # type: ignore[misc]
        """The same loader on libyaml's parser: about four times faster. Only the events come
        from C; composing (with its refusals: aliases, depth, size) and constructing (duplicate
        keys, line numbers) are the Python loader's own."""

        get_single_node = yaml.composer.Composer.get_single_node
        get_node = yaml.composer.Composer.get_node
        check_node = yaml.composer.Composer.check_node
        compose_document = yaml.composer.Composer.compose_document

        def __init__(self, stream: str, path: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.path = path
            self.problems = []
            self._depth = 0
            self._nodes = 0


def _fast_load(text: str, shown: str) -> tuple[Any, list[str]] | None:
    """The file's data and its construction problems, or None when anything at all goes wrong:
    then the pure-Python loader reads it again, and its messages are the ones a curator gets."""
    if not yaml.__with_libyaml__:
        return None
    try:
        loader = _FastKnowledgeLoader(text, shown)
        try:
            return loader.get_single_data(), loader.problems
        finally:
            loader.dispose()
    except Exception:
        return None


def _read_yaml(path: Path, shown: str, problems: list[str]) -> tuple[bool, Any]:
    """Return (readable, data); an unreadable file's problem is already recorded."""
    text = _read_text(path, shown, problems)
    if text is None:
        return False, None
    fast = _fast_load(text, shown)
    if fast is not None:
        data, found = fast
        problems.extend(found)
        return True, data
    try:
        # Inside the try: the reader refuses control characters as soon as it is built.
        loader = _KnowledgeLoader(text, shown)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problems.append(
            f"{shown}:{line}: control character U+{error.character:04X} is not allowed: remove it"
        )
        return False, None
    try:
        data = loader.get_single_data()
    except _Refused as error:
        problems.append(f"{shown}:{error.line}: {error.message}")
        return False, None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problems.append(f"{shown}:{line}: invalid YAML: {shorten(error.problem or str(error), 2 * MAX_ECHO)}")
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
        value = self.mapping.get(key) if key else None
        _complain(self.problems, value, f"{self.where}:{line}: {message}")

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
        if not _all_texts(value, lines, self.where, f"'{key}'", self.problems):
            return ()
        return tuple(item.strip() for item in value)

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
                self.problem(key, f"unknown field {quoted(key)} (known: {', '.join(sorted(allowed))})")


def _all_texts(
    items: Sequence[Any], lines: Sequence[int], where: str, label: str, problems: list[str]
) -> bool:
    """Whether every item is non-empty text; every other item is a problem at its own line."""
    valid = True
    for item, line in zip(items, lines, strict=True):
        if isinstance(item, str) and item.strip():
            continue
        valid = False
        if isinstance(item, str):
            problems.append(f"{where}:{line}: {label}: an empty item")
        else:
            # YAML reads on/off/yes/no as true/false and 2023 as a number: quotes keep them text.
            _complain(
                problems, item, f"{where}:{line}: {label}: {quoted(item)} is not text: write it in quotes"
            )
    return valid


_ENTRY_FIELDS = frozenset(
    {
        "id",
        "kind",
        "title",
        "questions",
        "keywords",
        "answer",
        "details",
        "contact",
        "source",
        "reviewed",
        "country",
        "next_steps",
        "links",
        "language",
        "routes",
    }
)
_ROUTES_FIELDS = frozenset({"question", "by_country", "buttons", "other"})
_CONTACT_FIELDS = frozenset({"name", "address", "phone", "hours", "source"})
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,}\Z")


def _parse_entry(raw: Any, where: str, line: int, problems: list[str]) -> Entry | None:
    if not isinstance(raw, _Located):
        _complain(problems, raw, f"{where}:{line}: each entry must be a mapping of fields")
        return None
    fields = _Fields(raw, where, problems)
    count_before = len(problems)
    fields.unknown(_ENTRY_FIELDS)
    entry_id = fields.text("id")
    if entry_id and not ENTRY_ID.match(entry_id):
        fields.problem("id", f"id {quoted(entry_id)} must be 1-40 characters among a-z 0-9 _ -")
    kind = fields.text("kind")
    if kind and kind not in ENTRY_KINDS:
        fields.problem("kind", f"kind {quoted(kind)} must be one of {', '.join(sorted(ENTRY_KINDS))}")
    country = fields.text("country", required=False)
    if country and country not in COUNTRIES:
        fields.problem("country", f"country {quoted(country)} must be one of {', '.join(sorted(COUNTRIES))}")
    language = fields.text("language", required=(kind == "notice"))
    if language and (kind != "notice" or language not in NOTICE_LANGUAGES):
        fields.problem(
            "language", "only a notice has a language, one of " + ", ".join(sorted(NOTICE_LANGUAGES))
        )
    title = fields.text("title")
    if title and len(title) > MAX_TITLE:
        fields.problem("title", f"title is longer than {MAX_TITLE} characters (it goes on a button)")
    questions = fields.texts("questions", required=kind != ROUTE_KIND)
    if questions and kind == ROUTE_KIND:
        fields.problem("questions", "a route has no example questions: its topic's are asked (see 'routes')")
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
    routes = _parse_routes(fields)
    if len(problems) > count_before:
        return None
    assert entry_id and kind and title and answer and isinstance(reviewed, dt.date)
    return Entry(
        id=entry_id,
        kind=kind,
        title=title,
        questions=questions,
        keywords=keywords,
        answer=answer,
        sources=sources,
        reviewed=reviewed,
        country=country,
        details=details,
        contact=contact,
        next_steps=next_steps,
        links=links,
        routes=routes,
        location=f"{where}:{raw.line}",
        language=language,
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
        contact.problem("phone", f"phone {quoted(phone)} must be digits, spaces and an optional leading +")
    address = contact.text("address", required=False) or ""
    hours = contact.text("hours", required=False) or ""
    # A phone number or an address that a person will call or walk to is a fact like no other:
    # the card names the official page it comes from, or the knowledge base is refused.
    source = contact.text("source")
    if source and not (source.startswith("https://") or source.endswith(".txt")):
        contact.problem("source", f"source {quoted(source)} must be an https:// page or a seed file name")
    if not (name and phone and source):
        return None
    return Contact(name=name, phone=phone, source=source, address=address, hours=hours)


def _parse_routes(fields: _Fields) -> Routes | None:
    raw = fields.mapping_field("routes")
    if raw is None:
        return None
    routes = _Fields(raw, fields.where, fields.problems)
    routes.unknown(_ROUTES_FIELDS)
    question = routes.text("question", html=True)
    other = routes.text("other")
    by_country: dict[str, str] = {}
    countries = routes.mapping_field("by_country")
    if countries is None:
        routes.problem(None, "missing field 'by_country' (country: the entry that routes its cases)")
    else:
        for country, entry in countries.items():
            line = countries.key_lines.get(country, countries.line)
            if country not in COUNTRIES:
                fields.problems.append(
                    f"{fields.where}:{line}: country {quoted(country)} must be one of "
                    f"{', '.join(sorted(COUNTRIES))}"
                )
            elif not isinstance(entry, str) or not entry.strip():
                fields.problems.append(
                    f"{fields.where}:{line}: by_country: {quoted(country)} needs an entry id"
                )
            else:
                by_country[country] = entry.strip()
    buttons = []
    for item in raw.get("buttons") or []:
        if not isinstance(item, _Located):
            routes.problem("buttons", "each button must have a 'label' and an 'entry'")
            continue
        button = _Fields(item, fields.where, fields.problems)
        button.unknown(frozenset({"label", "entry"}))
        label, entry = button.text("label"), button.text("entry")
        if label and len(label) > MAX_TITLE:
            button.problem("label", f"label is longer than {MAX_TITLE} characters (it goes on a button)")
        elif label and entry:
            buttons.append(RouteButton(label, entry))
    if len(buttons) < 2:
        routes.problem(
            "buttons" if "buttons" in raw else None, "give at least two 'buttons' ({label, entry})"
        )
    if not (question and other and by_country and len(buttons) >= 2):
        return None
    return Routes(question, by_country, tuple(buttons), other)


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
            _complain(
                fields.problems,
                item,
                f"{fields.where}:{fields.line_of('links')}: each link must have a 'label' and a 'url'",
            )
            continue
        link = _Fields(item, fields.where, fields.problems)
        link.unknown(frozenset({"label", "url"}))
        label, url = link.text("label"), link.text("url")
        if url and not url.startswith("https://"):
            link.problem("url", f"url {quoted(url)} must start with https://")
        elif label and url:
            links.append(Link(label=label, url=url))
    return tuple(links)


DEFAULT_REVIEW_MAX_AGE_DAYS = 365


def stale_entries(kb: KnowledgeBase, today: dt.date, max_age_days: int) -> list[str]:
    """Warnings for entries whose facts nobody has checked against their sources for too long."""
    warnings = []
    for entry in kb.entries.values():
        age = (today - entry.reviewed).days
        if age > max_age_days:
            warnings.append(
                f"{entry.location}: warning: entry {quoted(entry.id)} was last reviewed on "
                f"{entry.reviewed.isoformat()}, {age} days ago (limit {max_age_days}): check it "
                f"against its sources, then update 'reviewed'"
            )
    return warnings


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
    "terminal_link": False,
    "no_terminal": False,
    "flood_notice": True,
    "share_button": False,
    "share_thanks": True,
    "share_failed": True,
    "share_gone": True,
    "privacy_kept": True,
    "privacy_sharing_on": False,
    "privacy_sharing_off": False,
}


def _top_level(data: Any, where: str, problems: list[str]) -> _Fields | None:
    if not isinstance(data, _Located):
        _complain(problems, data, f"{where}:1: the file must be a mapping of named fields")
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
            fields.problem("commands", f"command {quoted(item['command'])}: 1-32 of a-z 0-9 _")
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
            _complain(
                fields.problems,
                item,
                f"{fields.where}:{fields.line_of(key)}: each item of '{key}' must be a mapping",
            )
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
    word_lists = (
        "stopwords",
        "courtesy",
        "explosive_words",
        "found_cues",
        "contact_words",
        "contact_asks",
        "office_words",
        "visit_words",
        "not_contact_words",
        "in_person_words",
        "organisation_names",
        "detail_words",
        "followup_starters",
        "followup_neutral",
        "weak_words",
        "explosive_if_present",
        "not_dangers",
        "general_cues",
        "place_cues",
        "presence_cues",
        "other_topics",
        "neutral_words",
        "always_against",
    )
    fields.unknown(frozenset(word_lists) | {"sms", "synonyms", "countries"})
    lists = {name: frozenset(fields.texts(name)) for name in word_lists}
    sms = _word_map(fields, "sms")
    synonyms = _word_map(fields, "synonyms", lists=True)
    countries = _word_map(fields, "countries", lists=True)
    for country in countries:
        if country not in COUNTRIES:
            fields.problem("countries", f"country {quoted(country)} must be one of {sorted(COUNTRIES)}")
    if len(problems) > count_before:
        return None
    return Language(
        sms=sms,
        synonyms=synonyms,
        stopwords=lists["stopwords"],
        courtesy=lists["courtesy"],
        explosive_words=lists["explosive_words"],
        found_cues=lists["found_cues"],
        explosive_if_present=lists["explosive_if_present"],
        not_dangers=lists["not_dangers"],
        general_cues=lists["general_cues"],
        place_cues=lists["place_cues"],
        presence_cues=lists["presence_cues"],
        other_topics=lists["other_topics"],
        neutral_words=lists["neutral_words"],
        always_against=lists["always_against"],
        contact_words=lists["contact_words"],
        contact_asks=lists["contact_asks"],
        office_words=lists["office_words"],
        visit_words=lists["visit_words"],
        not_contact_words=lists["not_contact_words"],
        in_person_words=lists["in_person_words"],
        organisation_names=lists["organisation_names"],
        detail_words=lists["detail_words"],
        followup_starters=lists["followup_starters"],
        followup_neutral=lists["followup_neutral"],
        weak_words=lists["weak_words"],
        countries=countries,
    )


def _word_map(fields: _Fields, key: str, *, lists: bool = False) -> dict[str, Any]:
    """Words mapped to a word, or (lists) to a list of words or phrases: all non-empty text, since
    the code that reads French takes them apart letter by letter."""
    raw = fields.mapping_field(key)
    if raw is None:
        if fields.mapping.get(key) is None:
            fields.problem(None, f"missing mapping '{key}'")
        return {}
    found: dict[str, Any] = {}
    for word, value in raw.items():
        where = f"{fields.where}:{raw.key_lines.get(word, raw.line)}"
        label = f"'{key}': {quoted(word)}"
        if not isinstance(word, str) or not word.strip():
            fields.problems.append(f"{where}: {label} is not a word: write it in quotes")
        elif lists and isinstance(value, _LocatedList):
            if _all_texts(value, value.item_lines, fields.where, label, fields.problems):
                found[word] = tuple(item.strip() for item in value)
        elif not lists and isinstance(value, str) and value.strip():
            found[word] = value.strip()
        else:
            kind = "a list of words" if lists else "a word"
            _complain(fields.problems, value, f"{where}: {label} must map to {kind}")
    return found


# --- The whole directory ----------------------------------------------------------------------


def load(directory: str | Path) -> KnowledgeBase:
    """Load a knowledge directory, or raise KnowledgeError listing the problems found (the
    first MAX_PROBLEMS; references between entries once everything else is valid)."""
    root = Path(directory)
    problems: list[str] = []
    warnings: list[str] = []
    if not root.is_dir():
        raise KnowledgeError([f"{root}:0: not a directory"])
    paths = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    entries: dict[str, Entry] = {}
    interface: Interface | None = None
    language: Language | None = None
    unreadable: set[str] = set()
    for path in paths:
        if path.name == CANARIES_FILE:
            continue  # read by `load_canaries`, once the entries are known
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
            for entry in _parse_topic_file(data, shown, problems, warnings):
                if entry.id in entries:
                    problems.append(
                        f"{entry.location}: duplicate id {quoted(entry.id)} "
                        f"(already used at {entries[entry.id].location})"
                    )
                else:
                    entries[entry.id] = entry
    for name, found in ((INTERFACE_FILE, interface), (LANGUAGE_FILE, language)):
        if found is None and name not in unreadable and not (root / name).exists():
            problems.append(f"{root / name}:0: missing file")
    if not entries and not problems:
        problems.append(f"{root}:0: no entries found")
    if not problems:
        # Only now: with a file unread or an entry refused, its ids would all be "unknown".
        problems.extend(_check_references(entries, interface, str(root / INTERFACE_FILE)))
    if problems or interface is None or language is None:
        if len(problems) > MAX_PROBLEMS:
            hidden = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], f"{root}:0: {hidden} more problems not shown"]
        raise KnowledgeError(problems)
    return KnowledgeBase(
        entries=entries,
        interface=interface,
        language=language,
        files=tuple(str(path) for path in paths),
        warnings=tuple(warnings),
    )


def _parse_topic_file(data: Any, where: str, problems: list[str], warnings: list[str]) -> Iterator[Entry]:
    if data is None:  # nothing but comments, perhaps a topic being started
        warnings.append(f"{where}:1: warning: empty topic file (no entries)")
        return
    if not isinstance(data, _Located) or not isinstance(data.get("entries"), _LocatedList):
        line = data.line if isinstance(data, _Located) else 1
        _complain(problems, data, f"{where}:{line}: a topic file holds 'entries:', a list of entries")
        return
    _Fields(data, where, problems).unknown(frozenset({"entries"}))
    raw_entries = data["entries"]
    if not raw_entries:  # `entries: []`
        warnings.append(f"{where}:{raw_entries.line}: warning: empty topic file (no entries)")
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
                problems.append(f"{entry.location}: next_steps names unknown entry {quoted(step)}")
        if entry.routes is not None:
            named = [*entry.routes.by_country.values(), *(b.entry for b in entry.routes.buttons)]
            for route in dict.fromkeys(named):
                if route not in entries:
                    problems.append(f"{entry.location}: routes names unknown entry {quoted(route)}")
                elif entries[route].routes is not None:
                    problems.append(f"{entry.location}: route {quoted(route)} has routes of its own")
    if interface is not None and entries:
        for item in interface.menu:
            if item.entry not in entries:
                problems.append(
                    f"{interface_path}:{item.line}: menu item {quoted(item.label)} "
                    f"names unknown entry {quoted(item.entry)}"
                )
        for command in interface.commands:
            if command.entry and command.entry not in entries:
                problems.append(
                    f"{interface_path}:{command.line}: command {quoted(command.name)} "
                    f"names unknown entry {quoted(command.entry)}"
                )
    return problems


@dataclass(frozen=True)
class Canary:
    question: str
    entry: str
    location: str  # file:line, for the curator
    route: str | None = None  # the country's route the answer must lead with


def load_canaries(directory: str | Path, entries: Mapping[str, Entry]) -> tuple[Canary, ...]:
    """The canary questions of a knowledge directory (none without the file); KnowledgeError
    with `file:line` problems when the file is malformed or names an unknown entry."""
    path = Path(directory) / CANARIES_FILE
    if not path.exists():
        return ()
    shown = str(path)
    problems: list[str] = []
    readable, data = _read_yaml(path, shown, problems)
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
