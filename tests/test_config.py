"""Settings from the environment: each variable checked, a bad one named in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigurationError, Settings
from tests.conftest import ROOT

# No module-wide cost mark: the tables are unit tests, one test starts the command line.

WEBHOOK = "https://bot.example.org/telegram/a1"
HOOK_SECRET = "abc_DEF-1-ghi_JKL"  # 17 characters: strong enough
STATE_SECRET = "x" * 16

# Every variable the bot reads: none of the caller's may leak into a test.
VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "KNOWLEDGE_DIR",
    "LOG_LEVEL",
    "UPDATE_JOURNAL",
    "STOP_DEADLINE_SECONDS",
    "FLOOD_MESSAGES",
    "FLOOD_SECONDS",
    "REVIEW_MAX_AGE_DAYS",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "LISTEN_HOST",
    "LISTEN_PORT",
    "RELOAD_CHECK_SECONDS",
    "ADMIN_USER_IDS",
    "INBOX_PATH",
    "INBOX_DAYS",
    "INBOX_RAW",
    "REDIS_URL",
    "STATE_KEY_SECRET",
    "SEMANTIC",
    "MODEL_CACHE_DIR",
)
SECRETS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "STATE_KEY_SECRET")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def settings_from(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> Settings:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return Settings.from_environment()


# (variables, the variable the message must name, what it must say)
REFUSED: list[tuple[dict[str, str], str, str]] = [
    # Numbers: finite, whole where a count is meant, within bounds.
    ({"FLOOD_MESSAGES": "inf"}, "FLOOD_MESSAGES", "whole number from 1 to 1000"),
    ({"FLOOD_MESSAGES": "nan"}, "FLOOD_MESSAGES", "whole number"),
    ({"FLOOD_MESSAGES": "0"}, "FLOOD_MESSAGES", "from 1 to 1000"),
    ({"FLOOD_MESSAGES": "2.5"}, "FLOOD_MESSAGES", "whole number"),
    ({"FLOOD_MESSAGES": "1_000"}, "FLOOD_MESSAGES", "whole number"),
    ({"FLOOD_MESSAGES": "1001"}, "FLOOD_MESSAGES", "from 1 to 1000"),
    ({"FLOOD_SECONDS": "inf"}, "FLOOD_SECONDS", "seconds from 0.1 to 3600"),
    ({"FLOOD_SECONDS": "0"}, "FLOOD_SECONDS", "seconds from 0.1 to 3600"),
    ({"STOP_DEADLINE_SECONDS": "inf"}, "STOP_DEADLINE_SECONDS", "seconds from 0.1 to 300"),
    ({"STOP_DEADLINE_SECONDS": "-inf"}, "STOP_DEADLINE_SECONDS", "seconds from 0.1 to 300"),
    ({"STOP_DEADLINE_SECONDS": "nan"}, "STOP_DEADLINE_SECONDS", "seconds from 0.1 to 300"),
    ({"STOP_DEADLINE_SECONDS": "301"}, "STOP_DEADLINE_SECONDS", "seconds from 0.1 to 300"),
    ({"STOP_DEADLINE_SECONDS": "soon"}, "STOP_DEADLINE_SECONDS", "not 'soon'"),
    ({"REVIEW_MAX_AGE_DAYS": "0"}, "REVIEW_MAX_AGE_DAYS", "from 1 to 3650"),
    ({"REVIEW_MAX_AGE_DAYS": "1e9"}, "REVIEW_MAX_AGE_DAYS", "whole number"),
    ({"INBOX_DAYS": "366"}, "INBOX_DAYS", "from 1 to 365"),
    ({"INBOX_DAYS": "inf"}, "INBOX_DAYS", "from 1 to 365"),
    ({"RELOAD_CHECK_SECONDS": "inf"}, "RELOAD_CHECK_SECONDS", "seconds from 0.1 to 86400"),
    ({"RELOAD_CHECK_SECONDS": "0"}, "RELOAD_CHECK_SECONDS", "seconds from 0.1 to 86400"),
    # The HTTP server.
    ({"LISTEN_PORT": "inf"}, "LISTEN_PORT", "whole number from 0 to 65535"),
    ({"LISTEN_PORT": "70000"}, "LISTEN_PORT", "from 0 to 65535"),
    ({"LISTEN_PORT": "65536"}, "LISTEN_PORT", "from 0 to 65535"),
    ({"LISTEN_PORT": "-1"}, "LISTEN_PORT", "from 0 to 65535"),
    ({"LISTEN_PORT": "80.5"}, "LISTEN_PORT", "whole number"),
    ({"LISTEN_PORT": "eighty"}, "LISTEN_PORT", "not 'eighty'"),
    ({"LISTEN_HOST": "http://0.0.0.0"}, "LISTEN_HOST", "an IP address or a host name"),
    ({"LISTEN_HOST": "my host"}, "LISTEN_HOST", "an IP address or a host name"),
    ({"LISTEN_HOST": "-bad-.example"}, "LISTEN_HOST", "an IP address or a host name"),
    # The webhook: Telegram's rules.
    ({"TELEGRAM_WEBHOOK_URL": WEBHOOK}, "TELEGRAM_WEBHOOK_SECRET", "is required"),
    (
        {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "a b c d e f g h i"},
        "TELEGRAM_WEBHOOK_SECRET",
        "must be",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "é" * 20},
        "TELEGRAM_WEBHOOK_SECRET",
        "A-Z a-z 0-9 _ -",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "x" * 257},
        "TELEGRAM_WEBHOOK_SECRET",
        "16 to 256 characters",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "a"},
        "TELEGRAM_WEBHOOK_SECRET",
        "too short",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-1"},
        "TELEGRAM_WEBHOOK_SECRET",
        "too easy to guess",
    ),
    ({"TELEGRAM_WEBHOOK_SECRET": "short-secret"}, "TELEGRAM_WEBHOOK_SECRET", "too short"),
    (
        {"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/a", "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET},
        "TELEGRAM_WEBHOOK_URL",
        "https:// URL",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": "https://", "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET},
        "TELEGRAM_WEBHOOK_URL",
        "with a host",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080/a", "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET},
        "TELEGRAM_WEBHOOK_URL",
        "ports 443, 80, 88 and 8443",
    ),
    (
        {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:x/a", "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET},
        "TELEGRAM_WEBHOOK_URL",
        "https:// URL",
    ),
    # Redis: parsed, not connected to.
    ({"REDIS_URL": "127.0.0.1:6379", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "must start with"),
    ({"REDIS_URL": "redis://127.0.0.1:notaport/0", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "port"),
    ({"REDIS_URL": "redis://127.0.0.1:70000/0", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "port"),
    ({"REDIS_URL": "redis://127.0.0.1:0/0", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "1 to 65535"),
    (
        {"REDIS_URL": "redis://:hunter2-password@127.0.0.1:port/0", "STATE_KEY_SECRET": STATE_SECRET},
        "REDIS_URL",
        "port",
    ),
    ({"REDIS_URL": "unix://", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "socket's absolute path"),
    ({"REDIS_URL": "unix:///", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "socket's absolute path"),
    (
        {"REDIS_URL": "unix://run/redis.sock", "STATE_KEY_SECRET": STATE_SECRET},
        "REDIS_URL",
        "socket's absolute path",
    ),
    (
        {"REDIS_URL": "redis://127.0.0.1:6379/notadb", "STATE_KEY_SECRET": STATE_SECRET},
        "REDIS_URL",
        "database",
    ),
    ({"REDIS_URL": "unix:///run/redis.sock?db=x", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "database"),
    ({"REDIS_URL": "redis://:pw@/0", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "names no host"),
    ({"REDIS_URL": "redis://[::1/0", "STATE_KEY_SECRET": STATE_SECRET}, "REDIS_URL", "is not a URL"),
    (
        {"REDIS_URL": "redis://127.0.0.1/0?socket_timeout=slow", "STATE_KEY_SECRET": STATE_SECRET},
        "REDIS_URL",
        "option 'socket_timeout'",
    ),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "STATE_KEY_SECRET", "(16 characters or more) is required"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0", "STATE_KEY_SECRET": "short"}, "STATE_KEY_SECRET", "16"),
    # Telegram itself.
    ({"TELEGRAM_BOT_TOKEN": "not-a-token-at-all"}, "TELEGRAM_BOT_TOKEN", "@BotFather"),
    ({"TELEGRAM_BOT_TOKEN": "123456:AAE secret part"}, "TELEGRAM_BOT_TOKEN", "digits, a colon"),
    ({"TELEGRAM_BASE_URL": "127.0.0.1:8081/bot"}, "TELEGRAM_BASE_URL", "http:// or https://"),
    ({"TELEGRAM_BASE_URL": "http://127.0.0.1:99999/bot"}, "TELEGRAM_BASE_URL", "valid port"),
    ({"TELEGRAM_BASE_URL": "ftp://127.0.0.1/bot"}, "TELEGRAM_BASE_URL", "http:// or https://"),
    ({"ADMIN_USER_IDS": "12,abc"}, "ADMIN_USER_IDS", "user ids"),
    ({"ADMIN_USER_IDS": "-100123"}, "ADMIN_USER_IDS", "positive"),
    ({"ADMIN_USER_IDS": "0"}, "ADMIN_USER_IDS", "positive"),
    ({"ADMIN_USER_IDS": "²"}, "ADMIN_USER_IDS", "user ids"),
    ({"ADMIN_USER_IDS": str(2**52)}, "ADMIN_USER_IDS", "52 bits"),
    # Words.
    ({"LOG_LEVEL": "DEBG"}, "LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"INBOX_RAW": "yes"}, "INBOX_RAW", "1 (on) or 0 (off)"),
    ({"SEMANTIC": "maybe"}, "SEMANTIC", "on, off or auto"),
]


@pytest.mark.unit
@pytest.mark.parametrize(("variables", "name", "says"), REFUSED)
def test_bad_settings_are_refused_in_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], name: str, says: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings_from(monkeypatch, variables)
    message = str(refused.value)
    assert name in message and says in message, message
    assert message.isprintable(), message  # one line: no line break, no control character
    # Never echoed, nor a Redis password (read by hand: some of these URLs do not parse). A
    # short value may well be a word of the message.
    userinfo, at, _ = variables.get("REDIS_URL", "").partition("@")
    password = userinfo.rpartition(":")[2] if at else ""
    for secret in [password, *(variables[n] for n in SECRETS if n in variables)]:
        assert len(secret) < 8 or secret not in message


# (variables, the setting, its value)
ACCEPTED: list[tuple[dict[str, str], str, object]] = [
    ({}, "log_level", "INFO"),
    ({"LOG_LEVEL": " debug "}, "log_level", "DEBUG"),
    ({"LISTEN_PORT": "0"}, "listen_port", 0),  # any free port
    ({"LISTEN_PORT": "65535"}, "listen_port", 65535),
    ({"LISTEN_HOST": "::"}, "listen_host", "::"),
    ({"LISTEN_HOST": "bot-1.internal"}, "listen_host", "bot-1.internal"),
    ({"STOP_DEADLINE_SECONDS": "300"}, "stop_deadline", 300.0),
    ({"STOP_DEADLINE_SECONDS": "0.5"}, "stop_deadline", 0.5),
    ({"FLOOD_MESSAGES": "1000", "FLOOD_SECONDS": "3600"}, "flood_messages", 1000),
    ({"INBOX_DAYS": "365"}, "inbox_days", 365),
    ({"ADMIN_USER_IDS": "12, 34"}, "admin_user_ids", frozenset({12, 34})),
    ({"TELEGRAM_BOT_TOKEN": "123456789:AAE-x_Y"}, "token", "123456789:AAE-x_Y"),
    ({"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot"}, "base_url", "http://127.0.0.1:8081/bot"),
    (
        {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8443/h", "TELEGRAM_WEBHOOK_SECRET": "a" * 256},
        "listen_port",
        8080,
    ),
    ({"REDIS_URL": "redis://127.0.0.1", "STATE_KEY_SECRET": STATE_SECRET}, "redis_url", "redis://127.0.0.1"),
    (
        {
            "REDIS_URL": "rediss://user:p%40ss@redis.example.org:6380/3?socket_timeout=2",
            "STATE_KEY_SECRET": STATE_SECRET,
        },
        "redis_url",
        "rediss://user:p%40ss@redis.example.org:6380/3?socket_timeout=2",
    ),
    (
        {"REDIS_URL": "unix:///run/redis.sock?db=2", "STATE_KEY_SECRET": STATE_SECRET},
        "redis_url",
        "unix:///run/redis.sock?db=2",
    ),
]


@pytest.mark.unit
@pytest.mark.parametrize(("variables", "attribute", "value"), ACCEPTED)
def test_values_within_the_rules_are_taken(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], attribute: str, value: object
) -> None:
    assert getattr(settings_from(monkeypatch, variables), attribute) == value


@pytest.mark.unit
def test_make_run_reports_a_bad_setting_in_one_line_with_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.app import main

    monkeypatch.setenv("LISTEN_PORT", "inf")
    assert main() == 2  # before the knowledge is loaded or anything is written
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "The bot does not start: LISTEN_PORT must be a whole number from 0 to 65535, not 'inf'.\n"
    )


@pytest.mark.process
@pytest.mark.parametrize(
    "variable", ["FLOOD_MESSAGES=inf", "REDIS_URL=redis://:hunter2-password@redis:port/0", "LOG_LEVEL=loud"]
)
def test_the_command_line_exits_2_with_one_line_and_no_traceback(variable: str) -> None:
    name, _, value = variable.partition("=")
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update({name: value, "STATE_KEY_SECRET": STATE_SECRET})
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"python -m bot: {name}") and "hunter2" not in line


@pytest.mark.unit
def test_webhook_mode_listens_on_8080_polling_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    polling = Settings.from_environment()
    assert polling.webhook_url is None and polling.listen_port is None
    monkeypatch.setenv("LISTEN_PORT", "9100")
    assert Settings.from_environment().listen_port == 9100
    monkeypatch.delenv("LISTEN_PORT")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", HOOK_SECRET)
    hooked = Settings.from_environment()
    assert (hooked.listen_host, hooked.listen_port, hooked.webhook_path) == (
        "127.0.0.1",
        8080,
        "/telegram/a1",
    )


@pytest.mark.unit
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
