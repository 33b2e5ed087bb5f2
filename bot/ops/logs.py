"""Logging that can neither leak the token nor what people write, whatever a library logs.

Three defences, because one is not enough:
- our own code logs ids, outcomes and scores only, never message text;
- the formatter withholds every structured argument a library passes (an update, a dict, a list
  of received updates: python-telegram-bot logs whole batches when it cannot parse one), prints
  exceptions as their type and stack only (an exception's message may quote what it choked on),
  except Telegram's own errors, whose messages come from the Bot API;
- the token is replaced in the final line, traceback included, and an exception hook applies the
  same formatter to crashes that no logger catches.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import IO

REDACTED = "<token>"
# Arguments of these types are printed as they are; anything else is withheld.
_PLAIN = (int, float, bool, type(None))
# Library messages that are safe to keep as they are (short strings of their own).
_MAX_STRING_ARGUMENT = 200
# Messages of exceptions from these modules are written by the Bot API or the HTTP stack, not
# by people: they are kept (with the token removed) because they say what went wrong.
_TRUSTED_EXCEPTION_MODULES = ("telegram.error", "httpx", "httpcore", "ssl", "asyncio", "builtins")
_TRUSTED_BUILTINS = frozenset(
    {
        "TimeoutError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "OSError",
        "CancelledError",
    }
)


class PrivacyFormatter(logging.Formatter):
    """A `logging.Formatter` that redacts secrets and withholds personal data, message and traceback."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        # Longest first: the full token is replaced before its secret half would be.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers keep the original
        record.args = _withhold(record.args)
        if not isinstance(record.msg, str):
            record.msg = f"<{type(record.msg).__name__} withheld>"
        record.exc_text = None  # never reuse a traceback another formatter rendered
        return self.redact(super().format(record))

    def formatException(self, ei: _ExcInfo) -> str:  # logging's name
        _, error, tb = ei
        return format_exception_safely(error, tb) if error is not None else ""

    def formatStack(self, stack_info: str) -> str:  # logging's name
        return self.redact(stack_info)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _withhold(args: object) -> tuple[object, ...] | dict[str, object]:
    if isinstance(args, dict):  # logging's "%(name)s" form
        return {key: _withhold_one(value) for key, value in args.items()}
    if isinstance(args, tuple):
        return tuple(_withhold_one(value) for value in args)
    return ()


def _withhold_one(value: object) -> object:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, str) and len(value) <= _MAX_STRING_ARGUMENT:
        return value
    if isinstance(value, BaseException):
        return _exception_summary(value)
    return f"<{type(value).__name__} withheld>"


def _exception_summary(error: BaseException) -> str:
    name = type(error).__name__
    if _is_trusted(error):
        return f"{name}: {error}"
    return name


def _is_trusted(error: BaseException) -> bool:
    module = type(error).__module__
    if module == "builtins":
        return type(error).__name__ in _TRUSTED_BUILTINS
    return module.startswith(_TRUSTED_EXCEPTION_MODULES)


def format_exception_safely(error: BaseException, tb: TracebackType | None) -> str:
    """The traceback (files, lines, code) of an exception and of its causes, messages withheld."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    current_tb = tb
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current_tb)) if current_tb else ""
        parts.append(f"Traceback (most recent call last):\n{frames}{_exception_summary(current)}")
        nxt = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        current, current_tb = nxt, nxt.__traceback__ if nxt is not None else None
    return "\n\nwhich was raised while handling:\n\n".join(parts)


_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level_name: str, secrets: Iterable[str] = (), stream: IO[str] | None = None) -> logging.Handler:
    """One handler (stderr by default) with the privacy formatter, replacing the root's others.

    Library loggers are kept above the levels at which they leak, and uncaught exceptions go
    through the same formatter. Returns the handler.
    """
    level = getattr(logging, level_name.upper(), logging.INFO)
    if not isinstance(level, int):
        level = logging.INFO
    formatter = PrivacyFormatter(_FORMAT, secrets)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs request URLs, which contain the token, at INFO; python-telegram-bot logs whole
    # updates and API results at DEBUG. Whatever LOG_LEVEL says, they stay above those levels.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    install_excepthook(formatter)
    return handler


def install_excepthook(formatter: PrivacyFormatter) -> None:
    """Uncaught exceptions, in the main thread or any other, are printed redacted."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        sys.stderr.write(formatter.redact(format_exception_safely(error, tb)) + "\n")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
