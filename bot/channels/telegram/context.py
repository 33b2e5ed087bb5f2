"""The typed `context.bot_data` every handler reads (python-telegram-bot's `ContextTypes`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.core.engine import Engine
from bot.ops.metrics import Metrics
from bot.ops.reload import Reloader
from bot.services import Services

T = TypeVar("T")


class NotStarted(RuntimeError):
    """A handler ran before `post_init` gave the bot its engine and services."""


class BotData:
    """The bot's engine and services. python-telegram-bot creates it empty (`ContextTypes`);
    `post_init` starts it, once; from then on neither is optional."""

    def __init__(self) -> None:
        self.metrics = Metrics()  # counts updates from the first one, before post_init
        self.reloader: Reloader | None = None  # set when the service starts taking updates
        self.admins: frozenset[int] = frozenset()  # user ids allowed the admin commands
        self.started_at = time.time()
        self._engine: Engine | None = None
        self._services: Services | None = None
        # Reading a message (its sentence embedding: 20-60 ms on one core) runs on this thread,
        # not on the event loop, which meanwhile goes on acknowledging the webhook, polling and
        # sending. One thread: the embedding engine is not known to be safe from two at once,
        # and one message at a time is what the bot was measured on (`make bench`).
        self._reading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reading")

    def start(self, engine: Engine, services: Services, admins: frozenset[int]) -> None:
        self._engine, self._services, self.admins = engine, services, admins

    async def off_loop(self, work: Callable[[], T]) -> T:
        """`work()`, on the reading thread; the event loop serves other updates meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._reading, work)

    def close(self) -> None:
        """Let the reading thread finish what it holds, then end it (post_shutdown)."""
        self._reading.shutdown(wait=True)

    @property
    def started(self) -> bool:
        return self._engine is not None and self._services is not None

    @property
    def engine(self) -> Engine:
        """The snapshot answering now; a reload swaps it whole."""
        if self._engine is None:
            raise NotStarted("post_init has not run")
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._engine = engine  # one reference: a message in hand keeps the engine it started with

    @property
    def services(self) -> Services:
        if self._services is None:
            raise NotStarted("post_init has not run")
        return self._services


# No chat_data or user_data: nothing is kept about a person but the follow-up topic, in its store.
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
BotApplication = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
