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
