"""Calibration judges thresholds with the bot's own decision: it cannot disagree with the bot."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot.core.engine import Engine, assemble
from bot.core.knowledge import KnowledgeBase
from bot.curation.calibrate import (
    NEVER_ANOTHER_TOPIC,
    calibrate,
    calibrate_learned,
    calibrate_overrule,
    calibrate_topic_overrule,
    experience,
    judge,
    read_all,
)
from bot.curation.evaluation import (
    BLIND_TUNING,
    evaluate,
    load_examples,
    read_once,
    report_of,
    scoring_engine,
)

# The searches on samples of the tuning half are measurements, untraced (see conftest); the quick
# test at the end runs each of them on a few messages, traced.
measure = pytest.mark.measure

SAMPLE = random.Random(3).sample(load_examples(BLIND_TUNING), 80)


@measure
def test_the_shipped_thresholds_score_as_the_bot_does(engine: Engine) -> None:
    bot = evaluate(scoring_engine(engine, (e.text for e in SAMPLE)).dialogue, SAMPLE)
    found = experience(read_once(engine, SAMPLE), engine.thresholds)
    assert found.helped == bot.helped
    assert found.answered_right == bot.answered_right
    assert found.clarified == bot.clarified
    assert found.refused == bot.refused
    assert found.confident_wrong == bot.confident_wrong


@measure
def test_the_lexical_calibration_scores_as_the_lexical_bot_does(kb: KnowledgeBase) -> None:
    lexical = assemble(kb)  # no ranker: the matcher's thresholds decide
    bot = evaluate(lexical.dialogue, SAMPLE)
    accuracy, confident_wrong, _ = judge(
        read_all(kb, SAMPLE, lexical.thresholds.unknown_weight), lexical.thresholds
    )
    assert accuracy == bot.accuracy
    assert confident_wrong == bot.confident_wrong


@measure
def test_the_learned_calibration_respects_its_limits(engine: Engine) -> None:
    # Half the sample (4 reports, 15 out of scope): the search decides each message under
    # ~2,000 settings, the longest test of the suite under coverage with all 80.
    read = read_once(engine, SAMPLE[:40])
    found = calibrate_learned([read], engine.thresholds, max_confident_wrong=1.0, max_clarified=0.3)
    assert found.experience.clarified <= 0.3
    assert found.experience == experience(read, found.thresholds)
    missed = len(report_of(read, found.thresholds).safety_misses())
    assert missed <= len(report_of(read, engine.thresholds).safety_misses())  # none lost
    with pytest.raises(ValueError):
        calibrate_learned([read], engine.thresholds, max_clarified=-1.0)


@measure
def test_calibration_keeps_confident_wrong_answers_under_the_limit(engine: Engine) -> None:
    found = calibrate(engine.kb, SAMPLE[:20], max_confident_wrong=0.1)
    assert found.confident_wrong <= 0.1
    assert found.thresholds.clarify <= found.thresholds.answer


@measure
def test_the_overrule_calibration_misses_no_report_the_rule_alone_catches(engine: Engine) -> None:
    read = read_once(engine, SAMPLE)
    found = calibrate_overrule([read], engine.thresholds)
    never = replace(engine.thresholds, overrule_words=10_000)
    assert found.misses <= len(report_of(read, never).safety_misses())
    assert found.false_alarms == len(report_of(read, found.thresholds).safety_false_alarms())
    assert found.false_alarms <= len(report_of(read, never).safety_false_alarms())
    assert found.thresholds.overrule_found >= found.thresholds.overrule_named


@measure
def test_the_topic_overrule_calibration_misses_no_report_missed_without_it(engine: Engine) -> None:
    read = read_once(engine, SAMPLE)
    found = calibrate_topic_overrule([read], engine.thresholds)
    never = replace(engine.thresholds, overrule_topic=NEVER_ANOTHER_TOPIC)
    assert found.misses <= len(report_of(read, never).safety_misses())
    assert found.false_alarms == len(report_of(read, found.thresholds).safety_false_alarms())
    assert found.false_alarms <= len(report_of(read, never).safety_false_alarms())
    # Two steps more daring must lose none either.
    daring = replace(
        found.thresholds,
        overrule_topic=found.thresholds.overrule_topic - 0.1,
        overrule_unlikely=found.thresholds.overrule_unlikely + 0.1,
    )
    assert len(report_of(read, daring).safety_misses()) <= len(report_of(read, never).safety_misses())


# Six messages of the sample, with an explosive object reported and an out-of-scope message
# among them: each search runs through, quickly enough to be traced for coverage.
FEW = (
    [e for e in SAMPLE if e.safety][:2]
    + [e for e in SAMPLE if e.expect is None][:2]
    + [e for e in SAMPLE if e.expect and not e.safety][:2]
)


@pytest.mark.integration
def test_each_search_runs_on_a_few_messages(engine: Engine) -> None:
    read = read_once(engine, FEW)
    learned = calibrate_learned([read, read], engine.thresholds, max_confident_wrong=1.0, max_clarified=1.0)
    assert learned.experience == experience(read, learned.thresholds)  # two equal sets weigh as one
    overrule = calibrate_overrule([read], engine.thresholds)
    assert overrule.false_alarms == len(report_of(read, overrule.thresholds).safety_false_alarms())
    topic = calibrate_topic_overrule([read], engine.thresholds)
    assert topic.false_alarms == len(report_of(read, topic.thresholds).safety_false_alarms())
