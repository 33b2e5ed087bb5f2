"""Settings from the environment: each variable read, checked and given its default here."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

from bot.core.deployment import Deployment

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
# Everything the bot writes lives under one directory (a volume in the image and compose).
DEFAULT_STATE_DIR = PROJECT_DIR / ".state"
UPDATE_JOURNAL_FILE = "telegram-updates.json"
INBOX_FILE = "inbox.sqlite3"
DEFAULT_UPDATE_JOURNAL = DEFAULT_STATE_DIR / UPDATE_JOURNAL_FILE
DEFAULT_INBOX = DEFAULT_STATE_DIR / INBOX_FILE


class ConfigurationError(Exception):
    """A setting is invalid: the message is one line saying which and what to do."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    base_url: str | None  # a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
    knowledge_dir: Path
    log_level: str
    # Where handled update ids are kept across restarts (None: in memory only, for tests).
    update_journal: Path | None = DEFAULT_UPDATE_JOURNAL
    stop_deadline: float = 8.0  # seconds to finish the updates in hand on SIGTERM
    flood_messages: int = 5  # each chat's budget: this many messages...
    flood_seconds: float = 10.0  # ...per this many seconds
    # Entries not reviewed for longer are reported by `check` and at start-up.
    review_max_age_days: int = 365
    # Webhook mode when a URL is set (else long polling); Telegram sends the secret back in a
    # header with every update.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen_host: str = "127.0.0.1"
    # The HTTP server (webhook, /livez, /readyz, /metrics): always in webhook mode, in polling
    # mode only when LISTEN_PORT is set.
    listen_port: int | None = None
    reload_check_seconds: float = 60.0  # how often the knowledge files' hash is compared
    # Telegram user ids allowed /reload, /stats and /inconnues; to anyone else they do not exist.
    admin_user_ids: frozenset[int] = frozenset()
    # The unanswered-question inbox: counts of ordinary words, per day, kept this many days.
    inbox_path: Path | None = None
    inbox_days: int = 30
    # Offer "share this question" after a fallback; only then is its (redacted) text kept.
    inbox_raw: bool = False
    # Shared state for several replicas; chat ids become HMACs under the secret.
    redis_url: str | None = None
    state_key_secret: str | None = None
    # The learned ranker: sentence embeddings on (if the model loads here) or off; where trained
    # models and vectors are cached (None: the user's cache directory).
    semantic: bool = True
    model_cache_dir: Path | None = None
    # What the bot writes: the update journal and the inbox by default, and the webhook's
    # handover of acknowledged updates at a stop (None: nothing on disk, for tests).
    state_dir: Path | None = None

    def deployment(self) -> Deployment:
        """What this deployment keeps of people's messages, for the replies that say so."""
        return Deployment(sharing=self.inbox_raw, inbox_days=self.inbox_days)

    def written_dirs(self) -> list[Path]:
        """Every directory the bot writes to, to check at start that it can."""
        paths = [self.state_dir, *(p.parent for p in (self.update_journal, self.inbox_path) if p is not None)]
        return list(dict.fromkeys(p for p in paths if p is not None))

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/" if self.webhook_url else ""

    @classmethod
    def from_environment(cls) -> Settings:
        """Read the environment; ConfigurationError names a malformed variable and says what it
        expects, in one line, without a secret's value."""
        environ = os.environ
        state_dir = _path(environ, "STATE_DIR") or DEFAULT_STATE_DIR
        return cls(
            token=_token(environ),
            base_url=_base_url(environ),
            knowledge_dir=_path(environ, "KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR,
            log_level=_log_level(environ),
            update_journal=_path(environ, "UPDATE_JOURNAL") or state_dir / UPDATE_JOURNAL_FILE,
            # Beyond a few minutes, service managers kill the process anyway (systemd's default
            # is 90 s, Kubernetes' 30 s): a longer deadline only hides a stop that hangs.
            stop_deadline=_seconds(environ, "STOP_DEADLINE_SECONDS", 8.0, minimum=0.1, maximum=300),
            flood_messages=_integer(environ, "FLOOD_MESSAGES", 5, minimum=1, maximum=1000),
            flood_seconds=_seconds(environ, "FLOOD_SECONDS", 10.0, minimum=0.1, maximum=3600),
            review_max_age_days=_integer(environ, "REVIEW_MAX_AGE_DAYS", 365, minimum=1, maximum=3650),
            **_server(environ),
            admin_user_ids=_user_ids(environ.get("ADMIN_USER_IDS", "")),
            inbox_path=_path(environ, "INBOX_PATH") or state_dir / INBOX_FILE,
            # Counts of what people asked: a year is plenty to see what the knowledge lacks, and
            # the README promises they do not pile up.
            inbox_days=_integer(environ, "INBOX_DAYS", 30, minimum=1, maximum=365),
            inbox_raw=_flag(environ, "INBOX_RAW"),
            **_shared_state(environ),
            semantic=_switch(environ, "SEMANTIC", default=True),
            model_cache_dir=_path(environ, "MODEL_CACHE_DIR"),
            state_dir=state_dir,
        )


def _path(environ: Mapping[str, str], name: str) -> Path | None:
    """A path, or None when unset. Whether it exists is for its reader to say (the knowledge
    loader exits 1 with the file; the journal and inbox are created)."""
    raw = environ.get(name, "").strip()
    return Path(raw) if raw else None


# As @BotFather gives it: the bot's numeric id, a colon, then the secret half.
_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")


def _token(environ: Mapping[str, str]) -> str | None:
    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not _TOKEN.fullmatch(token):
        # The value is never echoed: it is the bot's password.
        raise ConfigurationError(
            "TELEGRAM_BOT_TOKEN must be the token @BotFather gives: digits, a colon, then letters, "
            "digits, _ and - (e.g. 123456789:AAE...)"
        )
    return token


def _base_url(environ: Mapping[str, str]) -> str | None:
    url = environ.get("TELEGRAM_BASE_URL", "").strip() or None
    if url is not None and _web_url(url, ("http", "https")) is None:
        raise ConfigurationError(
            "TELEGRAM_BASE_URL must be an http:// or https:// URL with a host and a valid port, "
            "e.g. http://127.0.0.1:8081/bot"
        )
    return url


def _web_url(url: str, schemes: tuple[str, ...]) -> SplitResult | None:
    """The URL's parts, or None when its scheme is not one of `schemes`, it names no host or its
    port is not a number from 1 to 65535."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when it is not a number or above 65535
    except ValueError:
        return None
    if parts.scheme not in schemes or not parts.hostname or port == 0 or not url.isprintable():
        return None
    return parts


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(environ: Mapping[str, str]) -> str:
    # Checked here because the log set-up falls back to INFO on a name it does not know: a typo
    # in DEBUG would silently log less than asked.
    level = environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
    return level


def _shared_state(environ: Mapping[str, str]) -> dict[str, Any]:
    url = environ.get("REDIS_URL", "").strip() or None
    secret = environ.get("STATE_KEY_SECRET", "").strip() or None
    if url is not None:
        _check_redis_url(url)
        if secret is None or len(secret) < 16:
            raise ConfigurationError(
                "STATE_KEY_SECRET (16 characters or more) is required with REDIS_URL: it keeps "
                "chat ids out of Redis"
            )
    return {"redis_url": url, "state_key_secret": secret}


def _redis_place(parts: SplitResult) -> str:
    """The socket's path, or the host and port; the database named in the path ("" if none)."""
    if parts.scheme == "unix":
        if parts.hostname is not None or parts.path in ("", "/"):
            raise ConfigurationError(
                "REDIS_URL: a unix:// URL needs the socket's absolute path, e.g. unix:///run/redis.sock"
            )
        return ""
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = -1
    if port == -1 or port == 0:
        raise ConfigurationError("REDIS_URL: the port must be a number from 1 to 65535")
    if not parts.hostname:
        raise ConfigurationError("REDIS_URL names no host, e.g. redis://127.0.0.1:6379/0")
    return parts.path.strip("/")


def _check_redis_url(url: str) -> None:
    """What redis-py would read from the URL, checked without connecting: it ignores a db that
    is not a number and takes `unix://host/path` for the socket `/path`, and a bad port only
    shows when it connects, so the bot would run with its state down for ever. The URL may hold
    a password: no message quotes it."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("REDIS_URL must start with redis://, rediss:// or unix://")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ of an IPv6 address
        raise ConfigurationError("REDIS_URL is not a URL, e.g. redis://127.0.0.1:6379/0") from None
    path_db = _redis_place(parts)
    query = parse_qs(parts.query)
    for db in (path_db, *query.get("db", [])[:1]):
        if db and not re.fullmatch(r"[0-9]+", db):
            raise ConfigurationError(
                "REDIS_URL: the database must be a number, e.g. redis://127.0.0.1:6379/0"
            )
    # The other options (?socket_timeout=...) are read by redis-py itself, one at a time so that
    # the one it refuses can be named without quoting the rest of the URL (repr keeps a decoded
    # line break from splitting the message).
    from redis.asyncio.connection import parse_url

    for option, values in query.items():
        try:
            parse_url("redis://localhost/0?" + urlencode({option: values[0]}))
        except ValueError:
            raise ConfigurationError(
                f"REDIS_URL: redis cannot read the value of the option {option[:40]!r}"
            ) from None


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip()
    if raw not in ("", "0", "1"):
        raise ConfigurationError(f"{name} must be 1 (on) or 0 (off)")
    return raw == "1"


def _switch(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in ("", "auto"):
        return default
    if raw not in ("on", "off", "1", "0"):
        raise ConfigurationError(f"{name} must be on, off or auto")
    return raw in ("on", "1")


# Telegram: "User identifier ... has at most 52 significant bits".
_MAX_USER_ID = 2**52 - 1


def _user_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
        if not re.fullmatch(r"[0-9]+", part) or not 1 <= int(part) <= _MAX_USER_ID:
            raise ConfigurationError(
                "ADMIN_USER_IDS must be Telegram user ids (positive numbers, at most 52 bits) "
                "separated by commas"
            )
        ids.add(int(part))
    return frozenset(ids)


# Telegram's rule for secret_token: 1 to 256 of these characters. Fewer than 16 is guessable:
# whoever guesses it can post fake updates to the webhook.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SECRET_MIN = 16
_SECRET_RULE = f"{_SECRET_MIN} to 256 characters among A-Z a-z 0-9 _ -"
# setWebhook: "Ports currently supported for webhooks: 443, 80, 88, 8443".
_WEBHOOK_PORTS = (443, 80, 88, 8443)
# A host name as a resolver takes it: dot-separated labels of letters, digits and inner hyphens.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$)({_LABEL}\.)*{_LABEL}")


def _server(environ: Mapping[str, str]) -> dict[str, Any]:
    """The webhook and HTTP server settings, checked together."""
    url = environ.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    port_given = environ.get("LISTEN_PORT", "").strip()
    if url is not None:
        parts = _web_url(url, ("https",))
        if parts is None:
            raise ConfigurationError(
                "TELEGRAM_WEBHOOK_URL must be an https:// URL with a host (Telegram requires it)"
            )
        if (parts.port or 443) not in _WEBHOOK_PORTS:
            raise ConfigurationError("TELEGRAM_WEBHOOK_URL: Telegram only calls ports 443, 80, 88 and 8443")
        if secret is None:
            raise ConfigurationError(
                f"TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: {_SECRET_RULE}"
            )
    # The value itself is never echoed: it is a secret.
    if secret is not None and not _SECRET.fullmatch(secret):
        raise ConfigurationError(f"TELEGRAM_WEBHOOK_SECRET must be {_SECRET_RULE}")
    if secret is not None and len(secret) < _SECRET_MIN:
        raise ConfigurationError(
            f"TELEGRAM_WEBHOOK_SECRET is too short, hence too easy to guess: {_SECRET_RULE}"
        )
    port: int | None = None
    if port_given or url is not None:
        # 0: any free port, which the log then gives.
        port = _integer(environ, "LISTEN_PORT", 8080, minimum=0, maximum=65535)
    return {
        "webhook_url": url,
        "webhook_secret": secret,
        "listen_host": _listen_host(environ),
        "listen_port": port,
        "reload_check_seconds": _seconds(environ, "RELOAD_CHECK_SECONDS", 60.0, minimum=0.1, maximum=86400),
    }


def _listen_host(environ: Mapping[str, str]) -> str:
    host = environ.get("LISTEN_HOST", "").strip() or "127.0.0.1"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host):
            raise ConfigurationError(
                "LISTEN_HOST must be an IP address or a host name, e.g. 127.0.0.1, 0.0.0.0 or ::"
            ) from None
    return host


def _integer(environ: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits: int() would also take "1_000" and other scripts' digits; float() "inf".
    if not re.fullmatch(r"-?[0-9]{1,20}", raw) or not minimum <= int(raw) <= maximum:
        raise ConfigurationError(
            f"{name} must be a whole number from {minimum} to {maximum}, not {raw[:20]!r}"
        )
    return int(raw)


def _seconds(
    environ: Mapping[str, str], name: str, default: float, *, minimum: float, maximum: float
) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not minimum <= value <= maximum:  # also refuses NaN and infinities
        raise ConfigurationError(
            f"{name} must be a number of seconds from {minimum:g} to {maximum:g}, not {raw[:20]!r}"
        )
    return value
