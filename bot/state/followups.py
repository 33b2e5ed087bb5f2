"""Where each chat's last topic is kept between messages, for follow-ups ("et le téléphone ?").

Only an entry id per chat, forgotten after 30 minutes. Behind an async protocol, so that a
network store (Redis, for several replicas) can take the in-memory one's place.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.deployment import CONTEXT_SECONDS
from bot.core.replies import Reply
from bot.state import ChatId


class FollowUpStore(Protocol):
    async def get(self, chat_id: ChatId) -> str | None: ...
    async def set(self, chat_id: ChatId, entry_id: str) -> None: ...
    async def clear(self, chat_id: ChatId) -> None: ...


async def keep(store: FollowUpStore, chat_id: ChatId, reply: Reply) -> None:
    """Record what the reply makes of the chat's last topic."""
    if reply.remember:
        await store.set(chat_id, reply.remember)
    elif reply.forget:
        await store.clear(chat_id)


@dataclass
class MemoryFollowUpStore:
    """Last topic per chat in this process, forgotten after `ttl` seconds; bounded so memory
    cannot grow forever (the least recently used chats go first)."""

    ttl: float = CONTEXT_SECONDS
    max_chats: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _topics: OrderedDict[ChatId, tuple[str, float]] = field(default_factory=OrderedDict)

    async def get(self, chat_id: ChatId) -> str | None:
        found = self._topics.get(chat_id)
        if found is None:
            return None
        entry_id, saved_at = found
        if self.clock() - saved_at > self.ttl:
            del self._topics[chat_id]
            return None
        return entry_id

    async def set(self, chat_id: ChatId, entry_id: str) -> None:
        self._topics[chat_id] = (entry_id, self.clock())
        self._topics.move_to_end(chat_id)
        while len(self._topics) > self.max_chats:
            self._topics.popitem(last=False)

    async def clear(self, chat_id: ChatId) -> None:
        self._topics.pop(chat_id, None)
