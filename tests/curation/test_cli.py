"""The command line and `make run`'s entry point, as real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.matcher import DEFAULT_THRESHOLDS
from tests.conftest import ROOT


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.mark.process
def test_ask_json_interface() -> None:
    result = run("-m", "bot", "ask", "--json", "numéro du CICR à Minsk", "horaires du bus Minsk–Brest")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert {"query", "entry", "score", "text", "suggestions"} <= set(first)
    assert first["entry"] == "belarus_contact" and 0 <= first["score"] <= 100
    assert "+375 17 318 70 07" in first["text"] and "<b>" not in first["text"]
    assert second["entry"] is None and isinstance(second["suggestions"], list)


@pytest.mark.process
def test_ask_answers_every_line_of_stdin_blank_ones_included_in_one_process() -> None:
    lines = ["bonjour", "", "   ", "merci", *(["numero cicr minsk"] * 60)]
    result = run("-m", "bot", "ask", "--json", stdin="\n".join(lines) + "\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == lines
    assert [r["outcome"] for r in records[1:3]] == ["fallback", "fallback"]
    assert records[0]["entry"] == "hello" and records[-1]["entry"] == "belarus_contact"


@pytest.mark.process
def test_invalid_utf8_input_gives_valid_utf8_json() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    ways: list[tuple[list[str | bytes], bytes]] = [
        ([], b"caf\xe9 \xff\xfe minsk\nnum\xc3\xa9ro\n"),  # on stdin
        ([b"caf\xe9 \xff\xfe minsk", "numéro"], b""),  # as arguments
    ]
    for arguments, stdin in ways:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json", *arguments],
            input=stdin,
            capture_output=True,
            cwd=ROOT,
            env=environment,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
        assert [r["query"] for r in records] == ["caf\ufffd \ufffd\ufffd minsk", "numéro"]


@pytest.mark.process
def test_output_cut_short_by_the_reader_is_no_error(tmp_path: Path) -> None:
    """`python -m bot ask --json < questions.txt | head -1`."""
    questions = tmp_path / "questions.txt"
    # Far more output than a pipe holds: the bot is still writing when the reader leaves.
    questions.write_text("numero cicr minsk\n" * 5000, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    with (
        questions.open("rb") as stdin,
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--json"],
            cwd=ROOT,
            env=environment,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as process,
    ):
        assert process.stdout and process.stderr
        first = process.stdout.readline()
        process.stdout.close()  # what `head -1` does after its line
        code = process.wait(timeout=60)
        errors = process.stderr.read()
    assert json.loads(first)["entry"] == "belarus_contact"
    assert code == 1 and errors == b""


@pytest.mark.process
def test_ask_conversation_follows_up() -> None:
    result = run(
        "-m",
        "bot",
        "ask",
        "--json",
        "--conversation",
        stdin="que fait le CICR au Bélarus\net le téléphone ?\n",
    )
    entries = [json.loads(line)["entry"] for line in result.stdout.splitlines()]
    assert entries == ["belarus_mission", "belarus_contact"]


@pytest.mark.process
def test_run_without_token_or_terminal_explains_and_exits_2() -> None:
    result = run("run_bot.py")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.process
def test_run_refuses_an_invalid_knowledge_base(tmp_path: object) -> None:
    result = run("run_bot.py", env={"KNOWLEDGE_DIR": "/nonexistent"})
    assert result.returncode == 1 and "/nonexistent" in result.stderr


@pytest.mark.unit
def test_ask_explain_shows_why(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["ask", "--explain", "je cherche mon frère Ivan disparu, j'ai trouvé un obus"]) == 0
    out = capsys.readouterr().out
    assert "ivan: neutral (name, place, date or number)" in out
    assert "explosive object reported: found, touched or hurt someone, safety first" in out
    assert "candidates: " in out and "decision: " in out
    assert "decided by: rule: explosive object" in out
    assert main(["ask", "--explain", "le cicr peut m'aider à retrouver ma soeur disparue ?"]) == 0
    out = capsys.readouterr().out
    # The ranker's best topics with their probabilities, the thresholds, and what decided.
    assert re.search(r"learned ranker \((semantic|ngrams)\): family_links 0\.\d\d, ", out), out
    assert "out of scope 0." in out and f"answer at {DEFAULT_THRESHOLDS.sure:.2f}" in out
    assert "decided by: ranker sure" in out and "decision: answer, answers family_links" in out
    if "(semantic)" in out:  # its n-grams' own reading, which the decision compares with the whole
        assert "its n-grams alone put first: family_links" in out
    thesis = "quelles régions sont les plus contaminées par les mines ? pour ma thèse"
    assert main(["ask", "--explain", thesis]) == 0
    out = capsys.readouterr().out
    # A mine named in a question the ranker reads as mine action: the rule is overruled, and why.
    if "(semantic)" in out:  # with n-grams alone the ranker never overrules the rule
        assert "overruled by the ranker: read as mine_action" in out
        assert "decision: answer, answers mine_action" in out
    else:
        assert "named, not in a general question, safety first" in out
    assert main(["ask", "--explain", "horaires et adresse du bureau de Minsk"]) == 0
    out = capsys.readouterr().out
    # A contact question is answered by its rule; the ranker's view is shown all the same.
    assert "contact question: yes, in person, names belarus" in out
    assert re.search(r"learned ranker \((semantic|ngrams)\): belarus_contact [01]\.\d\d, ", out), out
    assert "decided by: rule: contact question" in out and "answers belarus_contact" in out
    assert main(["ask", "--explain", "Нашли снаряд во дворе"]) == 0
    out = capsys.readouterr().out
    assert "not French: notice notice_ru, danger named: safety first" in out
    assert "danger named as another language names it: a weapon's word: 'снаряд'" in out


@pytest.mark.process
def test_check_says_which_mode_the_ranker_is_in() -> None:
    off = run("-m", "bot", "check", env={"SEMANTIC": "off"})
    assert off.returncode == 0 and "learned ranker: ngrams mode" in off.stdout, off.stdout + off.stderr
    assert "training examples" in off.stdout
