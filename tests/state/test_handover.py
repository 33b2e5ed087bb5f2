"""The handover of acknowledged updates: a private file, or Redis encrypted, taken exactly once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.state.handover import Acknowledged, FileHandover, RedisHandover
from bot.state.redis_store import RedisStores, namespace
from tests.state.test_redis_store import RedisServer, redis_server  # noqa: F401

pytestmark = pytest.mark.integration

UPDATES = [
    {"update_id": 10, "message": {"chat": {"id": 7001}, "text": "mon fils Taras a disparu"}},
    {"update_id": 11, "message": {"chat": {"id": 7002}, "text": "bonjour"}},
]


def test_acknowledged_updates_are_kept_until_done_oldest_first() -> None:
    kept = Acknowledged()
    kept.add(11, UPDATES[1])
    kept.add(10, UPDATES[0])
    kept.done(11)
    assert len(kept) == 1 and kept.pending() == [UPDATES[0]]


async def test_a_file_handover_is_private_added_to_and_taken_once(tmp_path: Path) -> None:
    handover = FileHandover(tmp_path / "webhook-handover.json")
    await handover.save(UPDATES[:1])
    await handover.save(UPDATES[1:])  # a second stop before a start: both kept
    assert stat.S_IMODE((tmp_path / "webhook-handover.json").stat().st_mode) == 0o600
    assert await handover.take() == UPDATES
    assert await handover.take() == []  # taken: gone


async def test_a_redis_handover_is_unreadable_in_redis_and_goes_to_one_replica(
    redis_server: RedisServer,  # noqa: F811
) -> None:
    state = RedisStores.from_url(redis_server.url, "x")
    try:
        secret = "a-state-key-of-16-chars"
        a = RedisHandover(state.client, namespace(5), secret)
        b = RedisHandover(state.client, namespace(5), secret)
        await a.save(UPDATES)
        stored = await state.client.lrange(f"{namespace(5)}handover", 0, -1)
        assert len(stored) == 2
        assert not any(b"Taras" in s or b"7001" in s for s in stored)  # no text, no chat id
        assert await b.take() == UPDATES and await a.take() == []
        await a.save(UPDATES[:1])
        stranger = RedisHandover(state.client, namespace(5), "another-secret-of-16-chars")
        assert await stranger.take() == []  # another key reads nothing (and drops it)
    finally:
        await state.aclose()
