"""State kept between updates, behind small async protocols: each chat's last topic, how much of
its message budget a chat has used, which updates were already taken. In memory by default
(one process); `redis_store` implements the same protocols for several replicas, and
`bot.services` chooses between them, once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol


class StateKeyMismatch(Exception):
    """Another replica of this bot uses another STATE_KEY_SECRET on the same shared store."""


class ReloadAnnouncer(Protocol):
    async def announce(self) -> None: ...
    async def listen(self, on_reload: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None: ...
