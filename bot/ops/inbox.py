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

from bot.core.matcher import capitalised, common_french_words
from bot.core.normalize import fold

MIN_CHATS = 3  # a word is reported only once this many different chats used it
_LETTERS = re.compile(r"[a-z]+")


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
            self._db.commit()

    def record(self, chat_id: int, text: str) -> None:
        """Count a declined message's ordinary words and pairs of words."""
        words = ordinary_words(text, self._stopwords)
        terms = set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}
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
        on one day (a chat counted on two days may be the same: the key changed)."""
        since = (self._today() - dt.timedelta(days=days - 1)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT words, SUM(uses), SUM(chats) FROM counts WHERE day >= ? GROUP BY words "
                "HAVING MAX(chats) >= ? ORDER BY SUM(uses) DESC, words LIMIT ?",
                (since, MIN_CHATS, limit),
            ).fetchall()
        return [Line(words, int(uses), int(chats)) for words, uses, chats in rows]

    def stored(self) -> list[tuple[str, str, int, int]]:
        """Everything the store holds (for the privacy tests and for curious operators)."""
        with self._lock:
            return [tuple(row) for row in self._db.execute("SELECT * FROM counts ORDER BY day, words")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def render(lines: list[Line], days: int) -> str:
    """The report for curators (`python -m bot inbox`, /inconnues)."""
    if not lines:
        return f"Declined questions, last {days} days: no word used by {MIN_CHATS} chats or more."
    head = f"Declined questions, last {days} days: words used by {MIN_CHATS} chats or more (uses, words)"
    return "\n".join([head, *(f"{line.uses:5d}  {line.words}" for line in lines)])
