"""Sending that waits out passing failures (429, 5xx, timeouts) instead of losing the reply."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.dispatch import ANSWER, Answer
from bot.state import ChatId

log = logging.getLogger(__name__)

Sleep = Callable[[float], Coroutine[Any, Any, None]]
_SENDING = ("send", "edit", "copy", "forward")  # what counts towards Telegram's message limits


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter that also waits out passing failures: 429, 5xx and network timeouts.

    Bounded: a few attempts with growing pauses, then the error surfaces (and is logged). The
    pause function is injectable, so that tests check the pauses without waiting them out.
    """

    def __init__(
        self,
        attempts: int = 5,
        first_pause: float = 0.5,
        max_pause: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(max_retries=0)
        self.attempts = attempts
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.sleep = sleep
        # Waits until a message keeps the bot (all its replicas) within Telegram's limits.
        self.shared: Callable[[ChatId | None], Awaitable[None]] | None = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint == "getMe":
            # The start-up check: an operator wants its verdict at once, and the service
            # manager's restart policy is the retry.
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        pause = self.first_pause
        callback = _followed(callback, ANSWER.get())
        for attempt in range(1, self.attempts + 1):
            if self.shared is not None and endpoint.startswith(_SENDING):
                await self.shared(_chat_of(data))
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as error:
                if attempt == self.attempts:
                    raise
                wait = min(_seconds(error), self.max_pause)
                log.warning("%s: Telegram asks to wait %.1fs (attempt %d)", endpoint, wait, attempt)
                await self.sleep(wait)
            except BadRequest:
                raise  # our request is wrong: sending it again cannot help
            except NetworkError as error:  # 5xx, timeouts, connection errors
                if attempt == self.attempts:
                    raise
                log.warning(
                    "%s: %s, retrying in %.1fs (attempt %d)", endpoint, type(error).__name__, pause, attempt
                )
                await self.sleep(pause)
                pause = min(pause * 2, self.max_pause)
        raise AssertionError("unreachable")


Request = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


def _followed(callback: Request, answer: Answer | None) -> Request:
    """The request, keeping `answer` up to date: on the wire while it is sent, delivered once
    Telegram answered it (a stop lets such a reply finish: see dispatch.py)."""
    if answer is None:
        return callback

    async def request(*args: Any, **kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
        answer.on_wire += 1
        try:
            result = await callback(*args, **kwargs)
        finally:
            answer.on_wire -= 1
        answer.delivered += 1
        return result

    return request


def _chat_of(data: dict[str, Any]) -> ChatId | None:
    """The chat a send request goes to: the bot answers private chats, whose ids are numbers
    (a channel's "@name" has no turn of its own, only the bot's)."""
    chat = data.get("chat_id")
    return ChatId(chat) if isinstance(chat, int) and not isinstance(chat, bool) else None


def _seconds(error: RetryAfter) -> float:
    # PTB 22 warns that retry_after becomes a timedelta in its next major version: accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        retry_after = error.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else float(retry_after)
