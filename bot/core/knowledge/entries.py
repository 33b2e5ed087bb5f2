"""One entry of a topic file: its fields, contact card, routes and links, checked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.core.html import quoted
from bot.core.knowledge.located import Fields, Located, complain
from bot.core.knowledge.model import (
    COUNTRIES,
    DEFAULT_MIN_QUESTIONS,
    ENTRY_ID,
    ENTRY_KINDS,
    MAX_TITLE,
    MIN_QUESTIONS,
    NOTICE_LANGUAGES,
    ROUTE_KIND,
    Contact,
    Entry,
    EntryKind,
    KnowledgeBase,
    Link,
    RouteButton,
    Routes,
)

_ENTRY_FIELDS = frozenset(
    {
        "id",
        "kind",
        "title",
        "questions",
        "keywords",
        "answer",
        "details",
        "contact",
        "source",
        "reviewed",
        "country",
        "next_steps",
        "links",
        "language",
        "routes",
    }
)
_ROUTES_FIELDS = frozenset({"question", "by_country", "buttons", "other"})
_CONTACT_FIELDS = frozenset({"name", "address", "phone", "hours", "source"})
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,}\Z")


def parse_entry(raw: Any, where: str, line: int, problems: list[str]) -> Entry | None:
    if not isinstance(raw, Located):
        complain(problems, raw, f"{where}:{line}: each entry must be a mapping of fields")
        return None
    fields = Fields(raw, where, problems)
    count_before = len(problems)
    fields.unknown(_ENTRY_FIELDS)
    entry_id = fields.text("id")
    if entry_id and not ENTRY_ID.match(entry_id):
        fields.problem("id", f"id {quoted(entry_id)} must be 1-40 characters among a-z 0-9 _ -")
    kind = fields.text("kind")
    if kind and kind not in ENTRY_KINDS:
        fields.problem("kind", f"kind {quoted(kind)} must be one of {', '.join(sorted(ENTRY_KINDS))}")
    country = fields.text("country", required=False)
    if country and country not in COUNTRIES:
        fields.problem("country", f"country {quoted(country)} must be one of {', '.join(sorted(COUNTRIES))}")
    language = fields.text("language", required=(kind == EntryKind.NOTICE))
    if language and (kind != EntryKind.NOTICE or language not in NOTICE_LANGUAGES):
        fields.problem(
            "language", "only a notice has a language, one of " + ", ".join(sorted(NOTICE_LANGUAGES))
        )
    title = fields.text("title")
    if title and len(title) > MAX_TITLE:
        fields.problem("title", f"title is longer than {MAX_TITLE} characters (it goes on a button)")
    questions = _questions(fields, kind)
    keywords = fields.texts("keywords", required=False)
    answer = fields.text("answer", html=True)
    details = fields.text("details", required=False, html=True)
    sources = fields.texts("source")
    reviewed = _reviewed(fields)
    contact = _parse_contact(fields)
    next_steps = fields.texts("next_steps", required=False)
    links = _parse_links(fields)
    routes = _parse_routes(fields)
    if len(problems) > count_before:
        return None
    assert entry_id and kind and title and answer and isinstance(reviewed, dt.date)
    return Entry(
        id=entry_id,
        kind=EntryKind(kind),
        title=title,
        questions=questions,
        keywords=keywords,
        answer=answer,
        sources=sources,
        reviewed=reviewed,
        country=country,
        details=details,
        contact=contact,
        next_steps=next_steps,
        links=links,
        routes=routes,
        location=f"{where}:{raw.line}",
        language=language,
    )


def _questions(fields: Fields, kind: str | None) -> tuple[str, ...]:
    questions = fields.texts("questions", required=kind != ROUTE_KIND)
    if questions and kind == ROUTE_KIND:
        fields.problem("questions", "a route has no example questions: its topic's are asked (see 'routes')")
    minimum = MIN_QUESTIONS.get(kind or "", DEFAULT_MIN_QUESTIONS)
    if len(questions) < minimum:
        fields.problem("questions", f"give at least {minimum} example questions ({len(questions)} given)")
    return questions


def _reviewed(fields: Fields) -> dt.date | None:
    reviewed = fields.mapping.get("reviewed")
    if reviewed is None:
        fields.problem(None, "missing field 'reviewed' (the date the entry was checked, YYYY-MM-DD)")
    elif not isinstance(reviewed, dt.date):
        fields.problem("reviewed", "'reviewed' must be a date written YYYY-MM-DD")
        return None
    return reviewed


def _parse_contact(fields: Fields) -> Contact | None:
    contact = fields.nested("contact", _CONTACT_FIELDS)
    if contact is None:
        return None
    name = contact.text("name")
    phone = contact.text("phone")
    if phone and not _PHONE.match(phone):
        contact.problem("phone", f"phone {quoted(phone)} must be digits, spaces and an optional leading +")
    address = contact.text("address", required=False) or ""
    hours = contact.text("hours", required=False) or ""
    # A phone number or an address that a person will call or walk to is a fact like no other:
    # the card names the official page it comes from, or the knowledge base is refused.
    source = contact.text("source")
    if source and not (source.startswith("https://") or source.endswith(".txt")):
        contact.problem("source", f"source {quoted(source)} must be an https:// page or a seed file name")
    if not (name and phone and source):
        return None
    return Contact(name=name, phone=phone, source=source, address=address, hours=hours)


def _parse_routes(fields: Fields) -> Routes | None:
    routes = fields.nested("routes", _ROUTES_FIELDS)
    if routes is None:
        return None
    question = routes.text("question", html=True)
    other = routes.text("other")
    by_country = _by_country(routes)
    buttons = _route_buttons(routes)
    if not (question and other and by_country and len(buttons) >= 2):
        return None
    return Routes(question, by_country, tuple(buttons), other)


def _by_country(routes: Fields) -> dict[str, str]:
    by_country: dict[str, str] = {}
    countries = routes.mapping_field("by_country")
    if countries is None:
        routes.problem(None, "missing field 'by_country' (country: the entry that routes its cases)")
        return by_country
    for country, entry in countries.items():
        where = f"{routes.where}:{countries.key_lines.get(country, countries.line)}"
        if country not in COUNTRIES:
            routes.problems.append(
                f"{where}: country {quoted(country)} must be one of {', '.join(sorted(COUNTRIES))}"
            )
        elif not isinstance(entry, str) or not entry.strip():
            routes.problems.append(f"{where}: by_country: {quoted(country)} needs an entry id")
        else:
            by_country[country] = entry.strip()
    return by_country


def _route_buttons(routes: Fields) -> list[RouteButton]:
    buttons = []
    listed = routes.mapping.get("buttons") or []
    what = "each button must have a 'label' and an 'entry'"
    for button in routes.each("buttons", listed, frozenset({"label", "entry"}), what):
        label, entry = button.text("label"), button.text("entry")
        if label and len(label) > MAX_TITLE:
            button.problem("label", f"label is longer than {MAX_TITLE} characters (it goes on a button)")
        elif label and entry:
            buttons.append(RouteButton(label, entry))
    if len(buttons) < 2:
        where = "buttons" if "buttons" in routes.mapping else None
        routes.problem(where, "give at least two 'buttons' ({label, entry})")
    return buttons


def _parse_links(fields: Fields) -> tuple[Link, ...]:
    raw = fields.mapping.get("links")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fields.problem("links", "'links' must be a list of {label, url}")
        return ()
    links = []
    what = "each link must have a 'label' and a 'url'"
    for link in fields.each("links", raw, frozenset({"label", "url"}), what):
        label, url = link.text("label"), link.text("url")
        if url and not url.startswith("https://"):
            link.problem("url", f"url {quoted(url)} must start with https://")
        elif label and url:
            links.append(Link(label=label, url=url))
    return tuple(links)


DEFAULT_REVIEW_MAX_AGE_DAYS = 365


def stale_entries(kb: KnowledgeBase, today: dt.date, max_age_days: int) -> list[str]:
    """Warnings for entries whose facts nobody has checked against their sources for too long."""
    warnings = []
    for entry in kb.entries.values():
        age = (today - entry.reviewed).days
        if age > max_age_days:
            warnings.append(
                f"{entry.location}: warning: entry {quoted(entry.id)} was last reviewed on "
                f"{entry.reviewed.isoformat()}, {age} days ago (limit {max_age_days}): check it "
                f"against its sources, then update 'reviewed'"
            )
    return warnings
