"""Logging that can neither leak the token nor what people write, whatever a library logs.

Three defences, because one is not enough:
- our own code logs ids, outcomes and scores only, never message text;
- the formatter withholds every structured argument a library passes (an update, a dict, a list
  of received updates: python-telegram-bot logs whole batches when it cannot parse one), prints
  exceptions as their type and stack only (an exception's message may quote what it choked on),
  except Telegram's own errors, whose messages come from the Bot API;
- the token is replaced in the final line, traceback included, and an exception hook applies the
  same formatter to crashes that no logger catches.

And a line that repeats is written once, then counted: see `RepeatFilter`.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
        record.args = _withhold(record.args, record.msg)
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


def _withhold(args: object, msg: object) -> tuple[object, ...] | dict[str, object]:
    if isinstance(args, dict):
        if isinstance(msg, str) and "%(" in msg:  # logging's "%(name)s" form
            return {key: _withhold_one(value) for key, value in args.items()}
        # A lone mapping argument, `log("%r", data)`: logging makes it the arguments themselves,
        # and "%r" would print it whole. It is withheld whole, as in any other place.
        return (_withhold_one(args),)
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


# A record seen again within this many seconds of the last one written is counted, not written.
REPEAT_PERIOD = 60.0
# Records remembered at once: a flood repeats one record, so a few hundred is plenty, and the
# memory stays bounded whatever is logged.
_MAX_REMEMBERED = 256
# Set on the summary records the filter writes itself, which it lets through.
_SUMMARY = "repeat_summary"


@dataclass
class _Repeats:
    since: float  # when the current period began (the first occurrence or the last summary)
    count: int  # occurrences counted and not written since then
    # Where a summary takes its logger, level and place: copied, not the record, whose arguments
    # and traceback (frames, locals) would stay in memory with it.
    origin: dict[str, object]
    headline: str  # the first line, arguments withheld as the formatter withholds them


class RepeatFilter(logging.Filter):
    """A handler's filter: a record is written once, its repeats counted and summed up in one line.

    When the process runs out of file descriptors, asyncio logs the same traceback ("socket.accept()
    out of system resource", EMFILE) for every accept it retries, thousands a second: 97 to 211 MB
    of log in half a minute. Here the first occurrence is written whole, the next ones within
    `period` seconds are only counted, and then a single line says how many there were (at most
    one line per `period` for as long as it lasts). A record is "the same" when its logger, level,
    message's first line (arguments withheld as in the log) and exception are.

    A count is written once its period is over, with the next record logged (the same or any
    other): a filter has no timer of its own. What is still counted when the handler is closed
    (logging closes it at exit) is written then.
    """

    def __init__(
        self,
        handler: logging.Handler,
        period: float = REPEAT_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.handler = handler  # where summaries are written (through this filter, let through)
        self.period = period
        self.clock = clock
        self._lock = threading.Lock()  # records come from any thread
        self._seen: dict[tuple[str, int, str], _Repeats] = {}
        self._next_sweep = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SUMMARY, False):
            return True
        headline = _headline(record)
        # The first line only: asyncio's next lines are context that differs from one call to
        # the next (a timer's due time, a handle's address) for the same failure.
        key = (record.name, record.levelno, headline)
        now = self.clock()
        due: list[logging.LogRecord] = []
        with self._lock:
            seen = self._seen.get(key)
            if seen is None:
                origin = {name: getattr(record, name) for name in _ORIGIN}
                self._seen[key] = _Repeats(now, 0, origin, headline)
                write = True
            elif now - seen.since < self.period:
                seen.count += 1
                write = False
            elif seen.count:  # still repeating after a period: one line for them all, this one too
                seen.count += 1
                due.append(self._summary(seen, now))
                write = False
            else:  # quiet for a period: news again
                seen.since = now
                write = True
            if now >= self._next_sweep or len(self._seen) > _MAX_REMEMBERED:
                due += self._sweep(now)
        for summary in due:  # outside the lock: the handler calls this filter again with it
            self.handler.handle(summary)
        return write

    def flush(self) -> None:
        """Write the counts not written yet, whatever their period: the handler is being closed."""
        with self._lock:
            due = [self._summary(seen, self.clock()) for seen in self._seen.values() if seen.count]
            self._seen.clear()
        for summary in due:
            self.handler.handle(summary)

    def _sweep(self, now: float) -> list[logging.LogRecord]:
        """Counts whose period is over, as summaries; records quiet for a period, forgotten."""
        self._next_sweep = now + min(1.0, self.period)  # not on every record
        due: list[logging.LogRecord] = []
        for key, seen in list(self._seen.items()):
            if now - seen.since < self.period:
                continue
            if seen.count:
                due.append(self._summary(seen, now))
            else:
                del self._seen[key]
        while len(self._seen) > _MAX_REMEMBERED:  # the oldest go first, their counts written
            seen = self._seen.pop(next(iter(self._seen)))
            if seen.count:
                due.append(self._summary(seen, now))
        return due

    def _summary(self, seen: _Repeats, now: float) -> logging.LogRecord:
        seconds = max(1, round(now - seen.since))
        summary = logging.makeLogRecord(
            {
                **seen.origin,
                # The headline is already withheld; no arguments, so no %-formatting of it.
                "msg": f"{seen.headline} [repeated {seen.count} time{'s' * (seen.count > 1)} in {seconds} s]",
                "args": (),
                _SUMMARY: True,
            }
        )
        seen.since, seen.count = now, 0
        return summary


_ORIGIN = ("name", "levelno", "levelname", "pathname", "filename", "module", "lineno", "funcName")


def _headline(record: logging.LogRecord) -> str:
    """The message's first line as the log would show it, arguments withheld, and the exception's
    type (and message when trusted) in brackets."""
    if not isinstance(record.msg, str):
        text = f"<{type(record.msg).__name__} withheld>"
    elif record.args:
        try:
            text = record.msg % _withhold(record.args, record.msg)
        except (TypeError, ValueError, KeyError):  # a malformed call: logging reports it itself
            text = record.msg
    else:
        text = record.msg
    error = record.exc_info[1] if record.exc_info else None
    return text.split("\n", 1)[0] + (f" ({_exception_summary(error)})" if error is not None else "")


class _Handler(logging.StreamHandler[IO[str]]):
    """A stream handler that writes its filters' pending counts when closed: logging closes every
    handler at exit, and a flood cut short by the end of the process still says how long it was."""

    def close(self) -> None:
        for repeats in self.filters:
            if isinstance(repeats, RepeatFilter):
                repeats.flush()
        super().close()


_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level_name: str, secrets: Iterable[str] = (), stream: IO[str] | None = None) -> logging.Handler:
    """One handler (stderr by default) with the privacy formatter and the repeat filter, replacing
    the root's others.

    Library loggers are kept above the levels at which they leak, and uncaught exceptions go
    through the same formatter. Returns the handler.
    """
    level = getattr(logging, level_name.upper(), logging.INFO)
    if not isinstance(level, int):
        level = logging.INFO
    formatter = PrivacyFormatter(_FORMAT, secrets)
    handler = _Handler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter(handler))
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
