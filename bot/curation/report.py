"""How a reply is counted: what a person experiences, message by message (`Report`).

`evaluation.py` reads the sets and scores the bot on them; this module only counts. The strict
figures judge the first reply; what follows a safety message is counted apart (`then`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.curation.stats import interval_text


@dataclass(frozen=True)
class Example:
    text: str
    expect: str | None
    origin: str = "labelled"
    also: frozenset[str] = frozenset()
    safety: bool = False  # an explosive object is reported: the safety answer must come first
    route: str | None = None  # the country's route the answer must lead with (routes set)
    # What the reply goes on with after the safety message: the topics right for what else the
    # message asks, () when it asks nothing else; None when the set does not say (blind4 does).
    then: tuple[str, ...] | None = None

    def accepts(self, entry: str | None) -> bool:
        return entry == self.expect or (entry is not None and entry in self.also)


@dataclass(frozen=True)
class Result:
    example: Example
    entry: str | None  # the entry answered first, None when the bot did not answer
    outcome: str
    suggestions: tuple[str, ...] = ()
    then: tuple[str, ...] = ()  # the entries answered after the first (after the safety message)


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    safety_id: str | None = None  # the knowledge base's safety entry
    notices: frozenset[str] = frozenset()  # its "this bot reads French" replies: no topic

    @staticmethod
    def _share(hits: int, total: int) -> float:
        return hits / total if total else 1.0

    @property
    def accuracy(self) -> float:
        right = sum(r.example.accepts(r.entry) for r in self.results)
        return self._share(right, len(self.results))

    @property
    def confident_wrong(self) -> float:
        """Share of messages answered with an entry that is not right: worse than no answer."""
        return self._share(self.confident_wrong_count, len(self.results))

    @property
    def confident_wrong_count(self) -> int:
        return sum(r.entry is not None and not r.example.accepts(r.entry) for r in self.results)

    @property
    def in_scope(self) -> list[Result]:
        return [r for r in self.results if r.example.expect is not None]

    @property
    def out_of_scope(self) -> list[Result]:
        return [r for r in self.results if r.example.expect is None]

    @property
    def in_scope_accuracy(self) -> float:
        inside = self.in_scope
        return self._share(sum(r.example.accepts(r.entry) for r in inside), len(inside))

    @property
    def out_of_scope_rejection(self) -> float:
        out = self.out_of_scope
        return self._share(sum(r.entry is None for r in out), len(out))

    @property
    def clarification_rate(self) -> float:
        return self._share(sum(r.outcome == "clarify" for r in self.results), len(self.results))

    @property
    def clarified_right(self) -> float:
        """Of the clarifications asked on in-scope messages, the share that offered the right one."""
        asked = [r for r in self.results if r.outcome == "clarify" and r.example.expect]
        offered = sum(any(r.example.accepts(s) for s in r.suggestions) for r in asked)
        return self._share(offered, len(asked))

    # --- What a person experiences (issue 19) ---

    def _offers_right(self, r: Result) -> bool:
        """A clarification whose buttons (at most 3) include a right entry."""
        return (
            r.outcome == "clarify"
            and r.entry is None
            and 0 < len(r.suggestions) <= 3
            and any(r.example.accepts(s) for s in r.suggestions)
        )

    def is_helped(self, r: Result) -> bool:
        """The right answer; a clarification offering a right entry; or, out of scope, no
        answer and no clarification (the bot said what it covers)."""
        if r.example.expect is None:
            return r.entry is None and r.outcome != "clarify"
        return r.example.accepts(r.entry) or self._offers_right(r)

    @property
    def helped(self) -> float:
        return self._share(self.helped_count, len(self.results))

    @property
    def helped_count(self) -> int:
        return sum(self.is_helped(r) for r in self.results)

    @property
    def answered_right(self) -> float:
        """Of the in-scope messages, the share answered right at once."""
        return self.in_scope_accuracy

    @property
    def clarified(self) -> float:
        """Of the in-scope messages, the share that got a clarification."""
        inside = self.in_scope
        return self._share(sum(r.entry is None and r.outcome == "clarify" for r in inside), len(inside))

    @property
    def refused(self) -> float:
        """Of the in-scope messages, the share told "je n'ai pas compris"."""
        return self._share(len(self._refusals), len(self.in_scope))

    @property
    def _refusals(self) -> list[Result]:
        return [r for r in self.in_scope if r.entry is None and r.outcome == "fallback"]

    @property
    def refused_with_a_way(self) -> float:
        """Of the in-scope messages refused, the share whose refusal offers a button to a right
        entry (the ranker's guess, or the menu): still refused in every figure above, since the
        person was told "je n'ai pas compris", but one press from the answer."""
        refused = self._refusals
        way = sum(any(r.example.accepts(s) for s in r.suggestions) for r in refused)
        return self._share(way, len(refused))

    def _reports_danger(self, example: Example) -> bool:
        return example.safety or (self.safety_id is not None and example.expect == self.safety_id)

    @property
    def safety_cases(self) -> list[Result]:
        return [r for r in self.results if self._reports_danger(r.example)]

    def safety_misses(self) -> list[Result]:
        """Explosive reports whose first reply is not the safety answer."""
        return [r for r in self.safety_cases if r.entry != self.safety_id]

    def _false_alarm(self, r: Result) -> bool:
        return r.entry == self.safety_id and not r.example.accepts(r.entry)

    def _answered_after_alarm(self, r: Result) -> bool:
        return self._false_alarm(r) and any(r.example.accepts(e) for e in r.then)

    def safety_false_alarms(self) -> list[Result]:
        """Messages given the safety answer first although they report no explosive object: a
        cost accepted for never missing one, counted apart from wrong topics."""
        return [r for r in self.results if self._false_alarm(r)]

    def false_alarms_answered(self) -> list[Result]:
        """False alarms whose reply goes on, after the safety message, with the right answer."""
        return [r for r in self.results if self._answered_after_alarm(r)]

    def unasked_after_safety(self) -> list[Result]:
        """Safety messages followed by a topic the labels do not name (a notice aside): a second
        message about what the person did not ask ("roquette pas explosée, on fait quoi" then
        "parler à quelqu'un"). The labels name the second topic of a message that asks two
        things; where one does not, this counts a right answer as unasked: an upper bound (not
        where the set says what else each message asks, `Example.then`)."""
        return [
            r
            for r in self.results
            if r.entry == self.safety_id
            and (topics := [e for e in r.then if e not in self.notices])
            and not any(self._names_after_safety(r.example, e) for e in topics)
        ]

    @staticmethod
    def _names_after_safety(example: Example, entry: str) -> bool:
        """Whether the labels name the entry as what may follow the safety message: an entry
        they accept as the first reply (after a false alarm, the answer itself), or one of its
        `then` where the set says."""
        return example.accepts(entry) or (example.then is not None and entry in example.then)

    def after_safety(self) -> Counter[str]:
        """Where the labels say what else a report asks besides its danger (`Example.then`),
        what the reply goes on with after the safety message, notices aside: "right", "offered"
        (not answered, but a button under it opens it), "missing" (a need left unanswered),
        "unasked" (a topic nothing asked for), "wrong" (another topic than the one asked),
        "none" (nothing asked, nothing given). A false alarm is judged by its first reply's
        label instead (`false_alarms_answered`)."""
        counts: Counter[str] = Counter()
        for r in self.results:
            wanted = r.example.then
            if wanted is None or r.entry != self.safety_id or self._false_alarm(r):
                continue
            given = [e for e in r.then if e not in self.notices]
            if not given and set(wanted) & set(r.suggestions):
                counts["offered"] += 1
            elif not given:
                counts["missing" if wanted else "none"] += 1
            elif not wanted:
                counts["unasked"] += 1
            else:
                counts["right" if given[0] in wanted else "wrong"] += 1
        return counts

    @property
    def helped_after_safety(self) -> float:
        """Helped, counting as a person reads it a false alarm followed by the right answer: the
        rule that gives the safety message to every explosive word named is the product's, and the
        strict figures above keep counting it wrong."""
        helped = sum(self.is_helped(r) or self._answered_after_alarm(r) for r in self.results)
        return self._share(helped, len(self.results))

    def wrong_topics(self) -> list[Result]:
        """Confident wrong answers other than the safety answer."""
        return [
            r
            for r in self.results
            if r.entry is not None and r.entry != self.safety_id and not r.example.accepts(r.entry)
        ]

    def confusions(self, most: int = 10) -> list[tuple[tuple[str, str], int]]:
        pairs: Counter[tuple[str, str]] = Counter()
        for r in self.results:
            if not r.example.accepts(r.entry):
                got = r.entry or (
                    f"clarify({'|'.join(r.suggestions)})" if r.outcome == "clarify" else "fallback"
                )
                pairs[(str(r.example.expect), got)] += 1
        return pairs.most_common(most)

    def misses(self) -> list[Result]:
        return [r for r in self.results if not r.example.accepts(r.entry)]

    def figures(self) -> dict[str, str]:
        """The figures every set is reported with, in order."""
        safety = self.safety_cases
        inside = bool(self.in_scope)
        return {
            "messages": str(len(self.results)),
            "helped": f"{self.helped:.1%}",
            # Where another set written the same way would put the figure, 19 times in 20 (`stats.py`).
            "  helped, 95% interval": interval_text(self.helped_count, len(self.results)),
            "answered right (in scope)": f"{self.answered_right:.1%}" if inside else "-",
            "clarified (in scope)": f"{self.clarified:.1%}" if inside else "-",
            "refused (in scope)": f"{self.refused:.1%}" if inside else "-",
            "  of which a button opens the right topic": f"{self.refused_with_a_way:.0%}" if inside else "-",
            "accuracy": f"{self.accuracy:.1%}",
            "in-scope accuracy": f"{self.in_scope_accuracy:.1%}" if self.in_scope else "-",
            "confident wrong": f"{self.confident_wrong:.1%}",
            "  confident wrong, 95% interval": interval_text(self.confident_wrong_count, len(self.results)),
            "out-of-scope rejection": (f"{self.out_of_scope_rejection:.1%}" if self.out_of_scope else "-"),
            "safety first": (f"{len(safety) - len(self.safety_misses())}/{len(safety)}" if safety else "-"),
            "safety false alarms": str(len(self.safety_false_alarms())),
            "  then answered right": str(len(self.false_alarms_answered())),
            "after a safety message, a topic not asked": str(len(self.unasked_after_safety())),
            "what else is asked, after it: right / offered / missing / wrong / unasked": (
                self._after_safety_figure()
            ),
            "helped, read past the safety message": f"{self.helped_after_safety:.1%}",
            "clarification rate": f"{self.clarification_rate:.1%}",
        }

    def _after_safety_figure(self) -> str:
        counts = self.after_safety()
        if not any(r.example.then is not None for r in self.results):
            return "-"
        return " / ".join(str(counts[k]) for k in ("right", "offered", "missing", "wrong", "unasked"))

    def summary(self) -> str:
        lines = [f"{name}: {value}" for name, value in self.figures().items()]
        lines.append(f"(right topic offered in {self.clarified_right:.0%} of in-scope clarifications)")
        return "\n".join(lines)
