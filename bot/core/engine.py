"""The one place that turns a knowledge directory into the engine every channel uses.

Start-up, `python -m bot check` and the other commands all call `build`, so a knowledge base
that passes `check` is one the bot starts on, and one it refuses is refused by `check` too.
"""

from __future__ import annotations

from pathlib import Path

from bot.core import knowledge
from bot.core.dialogue import Dialogue
from bot.core.html import shorten
from bot.core.matcher import Matcher


def build(directory: str | Path) -> Dialogue:
    """Load and validate the knowledge base and index it; KnowledgeError if it cannot be used."""
    kb = knowledge.load(directory)
    try:
        return Dialogue(kb, Matcher(list(kb.entries.values()), kb.language))
    except Exception as error:
        # A last resort: knowledge.load should refuse whatever the matcher cannot index. Should
        # something slip through, the curator still reads one `file:line: message`.
        raise knowledge.KnowledgeError([
            f"{Path(directory)}:0: the knowledge base cannot be used: "
            f"{type(error).__name__}: {shorten(str(error))}"
        ]) from error
