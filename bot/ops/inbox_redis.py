"""The unanswered-question inbox in Redis, when the replicas share one (REDIS_URL): the same counts,
privacy rules and expiries as the SQLite file of one process (bot/ops/inbox.py).

Per day D, under `cicr:inbox:D:`:
- `uses`, `chats`: hashes from a word, or a pair of words, to its uses and to how many different
  chats used it; `shared`: the questions their writers chose to share, redacted. All three expire
  `keep_days` after their day, as the SQLite rows are deleted.
- `key` (random, made by whichever replica counts first that day) and `seen`: one marker per chat
  and word, a hash of the day's key, of the chat's HMAC under STATE_KEY_SECRET (which Redis does
  not hold) and of the word. Both expire at the end of the day: from then on nothing links a count
  to a chat, nor a chat's words on one day to another day's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from bot.core.normalize import fold
from bot.ops.inbox import MIN_CHATS, InboxUnavailable, Line, terms_of
from bot.state import ChatId

log = logging.getLogger(__name__)

PREFIX = "cicr:"  # then the bot's id (`bot.state.redis_store.namespace`), then "inbox:"
MAX_SHARED_PER_DAY = 1000  # a day's shared questions beyond this push the oldest out

# One round trip, atomic: several replicas counting the same word for the same chat at the same
# moment still count one chat.
_RECORD = """
local key = redis.call('GET', KEYS[4])
if not key then
  key = ARGV[3]
  redis.call('SET', KEYS[4], key, 'EXAT', ARGV[2])
end
for i = 5, #ARGV do
  redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
  if redis.call('SADD', KEYS[3], redis.sha1hex(key .. ARGV[4] .. ARGV[i])) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
  end
end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[2], ARGV[1])
redis.call('EXPIREAT', KEYS[3], ARGV[2])
return 0
"""


def _midnight(day: dt.date) -> int:
    """The start of that day, in this machine's time zone, as Unix seconds."""
    return int(dt.datetime.combine(day, dt.time()).timestamp())


@dataclass
class RedisInbox:
    """Implements `InboxStore`; shares the client (and its short timeouts) with the other state.
    While Redis is down, declined questions are not counted: the bot answers as before, and
    `record` and `share` say False (logged once per outage) for the handler to count and tell."""

    client: aioredis.Redis
    secret: bytes
    stopwords: Iterable[str]
    keep_days: int = 30
    today: Callable[[], dt.date] = dt.date.today
    prefix: str = PREFIX  # the bot's namespace: a staging bot's counts are not production's
    _stop: frozenset[str] = field(init=False)
    _script: Any = field(default=None, init=False)
    _failing: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._stop = frozenset(fold(w) for w in self.stopwords)

    def _keys(self, day: dt.date) -> tuple[str, str, str, str, str]:
        base = f"{self.prefix}inbox:{day.isoformat()}:"
        return f"{base}uses", f"{base}chats", f"{base}seen", f"{base}key", f"{base}shared"

    def _expiries(self, day: dt.date) -> tuple[int, int]:
        """When the day's counts go (`keep_days` after it, as in SQLite), and its markers (at
        its end, with a few minutes for the replicas' clocks to agree)."""
        return _midnight(day + dt.timedelta(days=self.keep_days + 1)), _midnight(
            day + dt.timedelta(days=1)
        ) + 300

    def _failed(self, error: Exception, doing: str) -> None:
        if not self._failing:  # said once per outage: the log is not flooded
            log.warning("inbox in Redis unavailable, %s skipped (%s)", doing, type(error).__name__)
        self._failing = True

    async def record(self, chat_id: ChatId, text: str) -> bool:
        terms = sorted(terms_of(text, self._stop))
        if not terms:
            return True  # nothing to keep, nothing lost
        day = self.today()
        uses, chats, seen, key, _ = self._keys(day)
        counts_until, markers_until = self._expiries(day)
        chat = hmac.new(self.secret, f"inbox:{chat_id}".encode(), hashlib.sha256).hexdigest()
        if self._script is None:
            self._script = self.client.register_script(_RECORD)
        try:
            await self._script(
                keys=[uses, chats, seen, key],
                args=[counts_until, markers_until, secrets.token_hex(32), chat, *terms],
            )
        except (RedisError, OSError, TimeoutError) as error:
            self._failed(error, "a count")
            return False
        self._failing = False
        return True

    async def share(self, redacted: str) -> bool:
        day = self.today()
        shared = self._keys(day)[4]
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.lpush(shared, redacted)
                pipe.ltrim(shared, 0, MAX_SHARED_PER_DAY - 1)
                pipe.expireat(shared, self._expiries(day)[0])
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            self._failed(error, "a shared question")
            return False
        self._failing = False
        return True

    async def _days(self, days: int) -> list[tuple[dt.date, dict[str, int], dict[str, int]]]:
        """Each of the last `days` days with its uses and chats per word. InboxUnavailable when
        Redis fails: a curator asking must see that, not an empty report."""
        today = self.today()
        span = [today - dt.timedelta(days=n) for n in range(min(days, self.keep_days + 1))]
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for day in span:
                    uses, chats, *_ = self._keys(day)
                    pipe.hgetall(uses)
                    pipe.hgetall(chats)
                found = await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            raise InboxUnavailable(type(error).__name__) from error

        def decoded(raw: dict[bytes, bytes]) -> dict[str, int]:
            return {k.decode(): int(v) for k, v in raw.items()}

        return [(day, decoded(found[2 * n]), decoded(found[2 * n + 1])) for n, day in enumerate(span)]

    async def report(self, days: int, limit: int = 20) -> list[Line]:
        """As `Inbox.report`: the words used by MIN_CHATS chats on one day, with their trend."""
        today = self.today()
        week, before = today - dt.timedelta(days=6), today - dt.timedelta(days=13)
        uses: dict[str, int] = defaultdict(int)
        chats: dict[str, int] = defaultdict(int)
        most: dict[str, int] = defaultdict(int)
        recent: dict[str, int] = defaultdict(int)
        earlier: dict[str, int] = defaultdict(int)
        for day, day_uses, day_chats in await self._days(days):
            for words, count in day_uses.items():
                uses[words] += count
                chats[words] += day_chats.get(words, 0)
                most[words] = max(most[words], day_chats.get(words, 0))
                if day >= week:
                    recent[words] += count
                elif day >= before:
                    earlier[words] += count
        kept = sorted((w for w in uses if most[w] >= MIN_CHATS), key=lambda w: (-uses[w], w))
        return [Line(w, uses[w], chats[w], recent[w], earlier[w]) for w in kept[:limit]]

    async def shared(self, days: int, limit: int = 20) -> list[str]:
        today = self.today()
        found: list[str] = []
        for n in range(min(days, self.keep_days + 1)):
            if len(found) >= limit:
                break
            try:
                texts = await self.client.lrange(self._keys(today - dt.timedelta(days=n))[4], 0, limit - 1)
            except (RedisError, OSError, TimeoutError) as error:
                raise InboxUnavailable(type(error).__name__) from error
            found += [t.decode() if isinstance(t, bytes) else str(t) for t in texts]
        return found[:limit]

    async def stored(self) -> list[tuple[str, str, int, int]]:
        rows = []
        for day, uses, chats in await self._days(self.keep_days + 1):
            rows += [(day.isoformat(), words, uses[words], chats.get(words, 0)) for words in sorted(uses)]
        return sorted(rows)

    async def aclose(self) -> None:
        """Nothing: the client belongs to the shared state, which closes it."""
