"""The Telegram callbacks: each translates an update into a `Dialogue` call and sends the reply.

No decision is taken here: what to answer is the dialogue's, the chat's last topic is the
follow-up store's. Message text is never logged.
"""

from __future__ import annotations

import logging
import time

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram import Message as TelegramMessage
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.channels.telegram.context import Context
from bot.core.html import split_message
from bot.core.knowledge import Contact
from bot.core.replies import SHARE_QUESTION, Message, Reply
from bot.ops.inbox import InboxStore, redact
from bot.ops.metrics import UPDATE_KINDS, Metrics
from bot.state import ChatId
from bot.state.flood import Admission
from bot.state.followups import keep

log = logging.getLogger(__name__)


def _markup(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.action)
                for b in row
            ]
            for row in message.buttons
        ]
    )


def _vcard(contact: Contact) -> str:
    def value(text: str) -> str:  # vCard 3.0 escaping
        return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{value(contact.name)}",
        f"ORG:{value(contact.name)}",
        f"TEL;TYPE=WORK,VOICE:{contact.phone}",
    ]
    if contact.address:
        lines.append(f"ADR;TYPE=WORK:;;{value(contact.address)};;;;")
    lines.append("END:VCARD")
    return "\n".join(lines)


async def send_reply(bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None) -> None:
    """Send the reply's messages in order; long texts are split, buttons go on the last part,
    which answers message `reply_to` when one is given."""
    last = len(reply.messages) - 1
    quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
    for number, message in enumerate(reply.messages):
        if message.contact is not None:
            await bot.send_contact(
                chat_id,
                phone_number=message.contact.phone,
                first_name=message.contact.name[:64],
                vcard=_vcard(message.contact),
            )
            continue
        parts = split_message(message.html)
        for index, part in enumerate(parts):
            final = index == len(parts) - 1
            # Parse mode (HTML) and link previews (off) come from the application's Defaults.
            await bot.send_message(
                chat_id,
                part,
                reply_markup=_markup(message) if final else None,
                reply_parameters=quote if number == last and final else None,
            )


# Callback data of the button that shares a declined question (offered by the core where this
# deployment shares): the question is read back from the message the answer replies to.
SHARE_DATA = f"{SHARE_QUESTION}:"


async def _reply_and_keep(
    context: Context, chat_id: ChatId, reply: Reply, reply_to: int | None = None
) -> None:
    followups = context.bot_data.services.followups
    await keep(followups, chat_id, reply)
    await send_reply(context.bot, chat_id, reply, reply_to)


def _kind(update: Update) -> str:
    """The update's kind among the metric's fixed list (the allowed updates, then "other")."""
    return next((kind for kind in UPDATE_KINDS[:-1] if getattr(update, kind) is not None), "other")


async def count_update(update: Update, context: Context) -> None:
    """Count every update by kind (a fixed list: nothing about the person)."""
    context.bot_data.metrics.update(_kind(update))


async def keep_to_budget(update: Update, context: Context) -> None:
    """Over its chat's budget, a message gets one short notice, then silence until it refills."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or not (update.message or update.callback_query):
        return
    engine, budget = context.bot_data.engine, context.bot_data.services.flood
    admission = await budget.admit(ChatId(chat.id))
    if admission is Admission.ANSWER:
        return
    log.info("update %d: over the chat's budget (%s)", update.update_id, admission.value)
    if update.callback_query is not None:
        await update.callback_query.answer()  # stops the button's spinner; nothing else
    if admission is Admission.NOTICE:
        await context.bot.send_message(chat.id, engine.dialogue.flood_notice().messages[0].html)
    raise ApplicationHandlerStop


async def leave_group(update: Update, context: Context) -> None:
    """Leave any group or channel: members' data is not ours to see; answer nothing there."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in (
        ChatMemberStatus.LEFT,
        ChatMemberStatus.BANNED,
    ):
        return
    log.info("leaving %s chat %d", chat.type, chat.id)
    await context.bot.leave_chat(chat.id)
    raise ApplicationHandlerStop


async def start(update: Update, context: Context) -> None:
    """Welcome and menu, or straight to an entry for a deep link (/start <entry id>)."""
    assert update.effective_chat is not None
    payload = context.args[0] if context.args else ""
    engine = context.bot_data.engine
    await _reply_and_keep(context, ChatId(update.effective_chat.id), engine.dialogue.start(payload))


async def knowledge_command(update: Update, context: Context) -> None:
    """A command the knowledge base maps to an entry (/aide, /contacts, /confidentialite)."""
    assert update.effective_chat is not None and update.effective_message is not None
    name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()
    dialogue = context.bot_data.engine.dialogue
    reply = dialogue.command(name) or dialogue.start()
    await _reply_and_keep(context, ChatId(update.effective_chat.id), reply)


async def answer_text(update: Update, context: Context) -> None:
    """Answer a written message from the knowledge base."""
    assert update.effective_chat is not None and update.effective_message is not None
    started = time.perf_counter()
    chat_id = ChatId(update.effective_chat.id)
    engine, followups = context.bot_data.engine, context.bot_data.services.followups
    last = await followups.get(chat_id)
    reply = engine.dialogue.text(update.effective_message.text or "", last)
    log.info(
        "update %d: %s %s (score %d)", update.update_id, reply.outcome, reply.entry_id or "-", reply.score
    )
    reply_to = update.effective_message.message_id if reply.quote_question else None
    await _reply_and_keep(context, chat_id, reply, reply_to)
    inbox = context.bot_data.services.inbox
    metrics = context.bot_data.metrics
    if reply.outcome == "fallback" and inbox is not None:
        # Only counts of ordinary words are kept (bot/ops/inbox.py). Beside the chat, not in its
        # way: the chat's next message is handled only once this handler returns, and a store
        # that is locked or slow must not hold it up (the store also gives up quickly and never
        # raises). The application keeps a reference to the task and waits for it on stopping,
        # before the inbox is closed.
        text = update.effective_message.text or ""
        context.application.create_task(_count_declined(inbox, metrics, chat_id, text), name="inbox-record")
    metrics.answer("safety" if reply.safety else reply.outcome)
    metrics.reply_seconds.observe(time.perf_counter() - started)


async def _count_declined(inbox: InboxStore, metrics: Metrics, chat_id: ChatId, text: str) -> None:
    """Count a declined question's ordinary words; a failure (logged by the store) is counted."""
    if not await inbox.record(chat_id, text):
        metrics.inbox_failure("count")


async def answer_non_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice messages: say politely that the bot reads written messages."""
    assert update.effective_chat is not None
    engine = context.bot_data.engine
    await send_reply(context.bot, update.effective_chat.id, engine.dialogue.non_text())


async def press_button(update: Update, context: Context) -> None:
    """A menu, clarification or next-step button."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.message is None or query.message.chat.type != ChatType.PRIVATE:
        return  # a button on a message in a group, or shared inline: the bot answers in private only
    chat_id = ChatId(query.message.chat.id)
    engine = context.bot_data.engine
    reply = engine.dialogue.press(query.data or "")
    if reply.edit_pressed:
        try:
            await query.edit_message_text(reply.edit_pressed)
        except BadRequest as error:  # too old or unchanged: the answer below still goes out
            log.info("could not edit the pressed message: %s", error.message)
    await _reply_and_keep(context, chat_id, reply)


async def share_question(update: Update, context: Context) -> None:
    """The person chose to share the question the bot could not answer: keep it, redacted."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    data = context.bot_data
    engine = data.engine
    message = query.message
    if not isinstance(message, TelegramMessage) or message.chat.type != ChatType.PRIVATE:
        return
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    # Buttons of an earlier version ("s:<token>") quote nothing: they get "share_gone".
    offered = any(button.callback_data == query.data for row in keyboard for button in row)
    # The question is the message this answer replies to; once shared, the button is gone.
    question = message.reply_to_message.text if message.reply_to_message and offered else None
    if question is None:
        await context.bot.send_message(message.chat.id, engine.dialogue.shared(None).messages[0].html)
        return
    if not await data.services.inbox.share(redact(question, engine.dialogue.known_words)):
        # Not kept (the store logged why): said as it is, not as the bot's own failure; the
        # button stays, to try again.
        data.metrics.inbox_failure("share")
        await context.bot.send_message(message.chat.id, engine.dialogue.shared(False).messages[0].html)
        return
    log.info("update %d: a declined question was shared (redacted)", update.update_id)
    rows = [[b for b in row if b.callback_data != query.data] for row in keyboard]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([row for row in rows if row]))
    except BadRequest as error:  # too old: the question was kept all the same
        log.info("could not remove the share button: %s", error.message)
    await context.bot.send_message(message.chat.id, engine.dialogue.shared(True).messages[0].html)


async def answer_inline(update: Update, context: Context) -> None:
    """`@bot words` in any chat: up to five answers to share, with contact and source."""
    query = update.inline_query
    assert query is not None
    # Answered whatever the chat (private, a family group, a channel, or no `chat_type` at all):
    # the results hold public knowledge only, and sharing the Minsk contact or the tracing
    # procedure into a family group is the point. The words typed are not kept, and the bot
    # still never reads a group's messages (it is not a member: only its inline results are).
    engine = context.bot_data.engine
    results = [
        InlineQueryResultArticle(
            id=found.entry_id,
            title=found.title,
            description=found.description,
            input_message_content=InputTextMessageContent(split_message(found.html)[0]),
        )
        for found in engine.dialogue.inline(query.query)
    ]
    await query.answer(results, cache_time=300, is_personal=False)


def _code(error: TelegramError) -> str:
    """The failure as one of the metric's fixed codes."""
    if isinstance(error, RetryAfter):
        return "429"
    if isinstance(error, Forbidden):
        return "403"
    if isinstance(error, BadRequest):
        return "400"
    if isinstance(error, NetworkError):  # python-telegram-bot's for timeouts, lost connections and 5xx
        return "network"
    return "other"


async def report_error(update: object, context: Context) -> None:
    """Log the failure without message text, and tell the person something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, TelegramError):
        context.bot_data.metrics.send_error(_code(context.error))
    log.error(
        "update %s failed: %s",
        update_id,
        type(context.error).__name__,
        exc_info=(type(context.error), context.error, context.error.__traceback__) if context.error else None,
    )
    if (
        context.bot_data.started
        and isinstance(update, Update)
        and update.effective_chat
        and (update.effective_chat.type == ChatType.PRIVATE)
    ):
        try:
            await context.bot.send_message(
                update.effective_chat.id, context.bot_data.engine.dialogue.failure().messages[0].html
            )
        except TelegramError:
            log.error("could not tell chat about the failure of update %s", update_id)
