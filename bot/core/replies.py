"""What the bot sends: messages, buttons and contact cards built from knowledge-base entries.

Every channel shows these the same way; the Telegram channel sends `html` in Telegram's HTML
subset, the terminal prints it as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core import html as telegram_html
from bot.core.decision import Decision, Outcome
from bot.core.deployment import Deployment
from bot.core.html import escape
from bot.core.knowledge import Contact, Entry, EntryKind, KnowledgeBase, Text

MAX_MESSAGES_PER_REPLY = 3  # never more than three messages for one question
NOTICE_ENTRY_KIND = EntryKind.NOTICE  # "this service answers in French", in the person's language

# Button actions travel as Telegram callback_data: "<prefix>:<entry id>" fits in 64 bytes.
OPEN_ENTRY = "e"
CLARIFIED = "c"
SHOW_MENU = "m"
MORE_DETAILS = "d"
GENERAL = "g"  # a topic's general answer, not a country's route ("Autre pays")
# "Share this question": carries nothing, the question is read back from the message the answer
# replies to (the Telegram channel's `share_question`).
SHARE_QUESTION = "s"
# "c:family_links@ukraine": a clarification's button that carries the country the message named.
COUNTRY_MARK = "@"


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
    outcome: Outcome
    entry_id: str | None = None  # the knowledge-base entry answered first, if any
    entries: tuple[str, ...] = ()  # every entry answered, most important first
    score: int = 0
    suggestions: tuple[str, ...] = ()  # entry ids offered as buttons
    edit_pressed: str | None = None  # new HTML for the message whose button was pressed
    # What the chat's follow-up context becomes: this topic, forgotten, or (neither) unchanged.
    # The dialogue keeps no state: the channel stores it (bot/state/followups.py).
    remember: str | None = None
    forget: bool = False
    # A topic with routes: the route answered instead of its general answer (the country named),
    # or `route_asked` when the bot asked which country (buttons).
    route: str | None = None
    route_asked: bool = False
    safety: bool = False  # the safety answer comes first (a danger reported)
    quote_question: bool = False  # the reply quotes the question (to share it: see SHARE_QUESTION)

    def next_topic(self, last: str | None) -> str | None:
        """The chat's last topic after this reply, for channels that keep it themselves."""
        if self.forget:
            return None
        return self.remember or last


@dataclass(frozen=True)
class InlineAnswer:
    entry_id: str
    title: str
    description: str
    html: str


def _site(url: str) -> str:
    """ "icrc.org" for https://www.icrc.org/fr/...: short enough for a button."""
    host = urlsplit(url).netloc
    return host.removeprefix("www.")


def contact_lines(contact: Contact, labels: dict[str, str], *, html: bool) -> list[str]:
    show = escape if html else str
    lines = [f"<b>{show(contact.name)}</b>" if html else contact.name]
    for key, value in (("address", contact.address), ("phone", contact.phone), ("hours", contact.hours)):
        if value:
            lines.append(f"{labels[key + '_label']} : {show(value)}")
    return lines


class Replies:
    """Builds replies for one knowledge base."""

    def __init__(self, kb: KnowledgeBase, deployment: Deployment | None = None) -> None:
        self.kb = kb
        self.texts = kb.interface.texts
        self.deployment = deployment or Deployment()
        # The privacy answer says what this deployment keeps, from its settings.
        self._privacy = next((c.entry for c in kb.interface.commands if c.name == "confidentialite"), None)

    def decided(self, decision: Decision, route: Entry | None = None, country: str | None = None) -> Reply:
        """The decision as a reply; its last entry answered with `route` when it has one, else
        asked for its country when it has routes; a clarification's buttons carry `country`."""
        if decision.entries:
            entries = [self.kb.entries[i] for i in decision.entries]
            return self.answer(entries, decision.score, route=route, offered=decision.offered)
        if decision.outcome is Outcome.CLARIFY:
            return self.clarify(decision.offered, decision.score, country)
        return self.fallback(decision.score, decision.offered, country)

    def answer(
        self,
        entries: Sequence[Entry],
        score: int,
        *,
        route: Entry | None = None,
        general: bool = False,
        offered: Sequence[str] = (),
    ) -> Reply:
        """`entries` answered in order. The last one, if it has routes, is answered with `route`,
        or by asking the person's country unless `general` (the "Autre pays" button). `offered`
        topics come first among its buttons (what else a report may ask, after its safety
        message)."""
        unique = list({entry.id: entry for entry in entries}.values())
        main = unique[-1]
        ask = route is None and main.routes is not None and not general
        messages: list[Message] = []
        for entry in unique[:-1]:
            messages.extend(self.entry_messages(entry))
        if ask:
            messages.append(self.route_question(main))
        else:
            messages.extend(self.entry_messages(route or main, offered))
        if self._privacy is not None and self._privacy in (e.id for e in unique):
            messages.insert(1, Message(self.kept()))
        shown = route or main
        if ask and main.routes is not None:
            suggestions = tuple(dict.fromkeys(b.entry for b in main.routes.buttons))
        else:
            suggestions = tuple(dict.fromkeys((*offered, *shown.next_steps)))
        return Reply(
            tuple(messages[:MAX_MESSAGES_PER_REPLY]),
            outcome=Outcome.ANSWER,
            entry_id=unique[0].id,
            entries=tuple(e.id for e in unique),
            score=score,
            suggestions=suggestions,
            # Small talk ("merci") keeps the conversation on its topic; a route is remembered so
            # that "et le téléphone ?" or "plus de détails" follow it.
            remember=shown.id if shown.kind != EntryKind.SMALLTALK else None,
            route=route.id if route is not None else None,
            route_asked=ask,
            safety=unique[0].kind == EntryKind.SAFETY,
        )

    def kept(self) -> str:
        """What this deployment keeps of people's messages, from its settings."""
        deployment = self.deployment
        sharing = self.texts[Text.PRIVACY_SHARING_ON if deployment.sharing else Text.PRIVACY_SHARING_OFF]
        # {sharing} first: its own text holds an {inbox_days} too.
        return (
            self.texts[Text.PRIVACY_KEPT]
            .replace("{sharing}", escape(sharing))
            .replace("{topic_minutes}", str(deployment.topic_minutes))
            .replace("{inbox_days}", str(deployment.inbox_days))
        )

    def route_question(self, entry: Entry) -> Message:
        """Which country: one button per route, and the topic's general answer for the others."""
        assert entry.routes is not None
        rows = [(Button(b.label, f"{OPEN_ENTRY}:{b.entry}"),) for b in entry.routes.buttons]
        rows.append((Button(entry.routes.other, f"{GENERAL}:{entry.id}"),))
        return Message(entry.routes.question, tuple(rows))

    def entry_messages(self, entry: Entry, offered: Sequence[str] = ()) -> list[Message]:
        steps = dict.fromkeys((*offered, *entry.next_steps))
        rows = [(Button(self.kb.entries[step].title, f"{OPEN_ENTRY}:{step}"),) for step in steps]
        rows += [(Button(link.label, url=link.url),) for link in entry.links]
        source = self.source_of(entry)
        if source is not None:
            rows.append((Button(f"{self.texts[Text.SOURCE_LABEL]} : {_site(source)}", url=source),))
        messages = [Message(entry.answer, tuple(rows))]
        if entry.contact is not None:
            messages.append(Message(contact=entry.contact))
        return messages

    @staticmethod
    def source_of(entry: Entry) -> str | None:
        """The public page an answer's facts come from, offered as a button so that anyone can
        check them; none for small talk and notices, nor when a link button already opens it."""
        if entry.kind in {EntryKind.SMALLTALK, NOTICE_ENTRY_KIND}:
            return None
        linked = {link.url for link in entry.links}
        return next((s for s in entry.sources if s.startswith("https://") and s not in linked), None)

    def _offered_rows(
        self, offered: Sequence[str], country: str | None, kind: str = CLARIFIED
    ) -> list[tuple[Button, ...]]:
        """A button per topic offered, carrying the country the message named to the topic's
        route. A clarification's (`CLARIFIED`) is answered as the topic meant, the question
        then edited to say so; another (`OPEN_ENTRY`) just opens it."""
        mark = f"{COUNTRY_MARK}{country}" if country else ""
        return [
            (Button(self.kb.entries[i].title, f"{kind}:{i}{mark if self.kb.entries[i].routes else ''}"),)
            for i in offered
        ]

    def clarify(self, offered: Sequence[str], score: int, country: str | None = None) -> Reply:
        rows = self._offered_rows(offered, country)
        rows.append((Button(self.texts[Text.OTHER_CHOICE], SHOW_MENU),))
        return Reply(
            (Message(self.texts[Text.CLARIFY_PROMPT], tuple(rows)),),
            outcome=Outcome.CLARIFY,
            score=score,
            suggestions=tuple(offered),
        )

    def fallback(self, score: int, offered: Sequence[str] = (), country: str | None = None) -> Reply:
        """Not understood: said, with the general contact; the topic the message may still be
        about (`offered`) as the first button, then the menu's."""
        html = f"{self.texts[Text.FALLBACK]}\n\n{self.texts[Text.GENERAL_CONTACT]}"
        # Opened, not "chosen": the refusal and its contact stay as they were.
        buttons = (*self._offered_rows(offered, country, OPEN_ENTRY), *self.menu_buttons(leaving=offered))
        if self.deployment.sharing:
            # Offered, not taken: the answer quotes the question, and the button reads it back
            # from there when pressed, on whichever replica. Nothing is kept meanwhile.
            buttons = ((Button(self.texts[Text.SHARE_BUTTON], f"{SHARE_QUESTION}:"),), *buttons)
        return Reply(
            (Message(html, buttons),),
            outcome=Outcome.FALLBACK,
            score=score,
            suggestions=tuple(dict.fromkeys((*offered, *(item.entry for item in self.kb.interface.menu)))),
            quote_question=self.deployment.sharing,
        )

    def welcome(self) -> Reply:
        html = f"{self.texts[Text.WELCOME]}\n\n{self.texts[Text.PRIVACY_LINE]}"
        return Reply(
            (Message(html, self.menu_buttons()),),
            outcome=Outcome.WELCOME,
            suggestions=tuple(item.entry for item in self.kb.interface.menu),
            forget=True,
        )

    def menu(self) -> Reply:
        html = self.texts[Text.NEXT_STEPS_PROMPT]
        return Reply(
            (Message(escape(html), self.menu_buttons()),),
            outcome=Outcome.INFO,
            suggestions=tuple(item.entry for item in self.kb.interface.menu),
        )

    def info(self, key: str) -> Reply:
        return Reply((Message(self.texts[key]),), outcome=Outcome.INFO)

    def menu_buttons(self, leaving: Sequence[str] = ()) -> tuple[tuple[Button, ...], ...]:
        """The menu's topics, but those `leaving` (already shown above them)."""
        menu = (item for item in self.kb.interface.menu if item.entry not in leaving)
        return tuple((Button(item.label, f"{OPEN_ENTRY}:{item.entry}"),) for item in menu)

    def details(self, entry: Entry) -> Reply:
        buttons = self.entry_messages(entry)[0].buttons
        if entry.details:
            message = Message(entry.details, buttons)
        else:
            message = Message(self.texts[Text.MORE_DETAILS_NONE], buttons or self.menu_buttons())
        return Reply(
            (message,),
            outcome=Outcome.ANSWER,
            entry_id=entry.id,
            entries=(entry.id,),
            score=100,
            suggestions=entry.next_steps,
            remember=entry.id,
        )

    def shareable(self, entry: Entry) -> InlineAnswer:
        parts = [entry.answer]
        if entry.contact is not None and entry.contact.phone not in entry.answer:
            parts.append("\n".join(contact_lines(entry.contact, self.texts, html=True)))
        parts.append(f"<i>{escape(self.texts[Text.SOURCE_LABEL])} : {escape(', '.join(entry.sources))}</i>")
        html = "\n\n".join(parts)
        description = telegram_html.to_plain_text(entry.answer).strip().splitlines()[0][:120]
        return InlineAnswer(entry.id, entry.title, description, html)
