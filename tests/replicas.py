"""Bot processes in webhook mode behind one URL, as a load balancer would see them: for the
two-replica test and for `make scale`."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.fake_telegram import FakeTelegram
from tests.state.test_redis_store import RedisServer
from tests.test_app import free_port, metric

SECRET = "two-replicas_secret"
HOOK = "/telegram/hook-7c1e"


class Replica:
    """One `python run_bot.py` in webhook mode; its log goes to a file (a pipe could fill up)."""

    def __init__(
        self,
        name: str,
        telegram: FakeTelegram,
        redis: RedisServer | None,
        directory: Path,
        **extra_env: str,
    ) -> None:
        self.port = free_port()
        self.log = directory / f"replica-{name}.log"
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_BASE_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_URL": f"https://bot.example.org{HOOK}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "LISTEN_PORT": str(self.port),
            "REDIS_URL": redis.url if redis else "",
            "STATE_KEY_SECRET": "one-secret-for-both-replicas" if redis else "",
            "INBOX_PATH": str(directory / f"inbox-{name}.sqlite3"),
            "STATE_DIR": str(directory / f"state-{name}"),
            "LOG_LEVEL": "INFO",
            **extra_env,
        }
        # Appended: a restart under the same name (the handover test) keeps the first run's log.
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "run_bot.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=log
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url("/readyz"), timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):  # refused, reset, or slow to answer (busy)
            return False

    def settled(self, _: object = None) -> bool:
        """Ready, or exited (its log then says why)."""
        return self.ready() or self.process.poll() is not None

    def deliver(self, body: dict[str, Any]) -> int:
        """POST one update as Telegram does; its HTTP status (a non-2xx is returned, not raised)."""
        request = urllib.request.Request(
            self.url(HOOK),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        try:
            # As Telegram, patient: on a loaded machine (the tests run on four workers) the bot's
            # answers share the CPU with its HTTP server.
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)

    def answered(self) -> int:
        """Text messages this replica has replied to (`bot_answers_total`, every outcome)."""
        with urllib.request.urlopen(self.url("/metrics"), timeout=5) as response:
            page = response.read().decode()
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in page.splitlines()
                if line.startswith("bot_answers_total{")
            )
        )

    def state_up(self) -> float:
        return metric(self.port, "bot_state_up")

    def cpu_seconds(self) -> float:
        """User and system CPU the process has used so far (Linux's /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)


@contextlib.contextmanager
def replicas_running(
    count: int, telegram: FakeTelegram, redis: RedisServer | None, directory: Path
) -> Iterator[tuple[Replica, ...]]:
    """`count` replicas, each ready to take webhooks; killed on the way out if still running."""
    replicas = tuple(Replica("abcdefgh"[n], telegram, redis, directory) for n in range(count))
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
