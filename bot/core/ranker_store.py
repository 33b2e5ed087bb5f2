"""The learned ranker's disk cache: trained models and sentence vectors, never a message.

- A model is kept under the key of what it was trained on (`training.training_key`: the
  samples, the embedding model, the training code's version), so a restart loads it in well
  under a second, and only a change of the questions or the corpus retrains it. Editing an
  answer text does not.
- Vectors are kept by a keyed hash of their text (`semantic.text_key`), so a retraining embeds
  only the messages it has not seen. The texts themselves are not stored.
- The vectors the canary check read at the last build, by key (`semantic.PrimedEmbedder`):
  checked at every start and reload, they were most of a start's time.
- The corpus files, once parsed without a problem (`corpus.ParsedFiles`), by the hash of their
  text: the curators' own files, not what people write.

Files are written to a temporary name and renamed: several processes (replicas, test workers)
may share the directory, and a reader sees a whole file or none. The directory is optional:
without one, everything is kept in memory for the life of the process.

Every edit of the questions or the corpus trains a new model (about 10 MB), and the evaluation's
cross-validation five more: only the `KEEP_MODELS` used last are kept, and the `KEEP_PARSED`
parsed corpus files used last, and the vectors of the `KEEP_EMBEDDERS` embedders used last, so
that the directory does not grow for ever on a server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bot.core.corpus import Example
from bot.core.knowledge import KnowledgeBase
from bot.core.ranker import Ranker, RankerModel, Vocabulary
from bot.core.semantic import CachedEmbedder, Embedder, PrimedEmbedder, Vectors
from bot.core.training import samples, train, training_key

log = logging.getLogger(__name__)

KEEP_MODELS = 24
KEEP_PARSED = 400
# An embedder's vectors (about 30 MB) and canaries are kept for the few embedders used last: a
# new engine build, or the name's probe hash, starts a new file and the old one is not read again.
KEEP_EMBEDDERS = 3


class RankerStore:
    def __init__(self, directory: str | Path | None) -> None:
        self.directory = Path(directory) if directory else None
        self._vectors: dict[str, dict[bytes, Vectors]] = {}  # per embedding model
        self._parsed: dict[str, dict[str, Any]] = {}  # without a directory
        self._canaries: dict[str, dict[bytes, Vectors]] = {}  # per embedding model

    def _path(self, name: str) -> Path | None:
        return self.directory / name if self.directory else None

    def _write(self, name: str, arrays: dict[str, np.typing.NDArray[Any]]) -> bool:
        return self._replace(name, lambda file: np.savez(file, **arrays))  # type: ignore[arg-type]

    def _replace(self, name: str, write: Callable[[BinaryIO], object]) -> bool:
        """Write a file whole under a temporary name, then rename it: a reader in another
        process sees the whole file or none. False if there is no directory or it failed."""
        path = self._path(name)
        if path is None:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
            with os.fdopen(handle, "wb") as file:
                write(file)
            Path(temporary).replace(path)
        except OSError as error:
            # A read-only or full disk costs a retraining or a parse at the next start, nothing else.
            log.warning("model cache not written (%s): %s", type(error).__name__, error.strerror)
            return False
        return True

    def _read(self, name: str) -> dict[str, np.typing.NDArray[Any]] | None:
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except (OSError, ValueError, KeyError) as error:
            log.warning("ranker cache file unreadable, ignored (%s)", type(error).__name__)
            return None

    def _used(self, name: str) -> None:
        """Mark a file as used now: pruning removes the files used longest ago."""
        path = self._path(name)
        if path is not None:
            with contextlib.suppress(OSError):
                os.utime(path)

    def _prune(self, pattern: str, keep: int) -> None:
        """Remove all but the `keep` files of a kind used last. Another process may be about to
        read one: it then finds none, and trains or parses again, nothing worse."""
        if self.directory is None:
            return
        try:
            found = [(path.stat().st_mtime, path) for path in self.directory.glob(pattern)]
        except OSError:
            return
        found.sort(reverse=True)
        for _, path in found[keep:]:
            with contextlib.suppress(OSError):
                path.unlink()

    # --- parsed corpus files ---

    def parsed(self, key: str) -> dict[str, Any] | None:
        path = self._path(f"examples-{key}.json")
        if path is None:
            return self._parsed.get(key)
        try:
            found = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None  # absent, or unreadable: parsed again
        self._used(path.name)
        return found if isinstance(found, dict) else None

    def save_parsed(self, key: str, record: dict[str, Any]) -> None:
        if self.directory is None:
            self._parsed[key] = record
        elif self._replace(f"examples-{key}.json", lambda file: file.write(json.dumps(record).encode())):
            self._prune("examples-*.json", KEEP_PARSED)

    # --- vectors ---

    def vectors(self, model: str) -> dict[bytes, Vectors]:
        """The vectors known for this embedding model (read from disk once per process)."""
        if model not in self._vectors:
            known: dict[bytes, Vectors] = {}
            data = self._read(f"vectors-{model}.npz")
            if data is not None:
                self._used(f"vectors-{model}.npz")
                for key, vector in zip(data["keys"], data["vectors"], strict=True):
                    known[bytes(key)] = vector.astype(np.float32)
            self._vectors[model] = known
        return self._vectors[model]

    def save_vectors(self, model: str) -> None:
        known = self._vectors.get(model)
        if not known:
            return
        keys = np.asarray(list(known.keys()), dtype="S16")
        vectors = np.stack(list(known.values())).astype(np.float32)
        if self._write(f"vectors-{model}.npz", {"keys": keys, "vectors": vectors}):
            self._prune("vectors-*.npz", KEEP_EMBEDDERS)

    def cached(self, embedder: Embedder) -> CachedEmbedder:
        return CachedEmbedder(embedder, self.vectors(embedder.name))

    # --- the canaries' vectors ---

    def primed(self, embedder: Embedder) -> PrimedEmbedder:
        """The serving embedder for a build, knowing the vectors the last build's canary check
        read (a small file per embedding model)."""
        known = dict(self._canaries.get(embedder.name, {}))
        data = self._read(f"canaries-{embedder.name}.npz")
        if data is not None and not known:
            known = {
                bytes(k): v.astype(np.float32) for k, v in zip(data["keys"], data["vectors"], strict=True)
            }
        return PrimedEmbedder(embedder, known)

    def save_primed(self, primed: PrimedEmbedder) -> None:
        """Keep what this build's canary check read, when it embedded something new; only
        that, so the file follows the canaries rather than growing."""
        if not primed.embedded or not primed.used:
            return
        self._canaries[primed.name] = dict(primed.used)
        keys = np.asarray(list(primed.used.keys()), dtype="S16")
        vectors = np.stack(list(primed.used.values())).astype(np.float32)
        if self._write(f"canaries-{primed.name}.npz", {"keys": keys, "vectors": vectors}):
            self._prune("canaries-*.npz", KEEP_EMBEDDERS)

    # --- models ---

    def load_model(self, key: str) -> RankerModel | None:
        data = self._read(f"ranker-{key}.npz")
        if data is None:
            return None
        self._used(f"ranker-{key}.npz")
        try:
            meta = json.loads(str(data["meta"]))
            words = [str(w) for w in data["words"]]
            chars = [str(c) for c in data["chars"]]
            vocabulary = Vocabulary(
                {g: i for i, g in enumerate(words)},
                {g: len(words) + i for i, g in enumerate(chars)},
                data["idf"].astype(np.float32),
            )
            return RankerModel(
                classes=tuple(meta["classes"]),
                vocabulary=vocabulary,
                ngram_weights=data["ngram_weights"].astype(np.float32),
                embedding_weights=data["embedding_weights"].astype(np.float32),
                intercept=data["intercept"].astype(np.float32),
                embedding_scale=float(meta["embedding_scale"]),
                embedder_name=str(meta["embedder_name"]),
            )
        except (KeyError, ValueError, TypeError) as error:
            log.warning("ranker cache file malformed, retraining (%s)", type(error).__name__)
            return None

    def save_model(self, key: str, model: RankerModel) -> None:
        vocabulary = model.vocabulary
        meta = {
            "classes": list(model.classes),
            "embedding_scale": model.embedding_scale,
            "embedder_name": model.embedder_name,
        }
        written = self._write(
            f"ranker-{key}.npz",
            {
                "meta": np.asarray(json.dumps(meta)),
                "words": np.asarray(sorted(vocabulary.words, key=vocabulary.words.__getitem__), dtype=str),
                "chars": np.asarray(sorted(vocabulary.chars, key=vocabulary.chars.__getitem__), dtype=str),
                "idf": vocabulary.idf,
                "ngram_weights": model.ngram_weights,
                "embedding_weights": model.embedding_weights,
                "intercept": model.intercept,
            },
        )
        if written:
            self._prune("ranker-*.npz", KEEP_MODELS)


def default_directory() -> Path:
    """`MODEL_CACHE_DIR`, else the user's cache directory (XDG), shared by every checkout."""
    configured = os.environ.get("MODEL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cicr-bot"


_default: RankerStore | None = None


def default_store() -> RankerStore:
    """One store per process, so that its vectors are read from disk once."""
    global _default
    directory = default_directory()
    if _default is None or _default.directory != directory:
        _default = RankerStore(directory)
    return _default


def prepare(
    kb: KnowledgeBase,
    examples: Sequence[Example],
    embedder: Embedder | None,
    store: RankerStore,
    *,
    extra_texts: Iterable[str] = (),
) -> tuple[Ranker, bool]:
    """The ranker for this knowledge base: from the cache, else trained (and cached). Returns it
    and whether it was trained now. `extra_texts` are embedded too (evaluation sets)."""
    train_set = samples(kb, examples)
    key = training_key(train_set, embedder.name if embedder else "")
    model = store.load_model(key)
    trained = model is None
    extra = list(extra_texts)
    # The vectors are read from disk only to train or to embed `extra_texts`: a start from the
    # cached model does not need them.
    cached = store.cached(embedder) if embedder is not None and (trained or extra) else None
    if model is None:
        model = train(train_set, cached)
        store.save_model(key, model)
    if cached is not None:
        if extra:
            cached.embed(extra)
        if cached.added:
            store.save_vectors(cached.name)
    # Served with the bare embedder: people's messages are embedded, never remembered.
    return Ranker(model, embedder), trained
