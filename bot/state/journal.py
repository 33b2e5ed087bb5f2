"""Which Telegram updates were handled, kept in a small file so that a crash loses none.

Telegram forgets an update once `getUpdates` is called with a higher offset. If the offset moved
on when updates were *fetched*, a crash (SIGKILL, out of memory) would lose every update fetched
but not yet answered. So the offset only moves past updates that were *handled*: it is the
smallest update id still in hand. Updates handled above it (chats are handled concurrently, so
they finish out of order) are listed in the file, and skipped when Telegram delivers them again
after a restart.

The file holds update ids and the bot's id, nothing else: no chat id, no text. It is replaced
atomically (write a temporary file, then rename), so a crash leaves the old or the new version.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# Telegram keeps undelivered updates for 24 hours, and after a week without updates numbers the
# next one at random: a journal older than a day describes updates that no longer exist, and
# its offset could confirm (and so drop) new updates with lower ids.
MAX_AGE_SECONDS = 24 * 3600
_MAX_HANDLED = 10_000  # ids above the offset remembered; the offset catches up long before


class UpdateJournal:
    """The offset to confirm, and the updates handled above it."""

    def __init__(self, path: Path | None, bot_id: int, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.bot_id = bot_id
        self._clock = clock
        self.offset = 0  # every update below it is handled (0: none known yet)
        self._handled: set[int] = set()
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            saved_at = float(data["saved_at"])
            bot_id = int(data["bot_id"])
            offset = int(data["offset"])
            handled = {int(i) for i in data["handled"]}
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(
                "update journal %s unreadable (%s): starting without it", self.path, type(error).__name__
            )
            return
        if bot_id != self.bot_id:
            log.warning("update journal %s belongs to another bot: ignored", self.path)
            return
        if self._clock() - saved_at > MAX_AGE_SECONDS:
            log.info("update journal %s is older than a day: ignored", self.path)
            return
        self.offset = offset
        self._handled = {i for i in handled if i >= offset}

    def is_handled(self, update_id: int) -> bool:
        return update_id < self.offset or update_id in self._handled

    def mark_handled(self, update_id: int, offset: int = 0) -> None:
        """Record one handled update, and the new offset if it moved: one write for both."""
        self._handled.add(update_id)
        if len(self._handled) > _MAX_HANDLED:
            # Should not happen (the offset follows the oldest update in hand); if it does,
            # forget the oldest: at worst an old update repeats after a crash.
            self._handled = set(sorted(self._handled)[-_MAX_HANDLED:])
        if not self._move(offset):
            self.save()

    def advance(self, offset: int) -> None:
        """Every update below `offset` is handled: Telegram may forget them."""
        self._move(offset)

    def _move(self, offset: int) -> bool:
        """Move the offset forward and save; False (nothing saved) if it does not move."""
        if offset <= self.offset:
            return False
        self.offset = offset
        self._handled = {i for i in self._handled if i >= offset}
        self.save()
        return True

    def save(self) -> None:
        if self.path is None:
            return
        data = {
            "bot_id": self.bot_id,
            "saved_at": self._clock(),
            "offset": self.offset,
            "handled": sorted(self._handled),
        }
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data), encoding="utf-8")
            # Atomic against a crash of this process, which is what the journal is for; an
            # fsync per update would also survive a power cut but costs milliseconds each.
            temporary.replace(self.path)
        except OSError as error:
            log.error("could not save the update journal %s: %s", self.path, type(error).__name__)
