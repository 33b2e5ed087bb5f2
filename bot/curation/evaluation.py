"""Measure answer quality honestly (calibration is in `calibrate.py`).

The sets, each reported on its own (see `bot/curation/data/eval/README.md`):
- blind test half: messages written by people who saw neither the knowledge base nor the
  matcher, labelled afterwards. Only ever scored: nothing is tuned on it;
- blind tuning half: the other half of the same set, which calibration and changes may look at;
- leave-one-out: each example question of the knowledge base, asked of a matcher built without it
  (how well each topic's vocabulary carries to words it was not given);
- off-topic: real French utterances from a public assistant data set, none of them for this bot;
- hand-written development set: older, and tuned on;
- generated variants: the example questions disfigured as people type. They mostly measure
  whether the bot recognises its own sentences, so no gate relies on them.

A labelled set is a YAML list of `{text, expect}` with optional `also` (other entries that are as
right as a first reply), `safety` (an explosive object is present: the safety answer must come
first), `language` and `then` (what else the message asks besides its danger: the topic the
reply goes on with after the safety message, `null` for nothing; `also_then` as `also`).
`expect: null` (or no `expect`) means out of scope.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.decision import Decider
from bot.core.dialogue import Dialogue
from bot.core.engine import Engine, assemble
from bot.core.knowledge import EntryKind, KnowledgeBase
from bot.core.knowledge.located import plain_yaml
from bot.core.matcher import Thresholds, common_french_words
from bot.core.normalize import Analyzer, fold
from bot.core.ranker import Ranker
from bot.core.ranker_store import default_store
from bot.core.reading import Reading
from bot.core.replies import Reply
from bot.curation.report import Example, Report, Result

# The evaluation sets ship with the package: `python -m bot eval` runs wherever the bot does
# (the Docker image included), and nothing in bot/ reads tests/.
DATA = Path(__file__).resolve().parent / "data" / "eval"
BLIND_TEST = DATA / "blind" / "test.yaml"
BLIND_TUNING = DATA / "blind" / "tuning.yaml"
BLIND_UNLABELLED = DATA / "blind" / "messages_unlabelled.yaml"
DEV_SET = DATA / "dev.yaml"
# A second blind set (2026-12-07), three writers: its tuning half may be looked at, its check half
# is scored (see blind2/README.md).
BLIND2_TUNING = DATA / "blind2" / "dev.yaml"
BLIND2_CHECK = DATA / "blind2" / "held.yaml"
# A third (2026-12-07, later), three more writers: scored only, never read (blind3/README.md).
BLIND3_CHECK = DATA / "blind3" / "check.yaml"
# A fourth (2026-12-07, night), three more writers: messages naming a danger beside another need,
# labelled with what else each asks (`then`); its tuning half may be read (blind4/README.md).
BLIND4_TUNING = DATA / "blind4" / "tuning.yaml"
BLIND4_CHECK = DATA / "blind4" / "check.yaml"
# A fifth (2026-12-08), three more writers: war and explosive words in messages that are reports
# and in messages that are not; its tuning half may be read (blind5/README.md).
BLIND5_TUNING = DATA / "blind5" / "tuning.yaml"
BLIND5_CHECK = DATA / "blind5" / "check.yaml"
# A sixth (2026-12-08), written as the first was (two writers from the bot's public purpose, two
# labellers from LABELLING.md, a third reading where they differ): scored only, never read
# (blind6/README.md).
BLIND6_CHECK = DATA / "blind6" / "check.yaml"
# A seventh (2026-12-08, later), two more writers: reports of explosives and messages that are
# not, none in French (Russian, Ukrainian, Belarusian, Azerbaijani, English, romanised, others);
# its tuning half may be read (blind7/README.md).
BLIND7_TUNING = DATA / "blind7" / "tuning.yaml"
BLIND7_CHECK = DATA / "blind7" / "check.yaml"
# An eighth (2026-12-08, later), two more writers from the seventh's brief, more reports: read and
# tuned on, to make the rules for other languages carry to the seventh's check half (blind8/README.md).
BLIND8_TUNING = DATA / "blind8" / "tuning.yaml"
# A ninth (2026-12-08, later), two more writers from the same brief, written after every rule for
# other languages was set: scored only, never read (blind9/README.md).
BLIND9_CHECK = DATA / "blind9" / "check.yaml"
# A tenth (2026-12-08, last), two more writers, reports described rather than named: read and
# tuned on (blind10/README.md).
BLIND10_TUNING = DATA / "blind10" / "tuning.yaml"
# Messages naming a country, written blind (issue 20), with the route each must reach.
ROUTES_TEST = DATA / "routes" / "test.yaml"
OFF_TOPIC_DIR = DATA / "offtopic"
# Messages written blind: no corpus message may be a near-duplicate of any of them.
BLIND_SETS = (
    BLIND_TEST,
    BLIND_TUNING,
    BLIND_UNLABELLED,
    ROUTES_TEST,
    BLIND2_TUNING,
    BLIND2_CHECK,
    BLIND3_CHECK,
    BLIND4_TUNING,
    BLIND4_CHECK,
    BLIND5_TUNING,
    BLIND5_CHECK,
    BLIND6_CHECK,
    BLIND7_TUNING,
    BLIND7_CHECK,
    BLIND8_TUNING,
    BLIND9_CHECK,
    BLIND10_TUNING,
)


# --- Sets ---------------------------------------------------------------------------------------


def load_examples(path: str | Path, origin: str = "labelled") -> list[Example]:
    data: Any = plain_yaml(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{text, expect}} items")
    examples = []
    for item in data:
        also = item.get("also") or ()
        then = None
        if "then" in item:
            also_then = item.get("also_then") or ()
            then = (item["then"], *also_then) if item["then"] else ()
        examples.append(
            Example(
                str(item["text"]),
                item.get("expect"),
                origin=origin,
                also=frozenset([also] if isinstance(also, str) else also),
                safety=bool(item.get("safety", False)),
                route=item.get("route"),
                then=then,
            )
        )
    return examples


@dataclass(frozen=True)
class RouteReport:
    """Messages that name the country of their case: do they reach its route?"""

    replies: tuple[tuple[Example, Reply], ...]

    def _count(self, test: Callable[[Example, Reply], bool]) -> str:
        found = sum(test(e, r) for e, r in self.replies)
        return f"{found / len(self.replies):.1%} ({found})" if self.replies else "-"

    def figures(self) -> dict[str, str]:
        return {
            "messages": str(len(self.replies)),
            # What the person gets: the service of their country, whichever topic led there.
            "right route": self._count(lambda e, r: r.route == e.route),
            "right topic and route": self._count(lambda e, r: r.route == e.route and r.entry_id == e.expect),
            "wrong route": self._count(lambda e, r: r.route is not None and r.route != e.route),
            "asked the country": self._count(lambda e, r: r.route_asked),
            "clarified": self._count(lambda e, r: r.outcome == "clarify"),
            "other answer or fallback": self._count(
                lambda e, r: r.route is None and not r.route_asked and r.outcome != "clarify"
            ),
        }


def route_report(dialogue: Dialogue, examples: Sequence[Example]) -> RouteReport:
    return RouteReport(tuple((e, dialogue.ask(e.text)) for e in examples if e.route))


def off_topic_examples(directory: Path = OFF_TOPIC_DIR) -> list[Example]:
    """Every utterance of the off-topic files; none of them is for this bot (a greeting may be
    greeted back: such items list `also: [hello]`)."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yaml")):
        examples.extend(
            replace(e, expect=None) for e in load_examples(path, origin=f"off-topic: {path.name}")
        )
    return examples


def generated_examples(kb: KnowledgeBase, seed: int = 2026) -> list[Example]:
    """Each example question of the knowledge base, disfigured as people type on a phone."""
    rng = random.Random(seed)
    examples = []
    for entry in kb.entries.values():
        for question in entry.questions:
            for name, variant in _disfigure(question, rng):
                if fold(variant) != fold(question) or name == "no accents":
                    examples.append(Example(variant, entry.id, origin=f"generated: {name}"))
    return examples


def _disfigure(text: str, rng: random.Random) -> Iterable[tuple[str, str]]:
    yield "no accents", fold(text)
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 6]
    if long_words:
        i = rng.choice(long_words)
        word = words[i]
        drop = rng.randrange(1, len(word) - 1)
        yield "letter dropped", " ".join([*words[:i], word[:drop] + word[drop + 1 :], *words[i + 1 :]])
        swap = rng.randrange(1, len(word) - 2)
        swapped = word[:swap] + word[swap + 1] + word[swap] + word[swap + 2 :]
        yield "letters swapped", " ".join([*words[:i], swapped, *words[i + 1 :]])
    if len(words) >= 3:
        shuffled = words[:]
        rng.shuffle(shuffled)
        yield "words reordered", " ".join(shuffled)


# --- Scoring the bot ----------------------------------------------------------------------------


def _result(example: Example, reply: Reply) -> Result:
    """One message's reply as counted: its first entry, and those after it (the safety message's)."""
    return Result(example, reply.entry_id, reply.outcome, reply.suggestions, reply.entries[1:])


def _report(results: Iterable[Result], kb: KnowledgeBase) -> Report:
    return Report(tuple(results), kb.safety_id, kb.ids_of(EntryKind.NOTICE))


def evaluate(dialogue: Dialogue, examples: Sequence[Example]) -> Report:
    return _report((_result(e, dialogue.ask(e.text)) for e in examples), dialogue.kb)


ROUNDS = 45  # index builds in a leave-one-out run; most shipped entries have 26 to 45 questions


def held_out(kb: KnowledgeBase) -> Iterator[tuple[list[Example], KnowledgeBase]]:
    """Rounds of held-out questions, each with the knowledge base they are all left out of.

    Round r leaves out the questions r, r + ROUNDS, r + 2 * ROUNDS... of every entry at once:
    each question is still asked of an index built without it (and without a question or two of
    each other topic, which can only make it harder), for ROUNDS index builds instead of one per
    question. An entry of up to ROUNDS questions loses one a round, as in a true leave-one-out.
    """
    rounds = min(ROUNDS, max((len(e.questions) for e in kb.entries.values()), default=0))
    for r in range(rounds):
        examples = []
        entries = {}
        for key, entry in kb.entries.items():
            out = set(range(r, len(entry.questions), rounds))
            if out:
                examples += [
                    Example(entry.questions[i], entry.id, origin="leave-one-out") for i in sorted(out)
                ]
                kept = tuple(q for i, q in enumerate(entry.questions) if i not in out)
                entry = replace(entry, questions=kept)
            entries[key] = entry
        yield examples, replace(kb, entries=entries)


def held_out_examples(kb: KnowledgeBase) -> list[Example]:
    return [example for examples, _ in held_out(kb) for example in examples]


def leave_one_out(kb: KnowledgeBase, build: Callable[[KnowledgeBase], Dialogue] | None = None) -> Report:
    """Ask each example question of a bot whose index was built without it.

    The whole matcher is rebuilt for each round (vocabulary and typo snapping included), so
    nothing of a question leaks into the index that answers it.
    """

    analyzer = Analyzer(kb.language, common_french_words())

    def default_build(base: KnowledgeBase) -> Dialogue:
        return assemble(base, analyzer=analyzer.sibling()).dialogue

    make = build or default_build
    results: list[Result] = []
    for examples, base in held_out(kb):
        dialogue = make(base)
        results.extend(_result(example, dialogue.ask(example.text)) for example in examples)
    return _report(results, kb)


# --- The learned ranker: scored in batches (cross-validated in cross_validation.py) --------------


def scoring_engine(engine: Engine, texts: Iterable[str]) -> Engine:
    """The same bot, its ranker reading sentence vectors from the cache: the messages to score
    are embedded once, in a batch on every core, instead of one by one (same vectors)."""
    ranker = engine.reader.ranker
    if ranker is None or engine.embedder is None:
        return engine
    store = engine.store or default_store()
    cached = store.cached(engine.embedder)
    cached.embed(list(dict.fromkeys(texts)))
    if cached.added:
        store.save_vectors(cached.name)
    fast = Ranker(ranker.model, cached)
    return assemble(engine.kb, engine.thresholds, engine.fingerprint, ranker=fast)


def read_once(engine: Engine, examples: Sequence[Example]) -> list[tuple[Example, Reading, Decider]]:
    """Each message read once by this bot (its ranker's vectors embedded in one batch), for a
    calibration that then only changes thresholds."""
    scoring = scoring_engine(engine, (e.text for e in examples))
    return [(e, scoring.reader.read(e.text), scoring.decider) for e in examples]


def report_of(
    read: Sequence[tuple[Example, Reading, Decider]], thresholds: Thresholds | None = None
) -> Report:
    """The report of messages already read, each decided by the bot that read it (with its own
    thresholds, or those given: calibration)."""
    results = []
    for example, reading, decider in read:
        decision = decider.decide(reading, thresholds)
        entry = decision.entries[0] if decision.entries else None
        then = decision.entries[1:]  # after the safety message
        results.append(Result(example, entry, decision.outcome.value, decision.offered, then))
    if not read:
        return Report(tuple(results))
    decider = read[0][2]
    return Report(tuple(results), decider.safety_id, decider.notices)
