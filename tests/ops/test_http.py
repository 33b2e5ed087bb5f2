"""The HTTP server's limits, over real connections on loopback: what a client that sends nothing,
sends slowly or opens too many connections can hold of it, and that it answers again after."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.ops.health import Health
from bot.ops.http import LIMITS, HttpServer, Limits, routes
from bot.ops.metrics import Metrics
from tests.conftest import until, until_answered

pytestmark = pytest.mark.integration

# Bounds on waits for what must happen anyway, so that a regression fails instead of hanging.
GUARD = 10.0
QUICK = Limits(head_timeout=0.2, body_timeout=0.2, keep_alive=1)


@contextlib.asynccontextmanager
async def serving(limits: Limits, extra: Sequence[BaseRoute] = ()) -> AsyncIterator[HttpServer]:
    server = HttpServer("127.0.0.1", 0, [*extra, *routes(Health(), Metrics())], limits)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def connected(server: HttpServer) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before it closed the connection (a reset counts as closed)."""
    try:
        return await asyncio.wait_for(reader.read(), GUARD)
    except ConnectionResetError:
        return b""


async def livez(server: HttpServer) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{server.port}/livez", timeout=GUARD)


def test_the_production_limits_leave_descriptors_to_the_bot() -> None:
    # Under systemd's default of 1,024 descriptors, the server's connections (those open, and
    # those accepted in one go before any is closed) leave room to the bot, and a request is
    # answered 503 before connections are refused outright.
    assert LIMITS.concurrency < LIMITS.connections and LIMITS.connections + 2 * LIMITS.backlog <= 768
    assert LIMITS.head_timeout <= 5 and LIMITS.body_timeout <= 10 and LIMITS.keep_alive <= 5


async def test_a_connection_that_sends_nothing_is_closed() -> None:
    async with serving(QUICK) as server, connected(server) as (reader, _):
        assert await until_closed(reader) == b""  # no answer: there was no request


async def test_a_request_head_sent_a_byte_at_a_time_is_cut_off() -> None:
    # Each byte would cancel uvicorn's keep-alive timer: the deadline runs from the connection.
    async with serving(QUICK) as server, connected(server) as (reader, writer):

        async def trickle() -> None:
            writer.write(b"GET /livez HTTP/1.1\r\nhost: x\r\n")
            with contextlib.suppress(ConnectionError):
                for _ in range(1000):
                    writer.write(b"x-slow: 1\r\n")
                    await writer.drain()
                    await asyncio.sleep(0.02)

        sender = asyncio.create_task(trickle())
        try:
            assert await until_closed(reader) == b""
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender


async def test_a_body_that_does_not_come_is_cut_off_and_the_application_told() -> None:
    outcomes: list[str] = []

    async def echo(request: Request) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:
            outcomes.append("client gone")
            return Response(status_code=400)
        outcomes.append(f"{len(body)} bytes")
        return PlainTextResponse("read\n")

    async with (
        serving(QUICK, [Route("/echo", echo, methods=["POST"])]) as server,
        connected(server) as (reader, writer),
    ):
        writer.write(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n" + b"x" * 10)
        await writer.drain()
        assert await until_closed(reader) == b""
        await until(lambda: bool(outcomes), GUARD)
    assert outcomes == ["client gone"]


async def test_requests_sent_whole_are_answered_however_long_the_application_takes() -> None:
    async def slow(_: Request) -> Response:
        await asyncio.sleep(3 * QUICK.head_timeout)  # the deadline is off while the server works
        return PlainTextResponse("done\n")

    async with serving(QUICK, [Route("/slow", slow, methods=["POST"])]) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=GUARD) as client:
            first = await client.post("/slow", content=b"{}")
            again = await client.get("/livez")  # on the same connection, kept alive
        assert (first.status_code, first.text, again.status_code) == (200, "done\n", 200)


async def test_past_the_concurrency_limit_a_request_gets_503_and_the_server_recovers() -> None:
    limits = Limits(head_timeout=1.0, concurrency=3, connections=10)
    async with serving(limits) as server, contextlib.AsyncExitStack() as idle:
        held = [await idle.enter_async_context(connected(server)) for _ in range(3)]
        refused = await livez(server)
        assert (refused.status_code, refused.text) == (503, "Service Unavailable")
        assert refused.headers["connection"] == "close"
        for reader, _ in held:  # the server itself closes the idle ones, past the head deadline
            assert await until_closed(reader) == b""
        answered = await livez(server)
        assert (answered.status_code, answered.text) == (200, "ok\n")


async def test_past_the_connection_cap_a_new_connection_is_closed_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.ops.http")
    limits = Limits(head_timeout=60.0, concurrency=100, connections=4)  # no deadline closes them
    async with serving(limits) as server:
        async with contextlib.AsyncExitStack() as idle:
            for _ in range(4):
                await idle.enter_async_context(connected(server))
            async with connected(server) as (reader, _):
                assert await until_closed(reader) == b""
        # The four are gone: connections are accepted again.
        statuses: list[int] = []

        async def answered() -> bool:
            with contextlib.suppress(httpx.TransportError):
                statuses.append((await livez(server)).status_code)
            return statuses[-1:] == [200]

        await until_answered(answered, 5)
        assert statuses[-1] == 200
    assert [
        r.getMessage() for r in caplog.records if r.name == "bot.ops.http" and "more than" in r.getMessage()
    ] == ["HTTP: more than 4 connections open: a new one was closed"]
