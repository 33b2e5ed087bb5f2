"""The conversation: (what the person did, the chat's last topic) -> the bot's reply.

Pure Python, no I/O, no Telegram: every channel (Telegram, terminal, `ask`) goes through
`Dialogue`. It keeps nothing between calls: the chat's last topic comes in as an argument, and
the reply says what it becomes (`Reply.remember`, `Reply.forget`). Only that topic id is ever
remembered per chat, never the text of a message.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.decision import Decider, choose
from bot.core.deployment import Deployment
from bot.core.followups import FollowUpRules
from bot.core.html import escape
from bot.core.knowledge import KnowledgeBase, Text
from bot.core.matcher import Thresholds
from bot.core.reading import Reader
from bot.core.replies import (
    CLARIFIED,
    COUNTRY_MARK,
    GENERAL,
    MORE_DETAILS,
    SHOW_MENU,
    InlineAnswer,
    Replies,
    Reply,
)
from bot.core.routes import Router


class Dialogue:
    def __init__(
        self,
        kb: KnowledgeBase,
        reader: Reader,
        decider: Decider,
        followups: FollowUpRules,
        router: Router,
        deployment: Deployment | None = None,
    ) -> None:
        self.kb = kb
        self.reader = reader
        self.decider = decider
        self.followups = followups
        self.router = router
        self.deployment = deployment or Deployment()
        self.replies = Replies(kb, self.deployment)
        self.texts = kb.interface.texts

    @property
    def thresholds(self) -> Thresholds:
        return self.decider.thresholds

    def start(self, payload: str = "") -> Reply:
        """/start, with an optional deep-link payload naming an entry."""
        if payload in self.kb.entries:
            # A shared link opens what was shared: the topic's general answer, not a question.
            return self.replies.answer([self.kb.entries[payload]], score=100, general=True)
        return self.replies.welcome()

    def command(self, name: str) -> Reply | None:
        """A command other than /start; None when the knowledge base does not define it."""
        for command in self.kb.interface.commands:
            if command.name == name and command.entry:
                return self.replies.answer([self.kb.entries[command.entry]], score=100, general=True)
        return None

    def text(self, text: str, last_topic: str | None = None) -> Reply:
        """A written message in a private chat, after `last_topic` (None: a fresh conversation)."""
        reading = self.reader.read(text)
        last = self.kb.entries.get(last_topic) if last_topic else None
        if last is not None and not reading.explosive and reading.notice is None:
            found = self.followups.resolve(reading.analysis, last)
            if found is not None and found.details:
                return self.replies.details(found.entry)
            if found is not None:
                return self.replies.answer([found.entry], score=100)
        decision = self.decider.decide(reading)
        # The country the message names sends a topic with routes to the service of that
        # country ("disparu près de Kherson"): in the answer, or carried by the buttons.
        countries = self.router.named_countries(reading.analysis.terms)
        route = None
        if decision.entries and countries:
            route = self.router.route(self.kb.entries[decision.entries[-1]], countries)
        country = self.router.country_for_buttons(decision.offered, countries) if countries else None
        return self.replies.decided(decision, route, country)

    def ask(self, text: str) -> Reply:
        """Answer as in a fresh conversation: the curators' test pane and the evaluation."""
        return self.text(text)

    def press(self, action: str) -> Reply:
        """A button was pressed."""
        kind, _, target = action.partition(":")
        entry_id, _, country = target.partition(COUNTRY_MARK)
        entry = self.kb.entries.get(entry_id)
        if kind == SHOW_MENU or entry is None:
            return self.replies.menu()
        if kind == MORE_DETAILS:
            return self.replies.details(entry)
        route = self.router.route(entry, [country]) if country else None
        reply = self.replies.answer([entry], score=100, route=route, general=kind == GENERAL)
        if kind == CLARIFIED:
            chosen = self.texts[Text.CHOSEN].replace("{title}", escape(entry.title))
            reply = replace(reply, edit_pressed=chosen)
        return reply

    def deployed(self, deployment: Deployment) -> Dialogue:
        """The same dialogue for a deployment that keeps what `deployment` says."""
        return Dialogue(self.kb, self.reader, self.decider, self.followups, self.router, deployment)

    @property
    def commands(self) -> list[tuple[str, str]]:
        """The knowledge base's commands that open an entry, with their description (the menu)."""
        return [(c.name, c.description) for c in self.kb.interface.commands if c.entry]

    @property
    def known_words(self) -> frozenset[str]:
        """Every word the knowledge base knows: what a redacted question may keep."""
        return self.reader.matcher.analyzer.known_words

    def flood_notice(self) -> Reply:
        """Over a chat's budget: once, then silence until it refills."""
        return self.replies.info("flood_notice")

    def failure(self) -> Reply:
        """Something went wrong on our side, said to the person."""
        return self.replies.info("error")

    def shared(self, kept: bool | None) -> Reply:
        """After "share this question": thanks, could not be kept, or the question is gone."""
        key = {True: "share_thanks", False: "share_failed", None: "share_gone"}[kept]
        return self.replies.info(key)

    def non_text(self) -> Reply:
        """A sticker, photo, voice message...: the bot reads written messages only."""
        return self.replies.info("non_text")

    def inline(self, query: str, limit: int = 5) -> list[InlineAnswer]:
        """Answers to share in another chat (`@bot words`); the main topics for an empty query."""
        if not query.strip():
            ids = [item.entry for item in self.kb.interface.menu]
        else:
            reading = self.reader.read(query)
            candidates, _ = choose(reading, self.thresholds)
            # Every topic near enough to share, the safety message first when a danger is named.
            ids = [c.entry_id for c in candidates if c.score >= self.thresholds.clarify]
            if reading.explosive and self.decider.safety_id is not None:
                ids.insert(0, self.decider.safety_id)
            # A country named: a topic with routes is shared as that country's route.
            countries = self.router.named_countries(reading.analysis.terms)
            if countries:
                routed = (self.router.route(self.kb.entries[i], countries) for i in ids)
                ids = [r.id if r is not None else i for i, r in zip(ids, routed, strict=True)]
        chosen = [self.kb.entries[i] for i in dict.fromkeys(ids)]
        return [self.replies.shareable(entry) for entry in chosen[:limit]]
