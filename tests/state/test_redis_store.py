"""The shared state against a real redis-server (Debian's; `make test` installs it if missing)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.state.flood import Admission
from bot.state.redis_store import PREFIX, RedisReloads, RedisState
from bot.state.sending import MAX_WAIT_SECONDS, PEAK, RATE, wait_turns
from tests.conftest import until

pytestmark = pytest.mark.integration

SECRET = "test-state-key"


class RedisServer:
    """redis-server on a Unix socket in a temporary directory, nothing written to disk."""

    def __init__(self, directory: Path) -> None:
        self.socket = directory / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.socket.parent),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():  # ready once it answers PING (the socket file comes earlier)
            assert time.monotonic() < deadline and self.process.poll() is None, "redis-server did not start"
            time.sleep(0.005)

    def answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(1.0)
                probe.connect(str(self.socket))
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.socket.unlink(missing_ok=True)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def replicas(redis_server: RedisServer) -> AsyncIterator[tuple[RedisState, RedisState]]:
    """Two replicas' views of the same store."""
    a = RedisState.from_url(redis_server.url, SECRET, capacity=2, period=60.0)
    b = RedisState.from_url(redis_server.url, SECRET, capacity=2, period=60.0)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_a_topic_set_on_one_replica_is_read_on_the_other_and_expires(
    replicas: tuple[RedisState, RedisState],
) -> None:
    a, b = replicas
    await a.set(7001, "belarus_contact")
    assert await b.get(7001) == "belarus_contact"
    assert await b.get(7002) is None
    keys = [k.decode() if isinstance(k, bytes) else k for k in await a.client.keys("*")]
    assert keys and not any("7001" in k for k in keys)  # no raw chat id in the store
    assert 0 < await a.client.ttl(keys[0]) <= 1800  # Redis forgets it after 30 minutes
    await b.clear(7001)
    assert await a.get(7001) is None


async def test_each_update_is_taken_by_exactly_one_replica(replicas: tuple[RedisState, RedisState]) -> None:
    a, b = replicas
    taken = [await a.first_time(900), await b.first_time(900), await a.first_time(900)]
    assert taken == [True, False, False]
    assert await b.first_time(901)


async def test_the_flood_budget_is_shared(replicas: tuple[RedisState, RedisState]) -> None:
    a, b = replicas
    verdicts = [await a.admit(7010), await b.admit(7010), await a.admit(7010), await b.admit(7010)]
    assert verdicts == [Admission.ANSWER, Admission.ANSWER, Admission.NOTICE, Admission.SILENCE]
    assert await b.admit(7011) is Admission.ANSWER


async def test_redis_down_the_bot_still_answers_then_recovers(redis_server: RedisServer) -> None:
    reports: list[bool] = []
    state = RedisState.from_url(redis_server.url, SECRET, report=reports.append)
    try:
        await state.set(7020, "family_links")
        redis_server.stop()
        assert await state.get(7020) is None  # no follow-up, but an answer
        assert await state.first_time(950)  # handled rather than lost
        assert await state.admit(7020) is Admission.ANSWER
        await state.set(7020, "privacy")
        assert reports == [False]  # said once
        redis_server.start()
        await state.set(7020, "privacy")
        assert await state.get(7020) == "privacy"
        assert reports == [False, True]
    finally:
        await state.aclose()


async def test_a_reload_announced_while_a_replica_was_cut_off_reaches_it_when_it_is_back(
    replicas: tuple[RedisState, RedisState],
) -> None:
    a, b = (RedisReloads(state.client) for state in replicas)
    reloads: list[str] = []

    async def hear(stop: asyncio.Event) -> None:
        async def on_reload() -> None:
            reloads.append("b")

        await b.listen(on_reload, stop)

    stop = asyncio.Event()
    listening = asyncio.create_task(hear(stop))
    await until(lambda: b._seen is not None)  # subscribed
    await a.announce()
    await until(lambda: reloads == ["b"])
    await b.announce()  # its own announcement is not for it: the next one is the second reload
    await a.announce()
    await until(lambda: len(reloads) == 2 and b._seen == 3)
    stop.set()
    await listening

    await a.announce()  # pub/sub keeps nothing: b is not listening
    stop = asyncio.Event()
    listening = asyncio.create_task(hear(stop))
    await until(lambda: b._seen == 4)
    stop.set()
    await listening
    assert reloads == ["b", "b", "b"]  # caught up once on subscribing again


async def test_the_sending_turns_are_shared(replicas: tuple[RedisState, RedisState]) -> None:
    a, b = replicas
    waits = [(await (a, b)[n % 2].take(20_000 + n))[1] for n in range(100)]  # 100 people, at once
    assert waits[:PEAK] == [0.0] * PEAK
    assert waits[-1] == pytest.approx((100 - PEAK) / RATE, abs=0.1)  # 24 a second, both together
    chat = [await (a, b)[n % 2].take(7030) for n in range(5)]
    assert [round(c) for c, _ in chat] == [0, 0, 0, 1, 2]  # a reply at once, then one a second
    assert [bot for wait, bot in chat if wait > 0] == [0.0, 0.0]  # the bot's turn taken once the chat's comes


async def test_a_schedule_from_another_clock_is_reset_not_awaited(
    replicas: tuple[RedisState, RedisState],
) -> None:
    """Redis's clock stepped back an hour (NTP, a restored snapshot, a failover): the stored due
    times are an hour ahead of its TIME. The next turn starts afresh instead of waiting an hour."""
    a, _ = replicas
    seconds, micros = await a.client.time()
    ahead = f"{seconds + micros / 1e6 + 3600:.6f}"
    await a.client.set(f"{PREFIX}send:all", ahead)
    await a.client.set(a._key("send", 7040), ahead)
    chat_wait, bot_wait = await a.take(7040)
    assert chat_wait == 0.0 and bot_wait == 0.0
    stored = await a.client.get(f"{PREFIX}send:all")
    assert stored is not None and float(stored) < seconds + 60  # rescheduled on Redis's own time


async def test_no_turn_is_awaited_longer_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a store answers, a reply waits at most MAX_WAIT_SECONDS for each turn."""
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def far_off(chat_id: object | None) -> tuple[float, float]:
        return (3600.0, 0.0) if chat_id is not None else (0.0, 7200.0)

    monkeypatch.setattr(asyncio, "sleep", record)
    await wait_turns(far_off, 7041)
    assert slept == [MAX_WAIT_SECONDS, MAX_WAIT_SECONDS]
