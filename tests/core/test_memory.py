"""Long, distinct messages cannot grow memory: nothing caches whole texts or unbounded words."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from bot.core.dialogue import Dialogue
from bot.core.reading import MAX_ANALYSED, Reader

pytestmark = pytest.mark.measure


def long_message(rng: random.Random) -> str:
    """4,096 characters, as Telegram allows, distinct each time: two endless 'words' and a question."""
    first, second = ("".join(rng.choices(string.ascii_lowercase, k=2030)) for _ in range(2))
    return f"{first} {second} numero du cicr a minsk"[:4096]


@pytest.mark.parametrize(
    ("mode", "messages"),
    # The caches that could grow are the lexical ones, read in both modes: n-grams alone asks
    # many messages cheaply; with sentence vectors (40 ms each on one core) fewer suffice to
    # tell 1 KB a message from the 12 KB of caching whole texts.
    [("ngrams_engine", 150), ("engine", 30)],
)
def test_distinct_long_messages_do_not_grow_memory(
    mode: str, messages: int, request: pytest.FixtureRequest
) -> None:
    dialogue: Dialogue = request.getfixturevalue(mode).dialogue
    rng = random.Random(5)
    for _ in range(20):  # warm up: first-use allocations are not growth
        dialogue.ask(long_message(rng))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(messages):
            dialogue.ask(long_message(rng))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # The bounded caches of (cut) words grow by about 1 KB a message until they are full (two
    # new words a message, in the stem and the snap caches); caching whole texts and whole
    # words, as before, added about 12 KB a message.
    assert grown < 4_000 * messages, grown


def test_a_danger_late_in_a_long_message_still_comes_first(reader: Reader) -> None:
    filler = "je vous ecris pour vous raconter ma journee et celle de ma famille " * 40
    assert len(filler) > MAX_ANALYSED
    assert reader.read(f"{filler} et puis j'ai trouvé un obus dans le jardin").explosive
