"""Admin commands and the unanswered-question inbox, over real HTTP with the stand-in."""

from __future__ import annotations

import dataclasses
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram.application import build_application
from bot.channels.telegram.service import TelegramService
from bot.core.engine import build
from tests.channels.telegram.test_conversations import message_with_button
from tests.conftest import KNOWLEDGE_DIR, quick_turns, stand_in_settings
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration

ADMIN = 900  # a user id, and the id of that user's private chat with the bot
NAME, PHONE, STREET = "Ostaptchouk", "+375 29 555 01 23", "Lénine"


@pytest.fixture
async def served(telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[TelegramService]:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    settings = dataclasses.replace(
        stand_in_settings(telegram), knowledge_dir=directory, admin_user_ids=frozenset({ADMIN})
    )
    service = TelegramService(
        settings, build_application(settings, build(directory), timeout=1.0, send_turns=quick_turns)
    )
    await service.start()
    yield service
    await service.stop(deadline=2.0)


async def replies(telegram: FakeTelegram, chat: int, count: int) -> list[str]:
    assert await telegram.wait_for_async(lambda _: len(telegram.sent_to(chat)) >= count, 8)
    return [m.get("text", "") for m in telegram.sent_to(chat)]


async def test_admin_commands_do_not_exist_for_anyone_else(
    served: TelegramService, telegram: FakeTelegram
) -> None:
    telegram.push_command(ADMIN, "stats")
    (stats,) = await replies(telegram, ADMIN, 1)
    assert "updates: message" in stats and "knowledge: 36 entries" in stats
    for command in ("stats", "reload", "inconnues"):
        telegram.push_command(901, command)  # another user: read as any unknown text
    answered = await replies(telegram, 901, 3)
    assert not any("updates:" in t or "Reloaded" in t or "Declined" in t for t in answered)
    assert served.metrics.reloads.labels("ok")._value.get() == 0


async def test_reload_by_an_admin_answers_with_the_problems_or_the_new_version(
    served: TelegramService, telegram: FakeTelegram
) -> None:
    canaries = served.settings.knowledge_dir / "canaries.yaml"
    good = canaries.read_text("utf-8")
    canaries.write_text(good.replace("entry: hello", "entry: thanks"), "utf-8")
    telegram.push_command(ADMIN, "reload")
    (refused,) = await replies(telegram, ADMIN, 1)
    assert "Refused" in refused and "canaries.yaml:" in refused and "must get thanks" in refused
    canaries.write_text(good, "utf-8")
    telegram.push_command(ADMIN, "reload")
    assert "Reloaded." in (await replies(telegram, ADMIN, 2))[1]
    assert served.metrics.reloads.labels("rejected")._value.get() == 1
    assert served.metrics.reloads.labels("ok")._value.get() == 1


async def test_declined_questions_reach_the_inbox_as_word_counts_only(
    served: TelegramService, telegram: FakeTelegram, product_log: io.StringIO
) -> None:
    personal = f"mon voisin {NAME} {PHONE} au 12 rue {STREET} veut les horaires du bus pour Brest"
    for chat in (7301, 7302, 7303):
        telegram.push_text(chat, personal if chat == 7301 else "les horaires du bus pour Brest ?")
        await replies(telegram, chat, 1)
    telegram.push_text(7304, "le prix du chocolat suisse")  # one chat only: never reported
    await replies(telegram, 7304, 1)
    telegram.push_command(ADMIN, "inconnues")
    (report,) = await replies(telegram, ADMIN, 1)
    assert "horaires bus" in report and "horaires" in report
    assert "chocolat" not in report
    inbox = served.application.bot_data.services.inbox
    assert inbox is not None
    everything = repr([words for _, words, _, _ in await inbox.stored()])
    assert "horaires" in everything and "chocolat" in everything  # kept, as a count
    for secret in (NAME.lower(), "555", "375", "12", STREET.lower(), "lenine", "brest", "7301"):
        assert secret not in everything, secret
        assert secret not in report.lower(), secret
    log = product_log.getvalue() + served.metrics.render().decode()
    for secret in (NAME, "555 01 23", STREET):
        assert secret not in log


@pytest.fixture
async def sharing(telegram: FakeTelegram) -> AsyncIterator[TelegramService]:
    settings = dataclasses.replace(
        stand_in_settings(telegram), admin_user_ids=frozenset({ADMIN}), inbox_raw=True
    )
    service = TelegramService(
        settings, build_application(settings, build(KNOWLEDGE_DIR), timeout=1.0, send_turns=quick_turns)
    )
    await service.start()
    yield service
    await service.stop(deadline=2.0)


def share_button(telegram: FakeTelegram, chat: int) -> str | None:
    for message in telegram.sent_to(chat):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith("s:"):
                    return str(button["callback_data"])
    return None


async def test_a_declined_question_is_kept_only_when_shared_and_then_redacted(
    sharing: TelegramService, telegram: FakeTelegram, product_log: io.StringIO
) -> None:
    personal = f"mon voisin {NAME} au {PHONE}, 12 rue {STREET}, cherche les horaires du bus"
    telegram.push_text(7401, personal)  # not shared
    telegram.push_text(7402, personal)  # shared
    await replies(telegram, 7401, 1)
    await replies(telegram, 7402, 1)
    assert share_button(telegram, 7401)
    pressed, data = message_with_button(telegram, 7402, "Partager cette question (anonymisée)")
    # The button holds nothing of the question: the answer quotes it, Telegram keeps it.
    assert data == "s:" and telegram.message(7402, pressed)["reply_to_message"]["text"] == personal  # type: ignore[index]
    telegram.push_callback(7402, data, message_id=pressed)
    assert "transmise sans nom" in (await replies(telegram, 7402, 2))[-1]
    now = telegram.message(7402, pressed) or {}
    assert "s:" not in repr(now.get("reply_markup"))  # the button went once pressed
    telegram.push_callback(7402, data, message_id=pressed)
    assert "rien n'a été transmis" in (await replies(telegram, 7402, 3))[-1]  # once only
    telegram.push_callback(7402, "s:Hk2v9QeXb1c4", message_id=10_000)  # a button of the last version
    assert "rien n'a été transmis" in (await replies(telegram, 7402, 4))[-1]
    inbox = sharing.application.bot_data.services.inbox
    assert inbox is not None
    (shared,) = await inbox.shared(30)
    assert "horaires du bus" in shared
    stored = repr(await inbox.stored())
    everything = shared + stored + product_log.getvalue() + sharing.metrics.render().decode()
    for secret in (NAME, "555 01 23", "375 29", "01 23", STREET, "12 rue"):
        assert secret not in everything, secret
    telegram.push_command(ADMIN, "inconnues")
    (report,) = await replies(telegram, ADMIN, 1)
    assert "horaires du bus" in report and NAME not in report


async def test_the_privacy_answer_says_what_this_deployment_keeps(
    sharing: TelegramService, telegram: FakeTelegram
) -> None:
    telegram.push_command(7501, "confidentialite")
    texts = await replies(telegram, 7501, 2)
    live = next(t for t in texts if "tel qu'il est configuré" in t)
    assert "30 minutes" in live and "30 jours" in live and "Partager cette question" in live
