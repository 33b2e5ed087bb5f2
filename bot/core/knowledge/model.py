"""The knowledge base as the bot reads it: entries, interface texts, how French is read."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum


class EntryKind(StrEnum):
    """What an entry is: the decision, the replies and the metrics treat each kind its way. A
    StrEnum: it is the text written in the YAML, and a misspelt kind fails mypy, not a person."""

    MISSION = "mission"
    SERVICE = "service"
    CONTACT = "contact"
    SAFETY = "safety"
    SMALLTALK = "smalltalk"
    INFO = "info"
    NOTICE = "notice"
    ROUTE = "route"


ENTRY_KINDS = frozenset(EntryKind)
# A route is reached only through a topic's `routes` (the country of the person's case), a button
# or a link: it has no example questions of its own, and no matcher or ranker ever answers it.
ROUTE_KIND = EntryKind.ROUTE
# Languages a `notice` entry can be written in: the bot answers in French, and tells people who
# write in one of these, in their language, where to turn.
NOTICE_LANGUAGES = frozenset({"en", "ru", "be", "uk", "az"})
# The countries a message may name (`langue.yaml` lists their names and towns): the two missions
# the seeds cover, and the countries of the conflicts most people who write are affected by.
COUNTRIES = frozenset({"belarus", "azerbaijan", "ukraine", "russia", "armenia"})
# Ids travel in callback_data (64 bytes with a prefix) and deep links (letters, digits, _ and -).
ENTRY_ID = re.compile(r"[a-z0-9_-]{1,40}\Z")
MIN_QUESTIONS = {"smalltalk": 3, "notice": 3, ROUTE_KIND: 0}
DEFAULT_MIN_QUESTIONS = 5
MAX_TITLE = 40
INTERFACE_FILE = "interface.yaml"
LANGUAGE_FILE = "langue.yaml"
# Questions with the entry each must get: a knowledge base that answers one of them otherwise is
# refused (at start-up, by `check`, and by a reload, which keeps the old one serving).
CANARIES_FILE = "canaries.yaml"
# Bounds that keep `check` and start-up fast whatever a file holds (PyYAML reads about 1 MB a
# second): the shipped files are under 10 kB, 800 values and 6 levels each.
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_PROBLEMS = 200  # printed; beyond, one line says how many more


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` holds one `file:line: message` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    source: str  # the page (or seed document) the phone and address were taken from
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class RouteButton:
    label: str
    entry: str


@dataclass(frozen=True)
class Routes:
    """Where a topic sends a person, by the country of their case: the service that handles it.

    With one of `by_country` named, the bot answers that route; with none, it asks `question`
    with `buttons` and a last button, `other`, for the topic's general answer."""

    question: str  # Telegram HTML
    by_country: dict[str, str]  # country -> route entry id; when several are named, the first
    buttons: tuple[RouteButton, ...]
    other: str


@dataclass(frozen=True)
class Entry:
    id: str
    kind: EntryKind
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    reviewed: dt.date
    country: str | None = None
    details: str | None = None
    contact: Contact | None = None
    next_steps: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    routes: Routes | None = None
    location: str = ""  # file:line, for messages about this entry
    language: str | None = None  # notices only: the language the answer is written in


@dataclass(frozen=True)
class MenuItem:
    label: str
    entry: str
    line: int = 0


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    entry: str | None  # None: the command is handled by the dialogue itself (start)
    line: int = 0


@dataclass(frozen=True)
class Interface:
    """Every user-facing text that is not an entry's answer."""

    texts: dict[str, str]
    menu: tuple[MenuItem, ...]
    commands: tuple[Command, ...]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]


@dataclass(frozen=True)
class Language:
    """How French is read: see knowledge/langue.yaml."""

    sms: dict[str, str]
    stopwords: frozenset[str]
    courtesy: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]  # canonical word -> variants (words or phrases)
    explosive_words: frozenset[str]
    found_cues: frozenset[str]
    where_to_find: frozenset[str]
    explosive_if_present: frozenset[str]
    not_dangers: frozenset[str]
    general_cues: frozenset[str]
    place_cues: frozenset[str]
    presence_cues: frozenset[str]
    other_topics: frozenset[str]
    neutral_words: frozenset[str]
    always_against: frozenset[str]
    contact_words: frozenset[str]
    contact_asks: frozenset[str]
    office_words: frozenset[str]
    visit_words: frozenset[str]
    not_contact_words: frozenset[str]
    in_person_words: frozenset[str]
    organisation_names: frozenset[str]
    detail_words: frozenset[str]
    followup_starters: frozenset[str]
    followup_neutral: frozenset[str]
    weak_words: frozenset[str]
    countries: dict[str, tuple[str, ...]]  # country id -> the place names that mean it


@dataclass(frozen=True)
class KnowledgeBase:
    entries: dict[str, Entry]
    interface: Interface
    language: Language
    files: tuple[str, ...] = field(default=())
    # `file:line: warning: ...`: worth a curator's look, not worth refusing to start.
    warnings: tuple[str, ...] = ()

    def ids_of(self, kind: EntryKind) -> frozenset[str]:
        """The ids of the entries of one kind (the safety message, the notices, small talk)."""
        return frozenset(e.id for e in self.entries.values() if e.kind == kind)

    @property
    def safety_id(self) -> str | None:
        """The safety message's entry (the first, were there several), or None."""
        return next((e.id for e in self.entries.values() if e.kind == EntryKind.SAFETY), None)


@dataclass(frozen=True)
class Canary:
    question: str
    entry: str
    location: str  # file:line, for the curator
    route: str | None = None  # the country's route the answer must lead with


class Text(StrEnum):
    """The keys of the interface texts (knowledge/interface.yaml) the code reads: a misspelt key
    fails mypy, not a person."""

    WELCOME = "welcome"
    PRIVACY_LINE = "privacy_line"
    FALLBACK = "fallback"
    GENERAL_CONTACT = "general_contact"
    CLARIFY_PROMPT = "clarify_prompt"
    OTHER_CHOICE = "other_choice"
    CHOSEN = "chosen"
    NON_TEXT = "non_text"
    MORE_DETAILS_NONE = "more_details_none"
    NEXT_STEPS_PROMPT = "next_steps_prompt"
    ADDRESS_LABEL = "address_label"
    PHONE_LABEL = "phone_label"
    HOURS_LABEL = "hours_label"
    SOURCE_LABEL = "source_label"
    ERROR = "error"
    DESCRIPTION = "description"
    SHORT_DESCRIPTION = "short_description"
    TERMINAL_INTRO = "terminal_intro"
    TERMINAL_TELEGRAM_HINT = "terminal_telegram_hint"
    TERMINAL_LINK = "terminal_link"
    NO_TERMINAL = "no_terminal"
    FLOOD_NOTICE = "flood_notice"
    SHARE_BUTTON = "share_button"
    SHARE_THANKS = "share_thanks"
    SHARE_FAILED = "share_failed"
    SHARE_GONE = "share_gone"
    PRIVACY_KEPT = "privacy_kept"
    PRIVACY_SHARING_ON = "privacy_sharing_on"
    PRIVACY_SHARING_OFF = "privacy_sharing_off"
