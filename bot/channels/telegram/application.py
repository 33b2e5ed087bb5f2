"""The Telegram adapter: handlers only translate between Telegram updates and `Dialogue`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
import warnings
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
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
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

from bot.channels.telegram.polling import Poller
from bot.config import Settings
from bot.core.dialogue import Dialogue, Message, Reply
from bot.core.html import split_message
from bot.core.knowledge import Contact
from bot.state.flood import Admission, FloodBudget, MemoryFloodBudget
from bot.state.journal import UpdateJournal

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter that also waits out passing failures: 429, 5xx and network timeouts.

    Bounded: a few attempts with growing pauses, then the error surfaces (and is logged).
    """

    def __init__(self, attempts: int = 5, first_pause: float = 0.5, max_pause: float = 30.0) -> None:
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


async def keep_to_budget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Over its chat's budget, a message gets one short notice, then silence until it refills."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or not (update.message or update.callback_query):
        return
    budget: FloodBudget = context.bot_data["flood"]
    admission = await budget.admit(chat.id)
    if admission is Admission.ANSWER:
        return
    log.info("update %d: over the chat's budget (%s)", update.update_id, admission.value)
    if update.callback_query is not None:
        await update.callback_query.answer()  # stops the button's spinner; nothing else
    if admission is Admission.NOTICE:
        await context.bot.send_message(chat.id, _dialogue(context).texts["flood_notice"],
                                       parse_mode=ParseMode.HTML)
    raise ApplicationHandlerStop


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
    if query.message is None or query.message.chat.type != ChatType.PRIVATE:
        return  # a button on a message in a group, or shared inline: the bot answers in private only
    chat_id = query.message.chat.id
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
    if query.chat_type not in (ChatType.SENDER, ChatType.PRIVATE):
        await query.answer([], cache_time=300, is_personal=False)  # private chats only
        return
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
    settings: Settings,
    dialogue: Dialogue,
    *,
    timeout: float = 10.0,
    rate_limiter: PatientRateLimiter | None = None,
) -> AnyApplication:
    """The python-telegram-bot application, handlers registered, not yet running."""
    assert settings.token
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(rate_limiter or PatientRateLimiter())
        .updater(None)  # polling is done by bot.polling.Poller: see why there
        .read_timeout(timeout).write_timeout(timeout).connect_timeout(timeout)
        .pool_timeout(timeout)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    application: AnyApplication = builder.build()
    application.bot_data["dialogue"] = dialogue
    application.bot_data["flood"] = MemoryFloodBudget(settings.flood_messages, settings.flood_seconds)
    # First the budget: a flood is dropped before any work is done for it.
    application.add_handler(TypeHandler(Update, keep_to_budget), group=-2)
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


class StartupError(Exception):
    """The bot cannot start: the message is one line for the operator, token-free."""


class TelegramService:
    """The application, its poller and their lifecycle: start, serve until told, stop in time."""

    def __init__(
        self, settings: Settings, application: AnyApplication, *, poll_backoff: float = 1.0
    ) -> None:
        self.settings = settings
        self.application = application
        self.poll_backoff = poll_backoff  # first pause after a failed getUpdates; it doubles
        self.poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None
        self._stop_polling = asyncio.Event()

    async def start(self) -> None:
        """Check the token, publish the profile, start polling; StartupError if that fails."""
        where = self.settings.base_url or "Telegram"
        try:
            await self.application.initialize()  # getMe: the token is checked here
        except InvalidToken:
            raise StartupError(
                "Telegram rejected the token (TELEGRAM_BOT_TOKEN): check it with @BotFather, "
                "then start again") from None
        except (NetworkError, OSError) as error:
            raise StartupError(
                f"cannot reach the Bot API at {where} ({type(error).__name__}): check the network "
                "or TELEGRAM_BASE_URL, then start again") from None
        await publish_profile(self.application)
        await self.application.start()
        journal = UpdateJournal(self.settings.update_journal, self.application.bot.id)
        self.poller = Poller(self.application.bot, journal, self.application.process_update,
                             ALLOWED_UPDATES, first_backoff=self.poll_backoff)
        self._polling = asyncio.create_task(self.poller.run(self._stop_polling), name="poller")
        log.info("serving Telegram by long polling")

    async def wait(self, stop: asyncio.Event) -> int:
        """Serve until `stop` is set (0) or Telegram rejects the token (2)."""
        assert self._polling is not None
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([stopping, self._polling], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if self._polling.done() and not self._polling.cancelled():
            error = self._polling.exception()
            if isinstance(error, InvalidToken):
                log.error("Telegram rejected the token while serving: stopping")
                return 2
            if error is not None:
                log.error("polling stopped: %s", type(error).__name__, exc_info=error)
                return 1
        return 0

    async def stop(self, deadline: float | None = None) -> int:
        """Stop fetching at once, finish what is in hand within the deadline; abandoned count."""
        abandoned = 0
        self._stop_polling.set()
        if self._polling is not None:
            self._polling.cancel()  # a long poll in progress is dropped: what it held comes again
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._polling
        if self.poller is not None:
            wait = self.settings.stop_deadline if deadline is None else deadline
            abandoned = await self.poller.close(wait)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        return abandoned


async def serve(settings: Settings, dialogue: Dialogue) -> int:
    """Run until SIGTERM or SIGINT; the exit code: 0 after a clean stop, 2 if the token is refused."""
    service = TelegramService(settings, build_application(settings, dialogue))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await service.start()
    except StartupError as error:
        print(f"The bot does not start: {error}.", file=sys.stderr)
        return 2
    code = await service.wait(stop)
    log.info("stopping: finishing the updates in hand (at most %.0f s)", settings.stop_deadline)
    await service.stop()
    log.info("stopped")
    return code


def run(settings: Settings, dialogue: Dialogue) -> int:
    """Serve by long polling; returns the process exit code."""
    return asyncio.run(serve(settings, dialogue))
