"""Hot reload of the knowledge base: build and check a new engine off to the side, then swap.

Asked by SIGHUP, by an admin's /reload, or by a change of the knowledge files' hash (checked
every minute). The new snapshot is built in a worker thread, so the bot keeps answering
meanwhile; it must pass validation and every canary (`knowledge/canaries.yaml`). A rejected
snapshot changes nothing: the old one keeps serving, the metric counts it, the log says why in
`file:line` lines, and whoever asked gets the same lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core import knowledge
from bot.core.engine import Engine, rebuild
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    lines: tuple[str, ...]  # what to tell the operator: the problems, or what now serves


class Reloader:
    def __init__(
        self,
        directory: Path,
        current: Callable[[], Engine],
        swap: Callable[[Engine], None],
        metrics: Metrics,
    ) -> None:
        self.directory = directory
        self._current = current
        self._swap = swap
        self._metrics = metrics
        self._lock = asyncio.Lock()
        self._rejected = ""  # the hash of the files last refused: not retried until they change
        self.announce: Callable[[], Awaitable[None]] | None = None  # tells the other replicas

    async def ask(self, why: str) -> ReloadResult:
        """A reload asked here (SIGHUP, /reload): every other replica is told to reload too."""
        if self.announce is not None:
            await self.announce()
        return await self.reload(why)

    async def reload(self, why: str) -> ReloadResult:
        """Build, check, swap; one reload at a time."""
        async with self._lock:
            log.info("knowledge reload asked (%s)", why)
            try:
                engine = await asyncio.to_thread(rebuild, self.directory, self._current())
            except knowledge.KnowledgeError as error:
                self._metrics.reload("rejected")
                log.error(
                    "knowledge reload rejected, the version serving stays:\n%s", "\n".join(error.problems)
                )
                return ReloadResult(False, tuple(error.problems))
            except Exception as error:  # whatever else: the serving version must stay
                self._metrics.reload("rejected")
                log.exception("knowledge reload failed: %s", type(error).__name__)
                return ReloadResult(False, (f"{self.directory}:0: {type(error).__name__}",))
            self._swap(engine)
            self._metrics.reload("ok")
            self._metrics.serving(len(engine.kb.entries), engine.mode_name)
            line = f"knowledge reloaded: {len(engine.kb.entries)} entries, version {engine.fingerprint}"
            log.info("%s", line)
            return ReloadResult(True, (line,))

    async def watch(self, stop: asyncio.Event, every: float) -> None:
        """Reload when the files' hash differs from the serving engine's, until `stop`."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
            if stop.is_set():
                return
            seen = await asyncio.to_thread(knowledge.fingerprint, self.directory)
            if seen != self._current().fingerprint and seen != self._rejected:
                result = await self.reload("the knowledge files changed")
                # A rejected version is not retried every minute: only a new edit is.
                self._rejected = "" if result.ok else seen
