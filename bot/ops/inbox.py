"""The unanswered-question inbox: what people ask that the bot declines, without their words.

For each declined message only its ordinary French words are kept — words of the common-French
list, written in lower case, not a stop word, letters only: never a name (written with a capital,
unknown to French, or a first name of bot/ops/data/first_names.txt however written), a number
(in digits, or in words: "zéro six douze"), a date, an address, a phone number, an e-mail or a
@handle — counted per word and per pair of neighbouring words, per day. No chat id, no time
finer than the day, no text.

How many different chats used a word is counted through a keyed hash of the chat whose key lives
in memory only and changes every day: the hashes themselves are never stored, so a count cannot
be traced back to a chat, nor linked from one day to the next. A word shows in reports only once
at least `MIN_CHATS` chats used it. Days older than the retention are deleted.

The inbox is best-effort: a store that fails (SQLite locked or full, Redis down) loses the count
or the shared question, says so once per outage in the log, and never raises to the handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import logging
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from bot.core.matcher import capitalised, common_french_words
from bot.core.normalize import fold
from bot.state import ChatId

log = logging.getLogger(__name__)

MIN_CHATS = 3  # a word is reported only once this many different chats used it
# How long a write waits for another connection's lock before it gives up (sqlite's default is
# 5 s). Short: the count already runs beside the chat (the handler does not await it), but a
# shared question is awaited by the person who pressed the button, and each waiting write holds
# a worker thread and the inbox's lock, which the writes queued behind it then wait for too. The
# only other connection is an operator's (`python -m bot inbox`), whose locks last milliseconds.
BUSY_SECONDS = 0.25
_LETTERS = re.compile(r"[a-z]+")
_DATA = Path(__file__).parent / "data"
_COMMON_FILE = Path(__file__).resolve().parent.parent / "core" / "data" / "french_common_words.txt"
# A word right after a first name that is not among this many most frequent French words is
# taken for a surname ("jean dupont": "dupont" is in the common list, from film subtitles).
_SURNAME_RANK = 5000
# Number words, folded ("vingt-deux" folds to "vingt deux"); one alone is ordinary ("deux
# enfants"), two or more in a row spell a phone number, a date, a year or an age.
_NUMBER_WORDS = frozenset(
    {
        *("zero", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"),
        *("dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "vingt", "vingts"),
        *("trente", "quarante", "cinquante", "soixante", "septante", "huitante", "octante"),
        *("nonante", "cent", "cents", "mil", "mille", "million", "millions", "milliard"),
        *("milliards", "premier", "premiere"),
    }
)
_MONTHS = frozenset(
    {
        *("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre"),
        *("octobre", "novembre", "decembre"),
    }
)
_NUMBER_LINK = "et"  # "vingt et un", "soixante et onze"


class InboxUnavailable(Exception):
    """The counts cannot be read now (a shared store down): the message is the cause's type."""


class InboxStore(Protocol):
    """Where the counts live: a SQLite file (one process) or Redis (several replicas)."""

    @property
    def keep_days(self) -> int:
        """How many days the counts and shared questions are kept."""
        ...

    async def record(self, chat_id: ChatId, text: str) -> bool:
        """Count a declined message's ordinary words and pairs of words (nothing else of it).
        False when the store failed: logged once per outage, never raised (best-effort)."""
        ...

    async def share(self, redacted: str) -> bool:
        """Keep a question its writer chose to share, already redacted (see `redact`). False when
        the store failed (logged once per outage, never raised): the person is to be told."""
        ...

    async def report(self, days: int, limit: int = 20) -> list[Line]:
        """See `Inbox.report`; InboxUnavailable when the store cannot be read."""
        ...

    async def shared(self, days: int, limit: int = 20) -> list[str]: ...
    async def stored(self) -> list[tuple[str, str, int, int]]:
        """Every count held, as (day, words, uses, chats): for the privacy tests and operators."""
        ...

    async def aclose(self) -> None: ...


def terms_of(text: str, stopwords: frozenset[str]) -> set[str]:
    """What a declined message leaves: its ordinary words, and each pair of neighbouring ones."""
    words = ordinary_words(text, stopwords)
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names of France and of the countries the bot serves, folded (bot/ops/data/README.md
    says where from and under which licence)."""
    lines = (_DATA / "first_names.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _frequent_french() -> frozenset[str]:
    """The `_SURNAME_RANK` most frequent French words (the common list is in frequency order)."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return frozenset(words[:_SURNAME_RANK])


def _number_kind(word: str) -> str:
    if word in _NUMBER_WORDS or word.isdigit() or word == _BLANK:
        return "number"  # a blank stands for digits, a phone number or an e-mail already blanked
    if word in _MONTHS:
        return "month"
    return "link" if word == _NUMBER_LINK else ""


def in_numbers(words: list[str]) -> set[int]:
    """The positions of the folded `words` that spell a number or a date in words: two or more
    number words in a row ("zero six douze trente quatre"), also with digits or a month among
    them ("douze mars mille neuf cent quatre vingt cinq", "12 mars"), "et" inside them."""
    kinds = [_number_kind(w) for w in words]
    found: set[int] = set()
    start = 0
    while start < len(words):
        if kinds[start] not in ("number", "month"):
            start += 1
            continue
        end = start
        while end + 1 < len(words) and (
            kinds[end + 1] in ("number", "month")
            or (kinds[end + 1] == "link" and end + 2 < len(words) and kinds[end + 2] == "number")
        ):
            end += 1
        run = range(start, end + 1)
        if end > start and any(kinds[i] == "number" for i in run):  # "mars avril" is no date
            found.update(run)
        start = end + 1
    return found


def personal(words: list[str]) -> set[int]:
    """The positions of the folded `words` that name or number a person whatever their case: a
    first name, the word after one unless it is a frequent French word (a surname: "jean
    dupont"), and numbers or dates in words (`in_numbers`)."""
    names, frequent = first_names(), _frequent_french()
    found = in_numbers(words)
    for i, word in enumerate(words):
        if word in names:
            found.add(i)
            if i + 1 < len(words) and words[i + 1] not in frequent:
                found.add(i + 1)
    return found


def ordinary_words(text: str, stopwords: frozenset[str], common: frozenset[str] | None = None) -> list[str]:
    """The message's words that are ordinary French, in order (see the module's docstring)."""
    known = common if common is not None else common_french_words()
    names = capitalised(text)
    # Every word, skipped or not, keeps its place: a number or a surname is told by its neighbours.
    words: list[tuple[str, bool]] = []
    for raw in text.split():
        # A name or a place (capitals), a number, an e-mail or a @handle: never kept.
        skipped = not raw[:1].isalpha() or raw[:1].isupper() or "@" in raw
        words += [(word, skipped) for word in fold(raw).split()]
    hidden = personal([word for word, _ in words])
    kept = []
    for i, (word, skipped) in enumerate(words):
        if (
            not skipped
            and i not in hidden
            and len(word) >= 3
            and _LETTERS.fullmatch(word)
            and word in known
            and word not in stopwords
            and word not in names
        ):
            kept.append(word)
    return kept


@dataclass(frozen=True)
class Line:
    words: str  # a word, or two separated by a space
    uses: int
    chats: int
    last_week: int = 0  # uses over the last 7 days
    week_before: int = 0  # uses over the 7 days before: the trend


class Inbox:
    """Counts in one SQLite file (or in memory without a path). Thread-safe: the bot writes from a
    worker thread so that the disk never holds up a reply. A write that fails (the file locked by
    another connection, read-only, or its disk full) raises sqlite3.Error and leaves nothing
    behind: neither half a transaction, which would hold the file's lock, nor a chat marked as
    counted."""

    def __init__(
        self,
        path: Path | None,
        stopwords: Iterable[str],
        keep_days: int = 30,
        today: Callable[[], dt.date] = dt.date.today,
        busy_seconds: float = BUSY_SECONDS,
    ) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", timeout=busy_seconds, check_same_thread=False
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS counts (day TEXT, words TEXT, uses INTEGER, "
            "chats INTEGER, PRIMARY KEY (day, words))"
        )
        # Questions people chose to share (INBOX_RAW=1), redacted; no id of any kind.
        self._db.execute("CREATE TABLE IF NOT EXISTS shared (day TEXT, text TEXT)")
        self._lock = threading.Lock()
        self._stopwords = frozenset(fold(w) for w in stopwords)
        self.keep_days = keep_days
        self._today = today
        self._day = ""
        self._key = b""
        self._seen: set[bytes] = set()  # today's (words, chat hash) pairs, in memory only

    def _rotate(self, day: str) -> None:
        if day != self._day:
            cutoff = (self._today() - dt.timedelta(days=self.keep_days)).isoformat()
            self._db.execute("DELETE FROM counts WHERE day < ?", (cutoff,))
            self._db.execute("DELETE FROM shared WHERE day < ?", (cutoff,))
            self._db.commit()
            # Only once the old days are gone: a failed deletion is tried again next time.
            self._day, self._key, self._seen = day, secrets.token_bytes(32), set()

    def _undo(self) -> None:
        """Roll back what a failed write left open: an open transaction keeps the file locked."""
        with contextlib.suppress(sqlite3.Error):  # nothing more can be done: the next write tries again
            self._db.rollback()

    def record(self, chat_id: ChatId, text: str) -> bool:
        """Count a declined message's ordinary words and pairs of words. False when it has none
        (nothing written); sqlite3.Error when the file cannot be written."""
        terms = terms_of(text, self._stopwords)
        if not terms:
            return False
        with self._lock:
            try:
                day = self._today().isoformat()
                self._rotate(day)
                chat = hmac.new(self._key, str(chat_id).encode(), hashlib.sha256).digest()
                markers = set()
                for term in sorted(terms):
                    marker = hashlib.sha256(chat + term.encode()).digest()
                    markers.add(marker)
                    self._db.execute(
                        "INSERT INTO counts VALUES (?, ?, 1, 1) ON CONFLICT (day, words) DO UPDATE SET "
                        "uses = uses + 1, chats = chats + ?",
                        (day, term, int(marker not in self._seen)),
                    )
                self._db.commit()
            except sqlite3.Error:
                self._undo()
                raise
            self._seen |= markers  # counted for sure: the chat is not new for these words today
        return True

    def report(self, days: int = 30, limit: int = 20) -> list[Line]:
        """The words and pairs most used over the last `days` days, by at least MIN_CHATS chats
        on one day (a chat counted on two days may be the same: the key changed), with their
        uses over the last 7 days and the 7 days before (the trend)."""
        today = self._today()
        since = (today - dt.timedelta(days=days - 1)).isoformat()
        week = (today - dt.timedelta(days=6)).isoformat()
        before = (today - dt.timedelta(days=13)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT words, SUM(uses), SUM(chats), "
                "SUM(CASE WHEN day >= ? THEN uses ELSE 0 END), "
                "SUM(CASE WHEN day >= ? AND day < ? THEN uses ELSE 0 END) "
                "FROM counts WHERE day >= ? GROUP BY words "
                "HAVING MAX(chats) >= ? ORDER BY SUM(uses) DESC, words LIMIT ?",
                (week, before, week, since, MIN_CHATS, limit),
            ).fetchall()
        return [Line(w, int(u), int(c), int(r), int(b)) for w, u, c, r, b in rows]

    def share(self, redacted: str) -> None:
        """Keep a question its writer chose to share, already redacted (see `redact`);
        sqlite3.Error when the file cannot be written."""
        with self._lock:
            try:
                day = self._today().isoformat()
                self._rotate(day)
                self._db.execute("INSERT INTO shared VALUES (?, ?)", (day, redacted))
                self._db.commit()
            except sqlite3.Error:
                self._undo()
                raise

    def shared(self, days: int = 30, limit: int = 20) -> list[str]:
        since = (self._today() - dt.timedelta(days=days - 1)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT text FROM shared WHERE day >= ? ORDER BY day DESC LIMIT ?", (since, limit)
            ).fetchall()
        return [str(text) for (text,) in rows]

    def stored(self) -> list[tuple[str, str, int, int]]:
        """Everything the store holds (for the privacy tests and for curious operators)."""
        with self._lock:
            return [tuple(row) for row in self._db.execute("SELECT * FROM counts ORDER BY day, words")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def render(lines: list[Line], days: int, shared: list[str] | None = None) -> str:
    """The report for curators (`python -m bot inbox`, /inconnues)."""
    if not lines:
        parts = [f"Declined questions, last {days} days: no word used by {MIN_CHATS} chats or more."]
    else:
        head = (
            f"Declined questions, last {days} days: words used by {MIN_CHATS} chats or more\n"
            f"{'uses':>5}  {'7 days':>6}  {'before':>6}  words"
        )
        parts = [
            head,
            *(f"{line.uses:5d}  {line.last_week:6d}  {line.week_before:6d}  {line.words}" for line in lines),
        ]
    if shared:
        parts += ["", "Shared by the people who asked them (redacted):", *(f"  - {q}" for q in shared)]
    return "\n".join(parts)


_EMAIL = re.compile(r"\S+@\S+")
_HANDLE = re.compile(r"(?<![\w@])@\w+")  # a Telegram @username, which leads straight to a person
_DIGITS = re.compile(r"\d[\d .\-/]*")
_REGIONS = ("BY", "AZ", "UA", "RU", "AM", "FR")
_BLANK = "…"
_PUNCTUATION = ".,;:!?«»\"'()"


def redact(text: str, known: frozenset[str], common: frozenset[str] | None = None) -> str:
    """A question fit to keep: phone numbers, e-mails, @handles and digits blanked out, and
    every word that is neither ordinary French nor a word of the knowledge base, that is written
    with a capital inside a sentence (a name), that is a first name or a surname after one, or
    that spells a number or a date with others ("zéro six douze", "douze mars mille neuf cent")
    replaced by "…"."""
    import phonenumbers  # only when a question is shared

    words_known = common if common is not None else common_french_words()
    for region in _REGIONS:
        for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            text = text.replace(found.raw_string, f" {_BLANK} ")
    text = _EMAIL.sub(f" {_BLANK} ", text)
    text = _HANDLE.sub(f" {_BLANK} ", text)
    text = _DIGITS.sub(f" {_BLANK} ", text)
    names = capitalised(text)
    tokens = text.split()
    cores = [raw.strip(_PUNCTUATION) for raw in tokens]
    # The folded words of all the tokens in one row, each with its token: a number in words or a
    # surname is told by its neighbours, which may be in the next token ("trente-quatre cinq").
    parts = [fold(core).split() if core != _BLANK else [_BLANK] for core in cores]
    owners = [n for n, words in enumerate(parts) for _ in words]
    hidden = {owners[i] for i in personal([w for words in parts for w in words])}
    out: list[str] = []
    for n, (raw, core) in enumerate(zip(tokens, cores, strict=True)):
        keep = (
            bool(parts[n])
            and n not in hidden
            and all(p in words_known or p in known for p in parts[n])
            and not (any(p in names for p in parts[n]))
        )
        shown = raw if keep or core == _BLANK or not core else raw.replace(core, _BLANK)
        if not (shown.strip() == _BLANK and out and out[-1].strip() == _BLANK):
            out.append(shown)
    return " ".join(out)[:1000]


def _cause(error: sqlite3.Error) -> str:
    """The failure for the log: its type and SQLite's code (SQLITE_BUSY: locked, SQLITE_FULL,
    SQLITE_READONLY...), never its message, which could one day quote what was written."""
    code = getattr(error, "sqlite_errorname", "")
    return f"{type(error).__name__}: {code}" if code else type(error).__name__


@dataclass
class LocalInbox:
    """The SQLite inbox for the event loop: the disk is written from a worker thread, so that it
    never holds up a reply. Best-effort, as the Redis one: a failed write is logged once per
    outage and reported as False, never raised to the handler (the person got their answer)."""

    inbox: Inbox
    _failing: bool = field(default=False, init=False)

    @property
    def keep_days(self) -> int:
        return self.inbox.keep_days

    def _failed(self, error: sqlite3.Error, doing: str) -> bool:
        if not self._failing:  # said once per outage: the log is not flooded
            log.warning("inbox in SQLite unavailable, %s skipped (%s)", doing, _cause(error))
        self._failing = True
        return False

    async def record(self, chat_id: ChatId, text: str) -> bool:
        try:
            wrote = await asyncio.to_thread(self.inbox.record, chat_id, text)
        except sqlite3.Error as error:
            return self._failed(error, "a count")
        if wrote:  # a message with no ordinary word touched nothing: it says nothing of the file
            self._failing = False
        return True

    async def share(self, redacted: str) -> bool:
        try:
            await asyncio.to_thread(self.inbox.share, redacted)
        except sqlite3.Error as error:
            return self._failed(error, "a shared question")
        self._failing = False
        return True

    async def report(self, days: int, limit: int = 20) -> list[Line]:
        try:
            return await asyncio.to_thread(self.inbox.report, days, limit)
        except sqlite3.Error as error:  # a curator asking must see that, not an empty report
            raise InboxUnavailable(type(error).__name__) from error

    async def shared(self, days: int, limit: int = 20) -> list[str]:
        try:
            return await asyncio.to_thread(self.inbox.shared, days, limit)
        except sqlite3.Error as error:
            raise InboxUnavailable(type(error).__name__) from error

    async def stored(self) -> list[tuple[str, str, int, int]]:
        return await asyncio.to_thread(self.inbox.stored)

    async def aclose(self) -> None:
        self.inbox.close()
