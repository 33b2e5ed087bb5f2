"""The interface file (every text the person sees that is not an answer) and the language file
(how French is read), checked."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from bot.core.html import quoted
from bot.core.knowledge.located import Fields, Located, LocatedList, all_texts, complain
from bot.core.knowledge.model import COUNTRIES, Command, Interface, Language, MenuItem, Text

# --- Interface and language files -------------------------------------------------------------

# Texts the code needs, with whether they are Telegram HTML (sent as a message) or plain.
# The interface texts: every key of `Text`; those read as Telegram HTML are checked as such.
_HTML_TEXTS = frozenset(
    {
        Text.WELCOME,
        Text.PRIVACY_LINE,
        Text.FALLBACK,
        Text.GENERAL_CONTACT,
        Text.CLARIFY_PROMPT,
        Text.CHOSEN,
        Text.NON_TEXT,
        Text.MORE_DETAILS_NONE,
        Text.ERROR,
        Text.FLOOD_NOTICE,
        Text.SHARE_THANKS,
        Text.SHARE_FAILED,
        Text.SHARE_GONE,
        Text.PRIVACY_KEPT,
    }
)
INTERFACE_TEXTS = {key: key in _HTML_TEXTS for key in Text}


def _top_level(data: Any, where: str, problems: list[str]) -> Fields | None:
    if not isinstance(data, Located):
        complain(problems, data, f"{where}:1: the file must be a mapping of named fields")
        return None
    return Fields(data, where, problems)


def parse_interface(data: Any, where: str, problems: list[str]) -> Interface | None:
    fields = _top_level(data, where, problems)
    if fields is None:
        return None
    count_before = len(problems)
    fields.unknown(frozenset(INTERFACE_TEXTS) | {"menu", "commands"})
    texts = {key.value: fields.text(key, html=is_html) or "" for key, is_html in INTERFACE_TEXTS.items()}
    if len(texts[Text.DESCRIPTION]) > 512:
        fields.problem("description", "'description' is longer than Telegram's 512 characters")
    if len(texts[Text.SHORT_DESCRIPTION]) > 120:
        fields.problem("short_description", "'short_description' is longer than 120 characters")
    menu = tuple(
        MenuItem(label=item["label"], entry=item["entry"], line=line)
        for item, line in _records(fields, "menu", ("label", "entry"))
    )
    commands = []
    for item, line in _records(fields, "commands", ("command", "description"), ("entry",)):
        if not re.fullmatch(r"[a-z0-9_]{1,32}", item["command"]):
            fields.problem("commands", f"command {quoted(item['command'])}: 1-32 of a-z 0-9 _")
        commands.append(Command(item["command"], item["description"], item.get("entry"), line))
    if len(problems) > count_before:
        return None
    return Interface(texts=texts, menu=menu, commands=tuple(commands))


def _records(
    fields: Fields, key: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[dict[str, str], int]]:
    raw = fields.mapping.get(key)
    if not isinstance(raw, list) or not raw:
        fields.problem(key if key in fields.mapping else None, f"'{key}' must be a non-empty list")
        return
    what = f"each item of '{key}' must be a mapping"
    for record in fields.each(key, raw, frozenset(required + optional), what):
        values = {name: record.text(name) for name in required}
        values.update({name: record.text(name, required=False) for name in optional})
        if all(values[name] for name in required):
            yield {name: value for name, value in values.items() if value}, record.mapping.line


# The language file's word lists are the Language fields typed as sets of words: a list added
# to the dataclass is read, checked and refused if unknown, with no other list to keep in step.
WORD_LISTS = tuple(f.name for f in dataclasses.fields(Language) if f.type == "frozenset[str]")
# ...and the mappings: SMS spellings to words, words to their synonyms, countries to place names.
WORD_MAPS = {"sms": False, "synonyms": True, "countries": True}  # name -> maps to lists


def parse_language(data: Any, where: str, problems: list[str]) -> Language | None:
    fields = _top_level(data, where, problems)
    if fields is None:
        return None
    count_before = len(problems)
    fields.unknown(frozenset(WORD_LISTS) | frozenset(WORD_MAPS))
    lists = {name: frozenset(fields.texts(name)) for name in WORD_LISTS}
    maps = {name: _word_map(fields, name, lists=to_lists) for name, to_lists in WORD_MAPS.items()}
    for country in maps["countries"]:
        if country not in COUNTRIES:
            fields.problem("countries", f"country {quoted(country)} must be one of {sorted(COUNTRIES)}")
    if len(problems) > count_before:
        return None
    values: dict[str, Any] = {**lists, **maps}  # typed per field by the dataclass itself
    return Language(**values)


def _word_map(fields: Fields, key: str, *, lists: bool = False) -> dict[str, Any]:
    """Words mapped to a word, or (lists) to a list of words or phrases: all non-empty text, since
    the code that reads French takes them apart letter by letter."""
    raw = fields.mapping_field(key)
    if raw is None:
        if fields.mapping.get(key) is None:
            fields.problem(None, f"missing mapping '{key}'")
        return {}
    found: dict[str, Any] = {}
    for word, value in raw.items():
        where = f"{fields.where}:{raw.key_lines.get(word, raw.line)}"
        label = f"'{key}': {quoted(word)}"
        if not isinstance(word, str) or not word.strip():
            fields.problems.append(f"{where}: {label} is not a word: write it in quotes")
        elif lists and isinstance(value, LocatedList):
            if all_texts(value, value.item_lines, fields.where, label, fields.problems):
                found[word] = tuple(item.strip() for item in value)
        elif not lists and isinstance(value, str) and value.strip():
            found[word] = value.strip()
        else:
            kind = "a list of words" if lists else "a word"
            complain(fields.problems, value, f"{where}: {label} must map to {kind}")
    return found
