"""Liveness and readiness, as a load balancer or an orchestrator asks for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Health:
    knowledge_loaded: bool = False
    started: bool = False
    stopping: bool = False
    conflict: str | None = None  # Telegram's 409 description while getUpdates is refused

    def not_ready(self) -> str | None:
        """Why the process should not be sent updates, in one line; None when it is ready."""
        if not self.knowledge_loaded:
            return "no knowledge base loaded"
        if self.stopping:
            return "stopping"
        if self.conflict is not None:
            return f"Telegram refuses getUpdates (409: {self.conflict})"
        if not self.started:
            return "the bot is not started"
        return None
