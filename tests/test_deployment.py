"""compose.yaml and the Dockerfile agree with what the bot reads (no daemon is needed to check)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from bot.config import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.unit

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
READ_BY_THE_BOT = set(
    re.findall(r'"([A-Z][A-Z_]+)"', (ROOT / "bot" / "config.py").read_text(encoding="utf-8"))
)


def test_two_replicas_share_one_redis_and_one_key() -> None:
    replicas = [s for name, s in COMPOSE["services"].items() if name.startswith("bot-")]
    assert len(replicas) == 2
    for key in ("REDIS_URL", "STATE_KEY_SECRET", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        assert len({r["environment"][key] for r in replicas}) == 1, key
    assert len({tuple(r["ports"]) for r in replicas}) == 2
    assert all(r["ports"][0].startswith("127.0.0.1:") for r in replicas)  # health and metrics stay private
    assert replicas[0]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_every_variable_given_is_one_the_bot_reads() -> None:
    for service in (s for name, s in COMPOSE["services"].items() if name.startswith("bot-")):
        assert set(service["environment"]) <= READ_BY_THE_BOT, set(service["environment"]) - READ_BY_THE_BOT


def test_a_stop_leaves_the_bot_its_deadline() -> None:
    deadline = Settings(token=None, base_url=None, knowledge_dir=ROOT, log_level="INFO").stop_deadline
    for name, service in COMPOSE["services"].items():
        if name.startswith("bot-"):
            assert float(service["stop_grace_period"].rstrip("s")) > deadline


def test_the_image_runs_the_bot_itself_with_its_knowledge() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert json.loads(cmd) == ["python", "run_bot.py"]  # exec form: SIGTERM reaches the bot
    assert "COPY knowledge ./knowledge" in dockerfile and "USER nobody" in dockerfile


def test_each_replica_writes_its_state_on_a_volume_of_its_own() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (state_dir,) = re.findall(r"^ENV STATE_DIR=(\S+)$", dockerfile, re.MULTILINE)
    assert f'VOLUME ["{state_dir}"]' in dockerfile and 'chown nobody "$STATE_DIR"' in dockerfile
    mounts = [service["volumes"] for name, service in COMPOSE["services"].items() if name.startswith("bot-")]
    assert all(any(v.endswith(f":{state_dir}") for v in m) for m in mounts)
    assert len({v for m in mounts for v in m}) == len(mounts)  # not one volume for two replicas
