"""What this deployment does with people's messages: given to the core at build time, so that
every channel shows the same replies (the privacy answer says what is really kept; the "share
this question" button is offered only where sharing is on)."""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT_SECONDS = 30 * 60  # how long a chat's last topic is kept for follow-ups


@dataclass(frozen=True)
class Deployment:
    sharing: bool = False  # INBOX_RAW=1: a declined question may be shared, redacted
    inbox_days: int = 0  # how long the declined-question counts are kept (0: none kept)
    topic_minutes: int = CONTEXT_SECONDS // 60  # how long a chat's last topic is kept
