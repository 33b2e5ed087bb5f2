"""Handle chats concurrently, each chat's updates in order, and stop within a deadline.

One update at a time for the whole bot means one person sending two hundred messages makes
everyone else wait. Here each chat has its own queue and worker; at most `max_running` updates
are handled at once (so that what is "in hand" at shutdown is bounded). On shutdown nothing new
starts, what runs may finish until the deadline, and the rest is abandoned unanswered: it was
never marked handled, so the next start fetches it again. A reply already under way at the
deadline (a request to Telegram on the wire, or a message delivered) is let finish for a short
grace: cut there, its update would be handed over although Telegram may have it, and the
person would get the answer twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")

# Past the deadline, how long a reply under way may take to finish: a reply is at most three
# messages, one a second in a chat.
ANSWER_GRACE = 3.0


@dataclass
class Answer:
    """How far the reply to the update being handled has gone (the rate limiter keeps it)."""

    on_wire: int = 0  # requests sent to Telegram and not answered yet
    delivered: int = 0  # requests Telegram answered

    @property
    def under_way(self) -> bool:
        return self.on_wire > 0 or self.delivered > 0


# The reply of the update this task handles: set by the chat's worker, read by the rate limiter
# (python-telegram-bot runs the handlers in the worker's task).
ANSWER: ContextVar[Answer | None] = ContextVar("answer", default=None)


class ChatDispatcher(Generic[Item]):
    """Runs `handle(item)` for submitted items: concurrently across keys, in order within a key."""

    def __init__(
        self,
        handle: Callable[[Item], Awaitable[None]],
        on_done: Callable[[int], None],
        max_running: int = 32,
    ) -> None:
        self._handle = handle
        self._on_done = on_done
        self._slots = asyncio.Semaphore(max_running)
        self._queues: dict[Hashable, deque[tuple[int, Item]]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}
        self._answers: dict[Hashable, Answer] = {}  # the reply each worker is giving now
        self._in_hand: set[int] = set()
        self._closing = False

    @property
    def in_hand(self) -> frozenset[int]:
        """Update ids submitted and not yet done (queued or running)."""
        return frozenset(self._in_hand)

    def submit(self, key: Hashable, update_id: int, item: Item) -> None:
        if self._closing:
            return
        self._in_hand.add(update_id)
        self._queues.setdefault(key, deque()).append((update_id, item))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name="chat-worker")

    async def _work(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue and not self._closing:
                update_id, item = queue[0]
                async with self._slots:
                    if self._closing:
                        return
                    answer = self._answers[key] = Answer()
                    ANSWER.set(answer)
                    try:
                        await self._handle(item)
                    except Exception as error:  # the handler reports its own errors; this is a guard
                        log.error("update %d: unhandled %s", update_id, type(error).__name__)
                queue.popleft()
                self._in_hand.discard(update_id)
                self._on_done(update_id)
        finally:
            if not queue or self._closing:
                self._queues.pop(key, None)
            self._workers.pop(key, None)
            self._answers.pop(key, None)

    async def close(self, deadline: float) -> int:
        """Start nothing new; let running updates finish for `deadline` seconds; count the abandoned."""
        self._closing = True
        workers = dict(self._workers)
        if workers:
            _, late = await asyncio.wait(workers.values(), timeout=deadline)
            under_way = {
                task
                for key, task in workers.items()
                if task in late and (answer := self._answers.get(key)) is not None and answer.under_way
            }
            # The others now, before the grace: left running, they would start sending during
            # it and be cut on the wire at its end.
            for task in late - under_way:
                task.cancel()
            if under_way:
                await asyncio.wait(under_way, timeout=ANSWER_GRACE)
            for task in under_way:
                task.cancel()  # overstayed the grace (no effect on those done)
            await asyncio.gather(*late, return_exceptions=True)
        # What was abandoned stays "in hand": the offset must not move past it, so that
        # Telegram delivers it again to the next start.
        self._queues.clear()
        return len(self._in_hand)
