"""Webhook mode loses nothing it acknowledged: a real process, a burst, SIGTERM, a restart.

The test plays Telegram: it posts a burst of updates as fast as it can, sends again any the bot
refused (503: Telegram keeps such an update and retries it), stops the process with SIGTERM in
the middle, starts it again on the same STATE_DIR, and checks that every update was answered
exactly once.
"""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import text_update as update
from tests.replicas import Replica

pytestmark = [pytest.mark.process, pytest.mark.waits]

# More than the webhook keeps in hand (40 with a 0.5 s stop deadline) and than the stop could answer.
BURST = 100
FIRST_CHAT = 95_000


def test_a_stop_in_a_burst_hands_over_what_it_acknowledged(tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        env = {"STOP_DEADLINE_SECONDS": "0.5"}  # a short deadline: most of the burst is in hand
        first = Replica("a", telegram, None, tmp_path, **env)
        # Telegram asks the bot to wait (429, retry after 5 s) at the first answers: the burst
        # piles up unanswered however slow this machine posts, and a stop finds it in hand.
        telegram.fail_next("sendMessage", status=429, retry_after=5, times=3)
        try:
            assert telegram.wait_for(first.settled, 30) and first.process.poll() is None
            # Sixteen connections at once, as Telegram's webhook uses several: far faster than
            # the 24 answers a second the bot may send, even on a loaded machine.
            with ThreadPoolExecutor(16) as posting:
                statuses = list(
                    posting.map(
                        lambda n: first.deliver(update(n + 1, FIRST_CHAT + n, "bonjour")), range(BURST)
                    )
                )
            refused = [n for n, status in enumerate(statuses) if status != 200]  # Telegram retries these
            first.process.send_signal(signal.SIGTERM)
            assert first.process.wait(timeout=30) == 0
        finally:
            first.stop()
        log = first.log.read_text()
        answered_before = sum(1 for n in range(BURST) if telegram.sent_to(FIRST_CHAT + n))
        assert refused, "the bound was never reached"  # beyond 40 in hand: 503
        assert answered_before < BURST - len(refused)  # the stop left acknowledged ones behind
        assert "handed over" in log and (tmp_path / "state-a" / "webhook-handover.json").exists()

        second = Replica("a", telegram, None, tmp_path, **env)
        try:
            assert telegram.wait_for(second.settled, 30) and second.process.poll() is None
            for n in refused:  # Telegram's retries: again each time the bot has sent something
                sent = lambda _, n=n: second.deliver(update(n + 1, FIRST_CHAT + n, "bonjour")) == 200  # noqa: E731
                assert telegram.wait_for(sent, 60)
            everyone = lambda _: all(telegram.sent_to(FIRST_CHAT + n) for n in range(BURST))  # noqa: E731
            assert telegram.wait_for(everyone, 60), second.log.read_text()
        finally:
            second.stop()  # waits for the process: anything answered twice has been sent by then
        twice = [n for n in range(BURST) if len(telegram.sent_to(FIRST_CHAT + n)) != 1]
        assert twice == [], twice
        assert not (tmp_path / "state-a" / "webhook-handover.json").exists()
        assert "bonjour" not in first.log.read_text() + second.log.read_text()  # no text in any log
