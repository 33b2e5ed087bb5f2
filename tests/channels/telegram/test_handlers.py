"""The real python-telegram-bot Application over real HTTP, against the Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.application import build_application
from bot.channels.telegram.context import BotApplication
from bot.channels.telegram.handlers import send_reply
from bot.channels.telegram.ratelimit import PatientRateLimiter
from bot.channels.telegram.service import TelegramService
from bot.core.decision import Outcome
from bot.core.engine import Engine
from bot.core.html import MAX_MESSAGE_LENGTH, telegram_length, validate
from bot.core.replies import Message, Reply
from bot.ops.inbox import Inbox, InboxStore, LocalInbox
from tests.channels.telegram.test_conversations import message_with_button
from tests.conftest import quick_turns, stand_in_settings, until, until_answered
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
    await send_reply(app.bot, USER, Reply((Message(long_html),), outcome=Outcome.ANSWER))
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


# --- The inbox is best-effort: a locked SQLite file is never the person's problem ----------------

DECLINED = "les horaires du bus pour Brest ?"  # the bot does not know: declined, counted
ANSWERED = "numero du cicr a minsk"  # an answer, then the contact card


@contextlib.asynccontextmanager
async def serving_with_inbox(
    telegram: FakeTelegram, engine: Engine, path: Path, **settings: Any
) -> AsyncIterator[TelegramService]:
    """The bot with its inbox in a real SQLite file (the other tests keep it in memory)."""
    changed = dataclasses.replace(stand_in_settings(telegram), inbox_path=path, **settings)
    served = TelegramService(
        changed, build_application(changed, engine, timeout=1.0, send_turns=quick_turns), poll_backoff=0.05
    )
    await served.start()
    try:
        yield served
    finally:
        await served.stop(deadline=2.0)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding a write transaction on the file: nobody else can write to it."""
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def texts_to(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.get("text", "") for m in telegram.sent_to(chat)]


def has_card(telegram: FakeTelegram, chat: int) -> bool:
    return any("phone_number" in m for m in telegram.sent_to(chat))


async def test_a_count_waiting_on_a_locked_inbox_holds_up_neither_the_answer_nor_the_chat(
    telegram: FakeTelegram, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "inbox.sqlite3"
    async with serving_with_inbox(telegram, engine, path) as served:
        data = served.application.bot_data
        # A store that waits for the lock as long as the test holds it: what the chat gets
        # meanwhile, it did not wait for the count.
        slow = LocalInbox(Inbox(path, engine.kb.language.stopwords, busy_seconds=120))
        data.start(data.engine, dataclasses.replace(data.services, inbox=slow), data.admins)
        try:
            with locked(path) as other:
                telegram.push_text(USER, DECLINED)
                await until(lambda: any("pas compris" in t for t in texts_to(telegram, USER)))
                telegram.push_text(USER, ANSWERED)  # the same chat's next question
                await until(lambda: has_card(telegram, USER))
                counting = [t for t in asyncio.all_tasks() if t.get_name() == "inbox-record"]
                assert len(counting) == 1 and not counting[0].done()  # still waiting on the lock
                other.execute("ROLLBACK")
                await counting[0]
            # Only delayed, not lost: counted once the lock went.
            assert "horaires" in {words for _, words, _, _ in await slow.stored()}
            assert served.metrics.inbox_failures.labels("count")._value.get() == 0
        finally:
            await slow.aclose()  # the one the services opened is closed with them


async def test_an_inbox_that_cannot_be_written_is_logged_once_and_counted_never_shown(
    telegram: FakeTelegram, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "inbox.sqlite3"
    async with serving_with_inbox(telegram, engine, path) as served:
        failures = served.metrics.inbox_failures.labels("count")._value.get
        with locked(path), caplog.at_level(logging.WARNING):
            telegram.push_text(USER, DECLINED)
            await until(lambda: failures() == 1)  # the store's default patience ran out
            telegram.push_text(USER, "le prix du chocolat suisse")  # declined too
            await until(lambda: failures() == 2)
            telegram.push_text(USER, ANSWERED)  # and the chat goes on
            await until(lambda: has_card(telegram, USER))
        texts = texts_to(telegram, USER)
        assert sum("pas compris" in t for t in texts) == 2  # both declined questions were answered
        error = engine.dialogue.texts["error"]
        assert not any(t == error or "problème technique" in t for t in texts), texts
        assert [(r.name, r.getMessage()) for r in caplog.records if r.name == "bot.ops.inbox"] == [
            ("bot.ops.inbox", "inbox in SQLite unavailable, a count skipped (OperationalError: SQLITE_BUSY)")
        ]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no handler failed
        assert "horaires" not in caplog.text and "chocolat" not in caplog.text
        assert 'bot_inbox_failures_total{action="count"} 2.0' in served.metrics.render().decode()


async def test_a_shared_question_the_inbox_cannot_keep_is_told_honestly(
    telegram: FakeTelegram, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "inbox.sqlite3"
    async with serving_with_inbox(telegram, engine, path, inbox_raw=True) as served:
        inbox = served.application.bot_data.services.inbox
        assert inbox is not None
        telegram.push_text(USER, DECLINED)
        await until(lambda: any("pas compris" in t for t in texts_to(telegram, USER)))
        # Its words counted first: the lock below catches the share alone.
        assert await until_answered(lambda: _any_stored(inbox), 10)
        pressed, data = message_with_button(telegram, USER, engine.dialogue.texts["share_button"])
        texts = engine.dialogue.texts
        with locked(path):
            telegram.push_callback(USER, data, message_id=pressed)
            await until(lambda: texts["share_failed"] in texts_to(telegram, USER))
        assert texts["error"] not in texts_to(telegram, USER) and texts["share_thanks"] not in texts_to(
            telegram, USER
        )
        assert served.metrics.inbox_failures.labels("share")._value.get() == 1
        assert served.metrics.inbox_failures.labels("count")._value.get() == 0
        assert data in repr(telegram.message(USER, pressed))  # the button stays: try again later
        telegram.push_callback(USER, data, message_id=pressed)
        await until(lambda: texts["share_thanks"] in texts_to(telegram, USER))
        assert await inbox.shared(30) == ["les horaires du bus pour … ?"]


async def _any_stored(inbox: InboxStore) -> bool:
    return bool(await inbox.stored())
