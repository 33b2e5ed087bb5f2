"""The Telegram adapter: handlers only translate between Telegram updates and `Dialogue`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.dialogue import Dialogue, Message, Reply
from bot.knowledge import Contact
from bot.telegram_html import split_message

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
SEEN_UPDATES = 10_000  # how many recent update ids are remembered to drop repeats
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter that also waits out passing failures: 429, 5xx and network timeouts.

    Bounded: a few attempts with growing pauses, then the error surfaces (and is logged).
    """

    def __init__(self, attempts: int = 5, first_pause: float = 0.5, max_pause: float = 30.0):
        super().__init__(max_retries=0)
        self.attempts = attempts
        self.first_pause = first_pause
        self.max_pause = max_pause

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        pause = self.first_pause
        for attempt in range(1, self.attempts + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as error:
                if attempt == self.attempts:
                    raise
                wait = min(_seconds(error), self.max_pause)
                log.warning("%s: Telegram asks to wait %.1fs (attempt %d)", endpoint, wait, attempt)
                await asyncio.sleep(wait)
            except BadRequest:
                raise  # our request is wrong: sending it again cannot help
            except NetworkError as error:  # 5xx, timeouts, connection errors
                if attempt == self.attempts:
                    raise
                log.warning("%s: %s, retrying in %.1fs (attempt %d)",
                            endpoint, type(error).__name__, pause, attempt)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.max_pause)
        raise AssertionError("unreachable")


def _seconds(error: RetryAfter) -> float:
    # PTB 22 warns that retry_after becomes a timedelta in its next major version: accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        retry_after = error.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else float(retry_after)


def _dialogue(context: ContextTypes.DEFAULT_TYPE) -> Dialogue:
    dialogue: Dialogue = context.bot_data["dialogue"]
    return dialogue


def _markup(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b.label, url=b.url) if b.url
         else InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
        for row in message.buttons
    ])


def _vcard(contact: Contact) -> str:
    def value(text: str) -> str:  # vCard 3.0 escaping
        return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{value(contact.name)}",
             f"ORG:{value(contact.name)}", f"TEL;TYPE=WORK,VOICE:{contact.phone}"]
    if contact.address:
        lines.append(f"ADR;TYPE=WORK:;;{value(contact.address)};;;;")
    lines.append("END:VCARD")
    return "\n".join(lines)


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send the reply's messages in order; long texts are split, buttons go on the last part."""
    for message in reply.messages:
        if message.contact is not None:
            await bot.send_contact(
                chat_id, phone_number=message.contact.phone,
                first_name=message.contact.name[:64], vcard=_vcard(message.contact),
            )
            continue
        parts = split_message(message.html)
        for index, part in enumerate(parts):
            await bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                reply_markup=_markup(message) if index == len(parts) - 1 else None,
            )


# --- Handlers ---------------------------------------------------------------------------------


async def drop_repeated_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an update already handled (Telegram may send one again after a restart)."""
    seen: deque[int] = context.bot_data.setdefault("seen_updates", deque(maxlen=SEEN_UPDATES))
    if update.update_id in seen:
        log.info("update %d already handled: ignored", update.update_id)
        raise ApplicationHandlerStop
    seen.append(update.update_id)


async def leave_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave any group or channel: members' data is not ours to see; answer nothing there."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in (
        ChatMemberStatus.LEFT, ChatMemberStatus.BANNED
    ):
        return
    log.info("leaving %s chat %d", chat.type, chat.id)
    await context.bot.leave_chat(chat.id)
    raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome and menu, or straight to an entry for a deep link (/start <entry id>)."""
    assert update.effective_chat is not None
    payload = context.args[0] if context.args else ""
    reply = _dialogue(context).start(update.effective_chat.id, payload)
    await send_reply(context.bot, update.effective_chat.id, reply)


async def knowledge_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the knowledge base maps to an entry (/aide, /contacts, /confidentialite)."""
    assert update.effective_chat is not None and update.effective_message is not None
    name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()
    dialogue = _dialogue(context)
    reply = dialogue.command(update.effective_chat.id, name) or dialogue.start(
        update.effective_chat.id)
    await send_reply(context.bot, update.effective_chat.id, reply)


async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a written message from the knowledge base."""
    assert update.effective_chat is not None and update.effective_message is not None
    chat_id = update.effective_chat.id
    reply = _dialogue(context).text(chat_id, update.effective_message.text or "")
    log.info("update %d: %s %s (score %d)", update.update_id, reply.outcome,
             reply.entry_id or "-", reply.score)
    await send_reply(context.bot, chat_id, reply)


async def answer_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice messages: say politely that the bot reads written messages."""
    assert update.effective_chat is not None
    await send_reply(context.bot, update.effective_chat.id, _dialogue(context).non_text())


async def press_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A menu, clarification or next-step button."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    chat_id = query.message.chat.id if query.message else query.from_user.id
    reply = _dialogue(context).press(chat_id, query.data or "")
    if reply.edit_pressed and query.message is not None:
        try:
            await query.edit_message_text(reply.edit_pressed, parse_mode=ParseMode.HTML)
        except BadRequest as error:  # too old or unchanged: the answer below still goes out
            log.info("could not edit the pressed message: %s", error.message)
    await send_reply(context.bot, chat_id, reply)


async def answer_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot words` in any chat: up to five answers to share, with contact and source."""
    query = update.inline_query
    assert query is not None
    results = [
        InlineQueryResultArticle(
            id=found.entry_id, title=found.title, description=found.description,
            input_message_content=InputTextMessageContent(
                split_message(found.html)[0], parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
        )
        for found in _dialogue(context).inline(query.query)
    ]
    await query.answer(results, cache_time=300, is_personal=False)


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without message text, and tell the person something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__,
              exc_info=(type(context.error), context.error, context.error.__traceback__)
              if context.error else None)
    if isinstance(update, Update) and update.effective_chat and (
        update.effective_chat.type == ChatType.PRIVATE
    ):
        try:
            await context.bot.send_message(update.effective_chat.id,
                                           _dialogue(context).texts["error"],
                                           parse_mode=ParseMode.HTML)
        except TelegramError:
            log.error("could not tell chat about the failure of update %s", update_id)


async def publish_profile(application: AnyApplication) -> None:
    """Register the French commands and descriptions from the knowledge base."""
    dialogue: Dialogue = application.bot_data["dialogue"]
    interface = dialogue.kb.interface
    try:
        await application.bot.set_my_commands(
            [BotCommand(c.name, c.description) for c in interface.commands])
        await application.bot.set_my_description(interface["description"])
        await application.bot.set_my_short_description(interface["short_description"])
    except TelegramError as error:  # the bot still answers without them
        log.warning("could not publish commands and descriptions: %s", error)


def build_application(
    settings: Settings, dialogue: Dialogue, *, timeout: float = 10.0
) -> AnyApplication:
    """The python-telegram-bot application, handlers registered, not yet running."""
    assert settings.token
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(PatientRateLimiter())
        .post_init(publish_profile)
        .read_timeout(timeout).write_timeout(timeout).connect_timeout(timeout)
        .pool_timeout(timeout)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    application: AnyApplication = builder.build()
    application.bot_data["dialogue"] = dialogue
    application.add_handler(TypeHandler(Update, drop_repeated_update), group=-2)
    application.add_handler(ChatMemberHandler(leave_group, ChatMemberHandler.MY_CHAT_MEMBER),
                            group=-1)
    application.add_handler(MessageHandler(filters.ChatType.GROUPS | filters.ChatType.CHANNEL,
                                           leave_group), group=-1)
    application.add_handler(CommandHandler("start", start, PRIVATE_MESSAGE))
    names = [c.name for c in dialogue.kb.interface.commands if c.entry]
    application.add_handler(CommandHandler(names, knowledge_command, PRIVATE_MESSAGE))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, answer_text))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT, answer_non_text))
    application.add_handler(CallbackQueryHandler(press_button))
    application.add_handler(InlineQueryHandler(answer_inline))
    application.add_error_handler(report_error)
    return application


def run(settings: Settings, dialogue: Dialogue) -> None:
    """Serve by long polling until SIGINT or SIGTERM; pending updates are answered first."""
    application = build_application(settings, dialogue)
    log.info("serving Telegram by long polling")
    application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
