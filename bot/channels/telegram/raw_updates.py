"""getUpdates as raw JSON: the one place the bot uses a private part of python-telegram-bot.

`Bot.get_updates` parses a whole batch at once (one update it cannot read stops every other one,
and the batch is logged whole, message texts included); `Bot.do_api_request` turns a rejected
token into EndPointNotFound. `Bot._post` is the step both share: the raw result, through the
bot's own getUpdates connection pool, with Telegram's errors mapped as usual (InvalidToken,
Conflict, RetryAfter...). What this relies on is pinned by tests/channels/telegram/
test_raw_updates.py: a library upgrade that changes it fails there, not in production.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot

CONNECT_TIMEOUT_SECONDS = 10.0


async def fetch_raw_updates(bot: Bot, parameters: dict[str, Any], read_timeout: float) -> list[Any]:
    """The updates of one getUpdates call, as Telegram sent them (dicts); [] for anything else."""
    others = min(read_timeout, CONNECT_TIMEOUT_SECONDS)
    result = await bot._post(
        "getUpdates",
        api_kwargs=parameters,
        read_timeout=read_timeout,
        connect_timeout=others,
        write_timeout=others,
        pool_timeout=others,
    )
    return result if isinstance(result, list) else []
