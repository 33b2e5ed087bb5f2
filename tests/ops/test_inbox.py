"""The unanswered-question inbox keeps counts of ordinary words, never a name, number or text."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.ops.inbox import MIN_CHATS, Inbox, InboxUnavailable, LocalInbox, ordinary_words
from bot.state import ChatId

pytestmark = pytest.mark.integration  # SQLite files on disk

STOP = ("je", "mon", "le", "la", "les", "du", "de", "pour", "au", "a")


def test_only_ordinary_lower_case_french_words_are_kept() -> None:
    text = "Je cherche mon frère Ivan Petrov, tel +375 29 555 01 23, ivan@mail.ru, 12 rue Lénine, gare"
    kept = ordinary_words(text, frozenset(STOP))
    assert "cherche" in kept and "gare" in kept
    for never in ("ivan", "petrov", "375", "555", "12", "lenine", "mail"):
        assert never not in kept, never


def test_a_word_is_reported_once_enough_chats_used_it_and_old_days_are_deleted(tmp_path: Path) -> None:
    today = [dt.date(2026, 11, 1)]
    inbox = Inbox(tmp_path / "inbox.sqlite3", STOP, keep_days=30, today=lambda: today[0])
    for chat in range(MIN_CHATS - 1):
        inbox.record(ChatId(chat), "les horaires du bus")
        inbox.record(ChatId(chat), "les horaires du bus")  # the same chat again: one chat
    assert inbox.report() == []
    inbox.record(ChatId(99), "horaires du bus svp")
    (top, *_) = inbox.report()
    assert (top.words, top.uses, top.chats) in {("horaires", 5, 3), ("bus", 5, 3)}
    today[0] = dt.date(2026, 11, 9)  # a week later: the trend moves to the week before
    (top, *_) = inbox.report()
    assert (top.last_week, top.week_before) == (0, 5)
    today[0] = dt.date(2026, 11, 1)
    assert {line.words for line in inbox.report()} >= {"horaires", "bus", "horaires bus"}
    today[0] = dt.date(2026, 12, 15)  # 44 days later: the first day is deleted at the next count
    inbox.record(ChatId(1), "la meteo")
    assert {day for day, *_ in inbox.stored()} == {"2026-12-15"}
    inbox.close()


def test_the_report_command_reads_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    path = tmp_path / "inbox.sqlite3"
    inbox = Inbox(path, STOP)
    for chat in range(4):
        inbox.record(ChatId(chat), "le prix du visa")
    inbox.close()
    monkeypatch.setenv("INBOX_PATH", str(path))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "prix visa" in out and "    4       4       0  prix" in out


# --- A file that cannot be written: the inbox is best-effort ------------------------------------

INBOX_LOG = "bot.ops.inbox"


def holding(path: Path, how: str) -> sqlite3.Connection:
    """Another connection to the file, in a transaction that keeps its lock until rolled back:
    IMMEDIATE (nobody else writes), EXCLUSIVE (nobody else reads), or a read (nobody commits)."""
    other = sqlite3.connect(str(path), isolation_level=None)
    if how == "read":
        other.execute("BEGIN")
        other.execute("SELECT * FROM counts").fetchall()
    else:
        other.execute(f"BEGIN {how}")
    return other


async def test_a_locked_file_loses_the_count_says_so_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "inbox.sqlite3"
    inbox = LocalInbox(Inbox(path, STOP, busy_seconds=0.05))
    assert await inbox.record(ChatId(7301), "les horaires du bus")  # the day is open: its markers exist
    other = holding(path, "IMMEDIATE")
    with caplog.at_level(logging.WARNING, logger=INBOX_LOG):
        assert await inbox.record(ChatId(7302), "les horaires du bus") is False
        assert await inbox.record(ChatId(7303), "les horaires du bus") is False
        assert await inbox.share("une question") is False
    assert [r.getMessage() for r in caplog.records if r.name == INBOX_LOG] == [
        "inbox in SQLite unavailable, a count skipped (OperationalError: SQLITE_BUSY)"
    ]
    assert "horaires" not in caplog.text and "une question" not in caplog.text  # no text in the log
    other.execute("ROLLBACK")
    # Back: the chat whose count was lost is counted as a new chat (it was not marked as seen).
    assert await inbox.record(ChatId(7302), "les horaires du bus")
    assert await inbox.share("une question")
    assert ("bus", 2, 2) in [row[1:] for row in await inbox.stored()]
    assert await inbox.shared(30) == ["une question"]
    caplog.clear()
    other.execute("BEGIN IMMEDIATE")  # a new outage is said again
    with caplog.at_level(logging.WARNING, logger=INBOX_LOG):
        assert await inbox.share("une autre") is False
    assert [r.getMessage() for r in caplog.records if r.name == INBOX_LOG] == [
        "inbox in SQLite unavailable, a shared question skipped (OperationalError: SQLITE_BUSY)"
    ]
    other.execute("ROLLBACK")
    other.close()
    await inbox.aclose()


async def test_a_write_that_fails_at_commit_leaves_the_file_unlocked(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    inbox = LocalInbox(Inbox(path, STOP, busy_seconds=0.05))
    assert await inbox.record(ChatId(1), "la meteo")
    reader = holding(path, "read")  # the inbox's write starts, and cannot commit
    assert await inbox.record(ChatId(2), "les horaires du bus") is False
    # Had the failed transaction stayed open, the inbox would keep the file reserved for itself.
    writer = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("ROLLBACK")
    reader.execute("ROLLBACK")
    assert await inbox.record(ChatId(3), "les horaires du bus")
    assert {words for _, words, _, _ in await inbox.stored()} == {"meteo", "horaires", "bus", "horaires bus"}
    for connection in (reader, writer):
        connection.close()
    await inbox.aclose()


async def test_a_report_of_an_unreadable_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    inbox = LocalInbox(Inbox(path, STOP, busy_seconds=0.05))
    other = holding(path, "EXCLUSIVE")
    with pytest.raises(InboxUnavailable, match="OperationalError"):
        await inbox.report(30)
    with pytest.raises(InboxUnavailable, match="OperationalError"):
        await inbox.shared(30)
    other.execute("ROLLBACK")
    assert await inbox.report(30) == []
    other.close()
    await inbox.aclose()
