"""The HTTP server: /livez, /readyz and /metrics, plus the routes a channel adds (the webhook).

Starlette and uvicorn, as python-telegram-bot's custom-webhook example does. uvicorn's access
log is off (a request line is not needed to run the bot) and its signal handling too: the
process decides when to stop, and stops the server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

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


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process handles SIGTERM, SIGINT and SIGHUP itself


class HttpServer:
    def __init__(self, host: str, port: int, extra: Sequence[BaseRoute]) -> None:
        self.app = Starlette(routes=list(extra))
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
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
