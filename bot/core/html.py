"""Telegram's HTML subset: validate, escape, render as plain text, split long messages.

Telegram rejects a whole message whose HTML it cannot parse, so every answer is checked when the
knowledge base loads and every piece of outside text is escaped before it joins a reply.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_LENGTH = 4096

# Tags the knowledge base may use; Telegram accepts a few more, curators need no others.
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "blockquote"})

_TOKEN = re.compile(r"<[^<>]*>|&[^\s&<>;]*;?|[^<&]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>\Z")
_HREF = re.compile(r"""\s+href\s*=\s*"([^"<>]*)"\s*\Z""")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));\Z")
_ATTRIBUTE_ENTITY = re.compile(r"&[^\s&<>;]*;?")
# Where a link may lead: web pages over TLS, and Telegram itself (users, channels, stickers...).
LINK_SCHEMES = ("https://", "tg://")
MAX_ECHO = 80


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = MAX_ECHO) -> str:
    """A value echoed in a message to a curator: its repr, cut so that one line stays readable.

    Values come from files anyone may have written; a 100,000-character value would otherwise
    be printed whole, once per message that names it.
    """
    return shorten(repr(value), limit)


def escape(text: str) -> str:
    """Make outside text (user input, titles, contact fields) safe inside an HTML message."""
    return html.escape(text, quote=False)


def validate(text: str) -> list[str]:
    """Return the problems Telegram would refuse in this HTML text (empty list when valid)."""
    problems: list[str] = []
    open_tags: list[str] = []
    for token in _TOKEN.findall(text):
        if token == "<":
            problems.append("a bare '<': write &lt;")
        elif token.startswith("&"):
            problem = _entity_problem(token)
            if problem:
                problems.append(problem)
        elif token.startswith("<"):
            problems.extend(_check_tag(token, open_tags))
    problems.extend(f"<{tag}> is never closed" for tag in reversed(open_tags))
    return problems


def _entity_problem(token: str) -> str | None:
    """What is wrong with a token starting with '&', if anything."""
    match = _ENTITY.match(token)
    if not match:
        return f"a bare '&' in {quoted(token)}: write &amp;"
    decimal, hexadecimal = match.groups()
    if decimal is None and hexadecimal is None:
        return None  # a named entity
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    # Only Unicode scalar values name a character: not 0, not a UTF-16 surrogate, not past U+10FFFF.
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return f"{quoted(token)} is not a Unicode character"
    return None


def _check_tag(token: str, open_tags: list[str]) -> list[str]:
    match = _TAG.match(token)
    if not match:
        return [f"malformed tag {quoted(token)}: write &lt; for a literal '<'"]
    closing, name, attributes, _ = match.groups()
    name = name.lower()
    if name not in ALLOWED_TAGS:
        return [f"tag <{shorten(name)}> is not allowed (allowed: {', '.join(sorted(ALLOWED_TAGS))})"]
    if closing:
        if not open_tags or open_tags[-1] != name:
            return [f"</{name}> closes a tag that is not open"]
        open_tags.pop()
        return []
    problems = []
    if name == "a":
        href = _HREF.match(attributes)
        if not href:
            return ['<a> needs exactly one attribute, href="..."']
        problems = _link_problems(href.group(1))
    elif attributes.strip():
        return [f"<{name}> takes no attributes"]
    open_tags.append(name)
    return problems


def _link_problems(url: str) -> list[str]:
    # Telegram refuses a message whose attribute holds a bare '&', as it does in the text.
    problems = [problem for token in _ATTRIBUTE_ENTITY.findall(url) if (problem := _entity_problem(token))]
    if not url.startswith(LINK_SCHEMES):
        problems.append(f"link target {quoted(url)} must start with {' or '.join(LINK_SCHEMES)}")
    return problems


_LINK = re.compile(r"""<a\s+href\s*=\s*"([^"]*)"\s*>(.*?)</a>""", re.DOTALL)


def to_plain_text(text: str) -> str:
    """What a person reads: tags removed, entities decoded, link targets kept in brackets."""

    def link(found: re.Match[str]) -> str:
        url, label = found.group(1), found.group(2)
        shown = url.removeprefix("https://").rstrip("/")
        return label if shown in label else f"{label} ({url})"

    return html.unescape(re.sub(r"<[^<>]*>", "", _LINK.sub(link, text)))


def telegram_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split valid HTML into chunks Telegram accepts, at paragraph or line breaks when possible.

    Tags open at a cut are closed at the end of one chunk and reopened at the start of the next,
    so every chunk stays valid on its own.
    """
    if telegram_length(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    open_tags: list[str] = []  # full opening tags, e.g. '<a href="...">'
    for token in _split_tokens(text):
        closing = "".join(f"</{_tag_name(t)}>" for t in reversed(open_tags))
        if telegram_length(current + token + closing) > limit and current.strip():
            chunks.append(current + closing)
            current = "".join(open_tags)
        if telegram_length(current + token) > limit:
            # A single word longer than the limit: cut it hard (it cannot hold a tag).
            while telegram_length(current + token) > limit:
                room = limit - telegram_length(current + closing)
                chunks.append(current + token[:room] + closing)
                token = token[room:]
                current = "".join(open_tags)
        current += token
        if token.startswith("</"):
            open_tags.pop()
        elif token.startswith("<"):
            open_tags.append(token)
    if current.strip():
        chunks.append(current)
    return [chunk.strip("\n") for chunk in chunks]


def _split_tokens(text: str) -> list[str]:
    """Tags and entities whole; text cut after each line break or space so cuts fall there."""
    tokens: list[str] = []
    for token in re.findall(r"<[^<>]*>|&[^\s&<>;]*;|[^<&]+|[<&]", text):
        if token.startswith(("<", "&")):
            tokens.append(token)
        else:
            tokens.extend(re.findall(r"[^\n ]*(?:\n+| +)|[^\n ]+", token))
    return tokens


def _tag_name(opening_tag: str) -> str:
    return re.match(r"<([a-zA-Z0-9-]+)", opening_tag).group(1)  # type: ignore[union-attr]
