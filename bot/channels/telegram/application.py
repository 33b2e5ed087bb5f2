"""The python-telegram-bot application: handlers registered, services started in `post_init`.

Why each handler is where it is:
- group -3, counting: every update counted by kind, before anything can stop it;
- group -2, the flood budget: a flood is dropped before any work is done for it;
- group -1, groups and channels: the bot leaves them (members' data is not ours to see) and
  answers nothing there;
- group 0, private chats: the admin commands (only for ADMIN_USER_IDS), /start, the knowledge
  base's commands, text, anything else (stickers, photos), buttons, and inline sharing.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import ssl
from collections.abc import Callable

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.telegram import admin as admin_commands
from bot.channels.telegram import handlers
from bot.channels.telegram.context import CONTEXT_TYPES, BotApplication
from bot.channels.telegram.ratelimit import PatientRateLimiter
from bot.config import Settings
from bot.core.engine import Engine
from bot.services import open_services
from bot.state.sending import MemorySendTurns

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# Every text the bot sends is Telegram HTML (escaped by bot/core/html.py); previews of the
# source links would bury the answer.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))


async def publish_profile(application: BotApplication) -> None:
    """Register the French commands and descriptions from the knowledge base."""
    engine = application.bot_data.engine
    interface = engine.kb.interface
    try:
        await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in interface.commands])
        await application.bot.set_my_description(interface["description"])
        await application.bot.set_my_short_description(interface["short_description"])
    except TelegramError as error:  # the bot still answers without them
        log.warning("could not publish commands and descriptions: %s", error)


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    timeout: float = 10.0,
    rate_limiter: PatientRateLimiter | None = None,
    send_turns: Callable[[], MemorySendTurns] = MemorySendTurns,
) -> BotApplication:
    """The application, handlers registered, not yet initialised. Without Redis, `send_turns`
    paces the messages (Telegram's limits by default)."""
    assert settings.token
    # What this deployment keeps, for the replies that say so (the privacy answer) or offer it.
    engine = engine.deployed(settings.deployment())
    opened = contextlib.AsyncExitStack()

    async def post_init(application: BotApplication) -> None:
        """Open the services (StateKeyMismatch: refused), give them to the handlers, then
        publish the bot's profile."""
        data = application.bot_data
        services = await opened.enter_async_context(
            open_services(
                settings,
                application.bot.id,
                stopwords=engine.kb.language.stopwords,
                report=lambda up: data.metrics.state_up.set(int(up)),
                send_turns=send_turns,
            )
        )
        limiter = application.bot.rate_limiter
        if isinstance(limiter, PatientRateLimiter):
            limiter.shared = services.send_turn
        data.start(engine, services, settings.admin_user_ids)
        data.metrics.serving(len(engine.kb.entries), engine.mode_name)
        await publish_profile(application)

    async def post_shutdown(application: BotApplication) -> None:
        """Close the services' connections."""
        await opened.aclose()

    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .context_types(CONTEXT_TYPES)
        .defaults(DEFAULTS)
        .rate_limiter(rate_limiter or PatientRateLimiter())
        .updater(None)  # polling is done by bot.channels.telegram.polling: see why there
        .request(_request(256, timeout))  # python-telegram-bot's pool sizes
        .get_updates_request(_request(1, None))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    application: BotApplication = builder.build()
    _register_handlers(application, settings, engine)
    return application


@functools.cache
def _tls() -> ssl.SSLContext:
    """The certificates Telegram is checked against, loaded once per process: each httpx client
    would otherwise load the whole bundle again (about 40 ms, two clients per application, and
    again at every restart of the application in the tests)."""
    return httpx.create_ssl_context()


def _request(pool: int, timeout: float | None) -> HTTPXRequest:
    """An HTTP client for the Bot API, as python-telegram-bot builds one, on the shared TLS set-up;
    `timeout` None keeps the library's own."""
    if timeout is None:
        return HTTPXRequest(connection_pool_size=pool, httpx_kwargs={"verify": _tls()})
    return HTTPXRequest(
        connection_pool_size=pool,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
        httpx_kwargs={"verify": _tls()},
    )


def _register_handlers(application: BotApplication, settings: Settings, engine: Engine) -> None:
    """Who answers what, in order: counting and the flood budget first, groups left, admins'
    commands, then the person's messages, buttons and inline queries."""
    application.add_handler(TypeHandler(Update, handlers.count_update), group=-3)
    application.add_handler(TypeHandler(Update, handlers.keep_to_budget), group=-2)
    application.add_handler(
        ChatMemberHandler(handlers.leave_group, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS | filters.ChatType.CHANNEL, handlers.leave_group), group=-1
    )
    if settings.admin_user_ids:
        # Admins only, in private: to anyone else these commands do not exist (they read as
        # text). Each callback checks the user again.
        admin = PRIVATE_MESSAGE & filters.User(user_id=settings.admin_user_ids)
        application.add_handler(CommandHandler("reload", admin_commands.reload, admin))
        application.add_handler(CommandHandler("stats", admin_commands.stats, admin))
        application.add_handler(CommandHandler("inconnues", admin_commands.unanswered, admin))
    application.add_handler(CommandHandler("start", handlers.start, PRIVATE_MESSAGE))
    # The knowledge base's commands (/aide, /contacts...) are read once here: a reload that
    # changed them takes effect at the next start (the published menu is the same list).
    names = [name for name, _ in engine.dialogue.commands]
    application.add_handler(CommandHandler(names, handlers.knowledge_command, PRIVATE_MESSAGE))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, handlers.answer_text))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT, handlers.answer_non_text))
    # Before the other buttons: "share this question" carries a token, not an entry.
    application.add_handler(CallbackQueryHandler(handlers.share_question, pattern=f"^{handlers.SHARE_DATA}"))
    application.add_handler(CallbackQueryHandler(handlers.press_button))
    application.add_handler(InlineQueryHandler(handlers.answer_inline))
    application.add_error_handler(handlers.report_error)
