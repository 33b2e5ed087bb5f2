"""Shared fixtures: the shipped knowledge base, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import knowledge
from bot.dialogue import Dialogue, MemoryContextStore
from bot.matcher import Matcher

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
