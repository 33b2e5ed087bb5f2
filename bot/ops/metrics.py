"""Prometheus metrics. Labels come from fixed lists only: never a chat id, a user id or a text."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

UPDATE_KINDS = ("message", "callback_query", "inline_query", "my_chat_member", "other")
# The replies to text by what the person got (bot.core.decision.Outcome), the safety answer apart.
OUTCOMES = ("answer", "clarify", "fallback", "safety", "other")
SEND_ERRORS = ("400", "403", "429", "network", "other")  # network: timeouts, lost connections, 5xx
RELOAD_RESULTS = ("ok", "rejected")
RANKER_MODES = ("semantic", "ngrams", "none")  # bot.core.semantic.Mode, or no learned ranker
INBOX_ACTIONS = ("count", "share")  # a declined question's words counted, or the question shared
CONTENT_TYPE = CONTENT_TYPE_LATEST

# The `_created` timestamp series double the page for nothing an operator reads.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus-client


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else allowed[-1]


class Metrics:
    """One registry per process (not the library's global one: tests build several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("bot_updates", "Updates received, by kind.", ["kind"], registry=self.registry)
        self.answers = Counter(
            "bot_answers", "Replies to written messages, by outcome.", ["outcome"], registry=self.registry
        )
        self.reply_seconds = Histogram(
            "bot_reply_seconds",
            "Time from an update to its reply sent.",
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.send_errors = Counter(
            "bot_send_errors", "Failed calls to Telegram, by code.", ["code"], registry=self.registry
        )
        self.entries = Gauge(
            "bot_knowledge_entries", "Entries in the knowledge base serving now.", registry=self.registry
        )
        self.ranker_mode = Gauge(
            "bot_ranker_mode",
            "1 for the learned ranker's mode serving now: semantic (n-grams and sentence "
            "embeddings) or ngrams (without the embedding model); none without a ranker.",
            ["mode"],
            registry=self.registry,
        )
        self.state_up = Gauge(
            "bot_state_up",
            "1 while the shared state store answers (or none is "
            "configured), 0 while the bot runs without it.",
            registry=self.registry,
        )
        self.state_up.set(1)
        self.reloads = Counter(
            "bot_knowledge_reloads", "Knowledge reloads, by result.", ["result"], registry=self.registry
        )
        self.inbox_failures = Counter(
            "bot_inbox_failures",
            "Declined questions the inbox could not keep (its store locked, full or down; the "
            "person was answered all the same), by action: count (its words) or share.",
            ["action"],
            registry=self.registry,
        )
        # Every label value exists from the start: a rate over a series that appears late is
        # wrong, and an operator sees at once which values there can be.
        for labels, metric in (
            (UPDATE_KINDS, self.updates),
            (OUTCOMES, self.answers),
            (SEND_ERRORS, self.send_errors),
            (RELOAD_RESULTS, self.reloads),
            (INBOX_ACTIONS, self.inbox_failures),
        ):
            for value in labels:
                metric.labels(value)

    def serving(self, entries: int, mode: str) -> None:
        """What the snapshot now serving holds (at start and after each reload)."""
        self.entries.set(entries)
        for value in RANKER_MODES:
            self.ranker_mode.labels(value).set(1 if value == _one_of(mode, RANKER_MODES) else 0)

    def update(self, kind: str) -> None:
        self.updates.labels(_one_of(kind, UPDATE_KINDS)).inc()

    def answer(self, outcome: str) -> None:
        self.answers.labels(_one_of(outcome, OUTCOMES)).inc()

    def send_error(self, code: str) -> None:
        self.send_errors.labels(_one_of(code, SEND_ERRORS)).inc()

    def reload(self, result: str) -> None:
        self.reloads.labels(_one_of(result, RELOAD_RESULTS)).inc()

    def inbox_failure(self, action: str) -> None:
        self.inbox_failures.labels(_one_of(action, INBOX_ACTIONS)).inc()

    def count(self, name: str, label: str, value: str) -> int:
        """A counter's value for one label, read through the registry's public API."""
        found = self.registry.get_sample_value(f"{name}_total", {label: value})
        return int(found or 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
