"""State shared by several replicas, in Redis: follow-up topics, seen updates, flood budgets.

No raw chat id is stored: a chat becomes an HMAC of its id under STATE_KEY_SECRET. Every key and
channel is scoped by the bot's id (`cicr:<bot id>:`), so that a staging bot on the same database
neither drains production's sending budget nor triggers its reloads; and the replicas check at
start that they share one STATE_KEY_SECRET (a fingerprint of it is kept in Redis), since with
different ones a person would be several chats and follow-ups would be lost between replicas.
Timeouts are short and explicit (the client's defaults take seconds to fail). When Redis is down,
slow or full the bot keeps answering, without follow-ups and de-duplication and with every message
admitted; it says so once in the log and in `bot_state_up`, and that it is back once the kind of
call that failed (a read, a write) succeeds again: a full Redis fails writes and serves reads,
which must not flip the state at every message.

Memory (`docs`/README): seen updates are bits, 65,536 to a key (8 kB, kept a day): about 300 kB a
day at 25 updates a second; a follow-up topic is about 100 bytes a chat, for 30 minutes; a flood
budget about 150 bytes a chat, for the flood period plus a minute; a sending turn about 90 bytes a
chat, for a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.core.deployment import CONTEXT_SECONDS
from bot.state import ChatId, StateKeyMismatch
from bot.state.flood import Admission
from bot.state.seen import DAY
from bot.state.sending import MAX_AHEAD_SECONDS, MemorySendTurns, wait_turns

log = logging.getLogger(__name__)

PREFIX = "cicr:"
TIMEOUT_SECONDS = 0.25  # a reply must not wait on a sick store
SEEN_BITS = 16  # update ids per seen-bitmap key: 2**16 (8 kB)
_KEY_CHECK = b"cicr state key check"  # HMAC'd with the secret: a fingerprint that reveals nothing


def namespace(bot_id: int | str) -> str:
    """The prefix of every key and channel of one bot."""
    return f"{PREFIX}{bot_id}:"


# First sight of an update id: one bit in a bitmap of 65,536 ids (SETBIT returns the bit before).
_SEEN = """
local before = redis.call('SETBIT', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return before
"""
T = TypeVar("T")

# A token bucket per chat, refilled from Redis's own clock (replicas' clocks may differ).
_ADMIT = """
local capacity, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'noticed')
local tokens = tonumber(b[1]) or capacity
local updated = tonumber(b[2]) or now
local noticed = b[3] == '1'
tokens = math.min(capacity, tokens + (now - updated) * capacity / period)
local verdict = 0
if tokens >= 1 then tokens = tokens - 1; noticed = false
elseif noticed then verdict = 2
else noticed = true; verdict = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now),
           'noticed', noticed and '1' or '0')
redis.call('EXPIRE', KEYS[1], math.ceil(period) + 60)
return verdict
"""
_VERDICTS = (Admission.ANSWER, Admission.NOTICE, Admission.SILENCE)

# Telegram's sending limits for all replicas together (bot/state/sending.py, the same steps), on
# Redis's clock. KEYS: the due time of the chat's next message ('' for none), of the bot's.
# ARGV: the chat's rate and burst, the bot's rate and peak, the furthest a due time may be ahead
# (further is a schedule from another clock: reset). Returns the milliseconds to wait for the
# chat's turn and for the bot's (not taken when the chat's turn is later).
_SEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ahead = tonumber(ARGV[5])
local function turn(key, rate, burst)
  local due = tonumber(redis.call('GET', key))
  if due and due - now > ahead then due = nil end
  local at = now
  if due then at = math.max(now, due - (burst - 1) / rate) end
  local following = math.max(due or at, at) + 1 / rate
  redis.call('SET', key, string.format('%.6f', following), 'EX', math.ceil(following - now) + 60)
  return at - now
end
if KEYS[1] ~= '' then
  local wait = turn(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
  if wait > 0 then return {math.ceil(wait * 1000), 0} end
end
return {0, math.ceil(turn(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])) * 1000)}
"""


@dataclass
class RedisConnection:
    """One client shared by the stores below: the bot's keys (a chat only as an HMAC), whether
    Redis answers (said once per outage), and the check that replicas share one secret."""

    client: aioredis.Redis
    secret: bytes
    prefix: str = PREFIX  # `namespace(bot id)` in service
    report: Callable[[bool], None] = lambda up: None  # tells the metrics whether Redis answers
    up: bool = True
    _failing: set[bool] = field(default_factory=set, init=False)  # {write?} of the calls that failed

    @classmethod
    def from_url(
        cls, url: str, secret: str, *, prefix: str = PREFIX, report: Callable[[bool], None] = lambda up: None
    ) -> RedisConnection:
        # One retry on a broken connection: after Redis restarts, the pooled connections are dead
        # and the first command on each would fail for nothing. Never on a timeout (redis-py's
        # default retries those too): the command may have run, and "first time?" asked again
        # finds its own mark and drops a new update as already seen.
        client = aioredis.Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            retry_on_error=[RedisConnectionError],
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            retry_on_timeout=False,
            health_check_interval=0,
        )
        return cls(client, secret.encode(), prefix, report)

    def key(self, kind: str, chat: ChatId) -> str:
        digest = hmac.new(self.secret, str(chat).encode(), hashlib.sha256).hexdigest()[:32]
        return f"{self.prefix}{kind}:{digest}"

    async def check_key(self) -> None:
        """StateKeyMismatch if replicas of this bot use different STATE_KEY_SECRETs. The first
        replica to start writes the fingerprint; Redis down: not checked (said once)."""
        mine = hmac.new(self.secret, _KEY_CHECK, hashlib.sha256).hexdigest()[:16]
        key = f"{self.prefix}key-check"
        try:
            await self.client.set(key, mine, nx=True)
            found = await self.client.get(key)
        except (RedisError, OSError, TimeoutError) as error:
            log.warning(
                "could not check STATE_KEY_SECRET against the other replicas (%s)", type(error).__name__
            )
            return
        stored = found.decode() if isinstance(found, bytes) else str(found)
        if stored != mine:
            raise StateKeyMismatch(
                "STATE_KEY_SECRET differs from the one other replicas of this bot use on this Redis "
                "(its fingerprint does not match): give every replica the same secret"
            )

    async def call(self, action: Callable[[], Awaitable[T]], fallback: T, *, write: bool = True) -> T:
        """`action`'s result, or `fallback` when Redis fails: the bot answers without the store."""
        try:
            result = await action()
        except (RedisError, OSError, TimeoutError) as error:
            self._failing.add(write)
            if self.up:
                self.up = False
                self.report(False)
                log.error(
                    "state store failing (%s): answering without follow-ups and "
                    "de-duplication until it is back",
                    type(error).__name__,
                )
            return fallback
        self._failing.discard(write)
        if not self.up and not self._failing:
            self.up = True
            self.report(True)
            log.warning("state store back: follow-ups and de-duplication resume")
        return result

    async def aclose(self) -> None:
        await self.client.aclose()


@dataclass
class RedisFollowUps:
    """`FollowUpStore`: each chat's last topic, for `ttl` seconds."""

    connection: RedisConnection
    ttl: float = CONTEXT_SECONDS

    async def get(self, chat_id: ChatId) -> str | None:
        redis = self.connection
        found = await redis.call(lambda: redis.client.get(redis.key("topic", chat_id)), None, write=False)
        return found.decode() if isinstance(found, bytes) else found

    async def set(self, chat_id: ChatId, entry_id: str) -> None:
        redis = self.connection
        key = redis.key("topic", chat_id)
        await redis.call(lambda: redis.client.set(key, entry_id, ex=int(self.ttl)), None)

    async def clear(self, chat_id: ChatId) -> None:
        redis = self.connection
        await redis.call(lambda: redis.client.delete(redis.key("topic", chat_id)), None)


@dataclass
class RedisSeenUpdates:
    """`SeenUpdates`: exactly one replica takes each update id."""

    connection: RedisConnection
    _seen: Any = field(default=None, init=False)

    async def first_time(self, update_id: int) -> bool:
        redis = self.connection
        if self._seen is None:
            self._seen = redis.client.register_script(_SEEN)
        bucket, bit = divmod(update_id, 1 << SEEN_BITS)
        key = f"{redis.prefix}seen:{bucket}"

        async def take() -> bool:
            return int(await self._seen(keys=[key], args=[bit, DAY])) == 0

        # Redis down: handle it (an update answered twice beats one lost).
        return await redis.call(take, True)


@dataclass
class RedisFloodBudget:
    """`FloodBudget`: each chat's messages, counted across the replicas."""

    connection: RedisConnection
    capacity: int = 5
    period: float = 10.0
    _admit: Any = field(default=None, init=False)

    async def admit(self, chat: ChatId) -> Admission:
        redis = self.connection
        if self._admit is None:
            self._admit = redis.client.register_script(_ADMIT)
        key = redis.key("flood", chat)
        verdict = await redis.call(lambda: self._admit(keys=[key], args=[self.capacity, self.period]), 0)
        return _VERDICTS[int(verdict)]


@dataclass
class RedisSendTurns:
    """Telegram's sending limits for all replicas together (`MemorySendTurns`, shared)."""

    connection: RedisConnection
    local_turns: MemorySendTurns = field(default_factory=MemorySendTurns)
    _send: Any = field(default=None, init=False)

    async def take(self, chat_id: ChatId | None) -> tuple[float, float]:
        """`MemorySendTurns.take` for all replicas. Redis down: this replica's own turns, so
        that it alone stays within the limits."""
        redis = self.connection
        if self._send is None:
            self._send = redis.client.register_script(_SEND)
        chat_key = redis.key("send", chat_id) if chat_id is not None else ""
        turns = self.local_turns
        args = [turns.chat_rate, turns.burst, turns.rate, turns.peak, MAX_AHEAD_SECONDS]
        both = [chat_key, f"{redis.prefix}send:all"]
        waits = await redis.call(lambda: self._send(keys=both, args=args), None)
        if waits is None:
            return turns.take(chat_id)
        return int(waits[0]) / 1000, int(waits[1]) / 1000

    async def wait_turn(self, chat_id: ChatId | None) -> None:
        """Wait until a message to `chat_id` keeps all replicas within Telegram's limits."""
        await wait_turns(self.take, chat_id)


@dataclass(frozen=True)
class RedisStores:
    """One bot's stores over one connection; each implements one protocol of `bot.state`."""

    connection: RedisConnection
    followups: RedisFollowUps
    seen: RedisSeenUpdates
    flood: RedisFloodBudget
    turns: RedisSendTurns
    reloads: RedisReloads

    @classmethod
    def from_url(
        cls,
        url: str,
        secret: str,
        *,
        capacity: int = 5,
        period: float = 10.0,
        report: Callable[[bool], None] = lambda up: None,
        prefix: str = PREFIX,
    ) -> RedisStores:
        connection = RedisConnection.from_url(url, secret, prefix=prefix, report=report)
        return cls(
            connection,
            RedisFollowUps(connection),
            RedisSeenUpdates(connection),
            RedisFloodBudget(connection, capacity, period),
            RedisSendTurns(connection),
            RedisReloads(connection.client, prefix),
        )

    @property
    def client(self) -> aioredis.Redis:
        return self.connection.client

    async def aclose(self) -> None:
        await self.connection.aclose()


RELOAD_CHANNEL = "reload"  # under the bot's prefix
# How many reloads were ever announced: a replica cut off from Redis when one was announced (pub/sub
# keeps nothing) finds the number changed when it subscribes again, and reloads then.
RELOAD_GENERATION = "reload-generation"
RELOAD_CHECK_SECONDS = 2.0  # how often a replica also reads that number, announcements aside


@dataclass
class RedisReloads:
    """A reload asked on one replica (SIGHUP, /reload) is announced to all; each then builds,
    checks and swaps its own engine. Messages carry only the announcing replica's random id and
    the reload's number."""

    client: aioredis.Redis
    prefix: str = PREFIX  # `namespace(bot id)` in service
    replica: str = field(default_factory=lambda: secrets.token_hex(8))
    _seen: int | None = field(default=None, init=False)  # the last reload number acted upon

    @property
    def channel(self) -> str:
        return f"{self.prefix}{RELOAD_CHANNEL}"

    @property
    def generation(self) -> str:
        return f"{self.prefix}{RELOAD_GENERATION}"

    async def announce(self) -> None:
        try:
            generation = int(await self.client.incr(self.generation))
            self._seen = generation  # this replica has just reloaded
            await self.client.publish(self.channel, f"{self.replica}:{generation}")
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("could not tell the other replicas to reload (%s)", type(error).__name__)

    async def listen(self, on_reload: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
        """Until `stop`: reload when another replica announces it, or when one was announced
        while this replica could not hear it. Reconnects by itself."""
        while not stop.is_set():
            try:
                if self._seen is None:  # this replica's files are as of now, before it listens
                    self._seen = int(await self.client.get(self.generation) or 0)
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    checked = -math.inf
                    while not stop.is_set():
                        if time.monotonic() - checked >= RELOAD_CHECK_SECONDS:
                            # After subscribing, so that an announcement in between is not
                            # missed (at worst it is seen twice, the second time known); and
                            # again now and then: the client may reconnect and subscribe again by
                            # itself, and an announcement made meanwhile reaches no one.
                            checked = time.monotonic()
                            await self._catch_up(int(await self.client.get(self.generation) or 0), on_reload)
                        # Within the client's socket timeout, so that waiting is no error.
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                        if message is None:
                            continue
                        data = message.get("data")
                        sender, _, number = (
                            data.decode() if isinstance(data, bytes) else str(data)
                        ).partition(":")
                        if sender != self.replica and number.isdigit():
                            await self._catch_up(int(number), on_reload)
            except (RedisError, OSError, TimeoutError):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)  # Redis down: try again

    async def _catch_up(self, generation: int, on_reload: Callable[[], Awaitable[object]]) -> None:
        """Reload unless this reload number was already acted upon."""
        if generation != self._seen:
            self._seen = generation
            await on_reload()
