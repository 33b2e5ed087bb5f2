"""The learned ranker: which topics a message is about, with probabilities.

A multinomial logistic regression (trained by scikit-learn in `training.py`) over three blocks
of features, each L2-normalised:
- word unigrams and bigrams of the folded text (accents and case removed), tf-idf;
- character 2- to 5-grams inside words, tf-idf: typos, SMS spellings and word endings;
- the message's sentence embedding (`semantic.py`), when the model is here.
Its classes are the entries and `OUT_OF_SCOPE`, learned from real messages no topic answers.

Serving needs no scikit-learn: the weights are plain arrays and a message costs its n-gram
look-ups, one small product and, in semantic mode, one embedding.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from bot.core.normalize import MAX_WORD, fold, remember
from bot.core.semantic import Embedder, Mode

OUT_OF_SCOPE = "<out of scope>"  # the class of messages no topic answers: never an entry id
_WORD = re.compile(r"\w+")
CHAR_SIZES = (2, 3, 4, 5)

# The n-grams are read on the message's first characters: a longer message says what it is about
# by then, and its grams would cost more than the rest of the reading (the embedding reads less).
RANKED_CHARS = 500
_WORD_CACHE = 10_000  # words whose character-gram columns are kept (about 4 MB when full)

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


def ranked_text(text: str) -> str:
    """What the n-gram features read of a message: its first RANKED_CHARS characters, folded."""
    return fold(text[:RANKED_CHARS])


def word_grams(folded: str) -> list[str]:
    words = _WORD.findall(folded)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def word_char_grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + size] for size in CHAR_SIZES for i in range(len(padded) - size + 1)]


def char_grams(folded: str) -> list[str]:
    return [gram for word in _WORD.findall(folded) for gram in word_char_grams(word)]


@dataclass(frozen=True)
class Vocabulary:
    """The n-grams kept at training, each with its column and its idf."""

    words: dict[str, int]
    chars: dict[str, int]
    idf: Floats  # one per column, words first then chars
    # Each word's character-gram columns, in `char_grams`' order (the same sums, the same
    # floats): the words people write repeat, and cutting each into 2- to 5-grams and looking
    # them up was a quarter of a long message's reading in n-gram mode.
    _word_columns: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def size(self) -> int:
        return len(self.words) + len(self.chars)

    def _char_columns(self, folded: str) -> list[int]:
        columns: list[int] = []
        known = self._word_columns
        for word in _WORD.findall(folded):
            found = known.get(word)
            if found is None:
                found = tuple(c for c in map(self.chars.get, word_char_grams(word)) if c is not None)
                if len(word) <= MAX_WORD:  # no French word is longer: the rest are not kept
                    remember(known, word, found, _WORD_CACHE)
            columns.extend(found)
        return columns

    def sparse(self, text: str) -> tuple[Ints, Floats]:
        """The message's n-gram columns and values: sublinear tf-idf, each block L2-normalised."""
        folded = ranked_text(text)
        columns: list[Ints] = []
        values: list[Floats] = []
        word_columns = [c for c in map(self.words.get, word_grams(folded)) if c is not None]
        for found in (word_columns, self._char_columns(folded)):
            counts = Counter(found)
            if not counts:
                continue
            block = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (1.0 + np.log(tf)) * self.idf[block]
            columns.append(block)
            values.append((weights / np.sqrt(np.dot(weights, weights))).astype(np.float32))
        if not columns:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        return np.concatenate(columns), np.concatenate(values)


@dataclass(frozen=True)
class RankedTopic:
    entry_id: str  # or OUT_OF_SCOPE
    probability: float


@dataclass(frozen=True)
class Ranking:
    """The ranker's view of one message: every class, most probable first."""

    topics: tuple[RankedTopic, ...]
    # The class the n-grams alone put first (the intercept and the n-gram weights, without the
    # sentence vector); None in n-gram mode, where it is the first topic by construction. Where
    # the two readings part, the ranker is wrong far more often (see `Thresholds.views_agree`).
    ngrams_first: str | None = None

    # Cached: the calibration decides each message read once under thousands of thresholds.
    @cached_property
    def out_of_scope(self) -> float:
        return next((t.probability for t in self.topics if t.entry_id == OUT_OF_SCOPE), 0.0)

    @cached_property
    def _entries(self) -> tuple[RankedTopic, ...]:
        return tuple(t for t in self.topics if t.entry_id != OUT_OF_SCOPE)

    def entries(self) -> tuple[RankedTopic, ...]:
        """The topics alone, most probable first."""
        return self._entries

    def probability(self, entry_id: str) -> float:
        return next((t.probability for t in self.topics if t.entry_id == entry_id), 0.0)


@dataclass(frozen=True, eq=False)
class RankerModel:
    """What training produces and the cache keeps: plain arrays."""

    classes: tuple[str, ...]
    vocabulary: Vocabulary
    ngram_weights: Floats  # (vocabulary.size, classes)
    embedding_weights: Floats  # (embedding dim, classes); (0, classes) in n-gram mode
    intercept: Floats  # (classes,)
    embedding_scale: float  # the embedding block's weight against the n-gram blocks
    embedder_name: str  # "" in n-gram mode

    @property
    def mode(self) -> Mode:
        return Mode.SEMANTIC if self.embedder_name else Mode.NGRAMS


class Ranker:
    """A trained model, with the embedder it was trained with (None in n-gram mode)."""

    def __init__(self, model: RankerModel, embedder: Embedder | None) -> None:
        if model.embedder_name and (embedder is None or embedder.name != model.embedder_name):
            raise ValueError("the ranker was trained with another embedding model")
        self.model = model
        self._embedder = embedder if model.embedder_name else None

    @property
    def mode(self) -> Mode:
        return self.model.mode

    def served_with(self, embedder: Embedder | None) -> Ranker:
        """The same model, reading through another embedder of the same model (`PrimedEmbedder`)."""
        return Ranker(self.model, embedder)

    def rank(self, text: str) -> Ranking:
        logits = self._ngram_logits(text)
        ngrams_first = None
        if self._embedder is not None:
            ngrams_first = self.model.classes[int(np.argmax(logits))]
            vector = self._embedder.embed([text])[0]
            logits += (vector * self.model.embedding_scale) @ self.model.embedding_weights
        return self._ranking(logits, ngrams_first)

    def rank_ngrams(self, text: str) -> Ranking:
        """The n-grams' reading alone (no sentence vector): a glance, well under a millisecond."""
        return self._ranking(self._ngram_logits(text), None)

    def _ngram_logits(self, text: str) -> Floats:
        model = self.model
        columns, values = model.vocabulary.sparse(text)
        logits = model.intercept.copy()
        if len(columns):
            logits += values @ model.ngram_weights[columns]
        return logits

    def _ranking(self, logits: Floats, ngrams_first: str | None) -> Ranking:
        logits = logits - logits.max()
        odds = np.exp(logits)
        probabilities = odds / odds.sum()
        order = np.argsort(-probabilities, kind="stable")
        topics = tuple(RankedTopic(self.model.classes[i], float(probabilities[i])) for i in order)
        return Ranking(topics, ngrams_first)
