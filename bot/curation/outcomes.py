"""What each message of an evaluation got, kept without the message: `eval --outcomes FILE`
saves it, `eval --against FILE` compares a later bot with it, message by message.

A change is judged on the sets that are never read, whose texts must not be shown; the file
keeps a short hash of each text (to pair the same message across runs, whatever its order), never
the text, so that it can be kept beside a branch and compared without opening a set.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.curation.report import Report
from bot.curation.stats import Paired, paired, sign_test

FORMAT = 1


@dataclass(frozen=True)
class Mark:
    """One message's outcome, as a person experiences it (see `Report`)."""

    key: str  # a hash of the text and its rank among equal texts of the set: never the text
    helped: bool
    wrong: bool  # a confident wrong answer other than the safety message
    alarm: bool  # the safety message to a message that reports no explosive
    missed: bool  # an explosive reported, the safety message not first


def marks(report: Report) -> list[Mark]:
    seen: Counter[str] = Counter()
    found = []
    wrong = {id(r) for r in report.wrong_topics()}
    alarms = {id(r) for r in report.safety_false_alarms()}
    missed = {id(r) for r in report.safety_misses()}
    for r in report.results:
        digest = hashlib.blake2b(r.example.text.encode(), digest_size=8).hexdigest()
        seen[digest] += 1
        found.append(
            Mark(
                key=f"{digest}.{seen[digest]}",
                helped=report.is_helped(r),
                wrong=id(r) in wrong,
                alarm=id(r) in alarms,
                missed=id(r) in missed,
            )
        )
    return found


def save(path: Path, sets: dict[str, list[Mark]]) -> None:
    record = {"format": FORMAT, "sets": {name: [asdict(m) for m in found] for name, found in sets.items()}}
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n", encoding="utf-8")


def load(path: Path) -> dict[str, list[Mark]]:
    record = json.loads(path.read_text(encoding="utf-8"))
    if record.get("format") != FORMAT:
        raise ValueError(f"{path}: not an outcomes file of format {FORMAT}")
    return {name: [Mark(**m) for m in found] for name, found in record["sets"].items()}


@dataclass(frozen=True)
class Comparison:
    """The same messages, before and after: counts, and the helped messages paired."""

    messages: int  # the messages found in both runs
    helped: tuple[int, int]
    wrong: tuple[int, int]
    alarms: tuple[int, int]
    missed: tuple[int, int]
    change: Paired

    def line(self) -> str:
        def moved(pair: tuple[int, int]) -> str:
            return f"{pair[0]} -> {pair[1]}" if pair[0] != pair[1] else f"{pair[0]} ="

        c = self.change
        return (
            f"helped {moved(self.helped)} of {self.messages} (+{c.gained} -{c.lost}, p = {c.p_value:.2f}); "
            f"wrong topics {moved(self.wrong)}; false alarms {moved(self.alarms)}; "
            f"reports missed {moved(self.missed)}"
        )


def compare(before: list[Mark], after: list[Mark]) -> Comparison:
    """Pair the messages present in both runs (by key) and count what changed."""
    earlier = {m.key: m for m in before}
    pairs = [(earlier[m.key], m) for m in after if m.key in earlier]

    def counted(attribute: str) -> tuple[int, int]:
        return (
            sum(getattr(b, attribute) for b, _ in pairs),
            sum(getattr(a, attribute) for _, a in pairs),
        )

    return Comparison(
        messages=len(pairs),
        helped=counted("helped"),
        wrong=counted("wrong"),
        alarms=counted("alarm"),
        missed=counted("missed"),
        change=paired([b.helped for b, _ in pairs], [a.helped for _, a in pairs]),
    )


def together(comparisons: list[Comparison]) -> Comparison:
    """Several sets' comparisons summed (the sets never read, judged as one)."""

    def summed(attribute: str) -> tuple[int, int]:
        pairs = [getattr(c, attribute) for c in comparisons]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    gained = sum(c.change.gained for c in comparisons)
    lost = sum(c.change.lost for c in comparisons)
    return Comparison(
        messages=sum(c.messages for c in comparisons),
        helped=summed("helped"),
        wrong=summed("wrong"),
        alarms=summed("alarms"),
        missed=summed("missed"),
        change=Paired(gained, lost, sign_test(gained, lost)),
    )
