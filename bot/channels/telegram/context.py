"""The typed `context.bot_data` every handler reads (python-telegram-bot's `ContextTypes`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.core.engine import Engine
from bot.ops.inbox import InboxStore
from bot.ops.metrics import Metrics
from bot.ops.reload import Reloader
from bot.state import ReloadAnnouncer
from bot.state.flood import FloodBudget
from bot.state.followups import FollowUpStore
from bot.state.handover import Handover
from bot.state.seen import SeenUpdates


@dataclass
class BotData:
    """The bot's services. Filled by `post_init`; python-telegram-bot creates it empty."""

    engine: Engine | None = None  # the snapshot answering now; a reload swaps it whole
    followups: FollowUpStore | None = None
    flood: FloodBudget | None = None
    seen: SeenUpdates | None = None  # update ids already taken (the webhook's de-duplication)
    metrics: Metrics = field(default_factory=Metrics)
    inbox: InboxStore | None = None  # counts of ordinary words of declined questions
    reloader: Reloader | None = None
    reloads: ReloadAnnouncer | None = None  # several replicas: reloads announced to all
    admins: frozenset[int] = frozenset()  # user ids allowed the admin commands
    # Webhook mode: where acknowledged updates unanswered at a stop go (bot/state/handover.py).
    handover: Handover | None = None
    started_at: float = field(default_factory=time.time)

    def ready(self) -> tuple[Engine, FollowUpStore, FloodBudget]:
        assert self.engine is not None and self.followups is not None and self.flood is not None, (
            "post_init has not run"
        )
        return self.engine, self.followups, self.flood


# No chat_data or user_data: nothing is kept about a person but the follow-up topic, in its store.
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
BotApplication = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
