"""The learned ranker cross-validated: each question and corpus message read by a bot trained
without it (5 folds fixed by the text), for `eval` and `eval --calibrate`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace

from bot.core import corpus
from bot.core.decision import Decider
from bot.core.engine import Engine, assemble
from bot.core.knowledge import KnowledgeBase
from bot.core.matcher import common_french_words
from bot.core.normalize import Analyzer
from bot.core.ranker_store import RankerStore, default_store, prepare
from bot.core.reading import Reading
from bot.core.semantic import Embedder
from bot.curation.evaluation import scoring_engine
from bot.curation.report import Example

FOLDS = 5


def fold_of(text: str, folds: int = FOLDS) -> int:
    """A message's fold: fixed by its text, whatever the order of the files."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") % folds


def as_labelled(example: corpus.Example) -> Example:
    return Example(
        example.text,
        example.entry,
        origin=f"corpus: {example.writer}",
        also=frozenset(example.also),
        safety=example.safety,
    )


def cross_validation_folds(
    kb: KnowledgeBase,
    examples: Sequence[corpus.Example],
    embedder: Embedder | None,
    store: RankerStore | None = None,
    folds: int = FOLDS,
) -> Iterator[tuple[list[Example], Engine]]:
    """Each fold's held-out messages (example questions and corpus alike) with a bot trained
    without them: its ranker, and its lexical matcher too, never saw them."""
    store = store or default_store()
    analyzer = Analyzer(kb.language, common_french_words())
    for k in range(folds):
        held: list[Example] = []
        entries = {}
        for key, entry in kb.entries.items():
            out = [q for q in entry.questions if fold_of(q, folds) == k]
            held += [Example(q, entry.id, origin="cross-validation: question") for q in out]
            entries[key] = replace(entry, questions=tuple(q for q in entry.questions if q not in out))
        base = replace(kb, entries=entries)
        kept = [e for e in examples if fold_of(e.text, folds) != k]
        held += [as_labelled(e) for e in examples if fold_of(e.text, folds) == k]
        ranker, _ = prepare(base, kept, embedder, store)
        engine = assemble(base, analyzer=analyzer.sibling(), ranker=ranker)
        engine = replace(engine, embedder=embedder, store=store)
        yield held, scoring_engine(engine, (e.text for e in held))


def cross_validation_read(
    kb: KnowledgeBase,
    examples: Sequence[corpus.Example],
    embedder: Embedder | None,
    store: RankerStore | None = None,
) -> list[tuple[Example, Reading, Decider]]:
    """Every question and corpus message read by the fold's bot that was trained without it."""
    read: list[tuple[Example, Reading, Decider]] = []
    for held, engine in cross_validation_folds(kb, examples, embedder, store):
        read += [(e, engine.reader.read(e.text), engine.decider) for e in held]
    return read
