"""The conversation: (what the person did, what we remember of the chat) -> the bot's reply.

Pure Python, no Telegram: every channel (Telegram, terminal, `ask`) goes through `Dialogue`.
Only the id of the last topic is remembered per chat, never the text of a message.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import urlsplit

from bot.core import html as telegram_html
from bot.core import languages
from bot.core.html import escape
from bot.core.knowledge import Contact, Entry, KnowledgeBase
from bot.core.matcher import Match, Matcher, Outcome
from bot.core.normalize import fold

MAX_MESSAGES_PER_REPLY = 3  # never more than three messages for one question
CONTEXT_SECONDS = 30 * 60
SAFETY_ENTRY_KIND = "safety"
NOTICE_ENTRY_KIND = "notice"  # "this service answers in French", in the person's language

# Button actions travel as Telegram callback_data: "<prefix>:<entry id>" fits in 64 bytes.
OPEN_ENTRY = "e"
CLARIFIED = "c"
SHOW_MENU = "m"
MORE_DETAILS = "d"


@dataclass(frozen=True)
class Button:
    label: str
    action: str = ""  # what a press sends back to `Dialogue.press`
    url: str = ""  # a web link instead of an action


@dataclass(frozen=True)
class Message:
    html: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    contact: Contact | None = None  # a tap-to-call contact card instead of text

    def plain_text(self, labels: dict[str, str]) -> str:
        if self.contact is None:
            return telegram_html.to_plain_text(self.html)
        return "\n".join(contact_lines(self.contact, labels, html=False))


@dataclass(frozen=True)
class Reply:
    messages: tuple[Message, ...]
    outcome: str  # answer | clarify | fallback | welcome | info
    entry_id: str | None = None  # the knowledge-base entry answered first, if any
    entries: tuple[str, ...] = ()  # every entry answered, most important first
    score: int = 0
    suggestions: tuple[str, ...] = ()  # entry ids offered as buttons
    edit_pressed: str | None = None  # new HTML for the message whose button was pressed


@dataclass(frozen=True)
class Foreign:
    """A message in another language: the notice to answer with, and whether it names a danger."""

    notice: Entry
    explosive: bool


@dataclass(frozen=True)
class InlineAnswer:
    entry_id: str
    title: str
    description: str
    html: str


def _site(url: str) -> str:
    """"icrc.org" for https://www.icrc.org/fr/...: short enough for a button."""
    host = urlsplit(url).netloc
    return host.removeprefix("www.")


def contact_lines(contact: Contact, labels: dict[str, str], *, html: bool) -> list[str]:
    show = escape if html else str
    lines = [f"<b>{show(contact.name)}</b>" if html else contact.name]
    for key, value in (("address", contact.address), ("phone", contact.phone),
                       ("hours", contact.hours)):
        if value:
            lines.append(f"{labels[key + '_label']} : {show(value)}")
    return lines


class ContextStore(Protocol):
    """Where the last topic of each chat is kept; a shared store can replace the in-memory one."""

    def get(self, chat_id: int) -> str | None: ...
    def set(self, chat_id: int, entry_id: str) -> None: ...
    def clear(self, chat_id: int) -> None: ...


@dataclass
class MemoryContextStore:
    """Last topic per chat, forgotten after `ttl` seconds; bounded so memory cannot grow forever."""

    ttl: float = CONTEXT_SECONDS
    max_chats: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _topics: OrderedDict[int, tuple[str, float]] = field(default_factory=OrderedDict)

    def get(self, chat_id: int) -> str | None:
        found = self._topics.get(chat_id)
        if found is None:
            return None
        entry_id, saved_at = found
        if self.clock() - saved_at > self.ttl:
            del self._topics[chat_id]
            return None
        return entry_id

    def set(self, chat_id: int, entry_id: str) -> None:
        self._topics[chat_id] = (entry_id, self.clock())
        self._topics.move_to_end(chat_id)
        while len(self._topics) > self.max_chats:
            self._topics.popitem(last=False)

    def clear(self, chat_id: int) -> None:
        self._topics.pop(chat_id, None)


class Dialogue:
    def __init__(
        self, kb: KnowledgeBase, matcher: Matcher, store: ContextStore | None = None
    ) -> None:
        self.kb = kb
        self.matcher = matcher
        self.store: ContextStore = store if store is not None else MemoryContextStore()
        self.texts = kb.interface.texts
        self._safety = next((e for e in kb.entries.values() if e.kind == SAFETY_ENTRY_KIND), None)
        self._notices = {e.language: e for e in kb.entries.values()
                         if e.kind == NOTICE_ENTRY_KIND and e.language}
        language = kb.language
        terms_of = matcher.analyzer.terms_of
        self._contact_words = {fold(w) for w in language.contact_words}
        self._contact_terms = set(terms_of(language.contact_words))
        self._detail_terms = set(terms_of(language.detail_words))
        self._detail_phrases = [fold(w) for w in language.detail_words if " " in fold(w)]
        self._starters = {fold(w) for w in language.followup_starters}
        self._stopwords = {fold(w) for w in language.stopwords}
        self._countries = {
            term: country for country, names in language.countries.items()
            for term in terms_of(names)
        }
        # The general contact card: the one the /contacts command shows.
        self._general_contact = next((c.entry for c in kb.interface.commands
                                      if c.name == "contacts"), None)
        self._followup_terms = (self._contact_terms | self._detail_terms | set(self._countries)
                                | set(terms_of(language.followup_neutral)))

    # --- What the person does ---------------------------------------------------------------

    def start(self, chat_id: int, payload: str = "") -> Reply:
        """/start, with an optional deep-link payload naming an entry."""
        self.store.clear(chat_id)
        if payload in self.kb.entries:
            return self._answer_entries(chat_id, [self.kb.entries[payload]], score=100)
        html = f"{self.texts['welcome']}\n\n{self.texts['privacy_line']}"
        return Reply((Message(html, self._menu_buttons()),), outcome="welcome",
                     suggestions=tuple(item.entry for item in self.kb.interface.menu))

    def command(self, chat_id: int, name: str) -> Reply | None:
        """A command other than /start; None when the knowledge base does not define it."""
        for command in self.kb.interface.commands:
            if command.name == name and command.entry:
                return self._answer_entries(chat_id, [self.kb.entries[command.entry]], score=100)
        return None

    def text(self, chat_id: int, text: str) -> Reply:
        """A written message in a private chat."""
        match = self.matcher.match(text)
        foreign = self.foreign(text)
        last_topic = self.store.get(chat_id)
        if last_topic and not match.explosive_report and foreign is None:
            followup = self._follow_up(chat_id, match, self.kb.entries.get(last_topic))
            if followup is not None:
                return followup
        return self._reply_to_match(chat_id, match, foreign)

    def ask(self, text: str) -> Reply:
        """Answer as in a fresh conversation: the curators' test pane and the evaluation."""
        return self._reply_to_match(None, self.matcher.match(text), self.foreign(text))

    def press(self, chat_id: int, action: str) -> Reply:
        """A button was pressed."""
        kind, _, entry_id = action.partition(":")
        entry = self.kb.entries.get(entry_id)
        if kind == SHOW_MENU or entry is None:
            html = self.texts["next_steps_prompt"]
            return Reply((Message(escape(html), self._menu_buttons()),), outcome="info",
                         suggestions=tuple(item.entry for item in self.kb.interface.menu))
        if kind == MORE_DETAILS:
            return self._details(chat_id, entry)
        reply = self._answer_entries(chat_id, [entry], score=100)
        if kind == CLARIFIED:
            chosen = self.texts["chosen"].replace("{title}", escape(entry.title))
            reply = replace(reply, edit_pressed=chosen)
        return reply

    def non_text(self) -> Reply:
        """A sticker, photo, voice message...: the bot reads written messages only."""
        return Reply((Message(self.texts["non_text"]),), outcome="info")

    def inline(self, query: str, limit: int = 5) -> list[InlineAnswer]:
        """Answers to share in another chat (`@bot words`); the main topics for an empty query."""
        if not query.strip():
            chosen = [self.kb.entries[item.entry] for item in self.kb.interface.menu]
        else:
            match = self.matcher.match(query)
            ids = [c.entry_id for c in match.candidates
                   if c.score >= self.matcher.thresholds.clarify]
            if match.explosive_report and self._safety is not None:
                ids.insert(0, self._safety.id)
            chosen = [self.kb.entries[i] for i in dict.fromkeys(ids)]
        return [self._shareable(entry) for entry in chosen[:limit]]

    # --- Replies ---------------------------------------------------------------------------

    def foreign(self, text: str) -> Foreign | None:
        """For a message not in French: the notice in its language, and whether it names an
        explosive object (the French matcher cannot tell). None for French messages."""
        language = languages.detect(text)
        notice = None if language is None else self._notices.get(language) or self._notices.get("en")
        if notice is None:
            return None
        return Foreign(notice, languages.names_explosive(text))

    def _reply_to_match(
        self, chat_id: int | None, match: Match, foreign: Foreign | None = None
    ) -> Reply:
        first: list[Entry] = []
        danger = match.explosive_report or (foreign is not None and foreign.explosive)
        if danger and self._safety is not None:
            first.append(self._safety)
        if foreign is not None:
            # The knowledge base is French: the notice says so in the person's language and
            # gives the contacts, after the safety advice if an explosive object is named.
            return self._answer_entries(chat_id, [*first, foreign.notice], score=100)
        if match.explosive_report and match.remainder is not None and (
            match.remainder.outcome is Outcome.ANSWER
        ):
            match = match.remainder
        best = match.best
        if match.outcome is Outcome.ANSWER and best is not None:
            return self._answer_entries(
                chat_id, [*first, self._in_named_country(self.kb.entries[best.entry_id], match)],
                score=match.score)
        if first:
            # Safety first; the rest of the question is left for the person to ask again.
            return self._answer_entries(chat_id, first, score=match.score)
        if match.outcome is Outcome.CLARIFY:
            return self._clarify(match)
        return self._fallback(match.score)

    def _answer_entries(self, chat_id: int | None, entries: Sequence[Entry], score: int) -> Reply:
        unique = list({entry.id: entry for entry in entries}.values())
        messages: list[Message] = []
        for entry in unique:
            messages.extend(self._entry_messages(entry))
        main = unique[-1]
        if chat_id is not None and main.kind != "smalltalk":
            self.store.set(chat_id, main.id)
        return Reply(
            tuple(messages[:MAX_MESSAGES_PER_REPLY]), outcome="answer", entry_id=unique[0].id,
            entries=tuple(e.id for e in unique), score=score, suggestions=main.next_steps,
        )

    def _entry_messages(self, entry: Entry) -> list[Message]:
        rows = [(Button(self.kb.entries[step].title, f"{OPEN_ENTRY}:{step}"),)
                for step in entry.next_steps]
        rows += [(Button(link.label, url=link.url),) for link in entry.links]
        source = self._source_of(entry)
        if source is not None:
            rows.append((Button(f"{self.texts['source_label']} : {_site(source)}", url=source),))
        messages = [Message(entry.answer, tuple(rows))]
        if entry.contact is not None:
            messages.append(Message(contact=entry.contact))
        return messages

    @staticmethod
    def _source_of(entry: Entry) -> str | None:
        """The public page an answer's facts come from, offered as a button so that anyone can
        check them; none for small talk and notices, nor when a link button already opens it."""
        if entry.kind in {"smalltalk", NOTICE_ENTRY_KIND}:
            return None
        linked = {link.url for link in entry.links}
        return next((s for s in entry.sources if s.startswith("https://") and s not in linked),
                    None)

    def _clarify(self, match: Match) -> Reply:
        floor = self.matcher.thresholds.clarify
        offered = [c.entry_id for c in match.candidates[:3] if c.score >= floor]
        rows = [(Button(self.kb.entries[i].title, f"{CLARIFIED}:{i}"),) for i in offered]
        rows.append((Button(self.texts["other_choice"], SHOW_MENU),))
        return Reply((Message(self.texts["clarify_prompt"], tuple(rows)),), outcome="clarify",
                     score=match.score, suggestions=tuple(offered))

    def _fallback(self, score: int) -> Reply:
        html = f"{self.texts['fallback']}\n\n{self.texts['general_contact']}"
        return Reply((Message(html, self._menu_buttons()),), outcome="fallback", score=score,
                     suggestions=tuple(item.entry for item in self.kb.interface.menu))

    def _menu_buttons(self) -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(item.label, f"{OPEN_ENTRY}:{item.entry}"),)
                     for item in self.kb.interface.menu)

    def _details(self, chat_id: int, entry: Entry) -> Reply:
        self.store.set(chat_id, entry.id)
        buttons = self._entry_messages(entry)[0].buttons
        if entry.details:
            message = Message(entry.details, buttons)
        else:
            message = Message(self.texts["more_details_none"], buttons or self._menu_buttons())
        return Reply((message,), outcome="answer", entry_id=entry.id, entries=(entry.id,),
                     score=100, suggestions=entry.next_steps)

    def _shareable(self, entry: Entry) -> InlineAnswer:
        parts = [entry.answer]
        if entry.contact is not None and entry.contact.phone not in entry.answer:
            parts.append("\n".join(contact_lines(entry.contact, self.texts, html=True)))
        parts.append(f"<i>{escape(self.texts['source_label'])} : "
                     f"{escape(', '.join(entry.sources))}</i>")
        html = "\n\n".join(parts)
        description = telegram_html.to_plain_text(entry.answer).strip().splitlines()[0][:120]
        return InlineAnswer(entry.id, entry.title, description, html)

    # --- Follow-ups ------------------------------------------------------------------------

    def _follow_up(self, chat_id: int, match: Match, last: Entry | None) -> Reply | None:
        """Resolve "et le téléphone ?", "et au Bélarus ?", "plus de détails" against the last topic.

        Only a message made of nothing but such words is a follow-up: one that says anything
        else is complete on its own and is answered on its own.
        """
        if last is None:
            return None
        words = set(match.analysis.words) - self._starters
        has_content = bool(words - self._stopwords)
        terms = set(match.analysis.content) if has_content else set()
        countries = {self._countries[t] for t in terms if t in self._countries}
        joined = f" {' '.join(match.analysis.words)} "
        wants_details = bool(terms & self._detail_terms) or any(
            f" {phrase} " in joined for phrase in self._detail_phrases)
        wants_contact = bool(terms & self._contact_terms or words & self._contact_words)
        if terms - self._followup_terms or not (wants_details or wants_contact or countries):
            return None
        target: Entry | None
        if countries:
            target = self._same_topic_in(last, countries.pop(), contact=wants_contact)
        elif wants_contact:
            target = self._contact_for(last)
        else:
            return self._details(chat_id, last)
        if target is None:
            return None
        return self._answer_entries(chat_id, [target], score=100)

    def _in_named_country(self, entry: Entry, match: Match) -> Entry:
        """The general contact card, when the message names one country ("contacter le CICR à
        Bakou"), becomes that country's: the general card would send the person elsewhere."""
        if entry.id != self._general_contact:
            return entry
        countries = {self._countries[t] for t in match.analysis.terms if t in self._countries}
        if len(countries) != 1:
            return entry
        return self._in_country(countries.pop(), "contact") or entry

    def _contact_for(self, entry: Entry) -> Entry | None:
        if entry.contact is not None or entry.kind == "contact":
            return entry
        for step in entry.next_steps:
            if self.kb.entries[step].kind == "contact":
                return self.kb.entries[step]
        if entry.country:
            return self._in_country(entry.country, "contact")
        return None

    def _same_topic_in(self, entry: Entry, country: str, *, contact: bool) -> Entry | None:
        kind = "contact" if contact else entry.kind
        if entry.country is None and not contact:
            kind = "mission"
        return self._in_country(country, kind) or self._in_country(country, "mission")

    def _in_country(self, country: str, kind: str) -> Entry | None:
        return next((e for e in self.kb.entries.values()
                     if e.country == country and e.kind == kind), None)
