"""The engine snapshot: one immutable object holding everything a reply depends on.

A knowledge base, the French analysis and matcher built on it, the safety reading, the
thresholds and the dialogue are built and validated together by `build`, and replaced together:
a reload builds a new `Engine` off to the side and swaps one reference, so a message is always
answered by one consistent snapshot, and an old snapshot is freed once no message uses it.

Start-up, `python -m bot check` and the other commands all call `build`, so a knowledge base
that passes `check` is one the bot starts on, and one it refuses is refused by `check` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core import knowledge
from bot.core.contact import ContactQuestions
from bot.core.corpus import load_examples
from bot.core.countries import Countries
from bot.core.decision import Decider
from bot.core.deployment import Deployment
from bot.core.dialogue import Dialogue
from bot.core.followups import FollowUpRules
from bot.core.html import shorten
from bot.core.matcher import DEFAULT_THRESHOLDS, NGRAMS_THRESHOLDS, Matcher, Thresholds
from bot.core.normalize import Analyzer
from bot.core.ranker import Ranker
from bot.core.ranker_store import RankerStore, default_store, prepare
from bot.core.reading import Reader
from bot.core.replies import NOTICE_ENTRY_KIND
from bot.core.routes import Router
from bot.core.safety import SafetyDetector
from bot.core.semantic import Embedder, Mode


@dataclass(frozen=True, eq=False)
class Engine:
    kb: knowledge.KnowledgeBase
    matcher: Matcher
    reader: Reader
    decider: Decider
    dialogue: Dialogue
    fingerprint: str = ""  # of the knowledge files it was built from ("" when built in memory)
    examples: int = 0  # the corpus messages its ranker was trained on (`build`)
    # What a reload builds the next snapshot with: the embedding model (loaded once per process)
    # and the ranker cache.
    embedder: Embedder | None = None
    store: RankerStore | None = None

    def deployed(self, deployment: Deployment) -> Engine:
        """This snapshot for a deployment that keeps what `deployment` says (see deployment.py):
        the channels' wiring gives it from the settings; a reload keeps it."""
        return replace(self, dialogue=self.dialogue.deployed(deployment))

    @property
    def thresholds(self) -> Thresholds:
        return self.decider.thresholds

    @property
    def mode(self) -> Mode | None:
        """The learned ranker's features; None when there is no ranker (lexical matcher alone)."""
        return self.reader.ranker.mode if self.reader.ranker is not None else None

    @property
    def mode_name(self) -> str:
        """The mode as logged, printed by `check` and labelled in the metric ("none": no ranker)."""
        return self.mode.value if self.mode is not None else "none"


def shipped_thresholds(ranker: Ranker | None) -> Thresholds:
    """The thresholds fitted for the ranker's mode (the same for the lexical matcher alone)."""
    if ranker is not None and ranker.mode is Mode.NGRAMS:
        return NGRAMS_THRESHOLDS
    return DEFAULT_THRESHOLDS


def assemble(
    kb: knowledge.KnowledgeBase,
    thresholds: Thresholds | None = None,
    fingerprint: str = "",
    analyzer: Analyzer | None = None,
    ranker: Ranker | None = None,
) -> Engine:
    """The engine for a knowledge base already loaded (evaluation builds many of them, each with
    a sibling of one analyzer); the thresholds shipped for the ranker's mode unless given."""
    thresholds = thresholds or shipped_thresholds(ranker)
    # Routes are reached through their topic (the country of the case), never matched.
    matched = [e for e in kb.entries.values() if e.kind != knowledge.ROUTE_KIND]
    matcher = Matcher(matched, kb.language, thresholds, analyzer)
    analyzer = matcher.analyzer
    notices = {e.language: e for e in kb.entries.values() if e.kind == NOTICE_ENTRY_KIND and e.language}
    countries = Countries(kb, analyzer.terms_of)
    contact = ContactQuestions(kb.language, analyzer.terms_of, countries.by_term)
    detector = SafetyDetector(kb.language, analyzer)
    smalltalk = kb.ids_of(knowledge.EntryKind.SMALLTALK)
    reader = Reader(matcher, detector, notices, ranker, contact, kb.safety_id, smalltalk)
    router = Router(kb, countries)
    decider = Decider(kb, countries, thresholds, router)
    dialogue = Dialogue(kb, reader, decider, FollowUpRules(kb, countries, analyzer.terms_of, router), router)
    return Engine(kb, matcher, reader, decider, dialogue, fingerprint)


def build(
    directory: str | Path,
    embedder: Embedder | None = None,
    store: RankerStore | None = None,
) -> Engine:
    """Load and validate the knowledge base and index it; KnowledgeError if it cannot be used.

    The learned ranker is loaded from `store` (by default the user's cache directory) or
    trained on the knowledge base and its examples; with `embedder` it reads sentence
    embeddings too (semantic mode), without it n-grams alone.
    """
    # Hashed before loading: a file edited in between makes the next check reload once more,
    # never the other way round.
    version = knowledge.fingerprint(directory)
    kb = knowledge.load(directory)
    canaries = knowledge.load_canaries(directory, kb.entries)
    store = store or default_store()
    examples = load_examples(directory, kb.entries, store)
    # Served through an embedder that already knows the canaries' vectors (see PrimedEmbedder).
    primed = store.primed(embedder) if embedder is not None else None
    try:
        ranker, _ = prepare(kb, examples, embedder, store)
        if primed is not None:
            ranker = ranker.served_with(primed)
        engine = replace(
            assemble(kb, fingerprint=version, ranker=ranker),
            examples=len(examples),
            embedder=embedder,
            store=store,
        )
    except Exception as error:
        # A last resort: knowledge.load should refuse whatever the matcher cannot index. Should
        # something slip through, the curator still reads one `file:line: message`.
        raise knowledge.KnowledgeError(
            [
                f"{Path(directory)}:0: the knowledge base cannot be used: "
                f"{type(error).__name__}: {shorten(str(error))}"
            ]
        ) from error
    failed = canary_failures(engine, canaries)
    if primed is not None:
        primed.seal()
        store.save_primed(primed)
    if failed:
        raise knowledge.KnowledgeError(failed)
    return engine


def rebuild(directory: str | Path, like: Engine) -> Engine:
    """A new snapshot of `directory` built as `like` was (a reload): same embedder, same cache,
    same deployment."""
    return build(directory, like.embedder, like.store).deployed(like.dialogue.deployment)


def canary_failures(engine: Engine, canaries: Sequence[knowledge.Canary]) -> list[str]:
    """One `file:line` problem for each canary question answered otherwise than it must be."""
    problems = []
    for canary in canaries:
        reply = engine.dialogue.ask(canary.question)
        if canary.entry not in reply.entries or (canary.route and reply.route != canary.route):
            got = " then ".join(reply.entries) or reply.outcome
            want = canary.entry + (f" -> {canary.route}" if canary.route else "")
            if canary.route:
                got += f" -> {reply.route or 'no route'}"
            question = shorten(canary.question)
            problems.append(f"{canary.location}: canary {question!r} must get {want}, got {got}")
    return problems
