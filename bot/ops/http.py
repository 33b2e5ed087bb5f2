"""The HTTP server: /livez, /readyz and /metrics, plus the routes a channel adds (the webhook).

Starlette and uvicorn, as python-telegram-bot's custom-webhook example does. uvicorn's access
log is off (a request line is not needed to run the bot) and its signal handling too: the
process decides when to stop, and stops the server itself.

uvicorn alone lets a connection that sends nothing, or sends a request a byte at a time, stay
open for ever: 1,100 of them, no secret needed, exhaust the 1,024 file descriptors systemd
allows by default, and the webhook is unreachable. So the server runs uvicorn's h11 protocol
with a deadline for each request (`_Deadlines`) and the limits of `Limits`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.ops.health import Health
from bot.ops.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)


def routes(health: Health, metrics: Metrics) -> list[BaseRoute]:
    async def livez(_: Request) -> Response:
        """200 while the process runs."""
        return PlainTextResponse("ok\n")

    async def readyz(_: Request) -> Response:
        """200 when a knowledge base is loaded and the bot started, else 503 and why."""
        reason = health.not_ready()
        if reason is None:
            return PlainTextResponse("ready\n")
        return PlainTextResponse(f"not ready: {reason}\n", status_code=503)

    async def metrics_page(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return [
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]


@dataclass(frozen=True)
class Limits:
    """What one client may hold of the server. Constants, not settings: they follow from what
    Telegram sends (one small POST at a time per connection, at most 100 connections: setWebhook's
    max_connections) and from the file descriptors a process has (1,024 under systemd unless
    LimitNOFILE says more), not from the deployment."""

    # Seconds to send the request line and headers, from the connection or the previous response.
    # Telegram, or the proxy in front, sends them at once; a connection that sends nothing, or a
    # byte now and then, is closed after this.
    head_timeout: float = 5.0
    # Seconds to send the body once the headers are in: an update is a few kilobytes.
    body_timeout: float = 10.0
    # Seconds an idle connection is kept after a response (uvicorn's timeout_keep_alive, whole
    # seconds): Telegram reuses its connections at once, or not at all.
    keep_alive: int = 5
    # With this many connections open (or requests in progress), a request is answered 503 at
    # once (uvicorn's limit_concurrency): Telegram's 100 three times over, plus probes and scrapes.
    # uvicorn counts idle connections too: the higher, the more of them it takes to refuse
    # Telegram's requests.
    concurrency: int = 384
    # Open connections past which a new one is closed as soon as it is accepted: each holds a
    # file descriptor, and this, with those accepted in one go before any is closed (`backlog`),
    # leaves some 400 of 1,024 to the bot's own work (its connections to Telegram and Redis, its
    # files) however many are opened: 1,100 at once peaked at 577 descriptors in tests.
    connections: int = 512
    # Connections accepted at a time: the length of the kernel's queue of connections not yet
    # accepted, and also how many asyncio accepts in one go, before any of them is seen by the
    # code above (uvicorn's default, 2,048, takes a descriptor for each of 1,100 connections at
    # once: past 1,024, accept() fails). Telegram's connections come a few at a time.
    backlog: int = 128
    # Bytes of request line and headers (h11's max_incomplete_event_size; its default is 16 KiB):
    # Telegram's are under 1 KiB.
    head_bytes: int = 8 * 1024


LIMITS = Limits()


class _Deadlines(H11Protocol):
    """uvicorn's h11 protocol, with what it lacks: a deadline for each request, head and body.

    uvicorn closes a connection only when it stays idle `keep_alive` seconds after a response, and
    any byte received cancels that; nothing bounds the wait for a first request, for the rest of a
    head, or for a body. Here one timer runs while the client owes something: the head
    (`head_timeout` from the connection or the previous response, however it trickles in), then
    the body (`body_timeout` from the head); it is off while the application works. Past it, the
    connection is closed: the application, if it was reading the body, sees the client gone.
    """

    limits: Limits = LIMITS
    _deadline: asyncio.TimerHandle | None = None
    _owed: object = None  # what the running deadline is for: h11.IDLE (a head), h11.SEND_BODY

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.connections:
            # Closed before it costs more than its descriptor; the message is the same each
            # time, so that the log's repeat filter sums a flood of them up in one line.
            log.warning("HTTP: more than %d connections open: a new one was closed", self.limits.connections)
            transport.close()
            return
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Arm the deadline for what the client owes now, keep it if it is the same, or disarm it."""
        owed = self.conn.their_state
        if self.transport.is_closing() or owed not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()  # closing, or the whole request is in: the application's turn
            return
        if owed is self._owed:
            return  # the deadline runs from when it started to be owed, not from the last byte
        self._disarm()
        self._owed = owed
        seconds = self.limits.head_timeout if owed is h11.IDLE else self.limits.body_timeout
        self._deadline = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._owed = None, None

    def _expire(self) -> None:
        what = "request head" if self._owed is h11.IDLE else "body"
        self._deadline, self._owed = None, None
        if not self.transport.is_closing():
            # DEBUG: browsers and port scanners do this too; a flood shows in the counts of the
            # repeat filter and in uvicorn's "Exceeded concurrency limit." warnings.
            log.debug("HTTP: no complete %s in time: connection closed", what)
            self.transport.close()


def _protocol(limits: Limits) -> type[H11Protocol]:
    """The protocol class for a server with these limits (uvicorn takes a class, not an instance)."""

    class Protocol(_Deadlines):
        pass

    Protocol.limits = limits
    return Protocol


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process handles SIGTERM, SIGINT and SIGHUP itself


class HttpServer:
    def __init__(self, host: str, port: int, extra: Sequence[BaseRoute], limits: Limits = LIMITS) -> None:
        self.app = Starlette(routes=list(extra))
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            http=_protocol(limits),  # h11 always, with deadlines, even if httptools is installed
            ws="none",  # no WebSocket route: an upgrade would escape the deadlines
            limit_concurrency=limits.concurrency,
            backlog=limits.backlog,
            timeout_keep_alive=limits.keep_alive,
            h11_max_incomplete_event_size=limits.head_bytes,
            access_log=False,
            log_config=None,
            lifespan="off",
            server_header=False,
            date_header=False,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose, when asked for port 0)."""
        servers = self._server.servers
        return int(servers[0].sockets[0].getsockname()[1]) if servers else 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._serve(), name="http-server")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # the error (the port is taken...) surfaces here
                raise OSError("the HTTP server stopped at start")
            await asyncio.sleep(0.01)
        log.info("HTTP server listening on %s:%d", self._server.config.host, self.port)

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits the process when it cannot bind: say why instead
            raise OSError(f"cannot listen on {self._server.config.host}:{self._server.config.port}") from None

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
