"""`python -m bot webhook set|info|delete` against the Bot API stand-in."""

from __future__ import annotations

import pytest

from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration


def test_the_webhook_is_set_once_by_a_command_never_by_the_bot(
    telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    for name, value in {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook",
        "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-1-ghi_JKL",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["webhook", "set"]) == 0
    assert telegram.webhook == {"url": "https://bot.example.org/hook", "secret_token": "abc_DEF-1-ghi_JKL"}
    assert main(["webhook", "info"]) == 0
    assert main(["webhook", "delete"]) == 0 and telegram.webhook is None
    out = capsys.readouterr().out
    assert "webhook set: https://bot.example.org/hook" in out and "url: https://bot.example.org/hook" in out
    assert "abc_DEF-1-ghi_JKL" not in out
