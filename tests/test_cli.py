"""The command line and `make run`'s entry point, as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment.update(env or {})
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=60, check=False)


def test_ask_json_interface() -> None:
    result = run("-m", "bot", "ask", "--json", "numéro du CICR à Minsk", "horaires du bus Minsk–Brest")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert {"query", "entry", "score", "text", "suggestions"} <= set(first)
    assert first["entry"] == "belarus_contact" and 0 <= first["score"] <= 100
    assert "+375 17 318 70 07" in first["text"] and "<b>" not in first["text"]
    assert second["entry"] is None and isinstance(second["suggestions"], list)


def test_ask_reads_many_messages_from_stdin_in_one_process() -> None:
    lines = ["bonjour", "merci", "numero cicr minsk"] * 100
    result = run("-m", "bot", "ask", "--json", stdin="\n".join(lines) + "\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 300 and records[0]["entry"] == "hello"


def test_ask_conversation_follows_up() -> None:
    result = run("-m", "bot", "ask", "--json", "--conversation",
                 stdin="que fait le CICR au Bélarus\net le téléphone ?\n")
    entries = [json.loads(line)["entry"] for line in result.stdout.splitlines()]
    assert entries == ["belarus_mission", "belarus_contact"]


def test_run_without_token_or_terminal_explains_and_exits_2() -> None:
    result = run("run_bot.py")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_refuses_an_invalid_knowledge_base(tmp_path: object) -> None:
    result = run("run_bot.py", env={"KNOWLEDGE_DIR": "/nonexistent"})
    assert result.returncode == 1 and "/nonexistent" in result.stderr


def test_terminal_chat_uses_the_same_engine() -> None:
    from bot.config import build_dialogue
    from bot.terminal import chat

    shown: list[str] = []
    chat(build_dialogue(ROOT / "knowledge"), ["numero du cicr a minsk", "1", "/aide"], shown.append)
    transcript = "\n".join(shown)
    assert "+375 17 318 70 07" in transcript and "[1]" in transcript
    assert "TELEGRAM_BOT_TOKEN" in transcript
