"""`make run`'s process against the Bot API stand-in: crashes and stops lose nothing, logs hold nothing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.process

# A name and a phone number: what people write, and what no log may ever hold.
SECRET_TEXT = "Ivan Petrovitch +375 29 555 01 23 ne répond plus"
SECRET_PARTS = ("Petrovitch", "555 01 23", "répond")


def start_bot(
    telegram: FakeTelegram,
    journal: Path,
    *,
    log_level: str = "INFO",
    token: str | None = None,
    extra: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token or telegram.token,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "LOG_LEVEL": log_level,
        "UPDATE_JOURNAL": str(journal),
        **(extra or {}),
    }
    return subprocess.Popen(
        [sys.executable, "run_bot.py"],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python run_bot.py` until it exits by itself (a start refused)."""
    return subprocess.run(
        [sys.executable, "run_bot.py"],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
    )


@contextlib.contextmanager
def bot_process(telegram: FakeTelegram, journal: Path, **options: Any) -> Iterator[subprocess.Popen[str]]:
    """`start_bot`, and whatever happens, no process or pipe left behind."""
    bot = start_bot(telegram, journal, **options)
    try:
        yield bot
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate(timeout=10)


def wait_polling(telegram: FakeTelegram, bot: subprocess.Popen[str]) -> None:
    calls = len(telegram.calls_to("getUpdates"))
    assert telegram.wait_for(lambda _: len(telegram.calls_to("getUpdates")) > calls, timeout=20), bot.poll()


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[int, str, float]:
    started = time.monotonic()
    process.send_signal(signum)
    _, logs = process.communicate(timeout=30)
    return process.returncode, logs, time.monotonic() - started


def run_until(
    telegram: FakeTelegram, journal: Path, done: Callable[[], bool], timeout: float
) -> tuple[bool, int, str]:
    """Start the bot, wait for `done`, stop it with SIGTERM: (done in time, exit code, logs)."""
    with bot_process(telegram, journal) as bot:
        finished = telegram.wait_for(lambda _: done(), timeout)
        code, logs, _ = stop(bot)
    return finished, code, logs


def answers_per_chat(telegram: FakeTelegram, chats: list[int]) -> dict[int, int]:
    return {chat: len(telegram.sent_to(chat)) for chat in chats}


def test_sigkill_mid_stream_then_restart_loses_nothing_and_repeats_nothing(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    journal = tmp_path / "updates.json"
    chats = list(range(2001, 2061))
    update_of = {chat: telegram.push_text(chat, "bonjour")["update_id"] for chat in chats}

    def journaled() -> bool:
        """The journal lists every update whose answer reached the stand-in."""
        try:
            saved = json.loads(journal.read_text())
        except (OSError, ValueError):
            return False
        done = {update_of[c] for c, n in answers_per_chat(telegram, chats).items() if n}
        return all(u < saved["offset"] or u in saved["handled"] for u in done)

    with bot_process(telegram, journal) as bot:
        assert telegram.wait_for(lambda _: sum(answers_per_chat(telegram, chats).values()) >= 15, 20)
        # Kill while answers are on their way (requests not yet through never arrive), once the
        # bot has taken note of the answers that did arrive. (An answer that reached Telegram
        # but whose confirmation had not yet reached the bot can repeat: no API can tell.)
        telegram.hold("sendMessage")
        assert telegram.wait_for(lambda _: telegram.held_calls("sendMessage") > 0, 10)
        assert telegram.wait_for(lambda _: journaled(), 10)
        bot.kill()
        bot.communicate(timeout=10)  # reaps it and closes its pipes
    telegram.release("sendMessage")
    before = answers_per_chat(telegram, chats)
    assert 15 <= sum(before.values()) < len(chats), "the kill came too late to test anything"

    finished, code, logs = run_until(
        telegram, journal, lambda: all(answers_per_chat(telegram, chats).values()), 30
    )
    assert finished and code == 0, logs
    assert set(answers_per_chat(telegram, chats).values()) == {1}  # 0 lost, 0 twice
    # What Telegram still holds (the last confirmation may not have gone through before the
    # stop, on a loaded machine) is in the journal as handled: the next start skips it.
    saved = json.loads(journal.read_text())
    held = [u["update_id"] for u in telegram.pending_updates]
    assert all(u < saved["offset"] or u in saved["handled"] for u in held), (held, saved["offset"])


def test_sigterm_with_a_backlog_exits_within_the_deadline_then_restart_completes(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    journal = tmp_path / "updates.json"
    chats = list(range(3001, 3081))
    replies = {chat: 2 if chat % 6 == 0 else 1 for chat in chats}
    update_of = {}
    for chat in chats:  # some replies are two messages (answer and contact card)
        text = "numero du cicr a minsk" if replies[chat] == 2 else "bonjour"
        update_of[chat] = telegram.push_text(chat, text)["update_id"]
    with bot_process(telegram, journal, extra={"STOP_DEADLINE_SECONDS": "1"}) as bot:
        assert telegram.wait_for(lambda _: any(answers_per_chat(telegram, chats).values()), 20)
        code, logs, took = stop(bot)
    assert code == 0, logs
    del took  # timings belong in `make bench`: that some chats are left unanswered shows the deadline
    first_run = answers_per_chat(telegram, chats)
    assert 0 in first_run.values(), "the backlog was too small to test the deadline"

    saved = json.loads(journal.read_text())
    handled = {c for c in chats if update_of[c] < saved["offset"] or update_of[c] in saved["handled"]}
    # A reply recorded as handled went out whole; one the deadline cut short was not recorded.
    assert all(first_run[c] == replies[c] for c in handled)
    assert all(first_run[c] <= replies[c] for c in chats)
    finished, code, logs = run_until(
        telegram, journal, lambda: 0 not in answers_per_chat(telegram, chats).values(), 60
    )
    assert finished and code == 0, logs
    final = answers_per_chat(telegram, chats)
    # 0 lost; 0 twice for every update the first run recorded as handled. An update whose reply
    # was on its way to Telegram when the deadline cut it short was not recorded, so it is sent
    # again: the limit the README states (no API tells whether a cut request arrived).
    assert all(final[c] >= replies[c] for c in chats)
    assert all(final[c] == replies[c] for c in handled)
    assert sum(final[c] > replies[c] for c in chats) <= 32  # at most the updates in hand at once


def test_logs_never_hold_the_token_or_what_people_write(telegram: FakeTelegram, tmp_path: Path) -> None:
    """Every path a message can take, at DEBUG: normal, failed send, unreadable, handler crash."""
    from tests.channels.telegram.test_polling import OLD_POLL

    with bot_process(telegram, tmp_path / "updates.json", log_level="DEBUG") as bot:
        wait_polling(telegram, bot)
        telegram.push_text(4001, SECRET_TEXT)  # normal
        assert telegram.wait_for(lambda _: bool(telegram.sent_to(4001)), 20)
        telegram.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        telegram.push_text(4002, SECRET_TEXT)  # a send that fails for good
        poll = {"message": {**OLD_POLL["message"], "text": SECRET_TEXT}}
        telegram.push_update(poll)  # an update the library cannot read
        telegram.corrupt_next("sendMessage")  # the reply's answer cannot be read: the handler crashes
        telegram.push_text(4003, SECRET_TEXT)
        telegram.push_text(4004, "bonjour")
        assert telegram.wait_for(lambda _: bool(telegram.sent_to(4004)), 20)
        assert telegram.wait_for(lambda _: telegram.pending_updates == [], 20)
        code, logs, _ = stop(bot)
    assert code == 0, logs
    assert "update" in logs and "failed" in logs and "could not be read" in logs  # it does say what
    assert "Traceback" in logs  # the crash is shown, with its stack...
    for part in (*SECRET_PARTS, telegram.token.partition(":")[2]):
        assert part not in logs, part  # ...but not what was written, nor the token


def test_a_rejected_token_is_one_line_and_exit_code_2(telegram: FakeTelegram, tmp_path: Path) -> None:
    wrong = "987654:WRONG-SECRET-never-logged"
    bot = start_bot(telegram, tmp_path / "updates.json", log_level="DEBUG", token=wrong)
    _, logs = bot.communicate(timeout=30)
    assert bot.returncode == 2
    assert "WRONG-SECRET" not in logs and "Traceback" not in logs
    assert logs.strip().splitlines()[-1].startswith("The bot does not start: Telegram rejected the token")


def test_an_unreachable_bot_api_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        base_url = telegram.base_url  # a port that was just free, now closed
        token = telegram.token
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": base_url,
        "UPDATE_JOURNAL": str(tmp_path / "u.json"),
    }
    result = run_once(env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and token.partition(":")[2] not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("The bot does not start: cannot reach")


@pytest.mark.parametrize("variable", ["STOP_DEADLINE_SECONDS=soon"])  # the others: tests/test_config.py
def test_a_malformed_setting_is_one_line_and_exit_code_2(variable: str) -> None:
    name, _, value = variable.partition("=")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:x", name: value}
    result = run_once(env)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert name in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def metric(port: int, line_start: str) -> float:
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    found = [line for line in page.splitlines() if line.startswith(line_start)]
    return float(found[0].rsplit(" ", 1)[1]) if found else -1.0


def test_sighup_reloads_a_good_knowledge_base_and_keeps_serving_on_a_broken_one(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", directory)
    port = free_port()
    with bot_process(
        telegram, tmp_path / "updates.json", extra={"KNOWLEDGE_DIR": str(directory), "LISTEN_PORT": str(port)}
    ) as bot:
        wait_polling(telegram, bot)
        rejected, ok = (
            'bot_knowledge_reloads_total{result="rejected"}',
            'bot_knowledge_reloads_total{result="ok"}',
        )
        # Broken: a canary now gets another answer. The old version keeps serving.
        canaries = directory / "canaries.yaml"
        canaries.write_text(canaries.read_text("utf-8").replace("entry: hello", "entry: thanks"), "utf-8")
        bot.send_signal(signal.SIGHUP)
        assert telegram.wait_for(lambda _: metric(port, rejected) == 1.0, 20)
        telegram.push_text(5101, "numero du cicr a minsk")
        assert telegram.wait_for(lambda _: bool(telegram.sent_to(5101)), 20)
        # Good: a changed answer is served after the reload.
        canaries.write_text(canaries.read_text("utf-8").replace("entry: thanks", "entry: hello"), "utf-8")
        fraud = directory / "fraude.yaml"
        fraud.write_text(fraud.read_text("utf-8") + "\n# revu le 22 novembre\n", "utf-8")
        bot.send_signal(signal.SIGHUP)
        assert telegram.wait_for(lambda _: metric(port, ok) == 1.0, 20)
        code, logs, _ = stop(bot)
    assert code == 0, logs
    assert "canaries.yaml:" in logs and "must get thanks, got hello" in logs  # file:line, why
    assert "knowledge reloaded: 36 entries" in logs


def test_a_webhook_without_its_secret_is_one_line_and_exit_code_2() -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}
    env.pop("TELEGRAM_WEBHOOK_SECRET", None)
    result = run_once(env)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "TELEGRAM_WEBHOOK_SECRET is required" in result.stderr
