"""Long polling that loses nothing: fetch, parse one update at a time, confirm only what was handled.

python-telegram-bot's own updater confirms updates when it fetches them (a crash loses what was
fetched but not answered), parses a whole batch at once (one update it cannot read stops every
other one, forever, and the batch, message texts included, is logged hundreds of times a
second). This poller:
- asks Telegram for updates from the oldest one still in hand (`UpdateJournal`), so an update is
  forgotten by Telegram only once it was handled; updates handled above it are skipped when
  they come again;
- parses each update on its own: one it cannot read is skipped, its id alone is logged;
- backs off on repeated errors, and stops the bot on a rejected token;
- stops the bot when Telegram keeps answering 409 Conflict: another process polls with the
  same token (each would answer some messages twice) or a webhook is set (nothing would ever
  come). It says why in one line, with Telegram's own words.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, TelegramError

from bot.channels.telegram.dispatch import ChatDispatcher
from bot.channels.telegram.raw_updates import fetch_raw_updates
from bot.state.journal import UpdateJournal

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10
BATCH = 100  # Telegram's maximum; also the most updates in hand at once
# While updates are in hand Telegram answers at once (with those), so the poller waits for one
# of them to finish, or this long, before it asks again for new ones.
BUSY_WAIT_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 30.0
# A 409 can happen once, harmlessly (a previous process's last poll); conflicts that go on for
# this long are another poller or a webhook, and the bot stops (exit 2) rather than answer twice.
CONFLICT_GRACE_SECONDS = 20.0


class PollingConflict(Exception):
    """Telegram keeps refusing getUpdates with 409: its description says why."""


def chat_key(update: Update) -> Hashable:
    """What orders updates: the chat, else the user (inline queries), else the update itself."""
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return ("update", update.update_id)


class Poller:
    """Fetches updates into a `ChatDispatcher` until stopped."""

    def __init__(
        self,
        bot: Bot,
        journal: UpdateJournal,
        handle: Callable[[Update], Any],
        allowed_updates: Sequence[str],
        *,
        max_running: int = 32,
        long_poll: float = LONG_POLL_SECONDS,
        first_backoff: float = 1.0,
        conflict_grace: float = CONFLICT_GRACE_SECONDS,
        on_conflict: Callable[[str | None], None] = lambda _: None,
    ) -> None:
        self.bot = bot
        self.journal = journal
        self.allowed_updates = list(allowed_updates)
        self.long_poll = long_poll
        self.first_backoff = first_backoff
        self.conflict_grace = conflict_grace
        # Told the conflict's description while conflicts go on, None once they stop (readiness).
        self.on_conflict = on_conflict
        self._conflict_since: float | None = None
        self._last_conflict = 0.0
        self.dispatcher: ChatDispatcher[Update] = ChatDispatcher(handle, self._done, max_running)
        self._progress = asyncio.Event()
        self._highest_seen = journal.offset - 1

    def next_offset(self) -> int:
        """The oldest update still in hand, else the one after the newest seen."""
        in_hand = self.dispatcher.in_hand
        if in_hand:
            return min(in_hand)
        return max(self._highest_seen + 1, self.journal.offset)

    def _done(self, update_id: int) -> None:
        self.journal.mark_handled(update_id, offset=self.next_offset())
        self._progress.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; raises InvalidToken when Telegram rejects the token."""
        backoff = 0.0
        while not stop.is_set():
            busy = bool(self.dispatcher.in_hand)
            try:
                raw = await self._fetch(timeout=0 if busy else self.long_poll)
            except InvalidToken:
                raise
            except Conflict as error:
                self._conflict(error.message)
                backoff = min(max(self.first_backoff, backoff * 2), MAX_BACKOFF_SECONDS)
                await _wait(stop, min(backoff, self.conflict_grace / 4))
                continue
            except (TelegramError, OSError) as error:
                backoff = min(max(self.first_backoff, backoff * 2), MAX_BACKOFF_SECONDS)
                log.warning("getUpdates failed (%s): next try in %.0f s", type(error).__name__, backoff)
                await _wait(stop, backoff)
                continue
            backoff = 0.0
            self._no_conflict()
            accepted = self._accept(raw)
            if busy and not accepted:
                self._progress.clear()
                await _wait_any(stop, self._progress, BUSY_WAIT_SECONDS)

    def _conflict(self, description: str) -> None:
        """A 409: tolerated for `conflict_grace` seconds, then PollingConflict."""
        now = asyncio.get_running_loop().time()
        if self._conflict_since is None or now - self._last_conflict > self.conflict_grace:
            self._conflict_since = now
            log.warning("getUpdates: Telegram answered 409 (%s)", description)
        self._last_conflict = now
        self.on_conflict(description)
        if now - self._conflict_since >= self.conflict_grace:
            raise PollingConflict(description)

    def _no_conflict(self) -> None:
        """A fetch went through: conflicts that stopped for a grace period are over."""
        if self._conflict_since is not None:
            now = asyncio.get_running_loop().time()
            if now - self._last_conflict > self.conflict_grace:
                self._conflict_since = None
                self.on_conflict(None)

    async def _fetch(self, timeout: float) -> list[Any]:
        # Raw JSON through the request object (Bot.get_updates would parse the whole batch):
        # parsing is done update by update in `_accept`.
        parameters = {
            "offset": self.next_offset(),
            "limit": BATCH,
            "timeout": int(timeout),
            "allowed_updates": self.allowed_updates,
        }
        return await self._call(parameters, read_timeout=timeout + 10)

    async def _call(self, parameters: dict[str, Any], read_timeout: float) -> list[Any]:
        # Raw JSON, parsed update by update in `_accept` (see raw_updates.py for why).
        return await fetch_raw_updates(self.bot, parameters, read_timeout)

    def _accept(self, raw: list[Any]) -> int:
        """Dispatch what is new in a fetched batch; returns how many updates were new."""
        accepted = 0
        in_hand = self.dispatcher.in_hand
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.warning("an update without an id was skipped")
                continue
            self._highest_seen = max(self._highest_seen, update_id)
            if update_id in in_hand or self.journal.is_handled(update_id):
                continue
            accepted += 1
            try:
                update = Update.de_json(item, self.bot)
            except Exception as error:  # whatever the library chokes on, only this update is lost
                log.error("update %d could not be read (%s): skipped", update_id, type(error).__name__)
                self.journal.mark_handled(update_id)
                continue
            self.dispatcher.submit(chat_key(update), update_id, update)
        self.journal.advance(self.next_offset())
        return accepted

    async def close(self, deadline: float) -> int:
        """Let updates in hand finish within `deadline` seconds; confirm the handled ones to Telegram."""
        abandoned = await self.dispatcher.close(deadline)
        self.journal.advance(self.next_offset())
        if abandoned:
            log.warning("%d updates in hand at shutdown: they will be handled after the restart", abandoned)
        if self.journal.offset <= 0:
            return abandoned
        try:  # confirm what was handled, so that Telegram does not send it again
            await self._call({"offset": self.journal.offset, "limit": 1, "timeout": 0}, 2.0)
        except (TelegramError, OSError) as error:
            log.info("could not confirm the last updates (%s): the journal covers them", type(error).__name__)
        return abandoned


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(stop: asyncio.Event, progress: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(progress.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
