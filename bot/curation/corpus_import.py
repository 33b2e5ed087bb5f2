"""Bring messages written by an independent writer into `knowledge/examples/`, and count the corpus.

`python -m bot corpus import FILE...` reads each writer's YAML list (`text`, `expect`, `style`,
optional `also`, `safety`, `language`; the writer is named after the file), and adds each message to
the file of its entry (`<entry>.yaml`, or `hors_sujet.yaml` out of scope), unless it is

- a near-duplicate of a message of the blind sets (tuning half, test half, the unlabelled
  originals): the corpus must never teach the ranker a message it is then judged on. This is
  automatic; nobody reads the test half to do it;
- a near-duplicate of a message already in the corpus (another writer had the same idea);
- labelled with an entry the knowledge base does not have, or empty.

`python -m bot corpus stats` prints the counts per entry, per writer and per style.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from bot.core import corpus
from bot.core.knowledge.located import plain_yaml
from bot.core.normalize import fold

OUT_OF_SCOPE_FILE = "hors_sujet.yaml"
# Folded texts this close (rapidfuzz ratio, 0-100) count as the same message: a changed name or
# town, a typo, an accent; not a new way of saying it.
SAME_MESSAGE = 88.0
# Against the blind sets, also the same words in another order.
SAME_WORDS = 92.0


@dataclass
class ImportReport:
    added: Counter[str] = field(default_factory=Counter)  # per entry (or "null")
    near_blind: int = 0
    near_corpus: int = 0
    unknown_entry: Counter[str] = field(default_factory=Counter)
    malformed: int = 0

    def lines(self) -> list[str]:
        return [
            f"added {sum(self.added.values())} messages to {len(self.added)} files",
            f"dropped {self.near_blind} near-duplicates of a blind message, "
            f"{self.near_corpus} near-duplicates of the corpus, {self.malformed} malformed, "
            f"{sum(self.unknown_entry.values())} with an unknown entry "
            f"({', '.join(sorted(self.unknown_entry)) or 'none'})",
        ]


class NearDuplicates:
    """Folded texts, and whether a new one is the same message as one of them."""

    def __init__(self, texts: Iterable[str] = (), *, words: bool = False) -> None:
        self._texts: list[str] = []
        self._seen: set[str] = set()
        self._words = words
        self._sorted: list[str] = []  # self._texts with their words sorted (with `words`)
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        folded = fold(text)
        if folded not in self._seen:
            self._seen.add(folded)
            self._texts.append(folded)
            if self._words:
                self._sorted.append(_sorted_words(folded))

    def holds(self, text: str) -> bool:
        return self.holding([text])[0]

    def holding(self, texts: Sequence[str]) -> list[bool]:
        """`holds` for many texts at once: the same answers, compared in one matrix on every
        core (the corpus against the blind sets is millions of pairs)."""
        folded = [fold(t) for t in texts]
        if not self._texts or not folded:
            return [f in self._seen for f in folded]
        close = _any_close(folded, self._texts, fuzz.ratio, SAME_MESSAGE)
        # Same words in another order: only for messages long enough for that to mean anything.
        if self._words:
            long = [i for i, f in enumerate(folded) if len(f.split()) >= 4]
            # token_sort_ratio is ratio over the words sorted: sorted here once per text, not
            # again for each pair (the same scores, a fifth of the time).
            reordered = _any_close(
                [_sorted_words(folded[i]) for i in long], self._sorted, fuzz.ratio, SAME_WORDS
            )
            for i, hit in zip(long, reordered, strict=True):
                close[i] = close[i] or hit
        return [c or f in self._seen for c, f in zip(close, folded, strict=True)]


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _any_close(queries: list[str], choices: list[str], scorer: Any, cutoff: float) -> list[bool]:
    """For each query, whether any choice scores `cutoff` or more.

    Both scorers are `ratio` over texts of about the same length (`token_sort_ratio` sorts the
    words first, which keeps the length): two texts whose lengths differ by more than the
    cutoff allows can never reach it, so each band of queries is compared only with the choices
    of lengths it could match, not the whole matrix (the same answers, about a tenth of the
    pairs: the corpus against the blind sets)."""
    if not queries or not choices:
        return [False] * len(queries)
    slack = 1 - cutoff / 100
    by_length = sorted(range(len(choices)), key=lambda i: _length(choices[i]))
    lengths = [_length(choices[i]) for i in by_length]
    ordered = [choices[i] for i in by_length]
    close = [False] * len(queries)
    band = sorted(range(len(queries)), key=lambda i: _length(queries[i]))
    for start in range(0, len(band), _BAND):
        chunk = band[start : start + _BAND]
        shortest, longest = _length(queries[chunk[0]]), _length(queries[chunk[-1]])
        # ratio = 1 - distance / (a + b) and distance >= |a - b|: b within [a(1-s)/(1+s), a(1+s)/(1-s)].
        low = bisect.bisect_left(lengths, math.floor(shortest * (1 - slack) / (1 + slack)))
        high = bisect.bisect_right(lengths, math.ceil(longest * (1 + slack) / (1 - slack)))
        if low >= high:
            continue
        scores = process.cdist(
            [queries[i] for i in chunk],
            ordered[low:high],
            scorer=scorer,
            score_cutoff=cutoff,
            dtype=np.uint8,
            workers=-1,
        )
        for i, row in zip(chunk, scores, strict=True):
            close[i] = bool(row.any())
    return close


# Queries compared at once: enough for cdist to use every core, few enough that their lengths
# (and so the choices they could match) stay close.
_BAND = 128


def _length(text: str) -> int:
    """The length the scorers compare: words joined by one space (as token_sort_ratio joins them)."""
    return len(" ".join(text.split()))


def blind_texts(paths: Sequence[Path]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        data = plain_yaml(path.read_text(encoding="utf-8"))
        texts.extend(str(item["text"]) for item in data if isinstance(item, dict) and "text" in item)
    return texts


def _file_name(entry: str | None) -> str:
    return OUT_OF_SCOPE_FILE if entry is None else f"{entry}.yaml"


def _record(item: Mapping[str, Any], text: str, writer: str, also: list[str]) -> dict[str, Any]:
    """A message as the corpus file keeps it: text, writer, style, and what else it says."""
    record: dict[str, Any] = {"text": text, "writer": writer, "style": str(item.get("style") or "")}
    if also:
        record["also"] = also
    if item.get("safety") is True:
        record["safety"] = True
    language = item.get("language")
    if language and language != "fr":
        record["language"] = language if language in corpus.LANGUAGES else "other"
    return record


def import_writers(
    knowledge_dir: Path,
    writer_files: Sequence[Path],
    entries: Mapping[str, object],
    blind: Sequence[str],
) -> ImportReport:
    """Add the writers' messages to the corpus files of `knowledge_dir` (see the module's doc)."""
    report = ImportReport()
    existing = corpus.load_examples(knowledge_dir, entries)
    near_blind = NearDuplicates(blind, words=True)
    near_corpus = NearDuplicates(e.text for e in existing)
    new: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for path in writer_files:
        writer = path.stem
        data = plain_yaml(path.read_text(encoding="utf-8")) or []
        for item in data:
            if not isinstance(item, dict) or not str(item.get("text") or "").strip():
                report.malformed += 1
                continue
            text = " ".join(str(item["text"]).split())[: corpus.MAX_EXAMPLE_CHARS]
            entry = item.get("expect")
            also = [a for a in (item.get("also") or []) if a in entries and a != entry]
            if entry is not None and entry not in entries:
                report.unknown_entry[str(entry)] += 1
                continue
            if near_blind.holds(text):
                report.near_blind += 1
                continue
            if near_corpus.holds(text):
                report.near_corpus += 1
                continue
            near_corpus.add(text)
            new[entry].append(_record(item, text, writer, also))
            report.added[str(entry)] += 1
    root = knowledge_dir / corpus.EXAMPLES_DIR
    for entry, records in new.items():
        path = root / _file_name(entry)
        if path.exists():
            _append(path, records)
        else:
            path.write_text(_header(entry) + _items(records), encoding="utf-8")
    return report


def _header(entry: str | None) -> str:
    about = "messages that no topic answers" if entry is None else f"messages for the entry {entry}"
    return (
        f"# Training corpus: {about}, written by independent writers (docs/corpus.md says who and how).\n"
        "# Each item: the message as a person would send it, its writer and style; `safety: true`\n"
        "# when an explosive object is reported; `language` when it is not French. Never shown to anyone.\n"
        f"entry: {'null' if entry is None else entry}\n"
        "examples:\n"
    )


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def _items(records: Sequence[Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for record in records:
        lines.append(f"  - text: {_quoted(record['text'])}")
        lines.append(f"    writer: {record['writer']}")
        if record["style"]:
            lines.append(f"    style: {_quoted(record['style'])}")
        if record.get("also"):
            lines.append(f"    also: [{', '.join(record['also'])}]")
        if record.get("safety"):
            lines.append("    safety: true")
        if record.get("language"):
            lines.append(f"    language: {record['language']}")
    return "\n".join(lines) + "\n"


def _append(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + _items(records), encoding="utf-8")


def stats(examples: Sequence[corpus.Example]) -> list[str]:
    """The corpus's size per entry, per writer and per style, for the closing note and curators."""
    per_entry = Counter(e.entry or "(out of scope)" for e in examples)
    per_writer = Counter(e.writer for e in examples)
    per_style = Counter(e.style for e in examples)
    by_writer: dict[str, Counter[str]] = defaultdict(Counter)
    for e in examples:
        by_writer[e.writer]["out of scope" if e.entry is None else "in scope"] += 1
    total = len(examples)
    out = sum(e.entry is None for e in examples)
    lines = [f"{total} messages, {out} out of scope ({out / max(total, 1):.0%})", "", "per entry:"]
    lines += [f"  {count:5d}  {name}" for name, count in sorted(per_entry.items())]
    lines += ["", "per writer (in scope / out of scope):"]
    lines += [
        f"  {count:5d}  {name} ({by_writer[name]['in scope']} / {by_writer[name]['out of scope']})"
        for name, count in sorted(per_writer.items())
    ]
    lines += ["", "per style (20 most common):"]
    lines += [f"  {count:5d}  {name or '-'}" for name, count in per_style.most_common(20)]
    return lines
