"""`bot_data`: a message is read on the reading thread, and the event loop stays free meanwhile."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.channels.telegram.context import BotData, NotStarted

pytestmark = pytest.mark.unit


async def test_a_message_is_read_off_the_event_loop_which_serves_others_meanwhile() -> None:
    data = BotData()
    reading, release = threading.Event(), threading.Event()

    def slow() -> str:
        reading.set()
        release.wait(10)  # an embedding that takes long
        return threading.current_thread().name

    task = asyncio.create_task(data.off_loop(slow))
    assert await asyncio.to_thread(reading.wait, 10)
    served = []
    for number in range(3):  # other updates, while the message is being read
        await asyncio.sleep(0)
        served.append(number)
    assert not task.done() and served == [0, 1, 2]
    release.set()
    assert (await task).startswith("reading")
    data.close()


async def test_an_error_while_reading_reaches_the_handler() -> None:
    data = BotData()

    def broken() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await data.off_loop(broken)
    data.close()


def test_the_engine_is_not_there_before_post_init() -> None:
    with pytest.raises(NotStarted):
        _ = BotData().engine
