"""A small in-process stand-in for the Telegram Bot API, for end-to-end bot tests.

Point python-telegram-bot at it with ``base_url``::

    with FakeTelegram() as tg:
        app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
        tg.push_command(42, "start")
        ...
        assert tg.sent_to(42)

Stdlib only: a ``ThreadingHTTPServer`` in a daemon thread, so it serves the bot
no matter which event loop (or thread) the bot runs in.

It is deliberately strict where bots usually break in production (HTML
markup, text length, inline keyboards, inline-query answers, answering a query
twice), so a bug shows up as ``telegram.error.BadRequest`` in tests rather than
in front of users. Error descriptions copy Telegram's wording where it is known;
a few checks are stricter than Telegram (see ``parse_html`` and
``_check_button``).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import email.parser
import email.policy
import itertools
import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl, urlsplit

JSONDict = dict[str, Any]
ChatId = int | str

__all__ = ["Call", "FailedCall", "FakeTelegram", "HtmlParseError", "parse_html", "utf16_len"]

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, counted after entity parsing
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64

# Delivered only when named in allowed_updates; left out by default (never given, or []).
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SENT_METHODS = frozenset({"sendMessage", "sendContact"})
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip

# Form fields carry every non-string value JSON-encoded (that is what PTB sends), so the
# decoder needs to know which fields are JSON and which are text that only looks like JSON.
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "allowed_updates", "commands", "scope", "results", "entities",
        "caption_entities", "link_preview_options", "reply_parameters", "media", "button",
        "options", "menu_button", "rights", "permissions", "reaction", "message_ids",
    }
)  # fmt: skip
_TEXT_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "phone_number", "first_name", "last_name", "vcard",
        "callback_query_id", "inline_query_id", "inline_message_id", "url", "next_offset",
        "description", "short_description", "language_code", "action", "title", "name",
        "business_connection_id", "message_effect_id", "secret_token", "ip_address", "query",
    }
)  # fmt: skip
_ID_FIELDS = frozenset({"chat_id", "from_chat_id", "user_id", "message_id", "message_thread_id"})
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_PATH_RE = re.compile(r"/bot([^/]*)/([^/]+)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- HTML


class HtmlParseError(ValueError):
    """Text is not valid Telegram HTML; the message follows Telegram's wording."""


_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "blockquote", "span", "tg-spoiler", "tg-emoji", "tg-time",
    }
)  # fmt: skip
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ATTR_RE = re.compile(r"""([^\s=>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def parse_html(text: str) -> str:
    """Validate ``text`` as Telegram HTML and return the visible text.

    Accepts the tags of https://core.telegram.org/bots/api#html-style, properly nested
    and closed. Stricter than Telegram on ``&``: it must start ``&lt;``, ``&gt;``,
    ``&amp;``, ``&quot;`` or a numeric reference (Telegram would print a stray ``&``
    as-is), because an unescaped ``&`` nearly always means the bot forgot to escape
    user input, and the next such input may contain a ``<``.
    """
    out: list[str] = []
    stack: list[str] = []
    n = len(text)

    def at(pos: int) -> str:
        return f"at byte offset {len(text[:pos].encode())}"

    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            code = _entity_code(match) if match else None
            if match is None or code is None:
                raise HtmlParseError(f"Unsupported HTML entity {at(i)}")
            out.append(chr(code))
            i = match.end()
        elif char != "<":
            out.append(char)
            i += 1
        elif text.startswith("</", i):
            end = text.find(">", i)
            if end < 0:
                raise HtmlParseError(f"Unclosed end tag {at(i)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag {at(i)}")
            if name and name != stack[-1]:
                raise HtmlParseError(
                    f'Unmatched end tag {at(i)}, expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            i = end + 1
        else:
            j = i + 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 1 : j].lower()
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag {at(i)}")
            if name not in _HTML_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{name}" {at(i)}')
            attrs: dict[str, str] = {}
            while True:
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag {at(i)}")
                if text[j] == ">":
                    break
                attr = _HTML_ATTR_RE.match(text, j)
                if attr is None:
                    raise HtmlParseError(f"Unclosed start tag {at(i)}")
                value = next((v for v in attr.group(2, 3, 4) if v is not None), "")
                attrs[attr.group(1).lower()] = value
                j = attr.end()
            _check_tag_attrs(name, attrs, at(i))
            stack.append(name)
            i = j + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _entity_code(match: re.Match[str]) -> int | None:
    decimal, hexadecimal, named = match.groups()
    if named:
        return ord(_NAMED_ENTITIES[named])
    code = int(decimal) if decimal else int(hexadecimal, 16)
    # chr() would accept surrogates, Telegram does not.
    return code if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _check_tag_attrs(name: str, attrs: dict[str, str], where: str) -> None:
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {where}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise HtmlParseError(f'Tag "tg-emoji" must have attribute "emoji-id" {where}')
    if name == "tg-time" and not attrs.get("unix", "").isdigit():
        raise HtmlParseError(f'Tag "tg-time" must have attribute "unix" {where}')


# --------------------------------------------------------------------------- records


class Call(NamedTuple):
    """One request as received: method name (canonical spelling) and decoded params."""

    method: str
    params: JSONDict


class FailedCall(NamedTuple):
    """A request that was answered with ``ok: false`` (injected or a validation error)."""

    method: str
    params: JSONDict
    error_code: int
    description: str


@dataclass
class _Record:
    method: str
    params: JSONDict
    answered: bool = False
    error: tuple[int, str] | None = None
    at: float = field(default_factory=time.monotonic)  # arrival, for rate checks


@dataclass
class _Fault:
    delay: float
    times: int
    status: int | None = None  # None: answer normally after the delay
    description: str = ""
    retry_after: int | None = None


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Error"


# --------------------------------------------------------------------------- request parsing


def _decode_params(content_type: str, body: bytes, query: str) -> JSONDict:
    params: JSONDict = {k: _decode_form_value(k, v) for k, v in parse_qsl(query, True)}
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if mime == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _bad("can't parse JSON object") from exc
        if not isinstance(data, dict):
            raise _bad("can't parse JSON object")
        params.update((k, _decode_json_value(k, v)) for k, v in data.items())
    elif mime == "multipart/form-data":
        params.update((k, _decode_form_value(k, v)) for k, v in _multipart_fields(content_type, body))
    else:  # x-www-form-urlencoded, also Telegram's reading of a body without a type
        try:
            pairs = parse_qsl(body.decode("utf-8"), True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise _bad("request body must be UTF-8") from exc
        params.update((k, _decode_form_value(k, v)) for k, v in pairs)
    return params


def _multipart_fields(content_type: str, body: bytes) -> Iterable[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.walk():
        name = part.get_param("name", header="content-disposition")
        # Uploaded files (parts with a filename) are outside what this stand-in models.
        if part.is_multipart() or not isinstance(name, str) or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        yield name, payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _TEXT_FIELDS:
        return raw
    if name in _JSON_FIELDS:
        try:
            return json.loads(raw)
        except ValueError as exc:
            what = "reply keyboard markup" if name == "reply_markup" else name
            raise _bad(f"can't parse {what} JSON object") from exc
    try:
        value = json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id="@channel"
    # Only numbers/booleans/containers were JSON-encoded; a JSON string or null was plain text.
    return raw if value is None or isinstance(value, str) else value


def _decode_json_value(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if name in _JSON_FIELDS:  # some clients JSON-encode these even inside a JSON body
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad(f"can't parse {name} JSON object") from exc
        if name in _ID_FIELDS and re.fullmatch(r"-?\d+", value):
            return int(value)
    return value


# --------------------------------------------------------------------------- validation


def _check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:  # reply keyboards, remove_keyboard and force_reply are not checked
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)


def _check_button(button: Any) -> None:
    """Validate one InlineKeyboardButton.

    Stricter than Telegram in one way: more than one action field is rejected
    (Telegram silently uses one of them, which hides a bug).
    """
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _bad(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if text is None:
        raise _bad(prefix + 'Can\'t find field "text"')
    if not isinstance(text, str):
        raise _bad(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if _has_action(button, key)]
    if not actions:
        raise _bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad(prefix + f"exactly one action field must be used, got {', '.join(actions)}")
    data = button.get("callback_data")
    if data is not None:
        if not isinstance(data, str):
            raise _bad(prefix + 'Field "callback_data" must be of type String')
        if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")


def _has_action(button: JSONDict, key: str) -> bool:
    value = button.get(key)
    if key in ("callback_data", "url"):
        return bool(value)  # Telegram treats an empty string as absent
    if key == "pay":
        return value is True
    return value is not None  # switch_inline_query="" is meaningful


def _message_text(params: JSONDict) -> str:
    """Check text/parse_mode like sendMessage does; return the visible text."""
    raw = params.get("text")
    text = "" if raw is None else str(raw)
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            text = parse_html(text)
        except HtmlParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from exc
    elif mode not in ("", "markdown", "markdownv2"):  # Markdown is not validated here
        raise _bad("unsupported parse_mode")
    if not text.strip():
        raise _bad("message text is empty")
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise _bad("message is too long")
    return text


def _require(params: JSONDict, *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise _bad(f'parameter "{name}" is required')


def text_update(update_id: int, chat: int, text: str) -> JSONDict:
    """A private text message as Telegram posts it to a webhook (the message id is the update's)."""
    user = {"id": chat, "is_bot": False, "first_name": "Olena"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "text": text,
            "from": user,
            "chat": {"id": chat, "type": "private", "first_name": "Olena"},
        },
    }


def _norm_chat_id(chat_id: Any) -> Any:
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id


# --------------------------------------------------------------------------- HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
    # Headers and body go out in two writes; with Nagle on, each answer waits ~40 ms.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        status, payload = self.server.fake._dispatch(self.path, content_type, body, self._client_gone)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (read timeout, cancelled long poll)
            self.close_connection = True

    do_GET = do_POST

    def _client_gone(self) -> bool:
        """True once the client closed the connection (e.g. PTB cancelled a long poll)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; `calls` is the log


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a long poll must not block interpreter exit

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # disconnects mid-request are normal here; API errors are recorded per call


# --------------------------------------------------------------------------- the fake


class FakeTelegram:
    """Telegram Bot API stand-in serving ``/bot<token>/<method>`` on 127.0.0.1.

    - ``push_*`` queue updates for getUpdates (offset/limit/timeout/allowed_updates
      honoured; unconfirmed updates are delivered again, e.g. after a restart).
    - ``calls``, ``failed_calls``, ``calls_to``, ``sent_to``, ``message`` and
      ``wait_for``/``wait_for_async`` observe what the bot did.
    - ``fail_next`` and ``delay_next`` inject 429/5xx answers and slow answers.

    Every public method is thread-safe and may be called from the test's thread or
    event loop while the bot talks to the server.
    """

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "cicr_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": "Test Bot",
            "username": bot_username,
        }
        # One RLock-backed condition guards all state; getUpdates waits on it.
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        self._records: list[_Record] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)  # one sequence, so ids never collide
        self._query_ids = itertools.count(1001)
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._waiting_pollers = 0
        self._chats: dict[ChatId, JSONDict] = {}
        self._messages: dict[tuple[ChatId, int], JSONDict] = {}
        self._raw_texts: dict[tuple[ChatId, int], tuple[str, str]] = {}
        self._open_queries: set[str] = set()
        self._commands: dict[str, list[JSONDict]] = {}
        self._descriptions: dict[str, str] = {}
        self._held: set[str] = set()
        self._corrupt: dict[str, int] = {}
        self._revoked = False
        self.webhook: JSONDict | None = None  # what setWebhook was given

        handlers: dict[str, Callable[[JSONDict], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": lambda _p: True,
            "logOut": lambda _p: True,
            "sendMessage": self._send_message,
            "sendContact": self._send_contact,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "leaveChat": self._leave_chat,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": lambda p: {"description": self._description("description", p)},
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": lambda p: {
                "short_description": self._description("short_description", p)
            },
            "sendChatAction": self._send_chat_action,
        }
        self._handlers = handlers
        # Bot API method names are case-insensitive; record them in canonical spelling.
        self._canonical = {name.lower(): name for name in handlers}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._stopping.clear()
        self._server = _Server(self)
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-telegram", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes delayed answers
        with self._cond:
            self._cond.notify_all()  # wakes long polls
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to pass as PTB's ``base_url``; PTB appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------------ recorded calls

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request in arrival order, failed ones included."""
        with self._cond:
            return [Call(r.method, r.params) for r in self._records]

    def sent_times(self, chat_ids: Iterable[ChatId] | None = None) -> list[float]:
        """Arrival times (time.monotonic) of every sendMessage and sendContact (to these chats),
        in order."""
        wanted = None if chat_ids is None else {_norm_chat_id(c) for c in chat_ids}
        with self._cond:
            return [
                r.at
                for r in self._records
                if r.method in _SENT_METHODS
                and (wanted is None or _norm_chat_id(r.params.get("chat_id")) in wanted)
            ]

    @property
    def failed_calls(self) -> list[FailedCall]:
        """Requests answered with ``ok: false``, in arrival order."""
        with self._cond:
            return [FailedCall(r.method, r.params, *r.error) for r in self._records if r.error is not None]

    def calls_to(self, method: str) -> list[JSONDict]:
        """Params of every attempt at ``method`` (case-insensitive), failed ones included."""
        wanted = method.lower()
        return [c.params for c in self.calls if c.method.lower() == wanted]

    def sent_to(self, chat_id: ChatId) -> list[JSONDict]:
        """Params of sendMessage/sendContact calls to ``chat_id`` that succeeded, in order.

        A call delayed with ``delay_next`` counts once answered, even if the client
        had already timed out: Telegram delivers such messages too.
        """
        wanted = _norm_chat_id(chat_id)
        with self._cond:
            return [
                r.params
                for r in self._records
                if r.method in _SENT_METHODS
                and r.answered
                and r.error is None
                and _norm_chat_id(r.params.get("chat_id")) == wanted
            ]

    def sent_counts(self) -> collections.Counter[ChatId]:
        """How many messages each chat received (as ``sent_to`` counts them), in one pass: a
        wait on hundreds of chats would otherwise scan every record once per chat."""
        with self._cond:
            return collections.Counter(
                _norm_chat_id(r.params.get("chat_id"))
                for r in self._records
                if r.method in _SENT_METHODS and r.answered and r.error is None
            )

    def clear_calls(self) -> None:
        with self._cond:
            self._records.clear()

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(calls)`` is true; False on timeout.

        Blocks the calling thread: from a coroutine running the bot on the same event
        loop, use ``wait_for_async`` instead or the bot never gets to run.
        """
        deadline = time.monotonic() + timeout
        while not predicate(self.calls):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._cond:
                self._cond.wait(min(remaining, 0.05))  # short cap: a notify may race the check
        return True

    async def wait_for_async(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> bool:
        """``wait_for`` for coroutines: woken by the calls themselves (the condition the server
        thread notifies), in a worker thread, so that the event loop keeps running the bot."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    def message(self, chat_id: ChatId, message_id: int) -> JSONDict | None:
        """The current state of a message (after edits) as the fake knows it."""
        with self._cond:
            found = self._messages.get((_norm_chat_id(chat_id), message_id))
            return copy.deepcopy(found) if found is not None else None

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    @property
    def allowed_updates(self) -> list[str] | None:
        """The last allowed_updates given to getUpdates (None: never given)."""
        with self._cond:
            return None if self._allowed_updates is None else list(self._allowed_updates)

    @property
    def waiting_pollers(self) -> int:
        """getUpdates requests currently blocked in a long poll."""
        with self._cond:
            return self._waiting_pollers

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with an error.

        429 carries ``parameters.retry_after`` (default 1 s), which PTB turns into
        ``RetryAfter``; 5xx become ``NetworkError``; 403 defaults to "bot was
        blocked by the user". ``delay`` is waited before the error is sent.
        """
        if status < 400:
            raise ValueError("status must be an HTTP error status")
        # Only 429 carries retry_after at Telegram; PTB would raise RetryAfter for any
        # status that had it, so a "502" test would silently exercise the 429 path.
        retry_after = (1 if retry_after is None else retry_after) if status == 429 else None
        text = description or _default_description(status, retry_after)
        self._add_fault(method, _Fault(delay, times, status, text, retry_after))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before answering the next ``times`` calls (normally)."""
        self._add_fault(method, _Fault(seconds, times))

    def hold(self, method: str) -> None:
        """Keep calls to ``method`` waiting, undelivered, until ``release``.

        A call whose client disconnects while held is never delivered (as if the bot died
        before its request reached Telegram) and shows in ``failed_calls`` with status 499.
        """
        with self._cond:
            self._held.add(method.lower())

    def release(self, method: str) -> None:
        with self._cond:
            self._held.discard(method.lower())
            self._cond.notify_all()

    def held_calls(self, method: str) -> int:
        """Calls to ``method`` waiting in ``hold`` right now."""
        wanted = method.lower()
        with self._cond:
            return sum(1 for r in self._records if r.method.lower() == wanted and not r.answered)

    def corrupt_next(self, method: str, times: int = 1) -> None:
        """Answer the next ``times`` calls with ``ok: true`` and a result no client can parse."""
        with self._cond:
            self._corrupt[method.lower()] = self._corrupt.get(method.lower(), 0) + times

    def revoke_token(self) -> None:
        """From now on every call is refused with 401, as after /revoke at @BotFather."""
        with self._cond:
            self._revoked = True

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be >= 1")
        with self._cond:
            self._faults.setdefault(method.lower(), []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            queue = self._faults.get(method.lower())
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times == 0:
                queue.pop(0)
            return fault

    # ------------------------------------------------------------------ update injection

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue any update; ``update_id`` is (re)assigned. Returns the queued update."""
        stored = copy.deepcopy(update)
        with self._cond:
            stored["update_id"] = next(self._update_ids)
            for kind in ("callback_query", "inline_query"):
                query = stored.get(kind)
                if isinstance(query, dict) and "id" in query:
                    self._open_queries.add(str(query["id"]))
            self._updates.append(stored)
            self._cond.notify_all()
            return copy.deepcopy(stored)

    def for_webhook(self, update: JSONDict) -> JSONDict:
        """An update that a test posts to a webhook itself, as Telegram would: its message is
        remembered (a reply may quote it) and its query opened (it may be answered once);
        nothing is queued for getUpdates. Returns the update."""
        with self._cond:
            message = update.get("message")
            if isinstance(message, dict):
                self._store_message(message)
            for kind in ("callback_query", "inline_query"):
                query = update.get(kind)
                if isinstance(query, dict) and "id" in query:
                    self._open_queries.add(str(query["id"]))
        return update

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """A user sends ``text``. ``entities=None`` adds bot_command for a leading /command."""
        if entities is None:
            command = re.match(r"/\S+", text)
            entities = (
                [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
                if command
                else []
            )
        extra: JSONDict = {"text": text}
        if entities:
            extra["entities"] = entities
        return self._push_message(chat_id, chat_type, user_id, extra)

    def push_command(
        self,
        chat_id: int,
        command: str,
        args: str = "",
        *,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> JSONDict:
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return self.push_text(chat_id, text, chat_type=chat_type, user_id=user_id)

    def push_sticker(
        self, chat_id: int, *, chat_type: str = "private", user_id: int | None = None
    ) -> JSONDict:
        sticker = {
            **self._file("sticker"), "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": "\N{THUMBS UP SIGN}",
        }  # fmt: skip
        return self._push_message(chat_id, chat_type, user_id, {"sticker": sticker})

    def push_voice(self, chat_id: int, *, chat_type: str = "private", user_id: int | None = None) -> JSONDict:
        voice = {**self._file("voice"), "duration": 2, "mime_type": "audio/ogg", "file_size": 4096}
        return self._push_message(chat_id, chat_type, user_id, {"voice": voice})

    def push_photo(
        self,
        chat_id: int,
        *,
        caption: str | None = None,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> JSONDict:
        sizes = [
            {**self._file("photo"), "width": side, "height": side, "file_size": side * 40}
            for side in (90, 320, 800)
        ]
        extra: JSONDict = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(chat_id, chat_type, user_id, extra)

    def push_edited_text(
        self,
        chat_id: int,
        text: str,
        *,
        message_id: int | None = None,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> JSONDict:
        """The user edits an earlier message (a new id if ``message_id`` is None)."""
        chat = self._remember_chat(chat_id, chat_type)
        message = self._new_message(chat, self._user(self._user_id(chat_id, chat_type, user_id)))
        if message_id is not None:
            message["message_id"] = message_id
        message.update(text=text, edit_date=message["date"])
        with self._cond:
            self._store_message(message)
        return self.push_update({"edited_message": message})

    def push_channel_post(self, chat_id: int, text: str) -> JSONDict:
        chat = self._remember_chat(chat_id, "channel")
        message = self._new_message(chat, None)
        message.update(sender_chat=chat, text=text)
        with self._cond:
            self._store_message(message)
        return self.push_update({"channel_post": message})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> JSONDict:
        """A user presses an inline button on message ``message_id``.

        The attached message is the one the bot sent (so edits can be checked);
        an unknown id gets a placeholder bot message, which is then editable.
        """
        chat = self._remember_chat(chat_id, chat_type)
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                message = self._new_message(chat, self.bot_user, message_id=message_id)
                message["text"] = "(message)"
                self._store_message(message)
            query = {
                "id": str(next(self._query_ids)),
                "from": self._user(self._user_id(chat_id, chat_type, user_id)),
                "message": copy.deepcopy(message),
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
        return self.push_update({"callback_query": query})

    def push_inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str | None = "sender"
    ) -> JSONDict:
        """``@bot query`` typed by ``user_id`` in a chat of ``chat_type`` (sender: their own;
        None: Telegram left it out, as it does for some clients and secret chats)."""
        with self._cond:
            inline_query: JSONDict = {
                "id": str(next(self._query_ids)),
                "from": self._user(user_id),
                "query": query,
                "offset": offset,
            }
            if chat_type is not None:
                inline_query["chat_type"] = chat_type
        return self.push_update({"inline_query": inline_query})

    def push_my_chat_member(
        self,
        chat_id: int,
        chat_type: str = "group",
        new_status: str = "member",
        *,
        old_status: str | None = None,
        user_id: int | None = None,
    ) -> JSONDict:
        """The bot's own membership changed (added, promoted, kicked, ...)."""
        if old_status is None:
            old_status = "left" if new_status in ("member", "administrator", "creator") else "member"
        chat = self._remember_chat(chat_id, chat_type)
        update = {
            "chat": chat,
            "from": self._user(self._user_id(chat_id, chat_type, user_id)),
            "date": int(time.time()),
            "old_chat_member": self._member(old_status),
            "new_chat_member": self._member(new_status),
        }
        return self.push_update({"my_chat_member": update})

    # ------------------------------------------------------------------ helpers for updates

    def _push_message(self, chat_id: int, chat_type: str, user_id: int | None, extra: JSONDict) -> JSONDict:
        chat = self._remember_chat(chat_id, chat_type)
        message = self._new_message(chat, self._user(self._user_id(chat_id, chat_type, user_id)))
        message.update(extra)
        with self._cond:
            self._store_message(message)
        return self.push_update({"message": message})

    def _new_message(
        self, chat: JSONDict, sender: JSONDict | None, message_id: int | None = None
    ) -> JSONDict:
        with self._cond:
            message: JSONDict = {
                "message_id": message_id if message_id is not None else next(self._message_ids),
                "date": int(time.time()),
                "chat": copy.deepcopy(chat),
            }
        if sender is not None:
            message["from"] = copy.deepcopy(sender)
        return message

    def _store_message(self, message: JSONDict) -> None:
        self._messages[(message["chat"]["id"], message["message_id"])] = copy.deepcopy(message)

    @staticmethod
    def _user_id(chat_id: int, chat_type: str, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_type == "private" else 100001

    @staticmethod
    def _user(user_id: int) -> JSONDict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "username": f"user{user_id}",
            "language_code": "en",
        }

    def _remember_chat(self, chat_id: ChatId, chat_type: str) -> JSONDict:
        if chat_type == "private":
            chat: JSONDict = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
            chat["username"] = f"user{chat_id}"
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}
        with self._cond:
            self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _chat(self, chat_id: Any) -> JSONDict:
        """The chat a bot writes to: as pushed, else guessed from the id's shape."""
        chat_id = _norm_chat_id(chat_id)
        known = self._chats.get(chat_id)
        if known is not None:
            return copy.deepcopy(known)
        if isinstance(chat_id, str):
            return {
                "id": -1001000000000,
                "type": "channel",
                "title": chat_id,
                "username": chat_id.lstrip("@"),
            }
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        kind = "supergroup" if chat_id <= -1000000000000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}

    def _file(self, kind: str) -> JSONDict:
        with self._cond:
            n = next(self._message_ids)
        return {"file_id": f"{kind}-file-{n}", "file_unique_id": f"{kind}-u{n}"}

    def _member(self, status: str) -> JSONDict:
        member: JSONDict = {"user": copy.deepcopy(self.bot_user), "status": status}
        if status == "administrator":
            rights = (
                "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
                "can_change_info can_invite_users can_post_stories can_edit_stories "
                "can_delete_stories can_pin_messages"
            )
            member.update(dict.fromkeys(rights.split(), True))
            member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            flags = (
                "can_change_info can_invite_users can_pin_messages can_send_messages can_send_polls "
                "can_send_other_messages can_add_web_page_previews can_manage_topics "
                "can_send_audios can_send_documents can_send_photos can_send_videos "
                "can_send_video_notes can_send_voice_notes can_edit_tag"
            )
            member.update(dict.fromkeys(flags.split(), False))
            member.update(is_member=True, until_date=0)
        return member

    # ------------------------------------------------------------------ dispatch

    def _dispatch(
        self, path: str, content_type: str, body: bytes, client_gone: Callable[[], bool] = lambda: False
    ) -> tuple[int, JSONDict]:
        url = urlsplit(path)
        match = _PATH_RE.fullmatch(url.path)
        if match is None:
            return 404, _ApiError(404, "Not Found").payload()
        token, name = match.groups()
        method = self._canonical.get(name.lower(), name)
        decode_error: _ApiError | None = None
        try:
            params = _decode_params(content_type, body, url.query)
        except _ApiError as exc:
            params, decode_error = {}, exc
        record = _Record(method, params)
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()
        try:
            if token != self.token or self._revoked:
                raise _ApiError(401, "Unauthorized")
            handler = self._handlers.get(method)
            if handler is None:
                raise _ApiError(404, "Not Found")
            if decode_error is not None:
                raise decode_error
            fault = self._take_fault(method)
            if fault is not None:
                self._stopping.wait(fault.delay)
                if fault.status is not None:
                    raise _ApiError(fault.status, fault.description, fault.retry_after)
            self._wait_while_held(method, client_gone)
            if self._take_corrupt(method):
                self._finish(record, None)
                return 200, {"ok": True, "result": "not what the Bot API answers"}
            with self._cond:
                if method == "getUpdates":
                    result: Any = self._get_updates(params, client_gone)
                else:
                    result = handler(params)
        except _ApiError as exc:
            self._finish(record, exc)
            return exc.status, exc.payload()
        except Exception as exc:  # a bug in the fake must fail loudly, not hang the bot
            error = _ApiError(500, f"Internal Server Error: fake_telegram crashed: {exc!r}")
            self._finish(record, error)
            return 500, error.payload()
        self._finish(record, None)
        return 200, {"ok": True, "result": result}

    def _wait_while_held(self, method: str, client_gone: Callable[[], bool]) -> None:
        with self._cond:
            held = False
            while method.lower() in self._held and not self._stopping.is_set():
                held = True
                self._cond.wait(0.02)
            if held and client_gone():
                # The client died before the request got through: never delivered.
                raise _ApiError(499, "client closed the connection before delivery")

    def _take_corrupt(self, method: str) -> bool:
        with self._cond:
            left = self._corrupt.get(method.lower(), 0)
            if left:
                self._corrupt[method.lower()] = left - 1
            return left > 0

    def _finish(self, record: _Record, error: _ApiError | None) -> None:
        with self._cond:
            record.answered = True
            if error is not None:
                record.error = (error.status, error.description)
            self._cond.notify_all()

    # ------------------------------------------------------------------ methods
    # Each runs with self._cond held; getUpdates releases it while waiting.

    def _get_me(self, _params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(
        self, params: JSONDict, client_gone: Callable[[], bool] = lambda: False
    ) -> list[JSONDict]:
        if self.webhook is not None:  # as Telegram: one way of receiving updates at a time
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit", 100)), 1), 100)  # clamped, as Telegram does
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON object")
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:  # confirms and forgets everything before offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        # A newer getUpdates ends an older one still waiting, as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                # PTB cancels its long poll on stop and then polls once more; an
                # orphaned poll is no conflict, and must not show in failed_calls.
                if self._left_within(client_gone, 0.1):
                    return []
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            # Filtered on delivery, not creation as Telegram does, so a test need not
            # wait for the bot's first getUpdates before pushing.
            ready = [copy.deepcopy(u) for u in self._updates if self._wanted(u)][:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._stopping.is_set() or client_gone():
                return ready
            self._waiting_pollers += 1
            try:
                self._cond.wait(min(remaining, 0.1))  # wake now and then to notice client_gone
            finally:
                self._waiting_pollers -= 1

    def _left_within(self, client_gone: Callable[[], bool], grace: float) -> bool:
        # The client's FIN may trail its next request, which came on another connection.
        deadline = time.monotonic() + grace
        while not client_gone():
            if time.monotonic() >= deadline:
                return False
            self._cond.wait(0.01)
        return True

    def _wanted(self, update: JSONDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATE_TYPES

    def _set_webhook(self, params: JSONDict) -> bool:
        _require(params, "url")
        url = str(params["url"])
        if not url.startswith("https://"):
            raise _bad("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, _params: JSONDict) -> JSONDict:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _send_message(self, params: JSONDict) -> JSONDict:
        _require(params, "chat_id")
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        text = _message_text(params)
        message = self._new_message(self._chat(params["chat_id"]), self.bot_user)
        message["text"] = text
        replied = self._replied(params)
        if replied is not None:
            message["reply_to_message"] = replied
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes only inline keyboards
        self._store_message(message)
        key = (message["chat"]["id"], message["message_id"])
        self._raw_texts[key] = (str(params["text"]), str(params.get("parse_mode") or ""))
        return message

    def _replied(self, params: JSONDict) -> JSONDict | None:
        """The message `reply_parameters` names, as Telegram attaches it: without its own
        `reply_to_message`. None without reply parameters, or when the message is gone and the
        sender allowed sending without it (else, as Telegram, an error)."""
        parameters = params.get("reply_parameters")
        if parameters is None:
            return None
        if not isinstance(parameters, dict) or "message_id" not in parameters:
            raise _bad("can't parse reply parameters JSON object")
        chat = _norm_chat_id(parameters.get("chat_id", params["chat_id"]))
        found = self._messages.get((chat, int(parameters["message_id"])))
        if found is None:
            if parameters.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        quoted = copy.deepcopy(found)
        quoted.pop("reply_to_message", None)
        return quoted

    def _send_contact(self, params: JSONDict) -> JSONDict:
        _require(params, "chat_id", "phone_number", "first_name")
        _check_reply_markup(params.get("reply_markup"))
        contact = {k: params[k] for k in ("phone_number", "first_name", "last_name", "vcard") if k in params}
        message = self._new_message(self._chat(params["chat_id"]), self.bot_user)
        message["contact"] = contact
        self._store_message(message)
        return message

    def _editable(self, params: JSONDict) -> tuple[ChatId, int, JSONDict] | None:
        """The stored message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise _bad("message identifier is not specified")
        key = (_norm_chat_id(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return key[0], key[1], message

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        text = _message_text(params)
        target = self._editable(params)
        if target is None:
            return True
        chat_id, message_id, message = target
        raw = (str(params["text"]), str(params.get("parse_mode") or ""))
        if raw == self._raw_texts.get((chat_id, message_id)) and markup == message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        message.update(text=text, edit_date=int(time.time()))
        message.pop("reply_markup", None)  # an edit without reply_markup removes the keyboard
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._raw_texts[(chat_id, message_id)] = raw
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        target = self._editable(params)
        if target is None:
            return True
        _chat_id, _message_id, message = target
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if new_markup == message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if new_markup is not None:
            message["reply_markup"] = new_markup
        return copy.deepcopy(message)

    def _take_query(self, query_id: Any) -> None:
        # Each query can be answered once; a second answer (e.g. after a restart) is an error.
        if str(query_id) not in self._open_queries:
            raise _bad(_QUERY_INVALID)
        self._open_queries.discard(str(query_id))

    def _answer_callback_query(self, params: JSONDict) -> bool:
        _require(params, "callback_query_id")
        self._take_query(params["callback_query_id"])
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        _require(params, "inline_query_id")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or "type" not in result:
                raise _bad("can't parse inline query result: Can't find field \"type\"")
            result_id = result.get("id")
            if not isinstance(result_id, str) or not result_id:
                raise _bad("RESULT_ID_INVALID")
            if len(result_id.encode("utf-8")) > MAX_INLINE_RESULT_ID_BYTES:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
        self._take_query(params["inline_query_id"])
        return True

    def _leave_chat(self, params: JSONDict) -> bool:
        _require(params, "chat_id")
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand")
            if not _BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("command description must be 1-256 characters long")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_description(self, kind: str, params: JSONDict, limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise _bad(f"{kind.replace('_', ' ')} is too long")
        self._descriptions[f"{kind}:{params.get('language_code') or ''}"] = text
        return True

    def _set_my_description(self, params: JSONDict) -> bool:
        return self._set_description("description", params, 512)

    def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._set_description("short_description", params, 120)

    def _description(self, kind: str, params: JSONDict) -> str:
        return self._descriptions.get(f"{kind}:{params.get('language_code') or ''}", "")

    def _send_chat_action(self, params: JSONDict) -> bool:
        _require(params, "chat_id", "action")
        if params["action"] not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True
