"""The typed `context.bot_data` every handler reads (python-telegram-bot's `ContextTypes`)."""

from __future__ import annotations

import time
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.core.engine import Engine
from bot.ops.metrics import Metrics
from bot.ops.reload import Reloader
from bot.services import Services


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

    def start(self, engine: Engine, services: Services, admins: frozenset[int]) -> None:
        self._engine, self._services, self.admins = engine, services, admins

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
