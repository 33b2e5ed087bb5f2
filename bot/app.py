"""`make run`: serve Telegram with a token, else chat in the terminal, else explain and exit 2."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import sys

from bot.config import ConfigurationError, Settings
from bot.core import engine as engines
from bot.core import knowledge
from bot.core.engine import Engine
from bot.core.knowledge import Text
from bot.core.ranker_store import RankerStore, default_directory
from bot.core.semantic import load_embedder
from bot.ops import logs

log = logging.getLogger("bot")


def load_engine(settings: Settings, threads: int = 1, *, say_mode: bool = True) -> Engine:
    """The engine as configured: the learned ranker with sentence embeddings when SEMANTIC is
    on and the model loads here, else n-grams alone; the mode is logged."""
    embedder, why = load_embedder(settings.semantic, threads)
    store = RankerStore(settings.model_cache_dir or default_directory())
    engine = engines.build(settings.knowledge_dir, embedder, store).deployed(settings.deployment())
    if say_mode:
        mode = engine.mode_name
        log.info("learned ranker: %s mode (embeddings: %s)", mode, why)
    return engine


def main() -> int:
    try:
        settings = Settings.from_environment()
    except ConfigurationError as error:
        print(f"The bot does not start: {error}.", file=sys.stderr)
        return 2
    token = settings.token or ""
    # The token, and its secret half on its own (it is what authenticates).
    logs.configure(settings.log_level, secrets=(token, token.partition(":")[2]))
    try:
        # Said when the bot serves someone; without a token or a terminal, the one line that
        # explains why it stops is all it writes.
        engine = load_engine(settings, say_mode=bool(settings.token) or sys.stdin.isatty())
    except knowledge.KnowledgeError as error:
        print(f"The knowledge base is invalid; the bot does not start:\n{error}", file=sys.stderr)
        return 1
    stale = knowledge.stale_entries(engine.kb, dt.datetime.now(dt.UTC).date(), settings.review_max_age_days)
    for warning in (*engine.kb.warnings, *stale):
        log.warning("%s", warning)
    # The index lives as long as the process: keep it out of the garbage collector's scans,
    # which otherwise walk it all now and then and show up as latency spikes. Done here, by the
    # process, not by the library that builds it (a reload builds a new one).
    gc.collect()
    gc.freeze()
    if settings.token:
        from bot.channels.telegram.service import run

        return run(settings, engine)
    if sys.stdin.isatty():
        from bot.channels.terminal import chat, input_lines

        chat(engine.dialogue, input_lines())
        return 0
    print(engine.dialogue.texts[Text.NO_TERMINAL], file=sys.stderr)
    return 2
