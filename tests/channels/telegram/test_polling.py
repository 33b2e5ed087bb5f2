"""The poller and dispatcher over real HTTP: nothing wedges, nothing is confirmed before it is handled."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.application import build_application
from bot.channels.telegram.service import TelegramService
from bot.core.dialogue import Dialogue
from bot.core.engine import Engine
from bot.state.journal import UpdateJournal
from tests.conftest import quick_turns, stand_in_settings
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration

# A poll sent in a private chat, as an older self-hosted Bot API server describes it: without
# the fields python-telegram-bot 22 requires (persistent_id, allows_revoting), it cannot be read.
OLD_POLL: dict[str, Any] = {
    "message": {
        "message_id": 900,
        "date": 1_700_000_000,
        "chat": {"id": 500, "type": "private", "first_name": "Ivan"},
        "from": {"id": 500, "is_bot": False, "first_name": "Ivan"},
        "poll": {
            "id": "77",
            "question": "Ivan Petrovitch est-il vivant ?",
            "total_voter_count": 0,
            "options": [{"text": "oui", "voter_count": 0}],
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        },
    }
}


async def answered(telegram: FakeTelegram, chat: int, count: int = 1, timeout: float = 8.0) -> bool:
    return await telegram.wait_for_async(lambda _: len(telegram.sent_to(chat)) >= count, timeout)


async def test_an_unreadable_update_is_skipped_alone_and_logged_by_id_only(
    product_log: io.StringIO, service: TelegramService, telegram: FakeTelegram
) -> None:
    broken = telegram.push_update(OLD_POLL)
    telegram.push_text(501, "bonjour")
    assert await answered(telegram, 501)
    await telegram.wait_for_async(lambda _: telegram.pending_updates == [], 5)
    assert telegram.pending_updates == []  # the offset moved past the broken update
    log = product_log.getvalue()
    assert f"update {broken['update_id']} could not be read" in log
    assert "Petrovitch" not in log and "bonjour" not in log
    polls = len(telegram.calls_to("getUpdates"))
    # No hot loop on the broken update: the poller settles into a long poll, waiting for news.
    assert await telegram.wait_for_async(lambda _: telegram.waiting_pollers > 0)
    assert len(telegram.calls_to("getUpdates")) - polls <= 2


async def test_an_update_is_confirmed_only_once_handled(
    service: TelegramService, telegram: FakeTelegram
) -> None:
    telegram.hold("sendMessage")
    pushed = telegram.push_text(502, "bonjour")
    assert await telegram.wait_for_async(lambda _: telegram.held_calls("sendMessage") == 1)
    polls = len(telegram.calls_to("getUpdates"))  # let several getUpdates go by meanwhile
    assert await telegram.wait_for_async(lambda _: len(telegram.calls_to("getUpdates")) >= polls + 3)
    assert [u["update_id"] for u in telegram.pending_updates] == [pushed["update_id"]]
    telegram.release("sendMessage")
    assert await answered(telegram, 502)
    assert await telegram.wait_for_async(lambda _: telegram.pending_updates == [], 5)


async def test_updates_handled_before_a_restart_are_not_answered_again(
    telegram: FakeTelegram, engine: Engine, tmp_path: Path
) -> None:
    first, second, third = (telegram.push_text(510 + i, "bonjour")["update_id"] for i in range(3))
    journal_path = tmp_path / "updates.json"
    # As a crash leaves it: the first and third handled, the second still in hand.
    journal = UpdateJournal(journal_path, bot_id=123456)
    journal.mark_handled(first)
    journal.mark_handled(third)
    journal.advance(second)
    settings = stand_in_settings(telegram, journal=journal_path)
    served = TelegramService(
        settings, build_application(settings, engine, timeout=1.0, send_turns=quick_turns)
    )
    await served.start()
    try:
        assert await answered(telegram, 511)
        await telegram.wait_for_async(lambda _: telegram.pending_updates == [], 5)
    finally:
        await served.stop(deadline=2.0)
    assert (len(telegram.sent_to(510)), len(telegram.sent_to(511)), len(telegram.sent_to(512))) == (0, 1, 0)
    saved = json.loads(journal_path.read_text())
    assert saved["offset"] == third + 1 and set(saved) == {"bot_id", "saved_at", "offset", "handled"}


async def test_a_flooding_chat_gets_five_answers_a_notice_then_silence(
    service: TelegramService, telegram: FakeTelegram, dialogue: Dialogue
) -> None:
    flooder, other = 520, 521
    for _ in range(200):
        telegram.push_text(flooder, "numero du cicr a minsk")
    telegram.push_text(other, "numero du cicr a minsk")
    assert await answered(telegram, other)
    await telegram.wait_for_async(lambda _: telegram.pending_updates == [], 8)
    texts = [m.get("text", "") for m in telegram.sent_to(flooder)]
    notice = dialogue.texts["flood_notice"]
    assert texts.count(notice) == 1
    # Five answers (each a text and a contact card), then the notice, then silence.
    assert len(texts) == 5 * 2 + 1 and texts[-1] == notice


async def test_a_slow_chat_does_not_delay_anyone_else(
    service: TelegramService, telegram: FakeTelegram
) -> None:
    """The first three messages sent take a second each, and a chat's messages go in order: that
    chat is held up three seconds, and another chat is answered meanwhile (no clock is asserted:
    the order is)."""
    slow, other = 522, 523
    telegram.delay_next("sendMessage", 1.0, times=3)
    for _ in range(3):
        telegram.push_text(slow, "bonjour")
    await telegram.wait_for_async(lambda _: bool(telegram.calls_to("sendMessage")), 5)
    telegram.push_text(other, "bonjour")
    assert await answered(telegram, other)
    assert len(telegram.sent_to(slow)) < 3


async def test_each_chat_is_answered_in_order(service: TelegramService, telegram: FakeTelegram) -> None:
    telegram.push_text(530, "bonjour")
    telegram.push_text(530, "merci")
    telegram.push_text(530, "au revoir")
    assert await answered(telegram, 530, 3)
    first, second, third = (m["text"].lower() for m in telegram.sent_to(530))
    assert "bonjour" in first and "revoir" in third and second not in (first, third)


async def test_polling_errors_back_off(telegram: FakeTelegram, engine: Engine) -> None:
    settings = stand_in_settings(telegram)
    served = TelegramService(
        settings, build_application(settings, engine, timeout=1.0, send_turns=quick_turns), poll_backoff=0.01
    )
    telegram.fail_next("getUpdates", status=502, times=4)
    started = time.monotonic()
    await served.start()
    try:
        telegram.push_text(540, "bonjour")
        assert await answered(telegram, 540)
        elapsed = time.monotonic() - started
    finally:
        await served.stop(deadline=1.0)
    assert len([f for f in telegram.failed_calls if f.method == "getUpdates"]) == 4
    assert elapsed >= 0.01 + 0.02 + 0.04 + 0.08  # pauses that double, not a hot loop


async def test_a_revoked_token_stops_the_bot_with_code_2(telegram: FakeTelegram, engine: Engine) -> None:
    settings = stand_in_settings(telegram)
    served = TelegramService(
        settings, build_application(settings, engine, timeout=1.0, send_turns=quick_turns)
    )
    await served.start()
    telegram.revoke_token()
    try:
        code = await asyncio.wait_for(served.wait(asyncio.Event()), timeout=15)
    finally:
        await served.stop(deadline=0.5)
    assert code == 2


async def test_a_button_pressed_in_a_group_is_not_answered_there(
    service: TelegramService, telegram: FakeTelegram
) -> None:
    group = -100555
    telegram.push_callback(group, "e:family_links", message_id=3, chat_type="supergroup", user_id=77)
    telegram.push_text(550, "bonjour")
    assert await answered(telegram, 550)
    await telegram.wait_for_async(lambda _: bool(telegram.calls_to("answerCallbackQuery")), 3)
    assert telegram.calls_to("answerCallbackQuery")  # the spinner stops...
    assert telegram.sent_to(group) == [] and telegram.sent_to(77) == []  # ...and nothing is said


async def test_inline_answers_are_given_in_every_chat_type(
    service: TelegramService, telegram: FakeTelegram
) -> None:
    """Public knowledge shared into a family group: answered in a group, a private chat, a
    channel, or when Telegram leaves the chat type out; the group itself is never written to."""
    kinds = ["group", "supergroup", "private", "sender", "channel", None]
    for kind in kinds:
        telegram.push_inline_query(560, "numero cicr minsk", chat_type=kind)
    await telegram.wait_for_async(lambda _: len(telegram.calls_to("answerInlineQuery")) >= len(kinds))
    answers = telegram.calls_to("answerInlineQuery")[: len(kinds)]
    for kind, answer in zip(kinds, answers, strict=True):
        shared = answer["results"][0]["input_message_content"]["message_text"]
        assert "+375 17 318 70 07" in shared, kind
    assert telegram.calls_to("sendMessage") == []  # inline answers only: nothing sent to a chat


async def test_polling_while_a_webhook_is_set_says_why_is_not_ready_and_exits_2(
    telegram: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram answers 409 to getUpdates while a webhook is set: nothing would ever come."""
    telegram.webhook = {"url": "https://bot.example.org/hook", "secret_token": "s" * 32}
    settings = stand_in_settings(telegram)
    served = TelegramService(
        settings,
        build_application(settings, engine, timeout=1.0, send_turns=quick_turns),
        poll_backoff=0.01,
        conflict_grace=0.3,
    )
    await served.start()
    try:
        await telegram.wait_for_async(lambda _: served.health.conflict is not None, 5)
        reason = served.health.not_ready()
        assert reason is not None and "409" in reason and "webhook is active" in reason
        code = await asyncio.wait_for(served.wait(asyncio.Event()), timeout=15)
    finally:
        await served.stop(deadline=0.5)
    assert code == 2
    stopped = [r for r in caplog.records if r.levelname == "ERROR" and "409" in r.getMessage()]
    assert len(stopped) == 1 and "webhook is active" in stopped[0].getMessage()
    assert "\n" not in stopped[0].getMessage() and stopped[0].exc_info is None
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "409" in r.getMessage()]
    assert len(warned) == 1  # once, however many polls were refused meanwhile


async def test_two_pollers_on_one_token_stop_rather_than_answer_twice(
    telegram: FakeTelegram, engine: Engine
) -> None:
    """Each getUpdates ends the other's with 409: they stop (exit 2) instead of both answering."""
    settings = stand_in_settings(telegram)
    served = [
        TelegramService(
            settings,
            build_application(settings, engine, timeout=1.0, send_turns=quick_turns),
            poll_backoff=0.01,
            conflict_grace=0.5,
        )
        for _ in range(2)
    ]
    for one in served:
        await one.start()
    try:
        done, _ = await asyncio.wait(
            [asyncio.create_task(one.wait(asyncio.Event())) for one in served],
            timeout=20,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        for one in served:
            await one.stop(deadline=0.5)
    assert done and {task.result() for task in done} == {2}


async def test_a_state_directory_it_cannot_write_stops_the_start_in_one_line(
    telegram: FakeTelegram, engine: Engine, tmp_path: Path
) -> None:
    """Found at start, not as a traceback at the first declined question or the first stop."""
    from bot.channels.telegram.service import StartupError

    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    settings = dataclasses.replace(stand_in_settings(telegram), state_dir=blocked / "state")
    served = TelegramService(settings, build_application(settings, engine, timeout=1.0))
    with pytest.raises(StartupError, match=r"cannot write in .*STATE_DIR") as refused:
        await served.start()
    assert "\n" not in str(refused.value)
    assert telegram.calls_to("getMe") == []  # refused before anything else
