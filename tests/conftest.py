"""Shared fixtures: the shipped knowledge base, loaded once; the bot served over the stand-in."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.channels.telegram.application import (
    AnyApplication,
    PatientRateLimiter,
    TelegramService,
    build_application,
)
from bot.config import Settings
from bot.core import knowledge
from bot.core.dialogue import Dialogue, MemoryContextStore
from bot.core.matcher import Matcher
from bot.ops import logs
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> knowledge.KnowledgeBase:
    return knowledge.load(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def matcher(kb: knowledge.KnowledgeBase) -> Matcher:
    return Matcher(list(kb.entries.values()), kb.language)


@pytest.fixture
def dialogue(kb: knowledge.KnowledgeBase, matcher: Matcher) -> Dialogue:
    return Dialogue(kb, matcher, MemoryContextStore())


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def stand_in_settings(telegram: FakeTelegram, journal: Path | None = None) -> Settings:
    """Settings for a bot served against the stand-in; the update journal in memory by default."""
    return Settings(token=telegram.token, base_url=telegram.base_url, knowledge_dir=KNOWLEDGE_DIR,
                    log_level="INFO", update_journal=journal)


@pytest.fixture
async def service(telegram: FakeTelegram, dialogue: Dialogue) -> AsyncIterator[TelegramService]:
    """The real Application and poller over real HTTP against the stand-in, started."""
    settings = stand_in_settings(telegram)
    application = build_application(settings, dialogue, timeout=1.0,
                                    rate_limiter=PatientRateLimiter(first_pause=0.05))
    served = TelegramService(settings, application, poll_backoff=0.05)
    await served.start()
    yield served
    await served.stop(deadline=2.0)


@pytest.fixture
def app(service: TelegramService) -> AnyApplication:
    return service.application


@pytest.fixture
def product_log(telegram: FakeTelegram) -> Iterator[io.StringIO]:
    """The log as `make run` writes it, at DEBUG, captured: what an operator would read."""
    root = logging.getLogger()
    watched = ("httpx", "httpcore", "telegram")
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in watched},
             sys.excepthook, threading.excepthook)
    stream = io.StringIO()
    logs.configure("DEBUG", secrets=(telegram.token, telegram.token.partition(":")[2]),
                   stream=stream)
    yield stream
    level, handlers, levels, sys.excepthook, threading.excepthook = saved
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
