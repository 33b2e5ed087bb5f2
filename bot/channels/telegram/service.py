"""Serve Telegram, by long polling or by webhook: start (token checked), serve until told, stop
in time; reload the knowledge base on SIGHUP or when its files change."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.channels.telegram.application import ALLOWED_UPDATES, build_application
from bot.channels.telegram.context import BotApplication
from bot.channels.telegram.dispatch import ChatDispatcher
from bot.channels.telegram.polling import CONFLICT_GRACE_SECONDS, Poller, PollingConflict
from bot.channels.telegram.webhook import max_in_hand, resume, webhook_route
from bot.config import Settings
from bot.core.engine import Engine
from bot.ops.health import Health
from bot.ops.http import HttpServer, routes
from bot.ops.metrics import Metrics
from bot.ops.reload import Reloader
from bot.state import StateKeyMismatch
from bot.state.handover import Acknowledged, RedisHandover
from bot.state.journal import UpdateJournal

log = logging.getLogger(__name__)


HANDOVER_CHECK_SECONDS = 5.0  # how often a replica takes what another one handed over


class StartupError(Exception):
    """The bot cannot start: the message is one line for the operator, token-free."""


def check_writable(directory: Path) -> None:
    """StartupError, in one line, when the bot cannot write in `directory` (created if missing):
    found at start, not as a traceback at the first declined question or the first stop."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as error:
        raise StartupError(
            f"cannot write in {directory} ({type(error).__name__}): STATE_DIR (and UPDATE_JOURNAL, "
            "INBOX_PATH) must be writable by the bot's user, e.g. a volume"
        ) from None


class TelegramService:
    """The application, how updates reach it (poller or webhook), the HTTP server, and their
    lifecycle: start, serve until told, stop in time."""

    def __init__(
        self,
        settings: Settings,
        application: BotApplication,
        *,
        poll_backoff: float = 1.0,
        conflict_grace: float = CONFLICT_GRACE_SECONDS,
    ) -> None:
        self.settings = settings
        self.application = application
        self.poll_backoff = poll_backoff  # first pause after a failed getUpdates; it doubles
        self.conflict_grace = conflict_grace  # how long 409 Conflict may go on before exit 2
        self.health = Health()
        self.poller: Poller | None = None
        self.dispatcher: ChatDispatcher[Update] | None = None  # webhook mode
        self.acknowledged = Acknowledged()  # webhook mode: answered 200, not handled yet
        self._taking: asyncio.Task[None] | None = None
        self.http: HttpServer | None = None
        self._polling: asyncio.Task[None] | None = None
        self._stop_polling = asyncio.Event()  # set once, when stopping
        self._listening: asyncio.Task[None] | None = None

    @property
    def metrics(self) -> Metrics:
        return self.application.bot_data.metrics

    async def start(self) -> None:
        """Check the token, start the services, then take updates; StartupError if that fails."""
        for directory in self.settings.written_dirs():
            check_writable(directory)
        await self._initialize()
        self.health.knowledge_loaded = self.application.bot_data.started
        await self.application.start()
        extra = self._webhook_routes()
        if self.settings.listen_port is not None:
            self.http = HttpServer(
                self.settings.listen_host,
                self.settings.listen_port,
                [*extra, *routes(self.health, self.metrics)],
            )
            try:
                await self.http.start()
            except OSError as error:
                raise StartupError(f"{error}: check LISTEN_HOST and LISTEN_PORT") from None
        if self.dispatcher is None:
            self._start_polling()
        else:
            log.info("serving Telegram by webhook on %s", self.settings.webhook_path)
            await self._take_handed_over()
            if isinstance(self.application.bot_data.services.handover, RedisHandover):
                # Another replica may stop at any time: what it hands over is taken here too.
                self._taking = asyncio.create_task(self._keep_taking(), name="handover-taker")
        self._start_reloads()
        self.health.started = True

    async def _initialize(self) -> None:
        """getMe (the token is checked here), then the services (post_init), in the order of
        python-telegram-bot's own run_polling."""
        where = self.settings.base_url or "Telegram"
        try:
            await self.application.initialize()
        except InvalidToken:
            raise StartupError(
                "Telegram rejected the token (TELEGRAM_BOT_TOKEN): check it with @BotFather, then start again"
            ) from None
        except (NetworkError, OSError) as error:
            raise StartupError(
                f"cannot reach the Bot API at {where} ({type(error).__name__}): check the network "
                "or TELEGRAM_BASE_URL, then start again"
            ) from None
        if self.application.post_init is not None:
            try:
                await self.application.post_init(self.application)
            except StateKeyMismatch as error:
                raise StartupError(str(error)) from None

    def _webhook_routes(self) -> list[BaseRoute]:
        """Webhook mode: the route Telegram posts to, and the dispatcher behind it."""
        if not self.settings.webhook_url:
            return []
        assert self.settings.webhook_secret is not None  # Settings refuses a URL without one
        seen = self.application.bot_data.services.seen
        self.dispatcher = ChatDispatcher(self.application.process_update, self.acknowledged.done)
        route = webhook_route(
            self.settings.webhook_path,
            self.settings.webhook_secret,
            self.application.bot,
            self.dispatcher,
            seen,
            self.acknowledged,
            max_in_hand(self.settings.stop_deadline),
        )
        return [route]

    def _start_polling(self) -> None:
        journal = UpdateJournal(self.settings.update_journal, self.application.bot.id)
        self.poller = Poller(
            self.application.bot,
            journal,
            self.application.process_update,
            ALLOWED_UPDATES,
            first_backoff=self.poll_backoff,
            conflict_grace=self.conflict_grace,
            on_conflict=self._conflicted,
        )
        self._polling = asyncio.create_task(self.poller.run(self._stop_polling), name="poller")
        log.info("serving Telegram by long polling")

    def _start_reloads(self) -> None:
        reloader = self.application.bot_data.reloader = self.reloader()
        reloads = self.application.bot_data.services.reloads
        if reloads is not None:
            reloader.announce = reloads.announce
            self._listening = asyncio.create_task(
                reloads.listen(lambda: reloader.reload("asked by another replica"), self._stop_polling),
                name="reload-listener",
            )

    async def wait(self, stop: asyncio.Event) -> int:
        """Serve until `stop` is set (0) or Telegram rejects the token (2)."""
        stopping = asyncio.create_task(stop.wait())
        waited: list[asyncio.Task[Any]] = [stopping]
        if self._polling is not None:
            waited.append(self._polling)
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if self._polling is not None and self._polling.done() and not self._polling.cancelled():
            error = self._polling.exception()
            if isinstance(error, InvalidToken):
                log.error("Telegram rejected the token while serving: stopping")
                return 2
            if isinstance(error, PollingConflict):
                log.error(
                    "Telegram keeps refusing getUpdates (409: %s): another process polls with this "
                    "token, or a webhook is set (python -m bot webhook info); stopping",
                    error,
                )
                return 2
            if error is not None:
                log.error("polling stopped: %s", type(error).__name__, exc_info=error)
                return 1
        return 0

    async def _hand_over(self) -> int:
        """Acknowledged to Telegram (which forgot them) and not answered: handed over to the
        next start or another replica; how many."""
        pending = self.acknowledged.pending()
        handover = self.application.bot_data.services.handover
        if not pending:
            return 0
        if handover is None:
            log.warning("%d updates acknowledged at the stop were not answered (no STATE_DIR)", len(pending))
            return len(pending)
        try:
            await handover.save(pending)
        except Exception as error:  # the store is down or the disk full: say so, once
            log.error(
                "%d updates acknowledged could not be handed over (%s)", len(pending), type(error).__name__
            )
            return len(pending)
        log.warning(
            "%d updates acknowledged and not answered yet: handed over to the next start", len(pending)
        )
        return len(pending)

    async def _take_handed_over(self) -> None:
        """Answer what a previous stop (this process's, or another replica's) handed over."""
        handover = self.application.bot_data.services.handover
        if handover is None or self.dispatcher is None:
            return
        try:
            taken = await handover.take()
        except Exception as error:  # the store is down: taken on the next try
            log.warning("could not take the updates handed over (%s)", type(error).__name__)
            return
        resumed = resume(self.application.bot, self.dispatcher, self.acknowledged, taken)
        if resumed:
            log.info("%d updates handed over by a stop are being answered", resumed)

    async def _keep_taking(self) -> None:
        while True:
            await asyncio.sleep(HANDOVER_CHECK_SECONDS)
            await self._take_handed_over()

    def _conflicted(self, description: str | None) -> None:
        """Not ready while Telegram refuses getUpdates: no update comes to this process."""
        self.health.conflict = description

    async def stop(self, deadline: float | None = None) -> int:
        """Take no new update, finish what is in hand within the deadline; abandoned count."""
        self.health.stopping = True
        wait = self.settings.stop_deadline if deadline is None else deadline
        abandoned = 0
        self._stop_polling.set()
        if self._polling is not None:
            self._polling.cancel()  # a long poll in progress is dropped: what it held comes again
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._polling
        if self._listening is not None:
            await self._listening
        if self.http is not None:
            await self.http.stop()  # webhook requests now fail: Telegram keeps them for later
        if self.poller is not None:
            abandoned = await self.poller.close(wait)
        if self._taking is not None:
            self._taking.cancel()
            await asyncio.gather(self._taking, return_exceptions=True)
        if self.dispatcher is not None:
            await self.dispatcher.close(wait)
            abandoned = await self._hand_over()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self.application.post_shutdown is not None:
            await self.application.post_shutdown(self.application)
        return abandoned

    def reloader(self) -> Reloader:
        data = self.application.bot_data

        def current() -> Engine:
            return data.engine

        def swap(engine: Engine) -> None:
            data.engine = engine  # one reference: a message in hand keeps the engine it started with

        return Reloader(self.settings.knowledge_dir, current, swap, self.metrics)


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
        with contextlib.suppress(Exception):  # release what did start (the HTTP server...)
            await service.stop(deadline=0)
        return 2
    reloader = service.application.bot_data.reloader
    assert reloader is not None
    pending: set[asyncio.Task[Any]] = set()

    def on_hangup() -> None:
        task = asyncio.create_task(reloader.ask("SIGHUP"))
        pending.add(task)
        task.add_done_callback(pending.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hangup)
    watching = asyncio.create_task(reloader.watch(stop, settings.reload_check_seconds), name="reload-watch")
    code = await service.wait(stop)
    stop.set()
    # Reloads asked and not done are dropped: the next start reads the files anyway, and a
    # rebuild in progress (a daemon thread) must not hold up the deadline.
    watching.cancel()
    for task in pending:
        task.cancel()
    log.info("stopping: finishing the updates in hand (at most %.0f s)", settings.stop_deadline)
    await service.stop()
    await asyncio.gather(watching, *pending, return_exceptions=True)
    log.info("stopped")
    return code


def run(settings: Settings, engine: Engine) -> int:
    """Serve Telegram; returns the process exit code."""
    return asyncio.run(serve(settings, engine))
