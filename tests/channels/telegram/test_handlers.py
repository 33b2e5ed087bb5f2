"""The real python-telegram-bot Application over real HTTP, against the Bot API stand-in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.channels.telegram.application import build_application
from bot.channels.telegram.context import BotApplication
from bot.channels.telegram.handlers import send_reply
from bot.channels.telegram.ratelimit import PatientRateLimiter
from bot.channels.telegram.service import TelegramService
from bot.core.engine import Engine
from bot.core.html import MAX_MESSAGE_LENGTH, telegram_length, validate
from bot.core.replies import Message, Reply
from tests.conftest import quick_turns, stand_in_settings
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration

USER = 1001


async def sent(
    telegram: FakeTelegram, chat_id: int, count: int, timeout: float = 8.0
) -> list[dict[str, Any]]:
    """Wait until `count` messages reached the chat; return them all."""
    await telegram.wait_for_async(lambda _: len(telegram.sent_to(chat_id)) >= count, timeout)
    messages = telegram.sent_to(chat_id)
    assert len(messages) >= count, messages
    return messages


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def test_start_shows_welcome_menu_and_registers_commands(
    app: BotApplication, telegram: FakeTelegram
) -> None:
    telegram.push_command(USER, "start")
    (welcome,) = await sent(telegram, USER, 1)
    assert "CICR" in welcome["text"] and welcome["parse_mode"] == "HTML"
    labels = [b["text"] for b in buttons(welcome)]
    assert labels == ["Missions du CICR", "Retrouver un proche", "Mines et restes explosifs", "Contacts"]
    commands = telegram.calls_to("setMyCommands")[-1]["commands"]
    assert {c["command"] for c in commands} >= {"start", "aide", "contacts", "confidentialite"}
    assert telegram.calls_to("setMyDescription") and telegram.calls_to("setMyShortDescription")


async def test_question_gets_answer_and_tap_to_call_contact_card(
    app: BotApplication, telegram: FakeTelegram
) -> None:
    telegram.push_text(USER, "numero du cicr a minsk")
    answer, card = await sent(telegram, USER, 2)
    assert "+375 17 318 70 07" in answer["text"]
    assert card["phone_number"] == "+375 17 318 70 07" and "VCARD" in card["vcard"]


async def test_menu_button_press_answers_and_acknowledges(
    app: BotApplication, telegram: FakeTelegram
) -> None:
    telegram.push_command(USER, "start")
    (welcome,) = await sent(telegram, USER, 1)
    mines = next(b for b in buttons(welcome) if b["text"].startswith("Mines"))
    telegram.push_callback(USER, mines["callback_data"], message_id=1)
    messages = await sent(telegram, USER, 2)
    assert "ne touchez" in messages[1]["text"].lower() or "touchez pas" in messages[1]["text"].lower()
    assert telegram.calls_to("answerCallbackQuery")


async def test_clarification_choice_edits_the_question(app: BotApplication, telegram: FakeTelegram) -> None:
    telegram.push_callback(USER, "c:belarus_contact", message_id=7)
    await sent(telegram, USER, 1)
    edits = telegram.calls_to("editMessageText")
    assert edits and "Contact de la mission de Minsk" in edits[-1]["text"]


@pytest.mark.parametrize("send", ["push_sticker", "push_voice", "push_photo"])
async def test_non_text_messages_get_a_polite_reply(
    app: BotApplication, telegram: FakeTelegram, send: str
) -> None:
    getattr(telegram, send)(USER)
    (reply,) = await sent(telegram, USER, 1)
    assert "écrits" in reply["text"]


async def test_hostile_html_never_breaks_a_reply(app: BotApplication, telegram: FakeTelegram) -> None:
    telegram.push_text(USER, "<b> & <script>alert(1)</script> </i> &nbsp")
    replies = await sent(telegram, USER, 1)
    assert not telegram.failed_calls
    assert all(validate(r["text"]) == [] for r in replies if "text" in r)


async def test_long_reply_is_split_into_valid_parts(app: BotApplication, telegram: FakeTelegram) -> None:
    long_html = "\n\n".join(f"<b>Partie {i}</b> " + "texte & suite " * 60 for i in range(12))
    long_html = long_html.replace("&", "&amp;")
    await send_reply(app.bot, USER, Reply((Message(long_html),), outcome="answer"))
    parts = telegram.sent_to(USER)
    assert len(parts) >= 2 and not telegram.failed_calls
    assert all(telegram_length(p["text"]) <= MAX_MESSAGE_LENGTH for p in parts)


async def test_groups_are_left_and_never_answered(app: BotApplication, telegram: FakeTelegram) -> None:
    group = -100123
    telegram.push_my_chat_member(group, chat_type="group", new_status="member")
    telegram.push_text(group, "numero du cicr a minsk", chat_type="supergroup")
    await telegram.wait_for_async(lambda _: len(telegram.calls_to("leaveChat")) >= 2)
    assert {c["chat_id"] for c in telegram.calls_to("leaveChat")} == {group}
    telegram.push_text(USER, "bonjour")
    await sent(telegram, USER, 1)
    assert telegram.sent_to(group) == []


async def test_edited_messages_and_channel_posts_are_ignored(
    app: BotApplication, telegram: FakeTelegram
) -> None:
    telegram.push_edited_text(USER, "numero du cicr a minsk")
    telegram.push_channel_post(-100777, "numero du cicr a minsk")
    telegram.push_text(USER, "bonjour")
    (reply,) = await sent(telegram, USER, 1)
    assert "bonjour" in reply["text"].lower() or "CICR" in reply["text"]
    assert "edited_message" not in (telegram.allowed_updates or [])


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, [7.0, 7.0]),  # as long as Telegram asks
        (502, [0.05, 0.1]),  # growing pauses
        (500, [0.05, 0.1]),
    ],
)
async def test_passing_failures_on_send_are_retried(
    app: BotApplication,
    telegram: FakeTelegram,
    pauses: list[float],
    status: int,
    expected: list[float],
) -> None:
    telegram.fail_next("sendMessage", status=status, retry_after=7, times=2)
    telegram.push_text(USER, "bonjour")
    await sent(telegram, USER, 1, timeout=10)
    assert len([f for f in telegram.failed_calls if f.method == "sendMessage"]) == 2
    assert pauses == expected


async def test_a_send_timeout_is_retried(telegram: FakeTelegram, engine: Engine) -> None:
    settings = stand_in_settings(telegram)
    limiter = PatientRateLimiter(first_pause=0.01)
    served = TelegramService(
        settings,
        build_application(settings, engine, timeout=0.2, rate_limiter=limiter, send_turns=quick_turns),
    )
    await served.start()
    try:
        telegram.delay_next("sendMessage", 0.5)  # longer than the client's 0.2 s read timeout
        telegram.push_text(USER, "bonjour")
        await telegram.wait_for_async(lambda _: len(telegram.calls_to("sendMessage")) >= 2, 10)
        assert len(telegram.calls_to("sendMessage")) >= 2
        await sent(telegram, USER, 1)
    finally:
        await served.stop(deadline=1.0)


async def test_deep_link_opens_the_entry(app: BotApplication, telegram: FakeTelegram) -> None:
    telegram.push_command(USER, "start", args="family_links")
    first = (await sent(telegram, USER, 1))[0]
    assert "familylinks.icrc.org" in json.dumps(first, ensure_ascii=False)


async def test_inline_query_lists_shareable_answers(app: BotApplication, telegram: FakeTelegram) -> None:
    telegram.push_inline_query(USER, "numero cicr minsk")
    telegram.push_inline_query(USER, "")
    await telegram.wait_for_async(lambda _: len(telegram.calls_to("answerInlineQuery")) >= 2)
    searched, empty = telegram.calls_to("answerInlineQuery")[:2]
    assert 1 <= len(searched["results"]) <= 5
    shared = searched["results"][0]["input_message_content"]["message_text"]
    assert "+375 17 318 70 07" in shared and "Source" in shared
    assert len(empty["results"]) == 4
