"""Two `make run` processes in webhook mode behind one URL, sharing one real Redis (issue 12).

The test plays the load balancer: it posts each update to one replica or the other, as Telegram's
webhook would reach whichever is up, and now and then to both (a redelivery landing elsewhere).
One scenario, so that the processes start once: answered once, a follow-up across replicas, 200
users within Telegram's sending rate, Redis lost and back.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.fake_telegram import FakeTelegram
from tests.state.test_redis_store import RedisServer
from tests.test_app import free_port, metric

pytestmark = [pytest.mark.process, pytest.mark.waits]

SECRET = "two-replicas_secret"
HOOK = "/telegram/hook-7c1e"
USERS = 200
TELEGRAM_LIMIT = 30  # messages a second, for the bot as a whole
MINSK_PHONE = "+375 17 318 70 07"


class Replica:
    """One `python run_bot.py` in webhook mode; its log goes to a file (a pipe could fill up)."""

    def __init__(self, name: str, telegram: FakeTelegram, redis: RedisServer, directory: Path) -> None:
        self.port = free_port()
        self.log = directory / f"replica-{name}.log"
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_BASE_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_URL": f"https://bot.example.org{HOOK}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "LISTEN_PORT": str(self.port),
            "REDIS_URL": redis.url,
            "STATE_KEY_SECRET": "one-secret-for-both-replicas",
            "INBOX_PATH": str(directory / f"inbox-{name}.sqlite3"),
            "LOG_LEVEL": "INFO",
        }
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "run_bot.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=log
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url("/readyz"), timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError):
            return False

    def settled(self, _: object = None) -> bool:
        """Ready, or exited (its log then says why)."""
        return self.ready() or self.process.poll() is not None

    def deliver(self, body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            self.url(HOOK),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)

    def state_up(self) -> float:
        return metric(self.port, "bot_state_up")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)


@contextlib.contextmanager
def two_replicas(
    telegram: FakeTelegram, redis: RedisServer, directory: Path
) -> Iterator[tuple[Replica, Replica]]:
    replicas = (Replica("a", telegram, redis, directory), Replica("b", telegram, redis, directory))
    try:
        for replica in replicas:
            assert telegram.wait_for(replica.settled, 30)
            assert replica.process.poll() is None, replica.log.read_text()
        yield replicas
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.process.kill()
                replica.process.wait(timeout=10)


def update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    person = {"id": chat, "is_bot": False, "first_name": "Olena"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "text": text,
            "from": person,
            "chat": {"id": chat, "type": "private", "first_name": "Olena"},
        },
    }


def follow_up_understood(
    telegram: FakeTelegram, first: Replica, second: Replica, chat: int, ids: int
) -> bool:
    """Ask for the Minsk number on one replica and "et l'adresse ?" on the other. Alone, the second
    message gets the general contacts page; in context, the Minsk mission's card again."""
    assert first.deliver(update(ids, chat, "le numéro du CICR à Minsk")) == 200
    assert telegram.wait_for(lambda _: len(telegram.sent_to(chat)) >= 2, 10)
    assert second.deliver(update(ids + 1, chat, "et l'adresse ?")) == 200
    # The card follows its answer a second later: one message a second per chat, after a burst.
    return telegram.wait_for(lambda _: minsk_cards(telegram, chat) == 2, 5)


def minsk_cards(telegram: FakeTelegram, chat: int) -> int:
    """How many contact cards of the Minsk mission this chat received."""
    return sum(m.get("phone_number") == MINSK_PHONE for m in telegram.sent_to(chat))


def test_two_replica_processes_share_one_redis(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    with FakeTelegram() as telegram, two_replicas(telegram, redis, tmp_path) as (a, b):
        # The same update posted to both replicas is answered once.
        assert a.deliver(update(1, 9001, "bonjour")) == 200
        assert b.deliver(update(1, 9001, "bonjour")) == 200
        assert b.deliver(update(2, 9001, "merci")) == 200
        assert telegram.wait_for(lambda _: len(telegram.sent_to(9001)) >= 2, 10)
        time.sleep(0.2)
        assert len(telegram.sent_to(9001)) == 2

        # 200 people spread over both replicas, every tenth update delivered twice: all answered
        # once, and never more than Telegram's limit in any second at the stand-in. Meanwhile, "le
        # numéro du CICR à Minsk" to A, then "et l'adresse ?" to B, is understood.
        users = list(range(20_000, 20_000 + USERS))
        started = time.monotonic()
        assert a.deliver(update(10, 9002, "le numéro du CICR à Minsk")) == 200
        for number, user in enumerate(users):
            replica, other = (a, b) if number % 2 else (b, a)
            assert replica.deliver(update(1000 + number, user, "bonjour")) == 200
            if number % 10 == 0:
                assert other.deliver(update(1000 + number, user, "bonjour")) == 200
            if number == USERS // 2:
                assert telegram.wait_for(lambda _: bool(telegram.sent_to(9002)), 10)
                assert b.deliver(update(11, 9002, "et l'adresse ?")) == 200
        assert telegram.wait_for(lambda _: telegram.sent_counts().keys() >= set(users), 60)
        took = time.monotonic() - started
        assert telegram.wait_for(lambda _: minsk_cards(telegram, 9002) == 2, 5)
        time.sleep(0.3)
        counts = telegram.sent_counts()
        assert all(counts[u] == 1 for u in users)  # none twice
        times = telegram.sent_times()
        busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
        assert busiest <= TELEGRAM_LIMIT, busiest
        rate = USERS / took
        print(
            f"\n{USERS} users over two replicas: {took:.1f} s, {rate:.1f} a second, busiest second {busiest}"
        )

        # Redis stopped mid-run: both replicas keep answering, and say so in /metrics.
        redis.stop()
        for number, replica in enumerate((a, b)):
            assert replica.deliver(update(5000 + number, 9100 + number, "numéro du CICR à Minsk")) == 200
        assert telegram.wait_for(lambda _: all(telegram.sent_to(c) for c in (9100, 9101)), 10)
        assert telegram.wait_for(lambda _: a.state_up() == 0 and b.state_up() == 0, 10)

        # Redis back: follow-ups across replicas work again, by themselves.
        redis.start()
        assert follow_up_understood(telegram, b, a, 9003, ids=6000)
        assert telegram.wait_for(lambda _: a.state_up() == 1 and b.state_up() == 1, 10)

        assert a.stop() == 0 and b.stop() == 0
    redis.stop()
    logs = a.log.read_text() + b.log.read_text()
    assert "Minsk" not in logs and "bonjour" not in logs and telegram.token not in logs
