"""The unanswered-question inbox keeps counts of ordinary words, never a name, number or text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.ops.inbox import MIN_CHATS, Inbox, ordinary_words

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
        inbox.record(chat, "les horaires du bus")
        inbox.record(chat, "les horaires du bus")  # the same chat again: one chat
    assert inbox.report() == []
    inbox.record(99, "horaires du bus svp")
    (top, *_) = inbox.report()
    assert (top.words, top.uses, top.chats) in {("horaires", 5, 3), ("bus", 5, 3)}
    today[0] = dt.date(2026, 11, 9)  # a week later: the trend moves to the week before
    (top, *_) = inbox.report()
    assert (top.last_week, top.week_before) == (0, 5)
    today[0] = dt.date(2026, 11, 1)
    assert {line.words for line in inbox.report()} >= {"horaires", "bus", "horaires bus"}
    today[0] = dt.date(2026, 12, 15)  # 44 days later: the first day is deleted at the next count
    inbox.record(1, "la meteo")
    assert {day for day, *_ in inbox.stored()} == {"2026-12-15"}
    inbox.close()


def test_the_report_command_reads_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    path = tmp_path / "inbox.sqlite3"
    inbox = Inbox(path, STOP)
    for chat in range(4):
        inbox.record(chat, "le prix du visa")
    inbox.close()
    monkeypatch.setenv("INBOX_PATH", str(path))
    assert main(["inbox"]) == 0
    out = capsys.readouterr().out
    assert "prix visa" in out and "    4       4       0  prix" in out
