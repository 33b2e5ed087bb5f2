"""Synthetic French for `python -m bot bench`: entries of example questions about topics in
places, and messages that paraphrase them (a word dropped or moved, a typo, accents gone), with
a quarter out of scope; deterministic for a seed. The words are data (data/synthetic_french.yaml).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.knowledge import Entry, EntryKind

SEED = 7
QUESTIONS_PER_ENTRY = 10
OUT_OF_SCOPE_SHARE = 0.25

# --- Synthetic French ---------------------------------------------------------------------------

# The words come from a data file (topics, real and invented places, question frames, out-of-scope
# subjects): data, not code.
_SYNTHETIC = yaml.safe_load((Path(__file__).parent / "data" / "synthetic_french.yaml").read_text("utf-8"))
_TOPICS = tuple(_SYNTHETIC["topics"])  # with their article: "du bureau", "de l'eau potable"
_REAL_PLACES = tuple(_SYNTHETIC["real_places"])
_PLACE_STARTS = tuple(_SYNTHETIC["place_starts"])
_PLACE_ENDS = tuple(_SYNTHETIC["place_ends"])
# {le}/{du}/{au}/{nu}: the topic with its article, after "de", after "à", bare;
# {a}/{de}/{lieu}: the place after "à", after "de", bare.
_FRAMES = tuple(_SYNTHETIC["frames"])
_UNRELATED = tuple(_SYNTHETIC["unrelated"])  # nothing a humanitarian knowledge base would explain

_PLACES = _REAL_PLACES + tuple(start + end for start in _PLACE_STARTS for end in _PLACE_ENDS)


_GLUE = ("", "", "", "le", "la", "de", "et", "pour", "avec", "un", "une", "ce soir", "demain")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _typo(text: str, rng: random.Random) -> str:
    """One phone typo (swapped, missing or doubled letter) in one word long enough to survive it."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == 1:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def _topic_forms(topic: str) -> dict[str, str]:
    for article, after_de, after_a in (
        ("le ", "du ", "au "),
        ("la ", "de la ", "à la "),
        ("les ", "des ", "aux "),
        ("l'", "de l'", "à l'"),
    ):
        if topic.startswith(article):
            bare = topic[len(article) :]
            return {"le": topic, "du": after_de + bare, "au": after_a + bare, "nu": bare}
    raise ValueError(f"topic without article: {topic!r}")


def _place_forms(place: str) -> dict[str, str]:
    elided = _strip_accents(place[0]) in "AEIOUY"
    return {"a": f"à {place}", "de": f"d'{place}" if elided else f"de {place}", "lieu": place}


def _as_typed(text: str, rng: random.Random) -> str:
    """How an example question looks when a curator copies it from a real message."""
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.15:
        text = _strip_accents(text)
    if rng.random() < 0.08:
        text = _typo(text, rng)
    return text


def synthetic_entries(n_questions: int, seed: int = SEED) -> list[Entry]:
    """Entries of about 10 example questions, each about one topic in one place; deterministic."""
    if n_questions < 1:
        raise ValueError("n_questions must be positive")
    rng = random.Random(seed)
    count = math.ceil(n_questions / QUESTIONS_PER_ENTRY)
    if count > len(_TOPICS) * len(_PLACES):
        raise ValueError(f"at most {len(_TOPICS) * len(_PLACES) * QUESTIONS_PER_ENTRY} questions")
    # Distinct (topic, place) pairs: entries overlap by topic or by place, as real ones do.
    pairs = rng.sample(range(len(_TOPICS) * len(_PLACES)), count)
    entries = []
    for number, pair in enumerate(pairs):
        topic, place = _TOPICS[pair // len(_PLACES)], _PLACES[pair % len(_PLACES)]
        forms = _topic_forms(topic) | _place_forms(place)
        size = min(QUESTIONS_PER_ENTRY, n_questions - number * QUESTIONS_PER_ENTRY)
        questions = tuple(_as_typed(frame.format(**forms), rng) for frame in rng.sample(_FRAMES, size))
        title = f"{forms['nu'][:1].upper()}{forms['nu'][1:]} à {place}"
        entries.append(
            Entry(
                id=f"syn{number:05d}",
                kind=EntryKind.INFO,
                title=title,
                questions=questions,
                keywords=(forms["nu"], place),
                answer=f"<b>{title}</b>\n\nRéponse de test.",
                sources=("synthetique",),
                reviewed=dt.date(2025, 1, 1),
            )
        )
    return entries


@dataclass(frozen=True)
class Message:
    text: str
    entry_id: str | None  # the entry whose question it paraphrases; None: out of scope


def _paraphrase(question: str, rng: random.Random) -> str:
    """Words dropped or moved, a typo, accents gone: at least one of them."""
    operations = [
        name
        for name, chance in (("drop", 0.5), ("move", 0.35), ("typo", 0.35), ("accents", 0.4))
        if rng.random() < chance
    ]
    words = question.split()
    for operation in operations or [rng.choice(("drop", "move", "typo", "accents"))]:
        if operation == "drop" and len(words) > 3:
            for _ in range(1 if len(words) < 8 else 2):
                del words[rng.randrange(len(words))]
        elif operation == "move" and len(words) > 2:
            if rng.random() < 0.5:  # "à Goma, je cherche le bureau"
                cut = rng.randrange(1, len(words))
                words = words[cut:] + words[:cut]
            else:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
        elif operation == "typo":
            words = _typo(" ".join(words), rng).split()
        elif operation == "accents":
            words = _strip_accents(" ".join(words)).split()
    return " ".join(words)


def _unrelated(rng: random.Random) -> str:
    parts: list[str] = []
    for topic in rng.sample(_UNRELATED, rng.randint(1, 4)):
        parts.extend(filter(None, (rng.choice(_GLUE), topic)))
    return " ".join(parts) + rng.choice(("", "", " ?", " svp"))


def synthetic_messages(entries: Sequence[Entry], count: int, seed: int = SEED) -> list[Message]:
    """Paraphrases of random example questions, with a quarter of out-of-scope messages."""
    rng = random.Random(seed)
    out_of_scope = round(count * OUT_OF_SCOPE_SHARE)
    in_scope = [True] * (count - out_of_scope) + [False] * out_of_scope
    rng.shuffle(in_scope)
    messages = []
    for wanted in in_scope:
        if wanted:
            entry = rng.choice(entries)
            messages.append(Message(_paraphrase(rng.choice(entry.questions), rng), entry.id))
        else:
            messages.append(Message(_unrelated(rng), None))
    return messages
