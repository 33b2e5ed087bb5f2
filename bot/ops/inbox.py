"""The unanswered-question inbox: what people ask that the bot declines, without their words.

For each declined message only its ordinary French words are kept — words of the common-French
list, written in lower case, not a stop word, letters only: never a name (written with a capital,
or unknown to French), a number, an address, a phone number or an e-mail — counted per word and
per pair of neighbouring words, per day. No chat id, no time finer than the day, no text.

How many different chats used a word is counted through a keyed hash of the chat whose key lives
in memory only and changes every day: the hashes themselves are never stored, so a count cannot
be traced back to a chat, nor linked from one day to the next. A word shows in reports only once
at least `MIN_CHATS` chats used it. Days older than the retention are deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import itertools
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.core.matcher import capitalised, common_french_words
from bot.core.normalize import fold

MIN_CHATS = 3  # a word is reported only once this many different chats used it
_LETTERS = re.compile(r"[a-z]+")


class InboxUnavailable(Exception):
    """The counts cannot be read now (a shared store down): the message is the cause's type."""


class InboxStore(Protocol):
    """Where the counts live: a SQLite file (one process) or Redis (several replicas)."""

    @property
    def keep_days(self) -> int:
        """How many days the counts and shared questions are kept."""
        ...

    async def record(self, chat_id: int, text: str) -> None:
        """Count a declined message's ordinary words and pairs of words (nothing else of it)."""
        ...

    async def share(self, redacted: str) -> None:
        """Keep a question its writer chose to share, already redacted (see `redact`)."""
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


def ordinary_words(text: str, stopwords: frozenset[str], common: frozenset[str] | None = None) -> list[str]:
    """The message's words that are ordinary French, in order (see the module's docstring)."""
    known = common if common is not None else common_french_words()
    names = capitalised(text)
    kept = []
    for raw in text.split():
        if not raw[:1].isalpha() or raw[:1].isupper() or "@" in raw:
            continue  # a name or a place (capitals), a number, an e-mail
        for word in fold(raw).split():
            if (
                len(word) >= 3
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
    worker thread so that the disk never holds up a reply."""

    def __init__(
        self,
        path: Path | None,
        stopwords: Iterable[str],
        keep_days: int = 30,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
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
            self._day, self._key, self._seen = day, secrets.token_bytes(32), set()
            cutoff = (self._today() - dt.timedelta(days=self.keep_days)).isoformat()
            self._db.execute("DELETE FROM counts WHERE day < ?", (cutoff,))
            self._db.execute("DELETE FROM shared WHERE day < ?", (cutoff,))
            self._db.commit()

    def record(self, chat_id: int, text: str) -> None:
        """Count a declined message's ordinary words and pairs of words."""
        terms = terms_of(text, self._stopwords)
        if not terms:
            return
        with self._lock:
            day = self._today().isoformat()
            self._rotate(day)
            chat = hmac.new(self._key, str(chat_id).encode(), hashlib.sha256).digest()
            for term in sorted(terms):
                marker = hashlib.sha256(chat + term.encode()).digest()
                new_chat = marker not in self._seen
                self._seen.add(marker)
                self._db.execute(
                    "INSERT INTO counts VALUES (?, ?, 1, 1) ON CONFLICT (day, words) DO UPDATE SET "
                    "uses = uses + 1, chats = chats + ?",
                    (day, term, int(new_chat)),
                )
            self._db.commit()

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
        """Keep a question its writer chose to share, already redacted (see `redact`)."""
        with self._lock:
            day = self._today().isoformat()
            self._rotate(day)
            self._db.execute("INSERT INTO shared VALUES (?, ?)", (day, redacted))
            self._db.commit()

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
_DIGITS = re.compile(r"\d[\d .\-/]*")
_REGIONS = ("BY", "AZ", "UA", "RU", "AM", "FR")
_BLANK = "…"


def redact(text: str, known: frozenset[str], common: frozenset[str] | None = None) -> str:
    """A question fit to keep: phone numbers, e-mails and digits blanked out, and every word that
    is neither ordinary French nor a word of the knowledge base, or that is written with a capital
    inside a sentence (a name), replaced by "…"."""
    import phonenumbers  # only when a question is shared

    words_known = common if common is not None else common_french_words()
    for region in _REGIONS:
        for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            text = text.replace(found.raw_string, f" {_BLANK} ")
    text = _EMAIL.sub(f" {_BLANK} ", text)
    text = _DIGITS.sub(f" {_BLANK} ", text)
    names = capitalised(text)
    out: list[str] = []
    for raw in text.split():
        core = raw.strip(".,;:!?«»\"'()")
        folded = fold(core)
        parts = folded.split()
        keep = (
            bool(parts)
            and all(p in words_known or p in known for p in parts)
            and not (any(p in names for p in parts))
        )
        shown = raw if keep or core == _BLANK or not core else raw.replace(core, _BLANK)
        if not (shown.strip() == _BLANK and out and out[-1].strip() == _BLANK):
            out.append(shown)
    return " ".join(out)[:1000]


@dataclass
class LocalInbox:
    """The SQLite inbox for the event loop: the disk is written from a worker thread, so that it
    never holds up a reply."""

    inbox: Inbox

    @property
    def keep_days(self) -> int:
        return self.inbox.keep_days

    async def record(self, chat_id: int, text: str) -> None:
        await asyncio.to_thread(self.inbox.record, chat_id, text)

    async def share(self, redacted: str) -> None:
        await asyncio.to_thread(self.inbox.share, redacted)

    async def report(self, days: int, limit: int = 20) -> list[Line]:
        return await asyncio.to_thread(self.inbox.report, days, limit)

    async def shared(self, days: int, limit: int = 20) -> list[str]:
        return await asyncio.to_thread(self.inbox.shared, days, limit)

    async def stored(self) -> list[tuple[str, str, int, int]]:
        return await asyncio.to_thread(self.inbox.stored)

    async def aclose(self) -> None:
        self.inbox.close()
