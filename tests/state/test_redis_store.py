"""The shared state against a real redis-server (Debian's; `make test` installs it if missing)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.state import ChatId
from bot.state.flood import Admission
from bot.state.redis_store import RedisReloads, RedisStores, namespace
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
async def replicas(redis_server: RedisServer) -> AsyncIterator[tuple[RedisStores, RedisStores]]:
    """Two replicas' views of the same store."""
    a = RedisStores.from_url(redis_server.url, SECRET, capacity=2, period=60.0)
    b = RedisStores.from_url(redis_server.url, SECRET, capacity=2, period=60.0)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_a_topic_set_on_one_replica_is_read_on_the_other_and_expires(
    replicas: tuple[RedisStores, RedisStores],
) -> None:
    a, b = replicas
    await a.followups.set(ChatId(7001), "belarus_contact")
    assert await b.followups.get(ChatId(7001)) == "belarus_contact"
    assert await b.followups.get(ChatId(7002)) is None
    keys = [k.decode() if isinstance(k, bytes) else k for k in await a.client.keys("*")]
    assert keys and not any("7001" in k for k in keys)  # no raw chat id in the store
    assert 0 < await a.client.ttl(keys[0]) <= 1800  # Redis forgets it after 30 minutes
    await b.followups.clear(ChatId(7001))
    assert await a.followups.get(ChatId(7001)) is None


async def test_each_update_is_taken_by_exactly_one_replica(replicas: tuple[RedisStores, RedisStores]) -> None:
    a, b = replicas
    taken = [await a.seen.first_time(900), await b.seen.first_time(900), await a.seen.first_time(900)]
    assert taken == [True, False, False]
    assert await b.seen.first_time(901)


async def test_the_flood_budget_is_shared(replicas: tuple[RedisStores, RedisStores]) -> None:
    a, b = replicas
    verdicts = [await (a, b)[n % 2].flood.admit(ChatId(7010)) for n in range(4)]
    assert verdicts == [Admission.ANSWER, Admission.ANSWER, Admission.NOTICE, Admission.SILENCE]
    assert await b.flood.admit(ChatId(7011)) is Admission.ANSWER


async def test_redis_down_the_bot_still_answers_then_recovers(redis_server: RedisServer) -> None:
    reports: list[bool] = []
    state = RedisStores.from_url(redis_server.url, SECRET, report=reports.append)
    try:
        await state.followups.set(ChatId(7020), "family_links")
        redis_server.stop()
        assert await state.followups.get(ChatId(7020)) is None  # no follow-up, but an answer
        assert await state.seen.first_time(950)  # handled rather than lost
        assert await state.flood.admit(ChatId(7020)) is Admission.ANSWER
        await state.followups.set(ChatId(7020), "privacy")
        assert reports == [False]  # said once
        redis_server.start()
        await state.followups.set(ChatId(7020), "privacy")  # writes work again; reads were failing too
        assert await state.followups.get(ChatId(7020)) == "privacy"
        assert reports == [False, True]  # back once both do
    finally:
        await state.aclose()


async def test_a_reload_announced_while_a_replica_was_cut_off_reaches_it_when_it_is_back(
    replicas: tuple[RedisStores, RedisStores],
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


async def test_the_sending_turns_are_shared(replicas: tuple[RedisStores, RedisStores]) -> None:
    a, b = replicas
    seconds, micros = await a.client.time()
    # 100 people, at once
    waits = [(await (a, b)[n % 2].turns.take(ChatId(20_000 + n)))[1] for n in range(100)]
    later, later_micros = await a.client.time()
    # The schedule is on Redis's clock: what the hundred calls took is already behind the last.
    spent = (later - seconds) + (later_micros - micros) / 1e6
    assert waits[:PEAK] == [0.0] * PEAK
    due = (100 - PEAK) / RATE  # 24 a second, both replicas together
    assert due - spent - 0.01 <= waits[-1] <= due + 0.01
    chat = [await (a, b)[n % 2].turns.take(ChatId(7030)) for n in range(5)]
    assert [round(c) for c, _ in chat] == [0, 0, 0, 1, 2]  # a reply at once, then one a second
    assert [bot for wait, bot in chat if wait > 0] == [0.0, 0.0]  # the bot's turn taken once the chat's comes


async def test_a_schedule_from_another_clock_is_reset_not_awaited(
    replicas: tuple[RedisStores, RedisStores],
) -> None:
    """Redis's clock stepped back an hour (NTP, a restored snapshot, a failover): the stored due
    times are an hour ahead of its TIME. The next turn starts afresh instead of waiting an hour."""
    a, _ = replicas
    seconds, micros = await a.client.time()
    ahead = f"{seconds + micros / 1e6 + 3600:.6f}"
    await a.client.set(f"{a.connection.prefix}send:all", ahead)
    await a.client.set(a.connection.key("send", ChatId(7040)), ahead)
    chat_wait, bot_wait = await a.turns.take(ChatId(7040))
    assert chat_wait == 0.0 and bot_wait == 0.0
    stored = await a.client.get(f"{a.connection.prefix}send:all")
    assert stored is not None and float(stored) < seconds + 60  # rescheduled on Redis's own time


async def test_no_turn_is_awaited_longer_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a store answers, a reply waits at most MAX_WAIT_SECONDS for each turn."""
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def far_off(chat_id: object | None) -> tuple[float, float]:
        return (3600.0, 0.0) if chat_id is not None else (0.0, 7200.0)

    monkeypatch.setattr(asyncio, "sleep", record)
    await wait_turns(far_off, ChatId(7041))
    assert slept == [MAX_WAIT_SECONDS, MAX_WAIT_SECONDS]


async def test_replicas_with_another_state_key_are_refused(redis_server: RedisServer) -> None:
    """With different STATE_KEY_SECRETs a person is several chats: the second replica refuses."""
    from bot.state import StateKeyMismatch

    first = RedisStores.from_url(redis_server.url, SECRET, prefix=namespace(42))
    same = RedisStores.from_url(redis_server.url, SECRET, prefix=namespace(42))
    other = RedisStores.from_url(redis_server.url, "another secret of 32 characters!", prefix=namespace(42))
    other_bot = RedisStores.from_url(
        redis_server.url, "another secret of 32 characters!", prefix=namespace(43)
    )
    try:
        await first.connection.check_key()
        await same.connection.check_key()
        with pytest.raises(StateKeyMismatch, match="STATE_KEY_SECRET"):
            await other.connection.check_key()
        await other_bot.connection.check_key()  # another bot on the same database has its own keys
        stored = await first.client.get(f"{namespace(42)}key-check")
        assert stored is not None and SECRET.encode() not in stored  # a fingerprint, not the secret
    finally:
        for state in (first, same, other, other_bot):
            await state.aclose()


async def test_every_key_and_channel_is_scoped_by_the_bot(redis_server: RedisServer) -> None:
    """A staging bot on the same database shares nothing with production."""
    prod = RedisStores.from_url(redis_server.url, SECRET, prefix=namespace(1001))
    staging = RedisStores.from_url(redis_server.url, SECRET, prefix=namespace(2002))
    try:
        assert await prod.seen.first_time(77) and await staging.seen.first_time(77)  # each takes its own
        await prod.followups.set(ChatId(5), "family_links")
        assert await staging.followups.get(ChatId(5)) is None
        for _ in range(PEAK + 3):
            await prod.turns.take(None)
        assert await staging.turns.take(None) == (0.0, 0.0)  # production's budget is not staging's
        keys = [k.decode() if isinstance(k, bytes) else str(k) for k in await prod.client.keys("*")]
        assert keys and all(k.startswith((namespace(1001), namespace(2002))) for k in keys), keys
        assert (
            RedisReloads(prod.client, namespace(1001)).channel
            != RedisReloads(prod.client, namespace(2002)).channel
        )
    finally:
        await prod.aclose()
        await staging.aclose()


async def test_seen_updates_take_a_bit_each(replicas: tuple[RedisStores, RedisStores]) -> None:
    """A day of updates at 25 a second is about 33 keys of 8 kB, not 2 million keys."""
    a, b = replicas
    first = 987_654_321
    taken = [await (a, b)[n % 2].seen.first_time(first + n) for n in range(5_000)]
    again = [await (b, a)[n % 2].seen.first_time(first + n) for n in range(0, 5_000, 7)]
    assert all(taken) and not any(again)
    keys = await a.client.keys(f"{a.connection.prefix}seen:*")
    assert len(keys) <= 2
    used = sum([await a.client.memory_usage(k) or 0 for k in keys])
    assert used < 20_000  # 5,000 ids in at most two 8 kB bitmaps
    assert 0 < await a.client.ttl(keys[0]) <= 86_400


async def test_a_full_redis_is_one_outage_in_the_log_not_a_flap_per_message(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Out of memory, Redis fails writes and serves reads: one ERROR, and no WARNING per message."""
    state = RedisStores.from_url(redis_server.url, SECRET, prefix=namespace(55))
    try:
        await state.client.config_set("maxmemory", "1")  # every write is refused from now on
        for n in range(20):
            await state.followups.set(ChatId(9000 + n), "family_links")  # a write: fails
            await state.followups.get(ChatId(9000 + n))  # a read: answers
        errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name == "bot.state.redis_store"]
        backs = [r for r in caplog.records if "state store back" in r.getMessage()]
        assert len(errors) == 1 and backs == [] and not state.connection.up
    finally:
        await state.client.config_set("maxmemory", "0")
        await state.aclose()


class SlowRedis:
    """A stand-in Redis on loopback that answers a script only once the client has given up
    waiting (hung up), and counts the scripts it was sent: a server busy past the timeout."""

    def __init__(self) -> None:
        self.scripts = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up (it gave up waiting)
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            header = await reader.readline()  # a command: *<count>, then $<length> and each word
            if not header:
                return
            words = []
            for _ in range(int(header[1:])):
                length = int((await reader.readline())[1:])
                words.append((await reader.readexactly(length + 2))[:-2].upper())
            if words[0] in (b"EVALSHA", b"EVAL"):
                self.scripts += 1
                await reader.read()  # until the client, past its timeout, closes the connection
                return
            if words[0] == b"HELLO":  # the client speaks RESP3
                writer.write(b"%1\r\n$5\r\nproto\r\n:3\r\n")
            else:
                writer.write(b"+OK\r\n")
            await writer.drain()


async def test_a_reply_later_than_the_timeout_is_not_asked_again() -> None:
    """A script that ran but answered late must not run a second time: a retried "first time?"
    finds its own mark and would drop a new update as already seen. The timeout falls back to
    handling the update (an update answered twice beats one lost)."""
    slow = SlowRedis()
    async with slow as url:
        state = RedisStores.from_url(url, "secret", prefix="cicr:test:")
        try:
            assert await state.seen.first_time(123_456) is True
        finally:
            await state.aclose()
    assert slow.scripts == 1
