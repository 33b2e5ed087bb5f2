"""Hot reload of the knowledge base: build and check a new engine off to the side, then swap.

Asked by SIGHUP, by an admin's /reload, or by a change of the knowledge files' hash (checked
every minute). The new snapshot is built in a worker thread, so the bot keeps answering
meanwhile; it must pass validation and every canary (`knowledge/canaries.yaml`). A rejected
snapshot changes nothing: the old one keeps serving, the metric counts it, the log says why in
`file:line` lines, and whoever asked gets the same lines.

Asks pile up (a hundred SIGHUPs, a reload announced by every replica): at most one rebuild runs
and one waits, and every ask joins the one waiting, which reads the files as they are when it
starts. The build runs in a daemon thread, so that a stop never waits for a rebuild in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.core import knowledge
from bot.core.engine import Engine, rebuild
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")
# A problem line is logged whole up to this length (the privacy formatter withholds longer
# strings); `file:line: message` lines are much shorter.
MAX_LOGGED_PROBLEM = 200


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread: awaited like `asyncio.to_thread`, but a cancelled wait leaves
    it to finish on its own, and the process may exit meanwhile (the default executor's threads
    are joined at exit: a 25-second training would hold up a stop)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        result: T | None = None
        failure: BaseException | None = None
        try:
            result = work()
        except BaseException as error:  # handed to the awaiting task, whatever it is
            failure = error
        # The loop may be closed by now (the process stopping): nobody waits for this result.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, result, failure)

    threading.Thread(target=run, name="knowledge-reload", daemon=True).start()
    return await future


def _settle(future: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    if future.done():  # the wait was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


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
        self._waiting: asyncio.Task[ReloadResult] | None = None  # asked, not started yet

    async def ask(self, why: str) -> ReloadResult:
        """A reload asked here (SIGHUP, /reload): every other replica is told to reload too,
        unless one is already waiting to start (it will read the same files)."""
        if self.announce is not None and not self._queued():
            await self.announce()
        return await self.reload(why)

    def _queued(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    async def reload(self, why: str) -> ReloadResult:
        """Build, check, swap; one reload at a time, and at most one waiting (see the module)."""
        if self._waiting is None or self._waiting.done():
            self._waiting = asyncio.create_task(self._next(why), name="knowledge-reload")
        # Shielded: one asker giving up (a cancelled /reload) does not cancel it for the others.
        return await asyncio.shield(self._waiting)

    async def _next(self, why: str) -> ReloadResult:
        async with self._lock:
            self._waiting = None  # started: a later ask waits for the next one, with newer files
            return await self._build(why)

    async def _build(self, why: str) -> ReloadResult:
        log.info("knowledge reload asked (%s)", why)
        current = self._current()
        try:
            engine = await in_daemon_thread(lambda: rebuild(self.directory, current))
        except knowledge.KnowledgeError as error:
            self._metrics.reload("rejected")
            # One line per problem: a single long string would be withheld by the log formatter.
            log.error(
                "knowledge reload rejected (%d problems), the version serving stays:", len(error.problems)
            )
            for problem in error.problems:
                shown = (
                    problem if len(problem) <= MAX_LOGGED_PROBLEM else problem[: MAX_LOGGED_PROBLEM - 1] + "…"
                )
                log.error("  %s", shown)
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
