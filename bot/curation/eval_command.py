"""`python -m bot eval`: what each set of messages gets from the bot, beside the peers.

Each set is scored on its own: "bot" by the bot as shipped; "held" each example question by a
matcher built without it (leave-one-out); "folds" each message by a bot trained without its fold
(cross-validation of the example questions and the corpus). The blind test half shows figures
only: which messages it misses would invite changes aimed at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.corpus import load_examples
from bot.core.engine import Engine, assemble
from bot.curation import evaluation as ev
from bot.curation import outcomes
from bot.curation.cross_validation import cross_validation_read
from bot.curation.peers import DifflibPeer, Peer, WRatioPeer, best_cutoff, run_peer
from bot.curation.report import Example

TEST_HALF = "blind test half (never tuned on)"
SECOND_CHECK = "second blind set, check half"
THIRD = "third blind set (scored only, never read)"
FOURTH_CHECK = "dangers beside another need, check half"
FIFTH_CHECK = "words of war, reports and not, check half"
SIXTH = "sixth blind set, written as the first (scored only, never read)"
SEVENTH_CHECK = "other languages' words of war, check half"
NINTH = "other languages' words of war, third writing (scored only, never read)"
# The sets nothing is ever read or tuned on: a change is judged on them together (`--against`).
SCORED_ONLY = (TEST_HALF, SECOND_CHECK, THIRD, FOURTH_CHECK, FIFTH_CHECK, SIXTH, SEVENTH_CHECK, NINTH)
# Every blind set `eval` scores by default, in the order it prints them.
_BLIND_SETS = (
    (TEST_HALF, ev.BLIND_TEST),
    ("blind tuning half", ev.BLIND_TUNING),
    (SECOND_CHECK, ev.BLIND2_CHECK),
    ("second blind set, tuning half", ev.BLIND2_TUNING),
    (THIRD, ev.BLIND3_CHECK),
    (FOURTH_CHECK, ev.BLIND4_CHECK),
    ("dangers beside another need, tuning half", ev.BLIND4_TUNING),
    (FIFTH_CHECK, ev.BLIND5_CHECK),
    ("words of war, reports and not, tuning half", ev.BLIND5_TUNING),
    (SIXTH, ev.BLIND6_CHECK),
    (SEVENTH_CHECK, ev.BLIND7_CHECK),
    ("other languages' words of war, tuning half", ev.BLIND7_TUNING),
    ("other languages' words of war, second writing (tuned on)", ev.BLIND8_TUNING),
    (NINTH, ev.BLIND9_CHECK),
    ("other languages' reports described, not named (tuned on)", ev.BLIND10_TUNING),
)
BOT, HELD, FOLDS = "bot", "held", "folds"  # how a set is scored (see the module's doc)


@dataclass(frozen=True)
class Options:
    files: list[str]
    holdout: bool = False
    peers: bool = False
    calibrate: bool = False
    errors: bool = False
    outcomes: Path | None = None  # save each message's outcome here (no text)
    against: Path | None = None  # compare each message's outcome with those saved there


@dataclass
class _Run:
    """What one `eval` shares between its sets."""

    engine: Engine
    examples: Sequence[Any]  # the corpus and example questions, as trained on
    peers: list[Peer] = field(default_factory=list)
    cutoffs: dict[str, float] = field(default_factory=dict)
    folds_read: list[tuple[Example, Any, Any]] = field(default_factory=list)
    lexical: Engine | None = None  # the bot before the learned ranker, built once if asked
    marks: dict[str, list[outcomes.Mark]] = field(default_factory=dict)
    before: dict[str, list[outcomes.Mark]] = field(default_factory=dict)
    compared: dict[str, outcomes.Comparison] = field(default_factory=dict)


def run(engine: Engine, directory: Path, options: Options) -> int:
    kb = engine.kb
    # Through the ranker's cache of parsed files, as the engine read them a moment ago.
    state = _Run(engine, load_examples(directory, kb.entries, engine.store))
    if options.against is not None:
        state.before = outcomes.load(options.against)
    sets = _sets(engine, options)
    mode = engine.mode.value if engine.mode else "lexical matcher alone"
    print(f"mode: {mode}; corpus: {len(state.examples)} training messages")
    if options.peers:
        _prepare_peers(state)
    for name, (chosen, how) in sets.items():
        _score_set(state, name, chosen, how, options)
    if not options.files and not options.holdout:
        _routes(engine)
    if options.calibrate:
        _calibrate(engine, state.examples, state.folds_read)
    if options.outcomes is not None:
        outcomes.save(options.outcomes, state.marks)
        saved = sum(map(len, state.marks.values()))
        print(f"outcomes of {saved} messages saved (no text): {options.outcomes}")
    if options.against is not None:
        _compared_together(state)
    return 0


def _sets(engine: Engine, options: Options) -> dict[str, tuple[list[Example], str]]:
    """The sets to score, in order, each with how it is scored."""
    kb, files, holdout = engine.kb, options.files, options.holdout
    everything = not files and not holdout
    sets: dict[str, tuple[list[Example], str]] = {}
    for path in files:
        sets[Path(path).name] = (ev.load_examples(path), BOT)
    if everything:
        for name, blind in _BLIND_SETS:
            sets[name] = (ev.load_examples(blind), BOT)
    if engine.reader.ranker is not None and (holdout or not files):
        sets["cross-validation, 5 folds (questions + corpus)"] = ([], FOLDS)
    if holdout or not files:
        sets["leave-one-out (the lexical matcher alone)"] = (ev.held_out_examples(kb), HELD)
    if everything:
        sets["real off-topic French"] = (ev.off_topic_examples(), BOT)
        sets["hand-written development set (tuned on)"] = (ev.load_examples(ev.DEV_SET), BOT)
        sets["generated variants (no gate uses them)"] = (ev.generated_examples(kb), BOT)
    return sets


def _prepare_peers(state: _Run) -> None:
    """WRatio knows the same training messages as the ranker; difflib the example questions only
    (against the 6,400 corpus messages too, it would take hours on the larger sets). Each answers
    from the cut-off fairest to it on the blind tuning half."""
    kb = state.engine.kb
    state.peers = [WRatioPeer(kb, state.examples, name="WRatio +corpus"), DifflibPeer(kb)]
    tuning = ev.load_examples(ev.BLIND_TUNING)
    for peer in state.peers:
        state.cutoffs[peer.name] = best_cutoff(run_peer(peer, tuning))
    print(
        "peers: the nearest example question (or corpus message); they answer when their score "
        "reaches the cut-off fairest to them on the blind tuning half: "
        + ", ".join(f"{name} {cut:.0f}" for name, cut in state.cutoffs.items())
    )


def _score_set(state: _Run, name: str, chosen: list[Example], how: str, options: Options) -> None:
    engine = state.engine
    if how == FOLDS:
        state.folds_read = cross_validation_read(engine.kb, state.examples, engine.embedder, engine.store)
        chosen = [e for e, _, _ in state.folds_read]
        report = ev.report_of(state.folds_read)
    elif how == HELD:
        report = ev.leave_one_out(engine.kb)
    else:
        report = ev.evaluate(ev.scoring_engine(engine, (e.text for e in chosen)).dialogue, chosen)
    columns = {"bot": report.figures(), **_peer_columns(state, chosen, how, options)}
    print(f"== {name} ==")
    print(figures_table(columns))
    if options.outcomes is not None:
        state.marks[name] = outcomes.marks(report)
    if name in state.before:
        state.compared[name] = outcomes.compare(state.before[name], outcomes.marks(report))
        print(f"against {options.against}: {state.compared[name].line()}")
    if name == TEST_HALF:
        print("(confusions not shown: the test half is only ever scored)\n")
        return
    print("worst confusions (expected -> got):")
    for (expected, got), count in report.confusions(8):
        print(f"  {count:4d}  {expected} -> {got}")
    if options.errors:
        for r in report.misses():
            print(f"  [{r.example.expect} -> {r.entry or r.outcome}] {r.example.text}")
    print()


def _compared_together(state: _Run) -> None:
    """The sets never read, compared as one: where a change is decided (a report missed vetoes)."""
    found = [state.compared[name] for name in SCORED_ONLY if name in state.compared]
    if not found:
        print("against: none of the sets never read was in both runs")
        return
    print(f"== the {len(found)} sets never read, together ==")
    print(outcomes.together(found).line())


def _peer_columns(
    state: _Run, chosen: list[Example], how: str, options: Options
) -> dict[str, dict[str, str]]:
    columns: dict[str, dict[str, str]] = {}
    engine = state.engine
    if options.peers and how == BOT and engine.reader.ranker is not None:
        # The bot before the learned ranker: the lexical matcher's decision alone.
        state.lexical = state.lexical or assemble(engine.kb, engine.thresholds)
        columns["lexical alone"] = ev.evaluate(state.lexical.dialogue, chosen).figures()
    for peer in state.peers:
        if how == FOLDS and isinstance(peer, DifflibPeer):
            continue  # 7,000 messages: hours in pure Python
        result = run_peer(peer, chosen, held_out_questions=how != BOT)
        columns[peer.name] = result.report(state.cutoffs[peer.name]).figures()
    return columns


def _routes(engine: Engine) -> None:
    """Messages naming the country of their case (written blind): do they reach its route?"""
    routed = ev.load_examples(ev.ROUTES_TEST)
    routes = ev.route_report(ev.scoring_engine(engine, (e.text for e in routed)).dialogue, routed)
    print("== routes: messages that name a country (blind, never tuned on) ==")
    print(figures_table({"bot": routes.figures()}))
    print()


def _calibrate(engine: Engine, examples: Sequence[Any], folds_read: list[Any]) -> None:
    from bot.curation.calibrate import calibrate as search
    from bot.curation.calibrate import calibrate_learned, calibrate_overrule, calibrate_topic_overrule

    kb = engine.kb
    tuning = ev.load_examples(ev.BLIND_TUNING)
    if engine.reader.ranker is None:
        found = search(kb, tuning, max_confident_wrong=1.0, holdout=True)
        print(
            f"calibrated on the {len(tuning)} messages of the blind tuning half and on "
            f"leave-one-out (equal weight): "
            f"{found.thresholds} -> accuracy {found.accuracy:.1%}, confident wrong "
            f"{found.confident_wrong:.1%}, utility {found.utility:.3f}"
        )
        return
    folds_read = folds_read or cross_validation_read(kb, examples, engine.embedder, engine.store)
    second = ev.load_examples(ev.BLIND2_TUNING)
    sets = [ev.read_once(engine, tuning), ev.read_once(engine, second), folds_read]
    learned = calibrate_learned(sets, engine.thresholds)
    print(
        f"calibrated on the blind tuning halves ({len(tuning)}, {len(second)}) and the "
        f"cross-validation ({len(folds_read)}), equal weight: {learned.thresholds}\n"
        f"  -> {learned.experience}"
    )
    overrule = calibrate_overrule(sets, engine.thresholds)
    t = overrule.thresholds
    print(
        f"the ranker overrules the safety rule from {t.overrule_words} words, out of scope "
        f"{t.overrule_named:.2f} (named) / {t.overrule_found:.2f} (found, there): "
        f"{overrule.false_alarms} false alarms, {overrule.misses} reports missed (as the rule alone)"
    )
    topic = calibrate_topic_overrule(sets, engine.thresholds)
    t = topic.thresholds
    print(
        f"and where only a word is named, from another topic at {t.overrule_topic:.2f} with the safety "
        f"message below {t.overrule_unlikely:.2f}: {topic.false_alarms} false alarms, "
        f"{topic.misses} reports missed (as without it)"
    )


def figures_table(columns: dict[str, dict[str, str]]) -> str:
    names = list(next(iter(columns.values())))
    width = max(len(n) for n in names) + 2
    header = "".ljust(width) + "".join(c.rjust(18) for c in columns)
    rows = [
        name.ljust(width) + "".join(figures[name].rjust(18) for figures in columns.values()) for name in names
    ]
    return "\n".join([header, *rows])
