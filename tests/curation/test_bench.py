"""The benchmark runs and reports (no test asserts a time: machines differ)."""

from __future__ import annotations

import pytest

from bot.curation.bench import main, synthetic_entries

pytestmark = pytest.mark.process


def test_synthetic_bases_have_the_asked_size_and_are_deterministic() -> None:
    entries = synthetic_entries(1000)
    assert sum(len(e.questions) for e in entries) == 1000
    assert [e.questions for e in synthetic_entries(1000)] == [e.questions for e in entries]


def test_bench_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "100", "--queries", "20"]) == 0
    out = capsys.readouterr().out
    for column in ("bot read+decide", "rapidfuzz WRatio", "difflib", "median", "p99", "load"):
        assert column in out
