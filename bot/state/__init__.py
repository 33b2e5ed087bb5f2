"""State kept between updates, behind small async protocols: each chat's last topic, how much of
its message budget a chat has used, which updates were already taken. In memory by default
(one process); `redis_store` implements the same protocols for several replicas, and
`bot.services` chooses between them, once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NewType, Protocol

# A Telegram chat's id, the one key of every per-chat store (follow-ups, flood budget, sending
# turns, the inbox's counts). Only a channel makes one, from an update; a store that others can
# read (Redis, the inbox file) keeps it only through a keyed hash. Its own type, so that an
# update id or a message id passed where a chat is meant fails mypy, not a person.
ChatId = NewType("ChatId", int)


class StateKeyMismatch(Exception):
    """Another replica of this bot uses another STATE_KEY_SECRET on the same shared store."""


class ReloadAnnouncer(Protocol):
    async def announce(self) -> None: ...
    async def listen(self, on_reload: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None: ...
