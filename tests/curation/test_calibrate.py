"""Calibration judges thresholds with the bot's own decision: it cannot disagree with the bot."""

from __future__ import annotations

import random

import pytest

from bot.core.engine import Engine
from bot.curation.calibrate import calibrate, judge, read_all
from bot.curation.evaluation import BLIND_TUNING, evaluate, load_examples

pytestmark = pytest.mark.measure

SAMPLE = random.Random(3).sample(load_examples(BLIND_TUNING), 80)


def test_the_shipped_thresholds_score_as_the_bot_does(engine: Engine) -> None:
    bot = evaluate(engine.dialogue, SAMPLE)
    accuracy, confident_wrong, _ = judge(
        read_all(engine.kb, SAMPLE, engine.thresholds.unknown_weight), engine.thresholds
    )
    assert accuracy == bot.accuracy
    assert confident_wrong == bot.confident_wrong


def test_calibration_keeps_confident_wrong_answers_under_the_limit(engine: Engine) -> None:
    found = calibrate(engine.kb, SAMPLE[:20], max_confident_wrong=0.1)
    assert found.confident_wrong <= 0.1
    assert found.thresholds.clarify <= found.thresholds.answer
