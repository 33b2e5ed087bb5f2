"""Measure answer quality on a labelled set, and choose the matcher's thresholds on it.

A labelled set is a YAML list of `{text: ..., expect: entry id or null}`; null means out of
scope: the bot must not answer from the knowledge base. The knowledge base's own example
questions, disfigured the way people type (accents stripped, a letter dropped or swapped, words
reordered), are added as a second, generated set.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.dialogue import Dialogue
from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher, Outcome, Thresholds, choose
from bot.normalize import fold


@dataclass(frozen=True)
class Example:
    text: str
    expect: str | None
    origin: str = "labelled"


@dataclass(frozen=True)
class Result:
    example: Example
    entry: str | None  # the entry answered first, None when the bot did not answer
    outcome: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]

    def _share(self, hits: int, total: int) -> float:
        return hits / total if total else 1.0

    @property
    def accuracy(self) -> float:
        return self._share(sum(r.entry == r.example.expect for r in self.results), len(self.results))

    @property
    def confident_wrong(self) -> float:
        wrong = sum(r.entry is not None and r.entry != r.example.expect for r in self.results)
        return self._share(wrong, len(self.results))

    @property
    def out_of_scope_rejection(self) -> float:
        out = [r for r in self.results if r.example.expect is None]
        return self._share(sum(r.entry is None for r in out), len(out))

    @property
    def clarification_rate(self) -> float:
        return self._share(sum(r.outcome == "clarify" for r in self.results), len(self.results))

    @property
    def clarified_right(self) -> float:
        """Of the clarifications asked on in-scope messages, the share that offered the right one."""
        asked = [r for r in self.results if r.outcome == "clarify" and r.example.expect]
        return self._share(sum(r.example.expect in r.suggestions for r in asked), len(asked))

    def safety_misses(self, safety_id: str) -> list[Result]:
        return [r for r in self.results if r.example.expect == safety_id and r.entry != safety_id]

    def confusions(self, most: int = 10) -> list[tuple[tuple[str, str], int]]:
        pairs: Counter[tuple[str, str]] = Counter()
        for r in self.results:
            if r.entry != r.example.expect:
                got = r.entry or (f"clarify({'|'.join(r.suggestions)})" if r.outcome == "clarify"
                                  else "fallback")
                pairs[(str(r.example.expect), got)] += 1
        return pairs.most_common(most)

    def summary(self) -> str:
        return "\n".join([
            f"messages: {len(self.results)}",
            f"accuracy: {self.accuracy:.1%}",
            f"confident wrong answers: {self.confident_wrong:.1%}",
            f"out-of-scope rejection: {self.out_of_scope_rejection:.1%}",
            f"clarification rate: {self.clarification_rate:.1%} "
            f"(right topic offered in {self.clarified_right:.0%} of in-scope ones)",
        ])


def load_examples(path: str | Path) -> list[Example]:
    data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{text, expect}} items")
    return [Example(str(item["text"]), item.get("expect")) for item in data]


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
        yield "letter dropped", " ".join([*words[:i], word[:drop] + word[drop + 1:], *words[i + 1:]])
        swap = rng.randrange(1, len(word) - 2)
        swapped = word[:swap] + word[swap + 1] + word[swap] + word[swap + 2:]
        yield "letters swapped", " ".join([*words[:i], swapped, *words[i + 1:]])
    if len(words) >= 3:
        shuffled = words[:]
        rng.shuffle(shuffled)
        yield "words reordered", " ".join(shuffled)


def evaluate(dialogue: Dialogue, examples: Sequence[Example]) -> Report:
    results = []
    for example in examples:
        reply = dialogue.ask(example.text)
        results.append(Result(example, reply.entry_id, reply.outcome, reply.suggestions))
    return Report(tuple(results))


# --- Calibration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    accuracy: float
    confident_wrong: float
    utility: float


def calibrate(
    kb: KnowledgeBase, examples: Sequence[Example], max_confident_wrong: float = 0.01
) -> Calibration:
    """Grid-search the thresholds on the whole set, never on single messages.

    Utility of one reply: 1 for the right answer or an honest fallback out of scope; 0.5 for a
    clarification that offers the right topic, or any clarification out of scope (not wrong, but
    a detour); -1 for a confident wrong answer (worse than none); 0 otherwise. Combinations with
    more than `max_confident_wrong` confident wrong answers are excluded. Each message is ranked
    once per unknown-word weight; the thresholds only change the decision, so thousands of
    combinations cost seconds.
    """
    safety = next((e.id for e in kb.entries.values() if e.kind == "safety"), None)
    best: Calibration | None = None
    for unknown_weight in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5):
        matcher = Matcher(list(kb.entries.values()), kb.language,
                          Thresholds(unknown_weight=unknown_weight))
        ranked = []
        for example in examples:
            analysis = matcher.analyzer.analyze(example.text)
            explosive = matcher.reports_explosive(analysis)
            ranked.append((example.expect, explosive, *matcher.rank(analysis)))
        for answer, clarify, margin in itertools.product(
            range(40, 86, 2), range(20, 66, 5), (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
        ):
            if clarify > answer:
                continue
            thresholds = Thresholds(answer, clarify, margin, unknown_weight)
            right = wrong = 0
            utility = 0.0
            for expect, explosive, content, polite in ranked:
                candidates, outcome = choose(content, polite, thresholds)
                entry = candidates[0].entry_id if outcome is Outcome.ANSWER else None
                if explosive and safety:
                    entry = safety
                right += entry == expect
                if entry is not None and entry != expect:
                    wrong += 1
                    utility -= 1
                elif entry == expect and outcome is not Outcome.CLARIFY:
                    utility += 1
                elif outcome is Outcome.CLARIFY and entry is None and (
                    expect is None or expect in {c.entry_id for c in candidates[:3]}
                ):
                    utility += 0.5
            found = Calibration(thresholds, right / len(ranked), wrong / len(ranked),
                                utility / len(ranked))
            if found.confident_wrong <= max_confident_wrong and (
                best is None or found.utility > best.utility
            ):
                best = found
    if best is None:
        raise ValueError("no thresholds keep confident wrong answers under the limit")
    return best

