"""Reload: a change of the files is noticed; a version that fails is refused once, not retried."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.core import knowledge
from bot.core.engine import Engine, build
from bot.ops.metrics import Metrics
from bot.ops.reload import Reloader
from tests.conftest import KNOWLEDGE_DIR, until

pytestmark = pytest.mark.integration  # knowledge directories on disk


async def test_a_change_of_the_files_is_noticed_and_a_broken_one_refused_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = [0]
    hash_files = knowledge.fingerprint

    def counted(directory: str | Path) -> str:
        checks[0] += 1
        return hash_files(directory)

    monkeypatch.setattr(knowledge, "fingerprint", counted)
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    serving = [build(directory)]
    metrics = Metrics()

    def current() -> Engine:
        return serving[-1]

    reloader = Reloader(directory, current, serving.append, metrics)
    stop = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(stop, every=0.02))
    try:
        canaries = directory / "canaries.yaml"
        good = canaries.read_text("utf-8")
        canaries.write_text(good.replace("entry: hello", "entry: thanks"), "utf-8")
        await until(lambda: metrics.reloads.labels("rejected")._value.get() == 1)
        seen = checks[0]
        await until(lambda: checks[0] >= seen + 5)  # several checks later: not tried again
        assert metrics.reloads.labels("rejected")._value.get() == 1 and len(serving) == 1
        canaries.write_text(good + "\n# revu\n", "utf-8")
        await until(lambda: len(serving) == 2)
        assert metrics.reloads.labels("ok")._value.get() == 1
        assert serving[1].fingerprint != serving[0].fingerprint
    finally:
        stop.set()
        await watching


async def test_a_rejected_reload_logs_each_problem_on_its_own_line(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Several problems: each `file:line` line is logged, none withheld as a long string."""
    from bot.ops.logs import PrivacyFormatter

    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    fraude = directory / "fraude.yaml"
    text = fraude.read_text("utf-8").replace("kind: info", "kind: nonsense", 1)
    fraude.write_text(text.replace("reviewed:", "reviewed: notadate\n    old_reviewed:", 1), "utf-8")
    reloader = Reloader(directory, lambda: engine, lambda _: None, Metrics())
    result = await reloader.reload("test")
    assert not result.ok and len(result.lines) >= 2
    formatter = PrivacyFormatter("%(message)s")
    logged = [formatter.format(r) for r in caplog.records if r.name == "bot.ops.reload"]
    assert not any("withheld" in line for line in logged), logged
    for problem in result.lines:  # whole, or its first 150 characters for a very long one
        assert any(problem[:150] in line for line in logged), problem


async def test_many_asks_make_at_most_one_running_and_one_waiting_rebuild(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hundred SIGHUPs: two rebuilds at most (the one running, and one for the files after)."""
    import threading

    from bot.ops import reload as reload_module

    release = threading.Event()
    builds: list[int] = []

    def slow_rebuild(directory: Path, like: Engine) -> Engine:
        builds.append(1)
        release.wait(10)
        return like

    monkeypatch.setattr(reload_module, "rebuild", slow_rebuild)
    swapped: list[Engine] = []
    reloader = Reloader(KNOWLEDGE_DIR, lambda: engine, swapped.append, Metrics())
    asks = [asyncio.create_task(reloader.ask("SIGHUP 0"))]
    await until(lambda: len(builds) == 1)  # running; the files may change again meanwhile
    asks += [asyncio.create_task(reloader.ask(f"SIGHUP {n}")) for n in range(1, 100)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*asks)
    assert all(r.ok for r in results)
    assert len(builds) == 2 and len(swapped) == 2


async def test_a_stop_does_not_wait_for_a_rebuild_in_progress(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild runs in a daemon thread: cancelling the ask returns at once, the thread is
    left to end with the process."""
    import threading

    from bot.ops import reload as reload_module

    release = threading.Event()
    started = threading.Event()

    def stuck(directory: Path, like: Engine) -> Engine:
        started.set()
        release.wait(30)
        return like

    monkeypatch.setattr(reload_module, "rebuild", stuck)
    reloader = Reloader(KNOWLEDGE_DIR, lambda: engine, lambda _: None, Metrics())
    asked = asyncio.create_task(reloader.ask("SIGHUP"))
    await until(started.is_set)
    asked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asked
    assert not release.is_set()  # cancelled while the rebuild is still stuck
    builder = next(t for t in threading.enumerate() if t.name == "knowledge-reload")
    assert builder.daemon  # the process may exit without it
    release.set()
