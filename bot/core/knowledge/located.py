"""YAML read safely with the line of every value, and typed field checks that collect
`file:line: message` problems instead of raising."""

from __future__ import annotations

import codecs
import errno
import hashlib
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.core import html as telegram_html
from bot.core.html import MAX_ECHO, quoted, shorten
from bot.core.knowledge.model import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

# --- YAML with line numbers -------------------------------------------------------------------


class Located(dict[Any, Any]):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict[Any, int]


class LocatedList(list[Any]):
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


def complain(problems: list[str], value: Any, problem: str) -> None:
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


def _construct_mapping(loader: _KnowledgeLoader, node: yaml.MappingNode) -> Located:
    mapping = Located()
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


def _construct_sequence(loader: _KnowledgeLoader, node: yaml.SequenceNode) -> LocatedList:
    items = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
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
            status = path.stat()
            if stat.S_ISREG(status.st_mode) and status.st_size <= MAX_FILE_BYTES:
                with path.open("rb") as file:
                    digest.update(file.read(MAX_FILE_BYTES + 1))
            else:
                digest.update(f"{stat.S_IFMT(status.st_mode)}:{status.st_size}".encode())
        except OSError as error:
            digest.update(f"unreadable:{error.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def read_text(path: Path, shown: str, problems: list[str]) -> str | None:
    """The file's text, or None with its problem recorded: never opens what is not a regular
    file (a FIFO would block forever), never reads more than MAX_FILE_BYTES."""
    try:
        status = path.stat()  # follows symbolic links: a link to a regular file is fine
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


def read_yaml(path: Path, shown: str, problems: list[str]) -> tuple[bool, Any]:
    """Return (readable, data); an unreadable file's problem is already recorded."""
    text = read_text(path, shown, problems)
    if text is None:
        return False, None
    return parse_yaml(text, shown, problems)


def parse_yaml(text: str, shown: str, problems: list[str]) -> tuple[bool, Any]:
    """`read_yaml` of a file's text already read (`read_text`)."""
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


class Fields:
    """Typed access to one mapping's fields, collecting `file:line:` problems instead of raising."""

    def __init__(self, mapping: Located, where: str, problems: list[str]) -> None:
        self.mapping = mapping
        self.where = where
        self.problems = problems

    def line_of(self, key: str) -> int:
        return self.mapping.key_lines.get(key, self.mapping.line)

    def problem(self, key: str | None, message: str) -> None:
        line = self.line_of(key) if key else self.mapping.line
        value = self.mapping.get(key) if key else None
        complain(self.problems, value, f"{self.where}:{line}: {message}")

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
        if not all_texts(value, lines, self.where, f"'{key}'", self.problems):
            return ()
        return tuple(item.strip() for item in value)

    def mapping_field(self, key: str) -> Located | None:
        value = self.mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, Located):
            self.problem(key, f"'{key}' must be a mapping of fields")
            return None
        return value

    def nested(self, key: str, allowed: frozenset[str]) -> Fields | None:
        """The fields of the mapping under `key` (None if absent or not a mapping), unknown ones
        reported."""
        raw = self.mapping_field(key)
        if raw is None:
            return None
        fields = Fields(raw, self.where, self.problems)
        fields.unknown(allowed)
        return fields

    def each(self, key: str, items: list[Any], allowed: frozenset[str], what: str) -> Iterator[Fields]:
        """The fields of each mapping in `items` (the list under `key`); anything else is a
        problem at the list's line: "`what`" says what each item must be."""
        for item in items:
            if not isinstance(item, Located):
                complain(self.problems, item, f"{self.where}:{self.line_of(key)}: {what}")
                continue
            fields = Fields(item, self.where, self.problems)
            fields.unknown(allowed)
            yield fields

    def unknown(self, allowed: frozenset[str]) -> None:
        for key in self.mapping:
            if key not in allowed:
                self.problem(key, f"unknown field {quoted(key)} (known: {', '.join(sorted(allowed))})")


def all_texts(
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
            complain(
                problems, item, f"{where}:{line}: {label}: {quoted(item)} is not text: write it in quotes"
            )
    return valid


def plain_yaml(text: str) -> Any:
    """`yaml.safe_load`, through libyaml's safe loader when it is there (about ten times faster):
    for data files the curation tools read whole, where no line number is needed."""
    if not yaml.__with_libyaml__:
        return yaml.safe_load(text)
    loader = yaml.CSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
