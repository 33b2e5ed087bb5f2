"""Settings from the environment: each variable checked, a bad one named in one line."""

from __future__ import annotations

import pytest

from bot.config import ConfigurationError, Settings

pytestmark = pytest.mark.unit

WEBHOOK = "https://bot.example.org/telegram/a1"


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"TELEGRAM_WEBHOOK_URL": WEBHOOK}, "TELEGRAM_WEBHOOK_SECRET is required"),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "a b"},
            "TELEGRAM_WEBHOOK_SECRET must be",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "x" * 257},
            "TELEGRAM_WEBHOOK_SECRET must be",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/a", "TELEGRAM_WEBHOOK_SECRET": "ab"},
            "https:// URL",
        ),
        ({"LISTEN_PORT": "70000"}, "LISTEN_PORT must be at most 65535"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "STATE_KEY_SECRET (16 characters or more) is required"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_KEY_SECRET": "short"}, "STATE_KEY_SECRET"),
        ({"REDIS_URL": "127.0.0.1:6379", "STATE_KEY_SECRET": "x" * 16}, "REDIS_URL must start with"),
        ({"LISTEN_PORT": "eighty"}, "LISTEN_PORT='eighty' is not a number"),
        ({"SEMANTIC": "maybe"}, "SEMANTIC must be on, off or auto"),
    ],
)
def test_bad_server_settings_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], says: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_environment()
    assert says in str(refused.value) and "\\n" not in str(refused.value)
    assert "a b" not in str(refused.value)  # a secret is never echoed


def test_webhook_mode_listens_on_8080_polling_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "LISTEN_PORT", "LISTEN_HOST"):
        monkeypatch.delenv(name, raising=False)
    polling = Settings.from_environment()
    assert polling.webhook_url is None and polling.listen_port is None
    monkeypatch.setenv("LISTEN_PORT", "9100")
    assert Settings.from_environment().listen_port == 9100
    monkeypatch.delenv("LISTEN_PORT")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "abc_DEF-1")
    hooked = Settings.from_environment()
    assert (hooked.listen_host, hooked.listen_port, hooked.webhook_path) == (
        "127.0.0.1",
        8080,
        "/telegram/a1",
    )


@pytest.mark.parametrize(
    ("value", "semantic"), [("", True), ("auto", True), ("on", True), ("OFF", False), ("0", False)]
)
def test_semantic_mode_is_on_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch, value: str, semantic: bool
) -> None:
    monkeypatch.setenv("SEMANTIC", value)
    monkeypatch.setenv("MODEL_CACHE_DIR", "/var/cache/cicr-bot")
    settings = Settings.from_environment()
    assert settings.semantic is semantic
    assert str(settings.model_cache_dir) == "/var/cache/cicr-bot"
