"""The log formatter: no token, no personal text, whatever a library or a crash puts in a record."""

from __future__ import annotations

import io
import logging
import sys
import threading

import pytest
from telegram.error import BadRequest, InvalidToken

from bot.ops import logs

pytestmark = pytest.mark.unit

TOKEN = "123456:SECRET-part-of-the-token"
PERSONAL = "Ivan Petrovitch +375 29 555 01 23"


def formatted(record: logging.LogRecord) -> str:
    return logs.PrivacyFormatter("%(message)s", secrets=(TOKEN, TOKEN.partition(":")[2])).format(record)


def record(msg: object, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, msg, args, exc_info)


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_structured_arguments_are_withheld() -> None:
    batch = [{"update_id": 1, "message": {"text": PERSONAL}}]
    text = formatted(record("Error while parsing updates! Received data was %r", batch))
    assert "Petrovitch" not in text and "withheld" in text


def test_a_lone_mapping_argument_is_withheld_whole() -> None:
    # logging turns `log("%r", data)` with a dict into the "%(name)s" form: it is still withheld.
    assert formatted(record("parsed %r", {"text": PERSONAL})) == "parsed '<dict withheld>'"
    assert formatted(record("update %(id)d: %(outcome)s", {"id": 7, "outcome": "answer"})) == (
        "update 7: answer"
    )


def test_ids_and_short_words_are_kept() -> None:
    assert formatted(record("update %d: %s %s", 42, "answer", "family_links")) == (
        "update 42: answer family_links"
    )


def test_the_token_is_redacted_in_messages_and_tracebacks() -> None:
    url_error = raised(InvalidToken(f"https://api.telegram.org/bot{TOKEN}/getMe: Unauthorized"))
    text = formatted(record(f"GET /bot{TOKEN}/getUpdates failed", exc=url_error))
    assert "SECRET" not in text and "<token>" in text and "Traceback" in text


def test_an_exception_message_that_may_quote_people_is_withheld() -> None:
    crash = raised(ValueError(f"cannot handle {PERSONAL!r}"))
    text = formatted(record("update %d failed", 7, exc=crash))
    assert "Petrovitch" not in text and "ValueError" in text and "test_logs.py" in text


def test_telegram_error_messages_are_kept_for_the_operator() -> None:
    error = raised(BadRequest("Can't parse entities: unsupported start tag"))
    assert "unsupported start tag" in formatted(record("send failed", exc=error))


def test_chained_exceptions_are_shown_without_their_messages() -> None:
    try:
        try:
            raise KeyError(PERSONAL)
        except KeyError as inner:
            raise RuntimeError(PERSONAL) from inner
    except RuntimeError as outer:
        text = formatted(record("boom", exc=outer))
    assert "KeyError" in text and "RuntimeError" in text and "Petrovitch" not in text


def test_uncaught_exceptions_are_printed_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    saved = sys.excepthook
    try:
        logs.install_excepthook(logs.PrivacyFormatter("%(message)s", secrets=(TOKEN,)))
        error = raised(RuntimeError(f"{TOKEN} {PERSONAL}"))
        sys.excepthook(RuntimeError, error, error.__traceback__)
    finally:
        sys.excepthook = saved
    assert "RuntimeError" in stderr.getvalue()
    assert "SECRET" not in stderr.getvalue() and "Petrovitch" not in stderr.getvalue()


def test_library_loggers_stay_above_their_leaky_levels() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        logs.configure("DEBUG", secrets=(TOKEN,), stream=io.StringIO())
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("telegram").level == logging.INFO
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__
        for name in ("httpx", "httpcore", "telegram"):
            logging.getLogger(name).setLevel(logging.NOTSET)


# What asyncio logs, once per retried accept(), when the process has no file descriptor left.
ACCEPT_FAILED = (
    "socket.accept() out of system resource\n"
    "socket: <asyncio.TransportSocket fd=6, family=2, type=1, proto=6, laddr=('0.0.0.0', 8080)>"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def repeating(clock: Clock) -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.PrivacyFormatter("%(levelname)s %(name)s: %(message)s", secrets=(TOKEN,)))
    handler.addFilter(logs.RepeatFilter(handler, period=60.0, clock=clock))
    return handler, stream


def accept_failed() -> logging.LogRecord:
    error = raised(OSError(24, "Too many open files"))
    return logging.LogRecord(
        "asyncio",
        logging.ERROR,
        "selector_events.py",
        180,
        ACCEPT_FAILED,
        (),
        (OSError, error, error.__traceback__),
    )


def test_a_thousand_identical_records_make_one_record_and_one_count() -> None:
    clock = Clock()
    handler, stream = repeating(clock)
    for i in range(999):
        clock.now = 1000.0 + i * 0.05  # 50 s of them
        handler.handle(accept_failed())
    assert stream.getvalue().count("Traceback") == 1
    clock.now = 1060.0
    handler.handle(accept_failed())  # the 1,000th, a period after the first
    text = stream.getvalue()
    assert text.count("Traceback") == 1 and text.count("Too many open files") == 2
    last = text.splitlines()[-1]
    assert last == (
        "ERROR asyncio: socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"
        " [repeated 999 times in 60 s]"
    )


def test_a_flood_writes_one_line_a_period_for_as_long_as_it_lasts() -> None:
    clock = Clock()
    handler, stream = repeating(clock)
    for i in range(10 * 60 * 100):  # ten minutes at 100 a second
        clock.now = 1000.0 + i / 100
        handler.handle(accept_failed())
    counts = [line for line in stream.getvalue().splitlines() if "repeated" in line]
    assert stream.getvalue().count("Traceback") == 1
    assert len(counts) == 9 and all("[repeated 6000 times in 60 s]" in line for line in counts)


def test_a_count_is_written_with_the_next_record_and_a_quiet_record_is_news_again() -> None:
    clock = Clock()
    handler, stream = repeating(clock)
    for _ in range(5):
        handler.handle(accept_failed())
    clock.now += 61
    handler.handle(record("update %d: answered", 1))  # any record, after the period
    assert stream.getvalue().splitlines()[-2:] == [
        "ERROR asyncio: socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"
        " [repeated 4 times in 61 s]",
        "ERROR telegram.ext: update 1: answered",
    ]
    clock.now += 61
    handler.handle(record("update %d: answered", 2))  # the count written, the record forgotten
    clock.now += 61
    handler.handle(accept_failed())
    assert stream.getvalue().count("Traceback") == 2  # quiet for a period: written whole again


def test_records_that_differ_are_all_written_and_counts_hold_nothing_personal() -> None:
    clock = Clock()
    handler, stream = repeating(clock)
    for update_id in range(50):
        handler.handle(record("update %d: answered", update_id))
    for _ in range(3):
        handler.handle(record("cannot parse %r", {"text": PERSONAL}, exc=raised(ValueError(PERSONAL))))
        handler.handle(record(f"GET /bot{TOKEN}/getUpdates failed"))
    clock.now += 61
    handler.handle(record("later"))
    text = stream.getvalue()
    assert all(f"update {update_id}: answered" in text for update_id in range(50))
    assert "cannot parse '<dict withheld>' (ValueError) [repeated 2 times in 61 s]" in text
    assert "GET /bot<token>/getUpdates failed [repeated 2 times in 61 s]" in text
    assert "Petrovitch" not in text and "SECRET" not in text


def test_the_configured_log_writes_a_flood_of_accept_errors_once() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    stream = io.StringIO()
    try:
        handler = logs.configure("INFO", stream=stream)
        error = raised(OSError(24, "Too many open files"))
        for _ in range(1000):
            logging.getLogger("asyncio").error(ACCEPT_FAILED, exc_info=error)
        assert stream.getvalue().count("Too many open files") == 1
        handler.close()  # as logging does at exit: the count is written
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__
        for name in ("httpx", "httpcore", "telegram"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    assert stream.getvalue().count("Traceback") == 1
    assert (
        "out of system resource (OSError: [Errno 24] Too many open files) [repeated 999 times in"
        in (stream.getvalue().splitlines()[-1])
    )
    assert len(stream.getvalue()) < 2000
