"""The per-chat message budget: a notice once, then silence until it refills."""

from __future__ import annotations

import pytest

from bot.state import ChatId
from bot.state.flood import Admission, MemoryFloodBudget

pytestmark = pytest.mark.unit


async def test_flood_budget_notices_once_then_stays_silent_until_it_refills() -> None:
    now = [0.0]
    budget = MemoryFloodBudget(capacity=5, period=10.0, clock=lambda: now[0])
    verdicts = [await budget.admit(ChatId(1)) for _ in range(8)]
    assert verdicts == [Admission.ANSWER] * 5 + [Admission.NOTICE] + [Admission.SILENCE] * 2
    assert await budget.admit(ChatId(2)) is Admission.ANSWER  # another chat has its own budget
    now[0] = 2.0  # one message's worth refilled
    assert await budget.admit(ChatId(1)) is Admission.ANSWER
    assert await budget.admit(ChatId(1)) is Admission.NOTICE  # a new notice after a refill


async def test_flood_budget_memory_is_bounded() -> None:
    budget = MemoryFloodBudget(max_chats=100)
    for chat in range(1000):
        await budget.admit(ChatId(chat))
    assert len(budget._buckets) == 100
