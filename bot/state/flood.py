"""A per-chat message budget, so that one person sending hundreds of messages cannot crowd out others.

Each chat has a bucket of `capacity` messages that refills at `capacity / period` a second. A
message that finds the bucket empty is not answered; the first such message gets one short
notice, the next ones silence, until the bucket refills. Only the chat's key and two numbers
are kept, for at most `max_chats` chats: the least recently seen are forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from bot.state import ChatId


class Admission(Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # over budget, first time: say once that answers resume shortly
    SILENCE = "silence"  # over budget again: drop without a word


class FloodBudget(Protocol):
    """Decides whether a chat's next message is answered; a shared store can implement it too."""

    async def admit(self, chat: ChatId) -> Admission: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float
    noticed: bool = False


@dataclass
class MemoryFloodBudget:
    """Token buckets in this process's memory (the default: one process)."""

    capacity: int = 5
    period: float = 10.0
    max_chats: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[ChatId, _Bucket] = field(default_factory=OrderedDict)

    async def admit(self, chat: ChatId) -> Admission:
        now = self.clock()
        bucket = self._buckets.pop(chat, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.capacity), updated=now)
        else:
            refill = (now - bucket.updated) * self.capacity / self.period
            bucket.tokens = min(float(self.capacity), bucket.tokens + refill)
            bucket.updated = now
        self._buckets[chat] = bucket  # most recently used last
        while len(self._buckets) > self.max_chats:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.noticed = False
            return Admission.ANSWER
        if bucket.noticed:
            return Admission.SILENCE
        bucket.noticed = True
        return Admission.NOTICE
