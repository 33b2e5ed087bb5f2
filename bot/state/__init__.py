"""State kept between updates, behind small async protocols: each chat's last topic, how much of
its message budget a chat has used, which updates were already taken. In memory by default
(one process); a shared store can implement the same protocols for several replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.state.flood import FloodBudget, MemoryFloodBudget
from bot.state.followups import FollowUpStore, MemoryFollowUpStore
from bot.state.seen import MemorySeenUpdates, SeenUpdates
from bot.state.sending import MemorySendTurns


class StateKeyMismatch(Exception):
    """Another replica of this bot uses another STATE_KEY_SECRET on the same shared store."""


class ReloadAnnouncer(Protocol):
    async def announce(self) -> None: ...
    async def listen(self, on_reload: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None: ...


@dataclass
class State:
    followups: FollowUpStore
    flood: FloodBudget
    seen: SeenUpdates
    closing: Callable[[], Awaitable[None]] | None = None  # releases a network store's connections
    # Wait until a message to a chat keeps the bot (all its replicas) within Telegram's limits.
    send_turn: Callable[[object | None], Awaitable[None]] | None = None
    reloads: ReloadAnnouncer | None = None  # several replicas: a reload asked on one reaches all
    redis: Any = None  # the shared store's client, for the inbox to count in the same Redis
    # Checks at start what must agree between replicas (StateKeyMismatch): a shared store only.
    verify: Callable[[], Awaitable[None]] | None = None

    async def aclose(self) -> None:
        if self.closing is not None:
            await self.closing()


def in_memory(
    flood_messages: int = 5, flood_seconds: float = 10.0, turns: MemorySendTurns | None = None
) -> State:
    turns = turns or MemorySendTurns()
    return State(
        MemoryFollowUpStore(),
        MemoryFloodBudget(flood_messages, flood_seconds),
        MemorySeenUpdates(),
        send_turn=turns.wait_turn,
    )


def in_redis(
    url: str,
    secret: str,
    flood_messages: int,
    flood_seconds: float,
    report: Callable[[bool], None],
    bot_id: int | str = "",
) -> State:
    """Everything in one Redis, shared by every replica of the bot `bot_id`
    (bot/state/redis_store.py)."""
    from bot.state.redis_store import RedisReloads, RedisState, namespace

    prefix = namespace(bot_id)
    shared = RedisState.from_url(
        url, secret, capacity=flood_messages, period=flood_seconds, report=report, prefix=prefix
    )
    return State(
        shared,
        shared,
        shared,
        shared.aclose,
        shared.wait_turn,
        RedisReloads(shared.client, prefix),
        shared.client,
        shared.check_key,
    )
