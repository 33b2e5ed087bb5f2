"""Why the bot answers, asks or declines a message: for curators (`python -m bot ask --explain`)."""

from __future__ import annotations

from collections.abc import Collection

from bot.core import foreign_dangers
from bot.core.decision import Decision, choose
from bot.core.engine import Engine
from bot.core.matcher import Matcher, Thresholds
from bot.core.normalize import Analysis
from bot.core.reading import Reading, head
from bot.core.safety import Cue


def explain(engine: Engine, text: str) -> list[str]:
    """The reasons, one line each, in the order the bot weighs them."""
    matcher = engine.matcher
    start = head(text)
    analysis = matcher.analyzer.analyze(start)
    reading = engine.reader.read(text)
    lines = []
    if reading.notice is not None:
        lines.append(
            f"not French: notice {reading.notice}"
            + (", danger named: safety first" if reading.foreign_explosive else "")
        )
    if reading.foreign_explosive:
        # What the rule of the other languages saw (`bot.core.foreign_dangers`).
        why = (
            foreign_dangers.why_explosive
            if reading.notice is not None
            else foreign_dangers.why_foreign_explosive
        )
        lines.append(f"danger named as another language names it: {why(text)}")
    lines.append(f"words as read: {' '.join(analysis.words)}")
    lines += ["terms:", *_terms(matcher, analysis, matcher.neutral_terms(start, analysis))]
    lines.append(_safety(engine, reading))
    lines += _lexical(reading, engine.thresholds)
    lines += _learned(engine, reading, text)
    return lines + _decided(engine.decider.decide(reading))


def _safety(engine: Engine, reading: Reading) -> str:
    decider = engine.decider
    danger = reading.danger_ranking
    read_as = (
        f" (the sentences naming it read as a report at {danger.probability(decider.safety_id):.2f})"
        if danger is not None and decider.safety_id
        else ""
    )
    if reading.cue is None:
        if decider.reported_by_ranker(reading):
            return f"explosive object reported: {Cue.RANKED.value}{read_as}, safety first"
        return "explosive object reported: no" + (f", though named{read_as}" if reading.weapon_named else "")
    if decider.overruled(reading):
        # Overruled either way: the ranker reads another of the bot's topics, or none of them.
        other = decider.topic_read_instead(reading)
        why = f"read as {other}" if other is not None else "out of scope"
        return f"explosive object reported: {reading.cue.value}; overruled by the ranker: {why}{read_as}"
    return f"explosive object reported: {reading.cue.value}, safety first"


def _lexical(reading: Reading, t: Thresholds) -> list[str]:
    """What the lexical matcher makes of the message, and of its rest after a danger."""
    candidates, outcome = choose(reading, t)
    lines = [
        "candidates: " + (", ".join(f"{c.entry_id} {c.score:.0f}" for c in candidates[:3]) or "none"),
        f"ranking alone: {outcome.value} (answer at {t.answer:.0f}, ask between "
        f"{t.clarify:.0f} and {t.answer:.0f} or when the runner-up is within "
        f"{t.margin:.0f})",
    ]
    if reading.rest is not None:
        rest, rest_outcome = choose(reading.rest, t)
        lines.append(
            f"rest of the message after the danger: {rest_outcome.value}, "
            + ", ".join(f"{c.entry_id} {c.score:.0f}" for c in rest[:2])
        )
    return lines


def _learned(engine: Engine, reading: Reading, text: str) -> list[str]:
    """The contact rule, and the learned ranker's view (shown even where a rule decided)."""
    t = engine.thresholds
    ranker = engine.reader.ranker
    # A rule that decided (a contact question) spares the bot the ranker; shown all the same.
    ranking = reading.ranking or (
        ranker.rank(text) if ranker is not None and reading.notice is None else None
    )
    lines = []
    if reading.contact is not None:
        lines.append(
            "contact question: yes"
            + (", in person" if reading.contact.in_person else "")
            + (f", names {', '.join(sorted(reading.contact.countries))}" if reading.contact.countries else "")
        )
    if ranking is not None:
        top = ", ".join(f"{r.entry_id} {r.probability:.2f}" for r in ranking.entries()[:3])
        lines.append(
            f"learned ranker ({engine.mode.value if engine.mode else '-'}): {top}; "
            f"out of scope {ranking.out_of_scope:.2f} (answer at {t.sure:.2f}, in scope below "
            f"{t.in_scope:.2f}, offered from {t.offer:.2f})"
        )
        if ranking.ngrams_first is not None:
            agree = "asks when they part" if t.views_agree else "not consulted"
            lines.append(f"its n-grams alone put first: {ranking.ngrams_first} ({agree})")
    elif reading.notice is None:
        lines.append("learned ranker: none (lexical matcher alone)")
    return lines


def _decided(decision: Decision) -> list[str]:
    return [
        f"decided by: {decision.signal}",
        f"decision: {decision.outcome.value}"
        + (f", answers {' then '.join(decision.entries)}" if decision.entries else "")
        + (f", offers {', '.join(decision.offered)}" if decision.offered else ""),
    ]


def _terms(matcher: Matcher, analysis: Analysis, neutral: Collection[str]) -> list[str]:
    """Each term with its kind: neutral, politeness, or how the matcher weighs it."""
    kinds = []
    for term in dict.fromkeys(analysis.terms):
        if term in neutral:
            kind = "neutral (name, place, date or number)"
        elif term not in analysis.content:
            kind = "politeness"
        else:
            kind = matcher.term_kind(term)
        kinds.append(f"  {term}: {kind}")
    return kinds
