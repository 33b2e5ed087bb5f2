"""The follow-up store: a topic id per chat, forgotten after 30 minutes, bounded in memory."""

from __future__ import annotations

import pytest

from bot.core.decision import Outcome
from bot.core.replies import Reply
from bot.state import ChatId
from bot.state.followups import MemoryFollowUpStore, keep

pytestmark = pytest.mark.unit


async def test_a_topic_expires_after_its_time() -> None:
    now = [0.0]
    store = MemoryFollowUpStore(ttl=1800, clock=lambda: now[0])
    await store.set(ChatId(42), "azerbaijan_2023")
    now[0] = 1800
    assert await store.get(ChatId(42)) == "azerbaijan_2023"
    now[0] = 1801
    assert await store.get(ChatId(42)) is None


async def test_keep_follows_the_reply() -> None:
    store = MemoryFollowUpStore()
    await keep(store, ChatId(42), Reply((), Outcome.ANSWER, remember="belarus_mission"))
    assert await store.get(ChatId(42)) == "belarus_mission"
    await keep(store, ChatId(42), Reply((), Outcome.ANSWER))  # small talk: unchanged
    assert await store.get(ChatId(42)) == "belarus_mission"
    await keep(store, ChatId(42), Reply((), Outcome.WELCOME, forget=True))
    assert await store.get(ChatId(42)) is None
    assert await store.get(ChatId(43)) is None  # another chat has nothing


async def test_memory_is_bounded_least_recently_used_first() -> None:
    store = MemoryFollowUpStore(max_chats=100)
    for chat in range(1000):
        await store.set(ChatId(chat), "family_links")
    assert len(store._topics) == 100
    assert await store.get(ChatId(999)) == "family_links" and await store.get(ChatId(0)) is None
