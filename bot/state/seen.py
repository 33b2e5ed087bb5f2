"""Which update ids were already taken: Telegram may deliver an update again (a webhook retried
after a slow answer, a restart); it must be answered once. Only the ids are kept, a day long."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

DAY = 24 * 3600  # Telegram keeps an undelivered update for 24 hours


class SeenUpdates(Protocol):
    async def first_time(self, update_id: int) -> bool:
        """True the first time an id is offered (the caller handles it), False after."""
        ...


@dataclass
class MemorySeenUpdates:
    ttl: float = DAY
    max_ids: int = 200_000
    clock: Callable[[], float] = time.monotonic
    _seen: OrderedDict[int, float] = field(default_factory=OrderedDict)

    async def first_time(self, update_id: int) -> bool:
        now = self.clock()
        while self._seen and (
            len(self._seen) >= self.max_ids or now - next(iter(self._seen.values())) > self.ttl
        ):
            self._seen.popitem(last=False)
        if update_id in self._seen:
            return False
        self._seen[update_id] = now
        return True
