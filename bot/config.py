"""Settings from the environment: each variable read, checked and given its default here."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
DEFAULT_UPDATE_JOURNAL = PROJECT_DIR / ".state" / "telegram-updates.json"
DEFAULT_INBOX = PROJECT_DIR / ".state" / "inbox.sqlite3"


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

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/" if self.webhook_url else ""

    @classmethod
    def from_environment(cls) -> Settings:
        """Read the environment; ConfigurationError names a malformed variable."""
        environ = os.environ
        journal = environ.get("UPDATE_JOURNAL", "").strip()
        return cls(
            token=environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or None,
            knowledge_dir=Path(environ.get("KNOWLEDGE_DIR", "") or DEFAULT_KNOWLEDGE_DIR),
            log_level=environ.get("LOG_LEVEL", "INFO").upper(),
            update_journal=Path(journal) if journal else DEFAULT_UPDATE_JOURNAL,
            stop_deadline=_number("STOP_DEADLINE_SECONDS", 8.0, minimum=0.0),
            flood_messages=int(_number("FLOOD_MESSAGES", 5, minimum=1)),
            flood_seconds=_number("FLOOD_SECONDS", 10.0, minimum=0.1),
            review_max_age_days=int(_number("REVIEW_MAX_AGE_DAYS", 365, minimum=1)),
            **_server(environ),
            admin_user_ids=_user_ids(environ.get("ADMIN_USER_IDS", "")),
            inbox_path=Path(environ.get("INBOX_PATH", "").strip() or DEFAULT_INBOX),
            inbox_days=int(_number("INBOX_DAYS", 30, minimum=1)),
            inbox_raw=_flag("INBOX_RAW"),
            **_shared_state(environ),
            semantic=_switch(environ, "SEMANTIC", default=True),
            model_cache_dir=Path(environ["MODEL_CACHE_DIR"])
            if environ.get("MODEL_CACHE_DIR", "").strip()
            else None,
        )


def _shared_state(environ: Mapping[str, str]) -> dict[str, Any]:
    url = environ.get("REDIS_URL", "").strip() or None
    secret = environ.get("STATE_KEY_SECRET", "").strip() or None
    if url is not None:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError("REDIS_URL must start with redis://, rediss:// or unix://")
        if secret is None or len(secret) < 16:
            raise ConfigurationError(
                "STATE_KEY_SECRET (16 characters or more) is required with REDIS_URL: it keeps "
                "chat ids out of Redis"
            )
    return {"redis_url": url, "state_key_secret": secret}


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "").strip()
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


def _user_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ConfigurationError("ADMIN_USER_IDS must be Telegram user ids (digits) separated by commas")
        ids.add(int(part))
    return frozenset(ids)


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _server(environ: Mapping[str, str]) -> dict[str, Any]:
    """The webhook and HTTP server settings, checked together."""
    url = environ.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    port_given = environ.get("LISTEN_PORT", "").strip()
    if url is not None:
        if not url.startswith("https://") or not urlsplit(url).netloc:
            raise ConfigurationError("TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram requires it)")
        if secret is None:
            raise ConfigurationError(
                "TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: "
                "1 to 256 characters among A-Z a-z 0-9 _ -"
            )
    if secret is not None and not _SECRET.fullmatch(secret):
        # The value itself is never echoed: it is a secret.
        raise ConfigurationError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters among A-Z a-z 0-9 _ -")
    port: int | None = None
    if port_given or url is not None:
        port = int(_number("LISTEN_PORT", 8080, minimum=0))
        if port > 65535:
            raise ConfigurationError("LISTEN_PORT must be at most 65535")
    return {
        "webhook_url": url,
        "webhook_secret": secret,
        "listen_host": environ.get("LISTEN_HOST", "").strip() or "127.0.0.1",
        "listen_port": port,
        "reload_check_seconds": _number("RELOAD_CHECK_SECONDS", 60.0, minimum=0.1),
    }


def _number(name: str, default: float, *, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw[:20]!r} is not a number") from None
    if not value >= minimum:  # also refuses NaN
        raise ConfigurationError(f"{name} must be at least {minimum:g}")
    return value
