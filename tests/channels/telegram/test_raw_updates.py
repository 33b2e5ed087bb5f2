"""What the poller relies on in python-telegram-bot's private `Bot._post` (raw_updates.py):
raw dicts, not parsed updates; a rejected token is InvalidToken; a 409 is Conflict with
Telegram's description. An upgrade of the library that changes any of it fails here."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import Conflict, InvalidToken

from bot.channels.telegram.raw_updates import fetch_raw_updates
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration


async def test_updates_come_back_as_the_json_telegram_sent(telegram: FakeTelegram) -> None:
    telegram.push_text(4401, "bonjour")
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:
        raw = await fetch_raw_updates(bot, {"offset": 0, "timeout": 0}, read_timeout=5)
    assert len(raw) == 1 and isinstance(raw[0], dict)
    assert raw[0]["message"]["text"] == "bonjour" and isinstance(raw[0]["update_id"], int)


async def test_a_rejected_token_is_invalid_token(telegram: FakeTelegram) -> None:
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:
        telegram.revoke_token()
        with pytest.raises(InvalidToken):
            await fetch_raw_updates(bot, {"offset": 0, "timeout": 0}, read_timeout=5)


async def test_a_409_is_conflict_with_telegram_s_words(telegram: FakeTelegram) -> None:
    telegram.webhook = {"url": "https://bot.example.org/hook", "secret_token": "s" * 32}
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:
        with pytest.raises(Conflict, match="webhook is active"):
            await fetch_raw_updates(bot, {"offset": 0, "timeout": 0}, read_timeout=5)
