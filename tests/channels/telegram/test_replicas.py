"""Two replicas behind one webhook, sharing state through a real Redis, in this process.

The quick checks, easy to debug; tests/test_two_replicas.py runs the same story with two bot
processes, and there sends 200 people's answers under Telegram's rate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from redis import asyncio as aioredis

from bot.channels.telegram.application import build_application
from bot.channels.telegram.service import TelegramService
from bot.core.engine import Engine
from bot.state.redis_store import RELOAD_CHANNEL, RedisFollowUps, namespace
from tests.channels.telegram.test_conversations import message_with_button
from tests.channels.telegram.test_webhook import PATH, SECRET, url
from tests.conftest import stand_in_settings, until_answered
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import text_update as update
from tests.state.test_redis_store import RedisServer

# One Redis, one stand-in and two replicas for the whole module, on the module's event loop:
# starting them costs more than most of the tests. Each test uses its own chats and update ids.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(
    telegram: FakeTelegram, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[TelegramService, TelegramService, RedisServer]]:
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    redis.start()
    settings = dataclasses.replace(
        stand_in_settings(telegram),
        webhook_url=f"https://bot.example.org{PATH}",
        webhook_secret=SECRET,
        listen_port=0,
        redis_url=redis.url,
        state_key_secret="a-secret-of-16-chars-or-more",
        admin_user_ids=frozenset({ADMIN}),
        inbox_raw=True,
    )
    replicas = [TelegramService(settings, build_application(settings, engine, timeout=1.0)) for _ in "ab"]
    for replica in replicas:
        await replica.start()
    yield replicas[0], replicas[1], redis
    for replica in replicas:
        await replica.stop(deadline=2.0)
    redis.stop()


async def listeners(redis: RedisServer, count: int, bot_id: int) -> bool:
    """Wait until `count` replicas of the bot `bot_id` listen for reload announcements."""
    client = aioredis.Redis.from_url(redis.url)

    async def listening() -> bool:
        ((_, found),) = await client.pubsub_numsub(namespace(bot_id) + RELOAD_CHANNEL)
        return int(found) >= count

    try:
        return await until_answered(listening, 8)
    finally:
        await client.aclose()


ADMIN = 8599
SHARE_LABEL = "Partager cette question (anonymisée)"


async def deliver(replica: TelegramService, body: dict[str, object]) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            url(replica, PATH), json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
    return response.status_code


async def test_one_update_posted_to_both_replicas_is_answered_once(
    pair: tuple[TelegramService, TelegramService, RedisServer], telegram: FakeTelegram
) -> None:
    a, b, _ = pair
    assert await deliver(a, update(81001, 8101, "bonjour")) == 200
    assert await deliver(b, update(81001, 8101, "bonjour")) == 200
    assert await deliver(b, update(81002, 8101, "merci")) == 200
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(8101)) >= 2, 8)
    assert len(telegram.sent_to(8101)) == 2


async def test_a_follow_up_on_the_other_replica_is_understood(
    pair: tuple[TelegramService, TelegramService, RedisServer], telegram: FakeTelegram
) -> None:
    a, b, _ = pair
    await deliver(a, update(82001, 8201, "que fait le CICR au Bélarus ?"))
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(8201)) >= 1, 8)
    await deliver(b, update(82002, 8201, "et le téléphone ?"))
    assert await telegram.wait_for_async(
        lambda _: any(m.get("phone_number") == "+375 17 318 70 07" for m in telegram.sent_to(8201)), 8
    )


async def test_redis_stopped_the_replicas_still_answer_and_say_so(
    pair: tuple[TelegramService, TelegramService, RedisServer], telegram: FakeTelegram
) -> None:
    a, _, redis = pair
    redis.stop()
    await deliver(a, update(83001, 8301, "numéro du CICR à Minsk"))
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(8301)) >= 1, 8)
    assert a.metrics.state_up._value.get() == 0
    redis.start()
    await deliver(a, update(83002, 8301, "bonjour"))
    assert await telegram.wait_for_async(lambda _: a.metrics.state_up._value.get() == 1, 8)


async def test_a_reload_asked_on_one_replica_reaches_the_other(
    pair: tuple[TelegramService, TelegramService, RedisServer], telegram: FakeTelegram
) -> None:
    a, b, redis_server = pair
    reloader = a.application.bot_data.reloader
    assert reloader is not None
    # Both listening first: a replica that starts after an announcement has the new files anyway.
    assert await listeners(redis_server, 2, a.application.bot.id)
    result = await reloader.ask("/reload by an admin")
    assert result.ok and a.metrics.reloads.labels("ok")._value.get() == 1
    assert await telegram.wait_for_async(lambda _: b.metrics.reloads.labels("ok")._value.get() == 1, 8)
    assert a.metrics.reloads.labels("ok")._value.get() == 1  # its own announcement is not for it


async def test_declined_questions_are_counted_and_shared_across_replicas(
    pair: tuple[TelegramService, TelegramService, RedisServer], telegram: FakeTelegram
) -> None:
    a, b, _ = pair
    question = "les horaires du bus pour Brest, je suis Olena Kovalenko"
    for number, chat in enumerate((8501, 8502, 8503)):  # three chats, on either replica
        body = telegram.for_webhook(update(85001 + number, chat, question))
        assert await deliver((a, b)[number % 2], body) == 200
    assert await telegram.wait_for_async(lambda _: all(telegram.sent_to(c) for c in (8501, 8502, 8503)), 8)
    # Answered by A, the share button is pressed on B: the question is read from the quoted message.
    pressed, data = message_with_button(telegram, 8501, SHARE_LABEL)
    query = {
        "id": "q85010",
        "from": {"id": 8501, "is_bot": False, "first_name": "Olena"},
        "message": telegram.message(8501, pressed),
        "chat_instance": "ci8501",
        "data": data,
    }
    assert await deliver(b, telegram.for_webhook({"update_id": 85010, "callback_query": query})) == 200
    assert await telegram.wait_for_async(
        lambda _: "transmise sans nom" in telegram.sent_to(8501)[-1].get("text", ""), 8
    )
    command = update(85020, ADMIN, "/inconnues")
    command["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 10}]
    assert await deliver(a, command) == 200
    assert await telegram.wait_for_async(lambda _: bool(telegram.sent_to(ADMIN)), 8)
    report = telegram.sent_to(ADMIN)[-1]["text"]
    assert "horaires bus" in report and "les horaires du bus pour" in report  # counted, and shared
    assert "Kovalenko" not in report and "Olena" not in report and "Brest" not in report


async def test_a_replica_with_another_state_key_does_not_start(
    pair: tuple[TelegramService, TelegramService, RedisServer], engine: Engine
) -> None:
    """Its follow-ups would be lost and each person counted twice: it refuses, in one line."""
    from bot.channels.telegram.service import StartupError

    a, _, _ = pair
    settings = dataclasses.replace(
        a.settings, state_key_secret="another-secret-of-16-chars", listen_port=None
    )
    # Written when the first replica started (and again here: an earlier test restarted Redis,
    # which keeps nothing on disk).
    shared = a.application.bot_data.services.followups
    assert isinstance(shared, RedisFollowUps)
    await shared.connection.check_key()
    odd = TelegramService(settings, build_application(settings, engine, timeout=1.0))
    with pytest.raises(StartupError, match="STATE_KEY_SECRET differs") as refused:
        await odd.start()
    assert "\n" not in str(refused.value) and "another-secret" not in str(refused.value)
    await odd.stop(deadline=0)
