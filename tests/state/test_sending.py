"""Telegram's sending limits, as the bot paces itself: the schedule, without waiting it out."""

from __future__ import annotations

import heapq

import pytest

from bot.state import ChatId
from bot.state.sending import PEAK, RATE, MemorySendTurns

pytestmark = pytest.mark.unit


START = 1000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def busiest_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def send_all(turns: MemorySendTurns, clock: Clock, asked: list[tuple[float, int]]) -> list[float]:
    """When each message goes, for messages asked for at (time, chat), each waiting for its
    turns as `wait_turns` does: the chat's, then the bot's. Taken in the order of time."""
    sent = [0.0] * len(asked)
    events = [(at, number, chat) for number, (at, chat) in enumerate(asked)]
    heapq.heapify(events)
    while events:
        clock.now, number, chat = heapq.heappop(events)
        chat_wait, bot_wait = turns.take(ChatId(chat) if chat >= 0 else None)
        if chat_wait > 0:
            heapq.heappush(events, (clock.now + chat_wait, number, -1))  # then the bot's turn
        else:
            sent[number] = clock.now + bot_wait
    return sent


def at_once(chats: list[int], at: float = START) -> list[tuple[float, int]]:
    return [(at, chat) for chat in chats]


def test_the_bot_sends_at_most_its_rate_plus_its_peak_in_any_second() -> None:
    clock = Clock()
    turns = MemorySendTurns(clock=clock)
    sent = send_all(turns, clock, at_once(list(range(500))))  # 500 people at once
    assert sorted(sent)[:PEAK] == [START] * PEAK  # a few at once
    assert busiest_second(sent) <= RATE + PEAK == 28
    assert max(sent) - START == pytest.approx((500 - PEAK) / RATE, abs=0.01)  # then 24 a second


def test_one_chat_gets_a_reply_at_once_then_one_message_a_second() -> None:
    clock = Clock()
    turns = MemorySendTurns(clock=clock)
    sent = send_all(turns, clock, at_once([7] * 6))
    assert [round(t - START, 3) for t in sent] == [0, 0, 0, 1, 2, 3]


def test_a_chat_that_waits_holds_up_no_one_else() -> None:
    clock = Clock()
    turns = MemorySendTurns(clock=clock)
    sent = send_all(turns, clock, [*at_once([7] * 10), (START + 0.5, 8)])  # behind one chat's queue
    assert sent[-1] == START + 0.5


def test_turns_come_back_once_their_time_has_passed() -> None:
    clock = Clock()
    turns = MemorySendTurns(clock=clock)
    send_all(turns, clock, at_once([7] * 3 + list(range(100, 150))))
    clock.now = START + 10
    assert turns.take(ChatId(7)) == (0.0, 0.0)


def test_an_impossible_due_time_is_a_fresh_start() -> None:
    """A due time further ahead than any backlog could make is a schedule from another clock."""
    from bot.state.sending import MAX_AHEAD_SECONDS, earliest, next_due

    now = 1000.0
    assert earliest(now, now + MAX_AHEAD_SECONDS + 3600, RATE, PEAK) == now
    assert next_due(now + 3600, now, RATE) == pytest.approx(now + 1 / RATE)
    assert earliest(now, now + 2.0, RATE, PEAK) == pytest.approx(now + 2.0 - (PEAK - 1) / RATE)
