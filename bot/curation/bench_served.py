"""The shipped bot as it serves, in each mode: start-up from the ranker's cache, memory after
start, and the time to read and answer one message on one core (`make bench`).

Each mode runs in a fresh process with the numerical libraries on one thread, as `run_bot.py`
serves, on the messages of the blind tuning half (realistic lengths, from 1 word to letters).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

WARM_UP = 20


@dataclass(frozen=True)
class Served:
    mode: str
    start_s: float  # knowledge loaded, ranker from the cache, embedding model mapped
    rss_mb: float  # resident memory after start
    median_ms: float
    p99_ms: float
    max_ms: float
    messages: int


def _rss_mb() -> float:
    """Resident memory now (not the peak: the start-up's temporaries are freed)."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
        return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def _serve(semantic: bool, knowledge_dir: str, texts: Sequence[str]) -> Served:
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    from bot.app import load_engine
    from bot.config import Settings

    settings = replace(Settings.from_environment(), knowledge_dir=Path(knowledge_dir), semantic=semantic)
    started = time.perf_counter()
    engine = load_engine(settings, threads=1, say_mode=False)
    start_s = time.perf_counter() - started
    rss = _rss_mb()
    dialogue = engine.dialogue
    for text in texts[:WARM_UP]:
        dialogue.ask(text)
    times = []
    for text in texts:
        begun = time.perf_counter_ns()
        dialogue.ask(text)
        times.append((time.perf_counter_ns() - begun) / 1e6)
    times.sort()
    return Served(
        engine.mode_name,
        start_s,
        rss,
        statistics.median(times),
        times[min(len(times) - 1, int(0.99 * len(times)))],
        times[-1],
        len(times),
    )


def served(knowledge_dir: str, texts: Sequence[str]) -> list[Served]:
    """Both modes, one after the other, each in its own process."""
    context = get_context("spawn")
    results = []
    for semantic in (True, False):
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            results.append(pool.submit(_serve, semantic, knowledge_dir, list(texts)).result())
    return results


def report(results: Sequence[Served]) -> str:
    lines = [
        "The shipped bot as served, one core, each message read, ranked and answered "
        "(blind tuning half; targets: p99 <= 60 ms with embeddings, <= 2 ms without; memory <= 300 MB):",
        f"{'mode':<10}{'start':>10}{'memory':>10}{'median':>10}{'p99':>10}{'max':>10}{'messages':>10}",
    ]
    lines.extend(
        f"{r.mode:<10}{r.start_s:>9.2f}s{r.rss_mb:>8.0f}MB{r.median_ms:>8.2f}ms"
        f"{r.p99_ms:>8.2f}ms{r.max_ms:>8.2f}ms{r.messages:>10}"
        for r in results
    )
    return "\n".join(lines)
