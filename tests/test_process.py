"""`make run`'s process against the Bot API stand-in: clean stop, no repeats, clean logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fake_telegram import FakeTelegram

SECRET_TEXT = "Ivan Petrovitch ne répond plus depuis mardi"


def start_bot(telegram: FakeTelegram, log_level: str = "INFO") -> subprocess.Popen[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": telegram.token,
           "TELEGRAM_BASE_URL": telegram.base_url, "LOG_LEVEL": log_level}
    return subprocess.Popen([sys.executable, "run_bot.py"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, logs = process.communicate(timeout=30)
    return process.returncode, logs


def test_sigterm_answers_pending_updates_then_restart_answers_nothing_twice(
    telegram: FakeTelegram,
) -> None:
    bot = start_bot(telegram)
    try:
        assert telegram.wait_for(lambda _: telegram.waiting_pollers > 0, timeout=20)
        chats = list(range(2001, 2009))
        for chat in chats:
            telegram.push_text(chat, "numero du cicr a minsk")
        # Stop as soon as the first answer goes out: the others are fetched but not yet answered.
        assert telegram.wait_for(lambda _: any(telegram.sent_to(c) for c in chats), timeout=20)
        code, logs = stop(bot)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert code == 0, logs
    answered = {chat: len(telegram.sent_to(chat)) for chat in chats}
    assert all(count == 2 for count in answered.values()), answered  # answer + contact card
    assert telegram.pending_updates == []  # the last offset was confirmed

    again = start_bot(telegram)
    try:
        assert telegram.wait_for(lambda _: telegram.waiting_pollers > 0, timeout=20)
        time.sleep(1.0)
        code, logs = stop(again)
    finally:
        if again.poll() is None:
            again.kill()
    assert code == 0, logs
    assert {chat: len(telegram.sent_to(chat)) for chat in chats} == answered


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_logs_never_hold_the_token_or_message_text(telegram: FakeTelegram, level: str) -> None:
    bot = start_bot(telegram, log_level=level)
    try:
        assert telegram.wait_for(lambda _: telegram.waiting_pollers > 0, timeout=20)
        telegram.push_text(3001, SECRET_TEXT)
        telegram.fail_next("sendMessage", status=502)
        assert telegram.wait_for(lambda _: bool(telegram.sent_to(3001)), timeout=20)
        code, logs = stop(bot)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert code == 0
    token_secret = telegram.token.split(":", 1)[1]
    assert token_secret not in logs
    assert "Petrovitch" not in logs and "mardi" not in logs
    assert "update" in logs  # the log does say what happened
