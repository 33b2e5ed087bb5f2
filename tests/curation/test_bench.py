"""The benchmark runs and reports (no test asserts a time: machines differ)."""

from __future__ import annotations

import pytest

from bot.curation.bench import main
from bot.curation.bench_synthetic import synthetic_entries

pytestmark = pytest.mark.process


def test_synthetic_bases_have_the_asked_size_and_are_deterministic() -> None:
    entries = synthetic_entries(1000)
    assert sum(len(e.questions) for e in entries) == 1000
    assert [e.questions for e in synthetic_entries(1000)] == [e.questions for e in entries]


def test_bench_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "100", "--queries", "20", "--no-served"]) == 0
    out = capsys.readouterr().out
    for column in ("bot read+decide", "rapidfuzz WRatio", "difflib", "median", "p99", "load"):
        assert column in out


def test_the_served_bot_is_timed_in_both_modes() -> None:
    from bot.curation.bench_served import report, served

    results = served("knowledge", ["numero du cicr a minsk", "bonjour", "mon fils a disparu"] * 10)
    assert [r.messages for r in results] == [30, 30]
    assert results[1].mode == "ngrams" and results[0].mode in ("semantic", "ngrams")
    assert all(r.median_ms <= r.p99_ms <= r.max_ms and r.rss_mb > 0 for r in results)
    assert "p99" in report(results)
