"""Chats handled concurrently, each in order; a shutdown that abandons only what had not finished."""

from __future__ import annotations

import asyncio

from bot.channels.telegram.dispatch import ChatDispatcher
from bot.state.flood import Admission, MemoryFloodBudget


async def test_chats_run_concurrently_and_each_chat_in_order() -> None:
    log: list[tuple[str, int]] = []
    slow_started, fast_done, all_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def handle(item: tuple[str, int]) -> None:
        chat, _ = item
        if chat == "slow":
            slow_started.set()
            await fast_done.wait()  # the slow chat is held until the fast one is through
        log.append(item)
        if item == ("fast", 2):
            fast_done.set()

    done: list[int] = []

    def on_done(update_id: int) -> None:
        done.append(update_id)
        if len(done) == 4:
            all_done.set()

    dispatcher: ChatDispatcher[tuple[str, int]] = ChatDispatcher(handle, on_done)
    dispatcher.submit("slow", 1, ("slow", 1))
    dispatcher.submit("slow", 2, ("slow", 2))
    await slow_started.wait()
    dispatcher.submit("fast", 3, ("fast", 1))
    dispatcher.submit("fast", 4, ("fast", 2))
    await asyncio.wait_for(all_done.wait(), timeout=5)
    assert log[:2] == [("fast", 1), ("fast", 2)]  # not stuck behind the slow chat
    assert [n for chat, n in log if chat == "slow"] == [1, 2]
    assert dispatcher.in_hand == frozenset()


async def test_close_abandons_what_did_not_finish_and_keeps_it_in_hand() -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def handle(item: int) -> None:
        if item == 1:
            started.set()
            await release.wait()  # never set: stuck past the deadline

    done: list[int] = []
    dispatcher: ChatDispatcher[int] = ChatDispatcher(handle, done.append, max_running=1)
    dispatcher.submit("a", 1, 1)
    dispatcher.submit("b", 2, 2)  # waits for a slot, never starts
    await started.wait()
    abandoned = await dispatcher.close(deadline=0.05)
    assert abandoned == 2 and done == [] and dispatcher.in_hand == {1, 2}
    dispatcher.submit("c", 3, 3)  # closed: refused
    assert 3 not in dispatcher.in_hand


async def test_flood_budget_notices_once_then_stays_silent_until_it_refills() -> None:
    now = [0.0]
    budget = MemoryFloodBudget(capacity=5, period=10.0, clock=lambda: now[0])
    verdicts = [await budget.admit(1) for _ in range(8)]
    assert verdicts == [Admission.ANSWER] * 5 + [Admission.NOTICE] + [Admission.SILENCE] * 2
    assert await budget.admit(2) is Admission.ANSWER  # another chat has its own budget
    now[0] = 2.0  # one message's worth refilled
    assert await budget.admit(1) is Admission.ANSWER
    assert await budget.admit(1) is Admission.NOTICE  # a new notice after a refill


async def test_flood_budget_memory_is_bounded() -> None:
    budget = MemoryFloodBudget(max_chats=100)
    for chat in range(1000):
        await budget.admit(chat)
    assert len(budget._buckets) == 100
