"""Train the learned ranker (`ranker.py`) with scikit-learn: deterministic, a few seconds.

The training set is every example question of the knowledge base (labelled by its entry), the
corpus of realistic messages in `knowledge/examples/` (labelled by their file) and the real
off-topic requests there (`OUT_OF_SCOPE`). Nothing of the blind evaluation sets is read here.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bot.core.corpus import Example
from bot.core.knowledge import KnowledgeBase
from bot.core.ranker import OUT_OF_SCOPE, RankerModel, Vocabulary, char_grams, ranked_text, word_grams
from bot.core.semantic import Embedder

# Bump when training changes in a way its code does not show: part of the cache key, so a new
# version retrains. Its code is part of the key too (`code_digest`).
TRAINING_VERSION = "3"  # 3: trained with the same BLAS kernels on every CPU (bot/native.py)
# The modules whose code makes the model: the features (ranker.py) and the fit (this one).
CODE = (Path(__file__).with_name("ranker.py"), Path(__file__))
MIN_DF = 2  # an n-gram seen in one message only teaches that message
C = 10.0  # inverse regularisation strength (chosen by cross-validation of the corpus)
EMBEDDING_SCALE = 1.0


@dataclass(frozen=True)
class Sample:
    text: str
    label: str  # an entry id or OUT_OF_SCOPE


def samples(kb: KnowledgeBase, examples: Sequence[Example]) -> list[Sample]:
    """The training set: example questions, then the corpus, in a fixed order."""
    found = [Sample(q, entry.id) for entry in kb.entries.values() for q in entry.questions]
    found += [Sample(e.text, e.entry or OUT_OF_SCOPE) for e in examples]
    return found


@cache
def code_digest() -> str:
    """The hash of the code that makes the model. lbfgs stops at a tolerance, so where it stops
    moves with the smallest change in how the features are computed or summed: a model cached
    before such a change, its version not bumped, would go on being served and scored where it
    was cached, while a new machine trains another one."""
    digest = hashlib.sha256()
    for path in CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def training_key(train: Sequence[Sample], embedder_name: str, code: str | None = None) -> str:
    """What the model depends on: the samples, the embedding model, and this code (its version
    and its text: `code_digest`, unless `code` is given)."""
    code = code_digest() if code is None else code
    header = f"{TRAINING_VERSION}\0{code}\0{embedder_name}\0{C}\0{EMBEDDING_SCALE}\0"
    digest = hashlib.sha256(header.encode())
    for sample in train:
        digest.update(f"{sample.label}\0{sample.text}\0".encode())
    return digest.hexdigest()[:24]


def build_vocabulary(texts: Sequence[str]) -> Vocabulary:
    word_df: Counter[str] = Counter()
    char_df: Counter[str] = Counter()
    for text in texts:
        folded = ranked_text(text)
        word_df.update(set(word_grams(folded)))
        char_df.update(set(char_grams(folded)))
    words = sorted(g for g, df in word_df.items() if df >= MIN_DF)
    chars = sorted(g for g, df in char_df.items() if df >= MIN_DF)
    count = len(texts)
    idf = [math.log((1 + count) / (1 + word_df[g])) + 1 for g in words]
    idf += [math.log((1 + count) / (1 + char_df[g])) + 1 for g in chars]
    return Vocabulary(
        {g: i for i, g in enumerate(words)},
        {g: len(words) + i for i, g in enumerate(chars)},
        np.asarray(idf, dtype=np.float32),
    )


def train(train_set: Sequence[Sample], embedder: Embedder | None) -> RankerModel:
    """Fit the model; deterministic for the same samples (lbfgs, fixed order)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    texts = [s.text for s in train_set]
    vocabulary = build_vocabulary(texts)
    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        cols, vals = vocabulary.sparse(text)
        rows.extend([row] * len(cols))
        columns.extend(cols.tolist())
        values.extend(vals.tolist())
    matrix = sparse.csr_matrix(
        (values, (rows, columns)), shape=(len(texts), vocabulary.size), dtype=np.float64
    )
    dim = 0
    if embedder is not None:
        vectors = embedder.embed(texts).astype(np.float64) * EMBEDDING_SCALE
        dim = vectors.shape[1]
        matrix = sparse.hstack([matrix, sparse.csr_matrix(vectors)], format="csr")
    labels = np.asarray([s.label for s in train_set])
    model = LogisticRegression(C=C, max_iter=3000, tol=1e-4)
    model.fit(matrix, labels)
    classes = tuple(str(c) for c in model.classes_)
    weights = np.asarray(model.coef_, dtype=np.float32).T  # (features, classes)
    if len(classes) == 2:  # scikit-learn keeps one column for two classes
        weights = np.concatenate([-weights / 2, weights / 2], axis=1)
        intercept = np.asarray([-model.intercept_[0] / 2, model.intercept_[0] / 2], dtype=np.float32)
    else:
        intercept = np.asarray(model.intercept_, dtype=np.float32)
    return RankerModel(
        classes=classes,
        vocabulary=vocabulary,
        ngram_weights=np.ascontiguousarray(weights[: vocabulary.size]),
        embedding_weights=np.ascontiguousarray(weights[vocabulary.size :]).reshape(dim, len(classes)),
        intercept=intercept,
        embedding_scale=EMBEDDING_SCALE,
        embedder_name=embedder.name if embedder is not None else "",
    )
