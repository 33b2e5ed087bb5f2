"""Shared fixtures: the shipped knowledge base, loaded once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import knowledge
from bot.config import Settings
from bot.dialogue import Dialogue, MemoryContextStore
from bot.matcher import Matcher
from bot.telegram_bot import ALLOWED_UPDATES, AnyApplication, build_application
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


@pytest.fixture
async def app(telegram: FakeTelegram, dialogue: Dialogue) -> AsyncIterator[AnyApplication]:
    settings = Settings(token=telegram.token, base_url=telegram.base_url,
                        knowledge_dir=Path("knowledge"), log_level="INFO")
    application = build_application(settings, dialogue, timeout=1.0)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1,
                                                allowed_updates=ALLOWED_UPDATES)
        yield application
        await application.updater.stop()
        await application.stop()
