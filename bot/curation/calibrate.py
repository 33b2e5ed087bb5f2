"""Choose the decision's thresholds on whole sets of messages, never on single ones.

Every message is read once per ranking setting (the weight of unknown words); each threshold
setting is then judged by the bot's own decision (`Decider.decide`), so what the calibration
measures is what the bot would do.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.decision import Decider, Outcome
from bot.core.engine import assemble
from bot.core.knowledge import KnowledgeBase
from bot.core.matcher import NEVER_OVERRULE, Thresholds
from bot.core.reading import Reading
from bot.curation.evaluation import held_out, report_of
from bot.curation.report import Example, Report


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
    return _experience(report_of(read, thresholds))


def _experience(report: Report) -> Experience:
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

    Among the settings with at most `max_clarified` of the in-scope messages clarified, and no
    more reports of an explosive object missed than with `base` (the ranker catches some the
    rule does not: a stricter "sure" would turn them into questions), those with the fewest
    confident wrong answers (at most `max_confident_wrong`, else the lowest level reached, in
    steps of half a point: a wrong answer is worse than a detour); among them, the one that
    helps most people, then answers most of them at once.
    """
    shipped = [len(report_of(read, base).safety_misses()) for read in sets]
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
        reports = [report_of(read, thresholds) for read in sets]
        missed = [len(r.safety_misses()) for r in reports]
        mean = Experience.mean([_experience(r) for r in reports])
        if mean.clarified <= max_clarified and all(m <= k for m, k in zip(missed, shipped, strict=True)):
            found.append(LearnedCalibration(thresholds, mean))
    if not found:
        raise ValueError("no thresholds keep clarifications under the limit")

    def level(c: LearnedCalibration) -> int:
        over = c.experience.confident_wrong - max_confident_wrong
        return 0 if over <= 0 else math.ceil(round(over / 0.005, 6))

    return min(found, key=lambda c: (level(c), -round(c.experience.helped, 4), -c.experience.answered_right))


# --- When the ranker may overrule the safety rule -------------------------------------------------


@dataclass(frozen=True)
class OverruleCalibration:
    thresholds: Thresholds
    false_alarms: int  # summed over the sets
    misses: int  # reports not given the safety answer first, summed over the sets


def _safety_counts(sets: Sequence[_Read], thresholds: Thresholds) -> tuple[list[int], int]:
    """Reports missed in each set, and false alarms in all, under one setting."""
    reports = [report_of(read, thresholds) for read in sets]
    return [len(r.safety_misses()) for r in reports], sum(len(r.safety_false_alarms()) for r in reports)


def calibrate_overrule(sets: Sequence[_Read], base: Thresholds) -> OverruleCalibration:
    """Grid-search `overrule_words`, `overrule_named` and `overrule_found` on messages already read.

    A missed report can cost a life: only settings that miss no more reports than the rule alone
    (in every set) are kept, with a margin: so must the setting one step more daring (two words
    shorter, each threshold 0.05 lower), since a report a little unlike those measured must not
    fall on the edge. Among them, the fewest false alarms, then the most cautious (the highest
    thresholds, then the longest sentence asked for).
    """

    @functools.cache
    def judged(words: int, named: float, found_at: float) -> tuple[list[int], int]:
        """Reports missed in each set, and false alarms in all, for one setting: each setting
        is judged once, though it is also the margin of another."""
        thresholds = replace(base, overrule_words=words, overrule_named=named, overrule_found=found_at)
        return _safety_counts(sets, thresholds)

    floor, _ = judged(NEVER_OVERRULE, 1.0, 1.0)  # the rule alone
    found: list[OverruleCalibration] = []
    for words, named, found_at in itertools.product(
        range(4, 13, 2), [x / 100 for x in range(50, 100, 5)], [x / 100 for x in range(70, 100, 5)]
    ):
        if found_at < named:
            continue  # a report with an object found or there needs more to overrule, never less
        misses, alarms = judged(words, named, found_at)
        margin, _ = judged(words - 2, round(named - 0.05, 2), round(found_at - 0.05, 2))
        if all(m <= f and d <= f for m, d, f in zip(misses, margin, floor, strict=True)):
            thresholds = replace(base, overrule_words=words, overrule_named=named, overrule_found=found_at)
            found.append(OverruleCalibration(thresholds, alarms, sum(misses)))
    return min(
        found,
        key=lambda c: (
            c.false_alarms,
            -c.thresholds.overrule_found,
            -c.thresholds.overrule_named,
            -c.thresholds.overrule_words,
        ),
    )


# Above any probability: the ranker never overrules the rule by reading another topic.
NEVER_ANOTHER_TOPIC = 1.01


def calibrate_topic_overrule(sets: Sequence[_Read], base: Thresholds) -> OverruleCalibration:
    """Grid-search `overrule_topic` and `overrule_unlikely` on messages already read.

    As in `calibrate_overrule`, only settings that miss no more reports than without this
    overrule (in every set) are kept, with a wider margin: two steps more daring (the topic 0.1
    less probable, the safety message's ceiling 0.1 higher) must miss none either, since a report
    beside another question ("qui prévenir pour que les démineurs viennent ?") also reads as one
    of the bot's topics.
    Among them (never overruling is one), the fewest false alarms, then the most cautious (the
    highest topic, then the lowest ceiling).
    """

    @functools.cache
    def judged(topic: float, unlikely: float) -> tuple[list[int], int]:
        return _safety_counts(sets, replace(base, overrule_topic=topic, overrule_unlikely=unlikely))

    floor, never = judged(NEVER_ANOTHER_TOPIC, 0.0)
    found = [OverruleCalibration(replace(base, overrule_topic=NEVER_ANOTHER_TOPIC), never, sum(floor))]
    for topic, unlikely in itertools.product(
        [x / 100 for x in range(50, 100, 5)], (0.02, 0.05, 0.1, 0.15, 0.2)
    ):
        misses, alarms = judged(topic, unlikely)
        margin, _ = judged(round(topic - 0.1, 2), round(unlikely + 0.1, 2))
        if all(m <= f and d <= f for m, d, f in zip(misses, margin, floor, strict=True)):
            thresholds = replace(base, overrule_topic=topic, overrule_unlikely=unlikely)
            found.append(OverruleCalibration(thresholds, alarms, sum(misses)))
    return min(
        found,
        key=lambda c: (c.false_alarms, -c.thresholds.overrule_topic, c.thresholds.overrule_unlikely),
    )
