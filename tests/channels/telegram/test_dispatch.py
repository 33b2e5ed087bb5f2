"""Chats handled concurrently, each in order; a shutdown that abandons only what had not finished."""

from __future__ import annotations

import asyncio
import functools

import pytest

from bot.channels.telegram import dispatch
from bot.channels.telegram.dispatch import ChatDispatcher
from bot.channels.telegram.ratelimit import PatientRateLimiter

pytestmark = pytest.mark.unit


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


async def test_a_reply_under_way_at_the_deadline_is_let_finish_the_others_are_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cut on the wire, a reply Telegram may already have would be handed over and sent again;
    one whose request has not left yet is abandoned at the deadline (not later: during the grace
    it could start sending), and a reply under way that overstays the grace too."""
    monkeypatch.setattr(dispatch, "ANSWER_GRACE", 0.3)
    limiter = PatientRateLimiter()
    on_wire, delivered, abandoned_now = asyncio.Event(), asyncio.Event(), asyncio.Event()
    received: list[int] = []  # the chats whose request reached Telegram

    async def telegram(*_: object, chat: int) -> bool:
        received.append(chat)
        if chat == 1:
            on_wire.set()
            await abandoned_now.wait()  # Telegram answers once the deadline has passed
        return True

    async def send(chat: int) -> None:
        request = functools.partial(telegram, chat=chat)
        await limiter.process_request(request, (), {}, "sendMessage", {"chat_id": chat}, None)

    async def handle(item: int) -> None:
        if item == 1:
            await send(1)
        elif item == 2:  # nothing sent yet
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                abandoned_now.set()
                raise
        elif item == 3:  # delivered, then stuck
            await send(3)
            delivered.set()
            await asyncio.Event().wait()
        else:  # its turn comes after the deadline, while 1 is still answering
            await abandoned_now.wait()
            await send(4)

    done: list[int] = []
    dispatcher: ChatDispatcher[int] = ChatDispatcher(handle, done.append)
    for chat in (1, 2, 3, 4):
        dispatcher.submit(chat, chat, chat)
    await on_wire.wait()
    await delivered.wait()
    # Returns although 3 is stuck for ever: the grace bounds it.
    abandoned = await dispatcher.close(deadline=0.01)
    assert done == [1] and abandoned == 3 and dispatcher.in_hand == {2, 3, 4}
    assert sorted(received) == [1, 3]  # 4 was abandoned before it could send
