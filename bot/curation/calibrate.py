"""Choose the decision's thresholds on whole sets of messages, never on single ones.

Every message is read once per ranking setting (the weight of unknown words); each threshold
setting is then judged by the bot's own decision (`Decider.decide`), so what the calibration
measures is what the bot would do.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.decision import Decider, Outcome
from bot.core.engine import assemble
from bot.core.knowledge import KnowledgeBase
from bot.core.matcher import Thresholds
from bot.core.reading import Reading
from bot.curation.evaluation import Example, held_out, report_of


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    accuracy: float
    confident_wrong: float
    utility: float


_Read = list[tuple[Example, Reading, Decider]]


def read_all(kb: KnowledgeBase, examples: Sequence[Example], unknown_weight: float) -> _Read:
    """Each message read once: the thresholds then only change the decision."""
    engine = assemble(kb, Thresholds(unknown_weight=unknown_weight))
    return [(example, engine.reader.read(example.text), engine.decider) for example in examples]


def judge(read: _Read, thresholds: Thresholds) -> tuple[float, float, float]:
    """Accuracy, confident wrong and utility of one setting on messages already read.

    Utility of one reply: 1 for the right answer or an honest fallback out of scope; 0.5 for a
    clarification that offers the right topic among two or more, or any clarification out of
    scope (not wrong, but a detour); -1 for a confident wrong answer (worse than none); 0
    otherwise. A clarification offering a single topic earns nothing: the bot should have
    answered, or declined.
    """
    right = wrong = 0
    utility = 0.0
    for example, reading, decider in read:
        decision = decider.decide(reading, thresholds)
        entry = decision.entries[0] if decision.entries else None
        right += example.accepts(entry)
        if entry is not None and not example.accepts(entry):
            wrong += 1
            utility -= 1
        elif example.accepts(entry):
            utility += 1
        elif (
            decision.outcome is Outcome.CLARIFY
            and len(decision.offered) >= 2
            and (example.expect is None or any(example.accepts(c) for c in decision.offered))
        ):
            utility += 0.5
    count = max(len(read), 1)
    return right / count, wrong / count, utility / count


def calibrate(
    kb: KnowledgeBase,
    examples: Sequence[Example],
    max_confident_wrong: float = 0.01,
    *,
    holdout: bool = False,
) -> Calibration:
    """Grid-search the thresholds. Combinations with more than `max_confident_wrong` confident
    wrong answers are excluded. With `holdout`, the leave-one-out questions count as much as
    `examples` (each set's figures are averaged), so that the thresholds fit both the messages
    people write and words the base was not given.
    """
    best: Calibration | None = None
    for unknown_weight in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5):
        sets = [read_all(kb, examples, unknown_weight)]
        if holdout:
            sets.append(
                [item for held, base in held_out(kb) for item in read_all(base, held, unknown_weight)]
            )
        for answer, clarify, margin in itertools.product(
            range(40, 86, 2), range(20, 66, 5), (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
        ):
            if clarify > answer:
                continue
            thresholds = Thresholds(answer, clarify, margin, unknown_weight)
            figures = [judge(read, thresholds) for read in sets]
            found = Calibration(thresholds, *(sum(f[i] for f in figures) / len(figures) for i in range(3)))
            if found.confident_wrong <= max_confident_wrong and (
                best is None or found.utility > best.utility
            ):
                best = found
    if best is None:
        raise ValueError("no thresholds keep confident wrong answers under the limit")
    return best


# --- The learned ranker's thresholds --------------------------------------------------------------


@dataclass(frozen=True)
class Experience:
    """What people experience on a set, as `evaluation.Report` counts it."""

    helped: float
    answered_right: float  # of the in-scope messages
    clarified: float  # of the in-scope messages
    refused: float  # of the in-scope messages
    confident_wrong: float  # of all messages

    @classmethod
    def mean(cls, found: Sequence[Experience]) -> Experience:
        count = max(len(found), 1)
        return cls(*(sum(getattr(f, name) for f in found) / count for name in cls.__dataclass_fields__))


def experience(read: _Read, thresholds: Thresholds) -> Experience:
    """The figures of `evaluation.Report`, for messages already read, decided with `thresholds`."""
    report = report_of(read, thresholds)
    return Experience(
        report.helped, report.answered_right, report.clarified, report.refused, report.confident_wrong
    )


@dataclass(frozen=True)
class LearnedCalibration:
    thresholds: Thresholds
    experience: Experience  # averaged over the sets, each weighing the same


def calibrate_learned(
    sets: Sequence[_Read],
    base: Thresholds,
    *,
    max_confident_wrong: float = 0.02,
    max_clarified: float = 0.20,
) -> LearnedCalibration:
    """Grid-search the ranker's thresholds on messages already read (each set weighs the same).

    Among the settings with at most `max_clarified` of the in-scope messages clarified, those
    with the fewest confident wrong answers (at most `max_confident_wrong`, else the lowest
    level reached, in steps of half a point: a wrong answer is worse than a detour); among them,
    the one that helps most people, then answers most of them at once.
    """
    found: list[LearnedCalibration] = []
    for sure, runner_up, in_scope, offer, seconded in itertools.product(
        [x / 100 for x in range(30, 96, 5)],
        (0.1, 0.15, 0.2, 0.25, 1.0),
        [x / 100 for x in range(30, 96, 10)],
        (0.05, 0.1),
        (True, False),
    ):
        thresholds = replace(
            base, sure=sure, runner_up=runner_up, in_scope=in_scope, offer=offer, seconded=seconded
        )
        mean = Experience.mean([experience(read, thresholds) for read in sets])
        if mean.clarified <= max_clarified:
            found.append(LearnedCalibration(thresholds, mean))
    if not found:
        raise ValueError("no thresholds keep clarifications under the limit")

    def level(c: LearnedCalibration) -> int:
        over = c.experience.confident_wrong - max_confident_wrong
        return 0 if over <= 0 else math.ceil(round(over / 0.005, 6))

    return min(found, key=lambda c: (level(c), -round(c.experience.helped, 4), -c.experience.answered_right))
