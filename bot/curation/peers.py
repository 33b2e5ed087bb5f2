"""The naive peers every figure is reported beside: the nearest example question (or corpus
message) by rapidfuzz WRatio or by difflib, answering above a cut-off fair to each."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import fuzz, process, utils

from bot.core import corpus
from bot.core.knowledge import KnowledgeBase
from bot.core.normalize import fold
from bot.curation.report import Example, Report, Result


class Peer(Protocol):
    """A naive way to answer: the entry of the nearest example question, if near enough."""

    name: str
    kb: KnowledgeBase

    def nearest(self, text: str, leave_out: str | None = None) -> tuple[str | None, float]: ...


@dataclass
class _QuestionPeer:
    """Nearest neighbour over the example questions and, given `corpus`, the same training
    messages as the ranker (a neighbour out of scope means no answer): the peer sees what the
    bot sees."""

    kb: KnowledgeBase
    corpus: Sequence[corpus.Example] = ()
    questions: list[str] = field(init=False)
    owners: list[str | None] = field(init=False)

    def __post_init__(self) -> None:
        pairs: list[tuple[str, str | None]] = [
            (q, e.id) for e in self.kb.entries.values() for q in e.questions
        ]
        pairs += [(e.text, e.entry) for e in self.corpus]
        self.questions = [q for q, _ in pairs]
        self.owners = [owner for _, owner in pairs]


@dataclass
class WRatioPeer(_QuestionPeer):
    """rapidfuzz's WRatio against every example question (its default processor)."""

    name: str = "rapidfuzz WRatio"

    def nearest(self, text: str, leave_out: str | None = None) -> tuple[str | None, float]:
        for _, score, index in process.extract(
            text, self.questions, scorer=fuzz.WRatio, processor=utils.default_process, limit=2
        ):
            if self.questions[index] != leave_out:
                return self.owners[index], score
        return None, 0.0


@dataclass
class DifflibPeer(_QuestionPeer):
    """The standard library's SequenceMatcher ratio against every example question."""

    name: str = "difflib"
    _folded: list[str] = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._folded = [fold(q) for q in self.questions]

    def nearest(self, text: str, leave_out: str | None = None) -> tuple[str | None, float]:
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(fold(text))
        best: tuple[str | None, float] = (None, 0.0)
        owner: str | None
        for question, folded, owner in zip(self.questions, self._folded, self.owners, strict=True):
            if question == leave_out:
                continue
            matcher.set_seq1(folded)
            if matcher.real_quick_ratio() * 100 <= best[1] or matcher.quick_ratio() * 100 <= best[1]:
                continue
            score = matcher.ratio() * 100
            if score > best[1]:
                best = (owner, score)
        return best


@dataclass(frozen=True)
class PeerRun:
    """A peer's nearest entry and score for each message, before any cut-off is chosen."""

    examples: tuple[Example, ...]
    picks: tuple[tuple[str | None, float], ...]
    safety_id: str | None = None

    def report(self, cutoff: float) -> Report:
        return Report(
            tuple(
                Result(
                    example, entry if score >= cutoff else None, "answer" if score >= cutoff else "fallback"
                )
                for example, (entry, score) in zip(self.examples, self.picks, strict=True)
            ),
            self.safety_id,
        )


def run_peer(peer: Peer, examples: Sequence[Example], *, held_out_questions: bool = False) -> PeerRun:
    picks = tuple(peer.nearest(e.text, e.text if held_out_questions else None) for e in examples)
    return PeerRun(tuple(examples), picks, peer.kb.safety_id)


def best_cutoff(run: PeerRun) -> float:
    """The peer's cut-off that is fairest to it: most right replies minus wrong ones."""
    best, best_utility = 100.0, -1e9
    for cutoff in range(0, 101, 2):
        report = run.report(cutoff)
        utility = report.accuracy - report.confident_wrong
        if utility > best_utility:
            best, best_utility = float(cutoff), utility
    return best
