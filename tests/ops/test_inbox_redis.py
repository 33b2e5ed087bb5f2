"""The inbox in a real Redis, shared by replicas: the same reports as the SQLite file, the same
privacy, its own expiries."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ops.inbox import Inbox, InboxUnavailable
from bot.ops.inbox_redis import RedisInbox
from bot.state import ChatId
from bot.state.redis_store import RedisStores
from tests.ops.test_inbox import STOP
from tests.state.test_redis_store import RedisServer, redis_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

SECRET = b"inbox-test-secret"
NAME, PHONE = "Ostaptchouk", "+375 29 555 01 23"
# (day, chat, text), days counted from today (Redis expires keys on its own clock): one chat
# twice on one day, chats spread over both replicas, later days.
HISTORY = [
    (0, 7301, f"mon voisin {NAME} {PHONE} veut les horaires du bus"),
    (0, 7301, "les horaires du bus"),
    (0, 7302, "horaires du bus svp"),
    (0, 7303, "les horaires du bus pour Brest"),
    (0, 7304, "le prix du chocolat"),
    (2, 7301, "horaires du train"),
    (8, 7305, "les horaires du bus"),
]


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Today:
    def __init__(self) -> None:
        self.day = dt.date.today()

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
async def states(redis_server: RedisServer) -> AsyncIterator[tuple[RedisStores, RedisStores]]:  # noqa: F811
    a, b = RedisStores.from_url(redis_server.url, "x" * 16), RedisStores.from_url(redis_server.url, "x" * 16)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_two_replicas_report_what_one_sqlite_file_reports(
    states: tuple[RedisStores, RedisStores], tmp_path: Path
) -> None:
    today = Today()
    start = today.day
    local = Inbox(tmp_path / "inbox.sqlite3", STOP, keep_days=30, today=today)
    replicas = [RedisInbox(state.client, SECRET, STOP, keep_days=30, today=today) for state in states]

    async def same_reports() -> None:
        for days in (30, 7):
            assert await replicas[0].report(days) == local.report(days), (today.day, days)

    for number, (offset, chat, text) in enumerate(HISTORY):
        today.day = start + dt.timedelta(days=offset)
        local.record(ChatId(chat), text)
        await replicas[number % 2].record(ChatId(chat), text)  # the same chat lands on either replica
        await same_reports()
    (top, *_) = await replicas[1].report(30)
    assert (top.words, top.uses, top.chats, top.last_week, top.week_before) == ("horaires", 6, 5, 2, 4)
    for offset in (19, 44):  # the first day leaves the week, then the 30 days
        today.day = start + dt.timedelta(days=offset)
        await same_reports()
    local.share("une question … partagée")
    await replicas[1].share("une question … partagée")
    assert await replicas[0].shared(30) == local.shared(30) == ["une question … partagée"]
    local.close()


async def test_nothing_of_a_person_is_stored_and_everything_expires(
    states: tuple[RedisStores, RedisStores],
) -> None:
    client = states[0].client
    inbox = RedisInbox(client, SECRET, STOP, keep_days=30)
    await inbox.record(ChatId(7301), f"mon voisin {NAME} au {PHONE} veut les horaires du bus")
    await inbox.record(ChatId(7302), "horaires du bus")
    readable = []
    for key in await client.keys("*"):
        kind = await client.type(key)
        if kind == b"hash":
            readable.append(repr((key, await client.hgetall(key))))
        elif kind == b"set":  # one marker per chat and word: hashes, nothing readable
            assert all(re.fullmatch(r"[0-9a-f]{40}", text(m)) for m in await client.smembers(key))
        else:
            assert kind == b"string" and text(key).endswith(":key")  # the day's random key
    dump = "\n".join(readable)
    assert "horaires" in dump and "voisin veut" in dump  # ordinary words, and pairs of them
    for secret in (NAME, NAME.lower(), "555", "375", "7301", "7302"):
        assert secret not in dump, secret
    day = dt.date.today()
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
    now = time.time()
    for kind in ("uses", "chats"):  # kept 30 days after their day, as in SQLite
        ttl = await client.ttl(f"{inbox.prefix}inbox:{day.isoformat()}:{kind}")
        assert 30 * 86400 < ttl <= 31 * 86400 + 3600, (kind, ttl)
    for kind in ("seen", "key"):  # the markers and the day's key: gone at the end of the day
        ttl = await client.ttl(f"{inbox.prefix}inbox:{day.isoformat()}:{kind}")
        assert 0 < ttl <= midnight - now + 301, (kind, ttl)


async def test_redis_down_counts_are_skipped_quietly_and_a_report_says_so(
    redis_server: RedisServer,  # noqa: F811
    states: tuple[RedisStores, RedisStores],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox = RedisInbox(states[0].client, SECRET, STOP)
    redis_server.stop()
    with caplog.at_level(logging.WARNING):
        # The answer went out; only the count is lost, and the handler is told so (its metric).
        assert await inbox.record(ChatId(7301), "les horaires du bus") is False
        assert await inbox.record(ChatId(7302), "les horaires du bus") is False
        assert await inbox.share("une question") is False
    assert [r.getMessage() for r in caplog.records] == [
        "inbox in Redis unavailable, a count skipped (ConnectionError)"
    ]
    with pytest.raises(InboxUnavailable):
        await inbox.report(30)
    redis_server.start()
    assert await inbox.record(ChatId(7303), "les horaires du bus")
    assert (await inbox.stored())[0][1:] == ("bus", 1, 1)


async def test_the_report_command_reads_redis_when_it_is_configured(
    redis_server: RedisServer,  # noqa: F811
    states: tuple[RedisStores, RedisStores],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.__main__ import main
    from bot.state.redis_store import namespace

    secret = "a-state-key-of-16-chars"
    # The command finds the bot's counts under its id, the token's first half.
    inbox = RedisInbox(states[0].client, secret.encode(), STOP, prefix=namespace(123456))
    for chat in range(4):
        await inbox.record(ChatId(chat), "le prix du visa")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:AAE-the-secret-half")
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("STATE_KEY_SECRET", secret)
    assert await _run(main, ["inbox"]) == 0
    assert "    4       4       0  prix" in capsys.readouterr().out
    redis_server.stop()
    assert await _run(main, ["inbox"]) == 2
    assert "cannot be read" in capsys.readouterr().err


async def _run(main: object, args: list[str]) -> int:
    """The command runs its own event loop: in a thread, away from the test's."""
    import asyncio

    assert callable(main)
    return int(await asyncio.to_thread(main, args))
