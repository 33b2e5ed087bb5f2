"""`make scale`'s state measure runs the calls a replica makes, against memory and real Redis."""

from __future__ import annotations

import pytest

from bot.state import ChatId
from tests.scale import MemoryStore, redis_round_trips, state_round_trips
from tests.state.test_redis_store import RedisServer, redis_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration


async def test_the_round_trips_are_measured_on_both_stores(redis_server: RedisServer) -> None:  # noqa: F811
    memory = MemoryStore()
    assert len(await state_round_trips(memory, 50)) == 50
    assert await memory.get(ChatId(10_000_049)) == "belarus_contact"  # each call made
    spent = await redis_round_trips(redis_server.url, 50)
    assert len(spent) == 50 and all(0 < s < 1 for s in spent)
    assert not await memory.first_time(49)  # the update ids were taken
