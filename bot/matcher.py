"""Find the entry a message asks for, or decide honestly that there is none.

Candidates come from an inverted index (BM25 over each entry's questions, keywords and title).
Each candidate is then judged on two questions a curator would ask:
- coverage: what share of the message's meaningful words does this entry explain? One shared
  keyword ("numéro" in "numéro de la pizzeria") explains little of the message;
- closeness: how near is the message to the entry's nearest example question, word by word
  (weighted by rarity) and letter by letter (rapidfuzz)?
The confidence (0-100) mixes both; thresholds turn it into answer, clarify or fallback.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

from bot.knowledge import Entry, Language
from bot.normalize import Analysis, Analyzer, fold

# BM25's usual constants: term-frequency saturation and length normalisation.
_K1 = 1.2
_B = 0.75
_CANDIDATES = 8
_BM25_SHARE = 10.0  # points of the 100 that go to BM25 relative to the best candidate


@dataclass(frozen=True)
class Thresholds:
    """Chosen on the whole development set by `python -m bot eval tests/data/dev.yaml --calibrate`.

    The search maximises a utility over every labelled and generated message (1 for the right
    answer or an honest fallback, 0.5 for a clarification that offers the right topic or is
    asked out of scope) among the settings with at most 1% confident wrong answers.
    """

    answer: float = 62.0  # at or above: answer
    clarify: float = 60.0  # between clarify and answer: ask which topic was meant
    margin: float = 6.0  # a runner-up this close to the best one makes the bot ask instead
    # How much a word no entry knows weighs, against the rarest known word: it is usually what
    # the message is about ("numéro de l'hôpital") and nothing here explains it.
    unknown_weight: float = 1.5


DEFAULT_THRESHOLDS = Thresholds()


class Outcome(Enum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # 0-100


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    candidates: tuple[Candidate, ...]  # best first
    analysis: Analysis
    explosive_report: bool  # the message reports an explosive object: safety comes first
    # With an explosive report: the rest of the message, matched on its own ("j'ai trouvé un
    # obus, c'est quoi le numéro à Minsk ?" also asks for the contact).
    remainder: Match | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def score(self) -> int:
        return round(self.candidates[0].score) if self.candidates else 0


@dataclass
class _IndexedEntry:
    entry_id: str
    term_counts: Counter[str]
    length: int
    questions: list[tuple[frozenset[str], str]]  # (terms, terms joined) of each example


class Matcher:
    """An index over the entries; `match` costs a few tens of microseconds on the shipped base."""

    def __init__(
        self,
        entries: Sequence[Entry],
        language: Language,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.thresholds = thresholds
        self.analyzer = Analyzer(language)
        for entry in entries:
            texts = (*entry.questions, *entry.keywords, entry.title)
            self.analyzer.learn(fold(text) for text in texts)
        self._explosive = frozenset(self.analyzer.terms_of(language.explosive_words))
        self._weak = frozenset(self.analyzer.terms_of(language.weak_words))
        self._found_cues = frozenset(self.analyzer.stem(fold(w)) for w in language.found_cues
                                     if " " not in fold(w))
        self._found_phrases = tuple(fold(w) for w in language.found_cues if " " in fold(w))
        self._entries: list[_IndexedEntry] = []
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for entry in entries:
            self._add(entry)
        total = sum(e.length for e in self._entries)
        self._average_length = total / max(len(self._entries), 1)
        count = len(self._entries)
        self._idf = {
            term: math.log(1 + (count - len(postings) + 0.5) / (len(postings) + 0.5))
            for term, postings in self._postings.items()
        }
        # A word no entry knows is as telling as the rarest known word: it is what the message
        # is about, and nothing here explains it.
        rarest = math.log(1 + (count - 0.5) / 1.5) if count > 1 else 1.0
        self._unknown_idf = rarest * thresholds.unknown_weight

    def _add(self, entry: Entry) -> None:
        counts: Counter[str] = Counter()
        questions = []
        for text in (*entry.questions, entry.title):
            terms = self.analyzer.analyze(text, snap=False).terms
            counts.update(set(terms))
            if text != entry.title:
                questions.append((frozenset(terms), " ".join(sorted(set(terms)))))
        counts.update(set(self.analyzer.terms_of(entry.keywords)))
        index = len(self._entries)
        self._entries.append(_IndexedEntry(entry.id, counts, sum(counts.values()), questions))
        for term, count in counts.items():
            self._postings.setdefault(term, []).append((index, count))

    def weight(self, term: str) -> float:
        found = self._idf.get(term)
        if found is not None:
            return found
        if term in self.analyzer.phrase_words:
            return self._unknown_idf / 2  # half known: part of a phrase the base knows
        return self._unknown_idf

    def match(self, text: str) -> Match:
        analysis = self.analyzer.analyze(text)
        explosive_report = self._reports_explosive(analysis)
        remainder = None
        if explosive_report:
            rest = tuple(t for t in analysis.content
                         if t not in self._explosive and t not in self._found_cues)
            if rest:
                remainder = self._decide_for(Analysis(analysis.words, rest, rest), False)
        return self._decide_for(analysis, explosive_report, remainder)

    def _decide_for(
        self, analysis: Analysis, explosive_report: bool, remainder: Match | None = None
    ) -> Match:
        candidates, outcome = choose(*self.rank(analysis), self.thresholds)
        return Match(outcome, candidates, analysis, explosive_report, remainder)

    def rank(self, analysis: Analysis) -> tuple[tuple[Candidate, ...], tuple[Candidate, ...]]:
        """Candidates for the message without its politeness, and with it when it had some."""
        content = self._rank(analysis.content)
        polite = self._rank(analysis.terms) if analysis.content != analysis.terms else ()
        return content, polite

    def reports_explosive(self, text: str) -> bool:
        return self._reports_explosive(self.analyzer.analyze(text))

    def _reports_explosive(self, analysis: Analysis) -> bool:
        if not self._explosive.intersection(analysis.terms):
            return False
        stems = {self.analyzer.stem(word) for word in analysis.words}
        if stems & self._found_cues:
            return True
        joined = f" {' '.join(analysis.words)} "
        return any(f" {phrase} " in joined for phrase in self._found_phrases)

    def _rank(self, terms: Sequence[str]) -> tuple[Candidate, ...]:
        query = list(dict.fromkeys(terms))
        if not query:
            return ()
        bm25: dict[int, float] = {}
        for term in query:
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf[term]
            for index, count in postings:
                norm = _K1 * (1 - _B + _B * self._entries[index].length / self._average_length)
                bm25[index] = bm25.get(index, 0.0) + idf * count * (_K1 + 1) / (count + norm)
        if not bm25:
            return ()
        shortlist = sorted(bm25, key=bm25.__getitem__, reverse=True)[:_CANDIDATES]
        top_bm25 = bm25[shortlist[0]]
        weights = {term: self.weight(term) for term in query}
        total_weight = sum(weights.values())
        if total_weight == 0 or all(term in self._weak for term in query):
            return ()  # nothing but neutral or weak words ("jsp", "pourquoi ?"): no evidence
        query_set = frozenset(query)
        query_text = " ".join(sorted(query_set))
        scored = []
        for i in shortlist:
            entry = self._entries[i]
            judged = self._confidence(entry, query_set, query_text, weights, total_weight)
            # Among entries that explain the message equally, prefer the one it is most about.
            scored.append(Candidate(entry.entry_id, judged + _BM25_SHARE * bm25[i] / top_bm25))
        scored.sort(key=lambda c: c.score, reverse=True)
        return tuple(scored)

    def _confidence(
        self,
        entry: _IndexedEntry,
        query: frozenset[str],
        query_text: str,
        weights: dict[str, float],
        total_weight: float,
    ) -> float:
        explained = sum(weights[t] for t in query if t in entry.term_counts)
        coverage = explained / total_weight
        closeness = 0.0
        for terms, text in entry.questions:
            shared = sum(weights[t] for t in query & terms)
            union = total_weight + sum(self.weight(t) for t in terms - query)
            closeness = max(closeness, shared / union, fuzz.ratio(query_text, text) / 100 * 0.9)
        return (100 - _BM25_SHARE) * (0.65 * coverage + 0.35 * closeness)



def decide(candidates: Sequence[Candidate], thresholds: Thresholds) -> Outcome:
    if not candidates or candidates[0].score < thresholds.clarify:
        return Outcome.FALLBACK
    best = candidates[0].score
    close_second = len(candidates) > 1 and best - candidates[1].score < thresholds.margin
    if best >= thresholds.answer and not close_second:
        return Outcome.ANSWER
    return Outcome.CLARIFY


def choose(
    content: tuple[Candidate, ...], polite: tuple[Candidate, ...], thresholds: Thresholds
) -> tuple[tuple[Candidate, ...], Outcome]:
    """Judge the message on its content; if that is unclear, politeness may be the point."""
    outcome = decide(content, thresholds)
    if outcome is not Outcome.ANSWER and polite and (
        not content or polite[0].score > content[0].score
    ):
        return polite, decide(polite, thresholds)
    return content, outcome
