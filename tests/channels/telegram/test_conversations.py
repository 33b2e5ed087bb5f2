"""Multi-turn scripts (tests/data/conversations.yaml) through the real bot and the Bot API stand-in."""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

import pytest
import yaml

from bot.channels.telegram.service import TelegramService
from tests.conftest import DATA, until
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration

SCRIPTS = yaml.safe_load((DATA / "conversations.yaml").read_text("utf-8"))
CHAT_IDS = itertools.count(5001)


def readable(call: dict[str, Any]) -> str:
    if "phone_number" in call:
        return f"{call['first_name']} {call['phone_number']}"
    return html.unescape(re.sub(r"<[^>]+>", "", str(call.get("text", ""))))


async def handled(service: TelegramService, update: dict[str, Any], timeout: float = 8.0) -> None:
    """Wait until the bot has handled the update, replies sent: the poller marks it so then."""
    assert service.poller is not None
    journal, update_id = service.poller.journal, update["update_id"]
    await until(lambda: journal.is_handled(update_id), timeout)


def message_with_button(telegram: FakeTelegram, chat: int, label: str) -> tuple[int, str]:
    """The newest message of the chat offering a button with this label: (message id, data)."""
    for message_id in range(400, 0, -1):
        message = telegram.message(chat, message_id)
        if not message:
            continue
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label and "callback_data" in button:
                    return message_id, button["callback_data"]
    raise AssertionError(f"no button {label!r} in chat {chat}")


@pytest.mark.parametrize("script", SCRIPTS, ids=[s["name"] for s in SCRIPTS])
async def test_conversation(service: TelegramService, telegram: FakeTelegram, script: dict[str, Any]) -> None:
    chat = next(CHAT_IDS)
    for number, turn in enumerate(script["turns"], 1):
        where = f"turn {number} {turn}"
        sent_before = len(telegram.sent_to(chat))
        pressed: int | None = None
        if "say" in turn:
            update = telegram.push_text(chat, turn["say"])
        elif "command" in turn:
            command, _, payload = turn["command"].partition(" ")
            update = telegram.push_command(chat, command, args=payload)
        elif "press" in turn:
            pressed, data = message_with_button(telegram, chat, turn["press"])
            update = telegram.push_callback(chat, data, message_id=pressed)
        else:
            update = telegram.push_inline_query(chat, turn["inline"])
        await handled(service, update)

        if "inline" in turn:
            answer = telegram.calls_to("answerInlineQuery")[-1]
            results = answer["results"]
            assert len(results) >= turn.get("results", 1), where
            replies = [readable({"text": r["input_message_content"]["message_text"]}) for r in results[:1]]
            calls: list[dict[str, Any]] = []
        else:
            calls = telegram.sent_to(chat)[sent_before:]
            replies = [readable(call) for call in calls]
            assert 1 <= len(calls) <= 3, f"{where}: {len(calls)} messages"
        everything = "\n".join(replies)
        for text in turn.get("contains", []):
            assert text in everything, f"{where}: {text!r} missing from {everything!r}"
        for text in turn.get("not_contains", []):
            assert text not in everything, f"{where}: {text!r} present in {everything!r}"
        for text in turn.get("first_contains", []):
            assert text in replies[0], f"{where}: {text!r} not first in {replies!r}"
        offered = [
            b for c in calls for row in (c.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        for label in turn.get("buttons", []):
            assert label in [b["text"] for b in offered], f"{where}: no button {label!r}"
        for url in turn.get("url_buttons", []):
            assert any(url in b.get("url", "") for b in offered), f"{where}: no link {url!r}"
        if "contact_card" in turn:
            has_card = any("phone_number" in c for c in calls)
            assert has_card == turn["contact_card"], where
        if "edited_contains" in turn:
            assert pressed is not None
            edited = telegram.message(chat, pressed)
            assert edited and turn["edited_contains"] in edited["text"], f"{where}: {edited}"
