"""Admin commands, for the user ids in ADMIN_USER_IDS, in private chats: /reload, /stats,
/inconnues. Registered only for them; every callback checks again, so that a mistake in the
wiring cannot open them to anyone. Their replies are for operators: English, figures only."""

from __future__ import annotations

import datetime as dt
import logging
import time

from telegram import Update
from telegram.constants import ChatType

from bot.channels.telegram.context import Context
from bot.core.html import escape, split_message
from bot.ops.inbox import InboxUnavailable, render
from bot.ops.metrics import OUTCOMES, RELOAD_RESULTS, UPDATE_KINDS

log = logging.getLogger(__name__)


def _allowed(update: Update, context: Context) -> bool:
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == ChatType.PRIVATE
        and user.id in context.bot_data.admins
    )


async def _say(update: Update, context: Context, text: str) -> None:
    assert update.effective_chat is not None
    for part in split_message(f"<pre>{escape(text)}</pre>"):
        await context.bot.send_message(update.effective_chat.id, part)


async def reload(update: Update, context: Context) -> None:
    """Reload the knowledge base now; the admin gets the problems, or what now serves."""
    if not _allowed(update, context) or context.bot_data.reloader is None:
        return
    log.info("update %d: /reload by an admin", update.update_id)
    result = await context.bot_data.reloader.ask("/reload by an admin")
    head = "Reloaded." if result.ok else "Refused; the version serving stays. Problems:"
    await _say(update, context, "\n".join([head, *result.lines]))


async def stats(update: Update, context: Context) -> None:
    """Aggregate counts since the start: nothing about any person."""
    if not _allowed(update, context):
        return
    data = context.bot_data
    metrics = data.metrics

    def counts(name: str, label: str, values: tuple[str, ...]) -> str:
        return ", ".join(f"{value} {metrics.count(name, label, value)}" for value in values)

    since = dt.datetime.fromtimestamp(data.started_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    engine = data.engine
    lines = [
        f"since {since} ({(time.time() - data.started_at) / 3600:.1f} h)",
        f"updates: {counts('bot_updates', 'kind', UPDATE_KINDS)}",
        f"replies to text: {counts('bot_answers', 'outcome', OUTCOMES)}",
        f"reloads: {counts('bot_knowledge_reloads', 'result', RELOAD_RESULTS)}",
        f"knowledge: {len(engine.kb.entries)} entries, version {engine.fingerprint}",
    ]
    await _say(update, context, "\n".join(lines))


async def unanswered(update: Update, context: Context) -> None:
    """/inconnues: the words of the questions the bot declined (counts, never texts)."""
    if not _allowed(update, context):
        return
    inbox = context.bot_data.services.inbox
    days = inbox.keep_days
    try:
        lines, shared = await inbox.report(days), await inbox.shared(days)
    except InboxUnavailable as error:
        await _say(update, context, f"The inbox cannot be read now ({error}).")
        return
    await _say(update, context, render(lines, days, shared))
