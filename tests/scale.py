"""`make scale`: what sharing state through Redis costs, and what one and two replicas sustain.

Two measures, printed side by side; nothing here asserts a time (it depends on the machine):

1. The state's round trips for one update, as a replica makes them: the update taken once
   (SET NX), the chat's flood budget, its follow-up read and written, two sending turns (an
   answer and its contact card). In memory, then against a real redis-server on a Unix socket.
2. Bot processes in webhook mode (`run_bot.py`, as `make run` starts them) behind one URL, with
   the loopback Bot API stand-in: USERS people write at once, spread over the replicas. Reported:
   answers a second (Telegram's limit, about 30 a second for a bot, is the ceiling by design: the
   replicas share a budget of 24 a second), the time from a message to its answer, and the CPU
   each update costs the replicas, which tells how far below the limit the bot works.

It lives with the tests because it runs the stand-in, which is test code.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.state import ChatId
from bot.state.flood import Admission, FloodBudget, MemoryFloodBudget
from bot.state.followups import FollowUpStore, MemoryFollowUpStore
from bot.state.redis_store import RedisStores
from bot.state.seen import MemorySeenUpdates, SeenUpdates
from bot.state.sending import MemorySendTurns
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import text_update as update
from tests.replicas import replicas_running
from tests.state.test_redis_store import RedisServer

USERS = 200
# What people write, in turn: answers of one message, and answers followed by a contact card.
MESSAGES = (
    "numero du cicr a minsk",
    "comment retrouver mon fils disparu",
    "j ai trouve un obus dans mon jardin",
    "que fait le cicr en azerbaidjan",
    "bonjour",
)
ROUND_TRIPS = 2000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Store:
    """What a replica asks of its state for one update, whichever store holds it."""

    seen: SeenUpdates
    flood: FloodBudget
    followups: FollowUpStore
    take: Callable[[ChatId | None], Awaitable[tuple[float, float]]]  # a sending turn

    async def first_time(self, update_id: int) -> bool:
        return await self.seen.first_time(update_id)

    async def admit(self, chat: ChatId) -> Admission:
        return await self.flood.admit(chat)

    async def get(self, chat_id: ChatId) -> str | None:
        return await self.followups.get(chat_id)

    async def set(self, chat_id: ChatId, entry_id: str) -> None:
        await self.followups.set(chat_id, entry_id)


class MemoryStore(Store):
    """The in-memory state (one process)."""

    def __init__(self) -> None:
        super().__init__(
            MemorySeenUpdates(), MemoryFloodBudget(), MemoryFollowUpStore(), MemorySendTurns().take_async
        )


async def state_round_trips(store: Store, count: int) -> list[float]:
    """Seconds per update spent in the state, for `count` updates from different chats: the
    turns are taken, not waited for (their waits are Telegram's limits, not the store's cost)."""
    spent = []
    for number in range(count):
        chat = ChatId(10_000_000 + number)
        started = time.perf_counter()
        await store.first_time(number)
        await store.admit(chat)
        await store.get(chat)
        await store.set(chat, "belarus_contact")
        await store.take(chat)
        await store.take(chat)
        spent.append(time.perf_counter() - started)
    return spent


async def redis_round_trips(url: str, count: int) -> list[float]:
    stores = RedisStores.from_url(url, "s" * 16)
    store = Store(stores.seen, stores.flood, stores.followups, stores.turns.take)
    try:
        return await state_round_trips(store, count)
    finally:
        await stores.aclose()


def run_replicas(count: int, redis: RedisServer | None, users: int, directory: Path) -> dict[str, float]:
    """`users` people write to `count` replicas at once; what the stand-in saw."""
    directory.mkdir()
    with FakeTelegram() as telegram, replicas_running(count, telegram, redis, directory) as replicas:
        cpu_before = sum(r.cpu_seconds() for r in replicas)
        posted: dict[int, float] = {}
        chats = range(30_000_000, 30_000_000 + users)
        started = time.monotonic()
        for number, chat in enumerate(chats):
            posted[chat] = time.monotonic()
            text = MESSAGES[number % len(MESSAGES)]
            assert replicas[number % count].deliver(update(number + 1, chat, text)) == 200
        assert telegram.wait_for(lambda _: telegram.sent_counts().keys() >= set(chats), 120), (
            "not all answered"
        )
        took = time.monotonic() - started
        cpu = sum(r.cpu_seconds() for r in replicas) - cpu_before
        first = {}
        for chat in chats:
            (at, *_) = telegram.sent_times([chat])
            first[chat] = at - posted[chat]
        times = telegram.sent_times()
        busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
        for replica in replicas:
            assert replica.stop() == 0, replica.log.read_text()[-2000:]
    latencies = list(first.values())
    return {
        "answers_per_second": users / took,
        "messages_per_second": len(times) / took,
        "busiest_second": busiest,
        "latency_p50": statistics.median(latencies),
        "latency_p99": percentile(latencies, 0.99),
        "cpu_ms_per_update": 1000 * cpu / users,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS, help=f"people writing at once (default {USERS})")
    parser.add_argument("--round-trips", type=int, default=ROUND_TRIPS, help="updates in the state measure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cicr-scale-") as scratch:
        directory = Path(scratch)
        redis = RedisServer(directory)
        redis.start()
        try:
            memory = asyncio.run(state_round_trips(MemoryStore(), args.round_trips))
            shared = asyncio.run(redis_round_trips(redis.url, args.round_trips))
            print(f"State per update ({args.round_trips} updates: taken once, flood budget, follow-up read")
            print("and written, two sending turns taken), in milliseconds:")
            print(f"{'':24}{'p50':>8}{'p99':>8}")
            for name, spent in (("in memory", memory), ("Redis, Unix socket", shared)):
                print(f"{name:24}{1000 * percentile(spent, 0.5):8.3f}{1000 * percentile(spent, 0.99):8.3f}")
            runs: list[tuple[str, dict[str, Any]]] = []
            for name, count, store in (
                ("1 replica, in memory", 1, None),
                ("1 replica, Redis", 1, redis),
                ("2 replicas, Redis", 2, redis),
            ):
                redis.stop()  # a fresh Redis for each run: no budget left over from the last
                redis.start()
                runs.append(
                    (name, run_replicas(count, store, args.users, directory / name.replace(" ", "_")))
                )
        finally:
            redis.stop()
    print()
    print(f"{args.users} people writing at once, webhook mode, loopback Bot API stand-in:")
    print(
        f"{'':24}{'answers/s':>10}{'msgs/s':>8}{'busiest s':>10}{'p50 s':>8}{'p99 s':>8}{'CPU ms/update':>15}"
    )
    for name, row in runs:
        print(
            f"{name:24}{row['answers_per_second']:10.1f}{row['messages_per_second']:8.1f}"
            f"{row['busiest_second']:10d}{row['latency_p50']:8.2f}{row['latency_p99']:8.2f}"
            f"{row['cpu_ms_per_update']:15.1f}"
        )
    print("Telegram allows a bot about 30 messages a second; the replicas share 24 a second (28 in the")
    print("busiest second). An answer here is one message or two (a text, then a contact card).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
