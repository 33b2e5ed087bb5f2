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
