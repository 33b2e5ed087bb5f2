"""Telegram's sending limits: about 30 messages a second for a bot, and about one a second per
chat. Each message reserves its turn, once, and waits until then.

The schedule is a generic cell rate algorithm (GCRA): for a budget of `rate` a second that may
send `burst` messages at once, it keeps the theoretical time of the next message, and a message
may go once that time is less than (burst - 1) / rate away. A message needs a turn in both
budgets, the bot's and its chat's. Reserving (rather than trying again and again until a token
is free) costs one call per message however long the queue: with Redis, one round trip. The
chat's turn is taken first: when it is later, the message waits for it before it takes the bot's
turn, so that a chat with a long queue holds up no one else.

For the bot: 24 a second, 4 at once, so that no second ever sees more than 24 + 4 = 28 messages,
a margin under Telegram's 30 for the jitter of the network. For each chat: a reply's burst of 3
(answer, contact card, next steps), then one a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.state import ChatId

RATE = 24.0  # messages a second, for the bot as a whole (all replicas together)
# A turn is never awaited longer than this: a schedule computed in another time (a clock stepped
# back, a restored snapshot, a failover to another host) must not hold every reply for ever. The
# message goes, and Telegram's 429 with its retry_after (honoured by the rate limiter) paces it.
MAX_WAIT_SECONDS = 5.0
# A due time further ahead than this is impossible (no real backlog reaches it: 60 s is 1,440
# messages at the bot's rate): the schedule is reset, as if unused.
MAX_AHEAD_SECONDS = 60.0
PEAK = 4  # messages the bot may send at once
CHAT_RATE = 1.0  # messages a second to one chat
BURST = 3  # messages one chat may receive at once


def earliest(now: float, due: float | None, rate: float, burst: int) -> float:
    """The earliest time a message may go, in a budget whose next message is due at `due`
    (None: unused, or long enough ago)."""
    if due is None or due - now > MAX_AHEAD_SECONDS:  # unused, or impossible: start afresh
        return now
    return max(now, due - (burst - 1) / rate)


def next_due(due: float | None, sent_at: float, rate: float) -> float:
    """When the budget's next message is due, once one goes at `sent_at`."""
    if due is None or due - sent_at > MAX_AHEAD_SECONDS:
        return sent_at + 1 / rate
    return max(due, sent_at) + 1 / rate


@dataclass
class MemorySendTurns:
    """The budgets of one process, in memory (no Redis; or Redis down, for this replica alone)."""

    rate: float = RATE
    peak: int = PEAK
    chat_rate: float = CHAT_RATE
    burst: int = BURST
    clock: Callable[[], float] = time.monotonic
    _all: float | None = None
    _chats: dict[ChatId, float] = field(default_factory=dict)

    def take(self, chat_id: ChatId | None) -> tuple[float, float]:
        """Take the chat's next turn, and the bot's if the chat's is now: the seconds to wait for
        each. When the chat's turn is later, the bot's is not taken (0): ask again then, with
        no chat."""
        now = self.clock()
        if chat_id is not None:
            due = self._chats.get(chat_id)
            at = earliest(now, due, self.chat_rate, self.burst)
            if len(self._chats) > 10_000:  # a chat whose turn is past is as good as a new one
                self._chats = {c: d for c, d in self._chats.items() if d > now}
            self._chats[chat_id] = next_due(due, at, self.chat_rate)
            if at > now:
                return at - now, 0.0
        at = earliest(now, self._all, self.rate, self.peak)
        self._all = next_due(self._all, at, self.rate)
        return 0.0, at - now

    async def take_async(self, chat_id: ChatId | None) -> tuple[float, float]:
        return self.take(chat_id)

    async def wait_turn(self, chat_id: ChatId | None) -> None:
        """Wait until a message to `chat_id` keeps the bot within Telegram's limits."""
        await wait_turns(self.take_async, chat_id)


async def wait_turns(
    take: Callable[[ChatId | None], Awaitable[tuple[float, float]]], chat_id: ChatId | None
) -> None:
    """Wait for the chat's turn, then for the bot's (see `MemorySendTurns.take`)."""
    chat_wait, bot_wait = await take(chat_id)
    if chat_wait > 0:
        await asyncio.sleep(min(chat_wait, MAX_WAIT_SECONDS))
        _, bot_wait = await take(None)
    if bot_wait > 0:
        await asyncio.sleep(min(bot_wait, MAX_WAIT_SECONDS))
