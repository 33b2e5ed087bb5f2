"""Serve Telegram by long polling: start (token checked), serve until told, stop in time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from telegram.error import InvalidToken, NetworkError

from bot.channels.telegram.application import ALLOWED_UPDATES, build_application
from bot.channels.telegram.context import BotApplication
from bot.channels.telegram.polling import Poller
from bot.config import Settings
from bot.core.engine import Engine
from bot.state.journal import UpdateJournal

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start: the message is one line for the operator, token-free."""


class TelegramService:
    """The application, its poller and their lifecycle: start, serve until told, stop in time."""

    def __init__(self, settings: Settings, application: BotApplication, *, poll_backoff: float = 1.0) -> None:
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
                "Telegram rejected the token (TELEGRAM_BOT_TOKEN): check it with @BotFather, then start again"
            ) from None
        except (NetworkError, OSError) as error:
            raise StartupError(
                f"cannot reach the Bot API at {where} ({type(error).__name__}): check the network "
                "or TELEGRAM_BASE_URL, then start again"
            ) from None
        # The order of python-telegram-bot's own run_polling: initialize, post_init, start.
        if self.application.post_init is not None:
            await self.application.post_init(self.application)
        await self.application.start()
        journal = UpdateJournal(self.settings.update_journal, self.application.bot.id)
        self.poller = Poller(
            self.application.bot,
            journal,
            self.application.process_update,
            ALLOWED_UPDATES,
            first_backoff=self.poll_backoff,
        )
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
        if self.application.post_shutdown is not None:
            await self.application.post_shutdown(self.application)
        return abandoned


async def serve(settings: Settings, engine: Engine) -> int:
    """Run until SIGTERM or SIGINT; the exit code: 0 after a clean stop, 2 if the token is refused."""
    service = TelegramService(settings, build_application(settings, engine))
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


def run(settings: Settings, engine: Engine) -> int:
    """Serve by long polling; returns the process exit code."""
    return asyncio.run(serve(settings, engine))
