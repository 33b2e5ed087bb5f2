"""Two `make run` processes in webhook mode behind one URL, sharing one real Redis (issue 12).

The test plays the load balancer: it posts each update to one replica or the other, as Telegram's
webhook would reach whichever is up, and now and then to both (a redelivery landing elsewhere).
One scenario, so that the processes start once: answered once, a follow-up across replicas, 100
users within Telegram's sending rate, Redis lost and back.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import text_update as update
from tests.replicas import Replica, replicas_running
from tests.state.test_redis_store import RedisServer

pytestmark = [pytest.mark.process, pytest.mark.waits]

USERS = 100  # four seconds of answers at the shared sending rate: well past any one second
TELEGRAM_LIMIT = 30  # messages a second, for the bot as a whole
MINSK_PHONE = "+375 17 318 70 07"


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
    with FakeTelegram() as telegram, replicas_running(2, telegram, redis, tmp_path) as (a, b):
        # The same update posted to both replicas is answered once.
        assert a.deliver(update(1, 9001, "bonjour")) == 200
        assert b.deliver(update(1, 9001, "bonjour")) == 200
        assert b.deliver(update(2, 9001, "merci")) == 200
        # The replicas count a reply once it is sent: two messages handled, two replies.
        assert telegram.wait_for(lambda _: a.answered() + b.answered() == 2, 10)
        assert len(telegram.sent_to(9001)) == 2

        # 100 people spread over both replicas, every tenth update delivered twice: all answered
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
        # Every reply sent (2 + 2 + 100 updates handled, the repeated ones not), and each once.
        assert telegram.wait_for(lambda _: a.answered() + b.answered() == 4 + USERS, 10)
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
