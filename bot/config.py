"""Settings from the environment, and the one place that assembles the engine."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from pathlib import Path

from bot import knowledge
from bot.dialogue import Dialogue
from bot.matcher import Matcher

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


@dataclass(frozen=True)
class Settings:
    token: str | None
    base_url: str | None  # a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
    knowledge_dir: Path
    log_level: str

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            base_url=os.environ.get("TELEGRAM_BASE_URL", "").strip() or None,
            knowledge_dir=Path(os.environ.get("KNOWLEDGE_DIR", "") or DEFAULT_KNOWLEDGE_DIR),
            log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        )


def build_dialogue(knowledge_dir: str | Path) -> Dialogue:
    """Load and validate the knowledge base (KnowledgeError if invalid) and index it."""
    kb = knowledge.load(knowledge_dir)
    dialogue = Dialogue(kb, Matcher(list(kb.entries.values()), kb.language))
    # The index lives as long as the process: keep it out of the garbage collector's scans,
    # which otherwise walk it all now and then and show up as latency spikes.
    gc.collect()
    gc.freeze()
    return dialogue
