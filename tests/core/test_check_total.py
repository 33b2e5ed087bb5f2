"""`python -m bot check` is total: whatever a knowledge directory holds, it answers in a moment
with `file:line: message` lines and exit code 1 (never a traceback, a hang or megabytes of output),
and it refuses exactly what start-up refuses.

Each case is a copy of the shipped knowledge base with one mutation.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core import engine, knowledge
from tests.conftest import KNOWLEDGE_DIR, ROOT

# Changes a copy of the knowledge base in place; returns the line it changed (0: none).
Mutation = Callable[[Path], int]


def replaced(file: str, pattern: str, new: str, *, encoding: str = "utf-8") -> Mutation:
    """The first match of `pattern` in `file` replaced by `new`, the file saved in `encoding`."""

    def mutate(directory: Path) -> int:
        path = directory / file
        text = path.read_text(encoding="utf-8")
        found = re.search(pattern, text, flags=re.MULTILINE)
        assert found, f"{pattern!r} not in {file}"
        changed = text[: found.start()] + new + text[found.end() :]
        path.write_bytes(changed.encode(encoding, errors="replace"))
        return text.count("\n", 0, found.start()) + 1

    return mutate


def added(file: str, content: bytes) -> Mutation:
    def mutate(directory: Path) -> int:
        (directory / file).write_bytes(content)
        return 1

    return mutate


def made(make: Callable[[Path], object]) -> Mutation:
    """Something that is not a regular file, made in the directory."""

    def mutate(directory: Path) -> int:
        make(directory)
        return 0

    return mutate


def oversized(directory: Path) -> None:
    with (directory / "x.yaml").open("wb") as file:
        file.truncate(knowledge.MAX_FILE_BYTES + 1)  # sparse: costs nothing to make


def alias_bomb() -> str:
    """Nine levels of nine aliases: 9**9 (387 million) strings once expanded."""
    lines = ["      - &a [" + ", ".join(["lol"] * 9) + "]"]
    lines += [
        f"      - &{name} [" + ", ".join([f"*{previous}"] * 9) + "]"
        for previous, name in itertools.pairwise("abcdefghi")
    ]
    return "    questions:\n" + "\n".join(lines) + "\n"


def nested_mappings(levels: int) -> bytes:
    return (
        "entries:\n" + "".join(" " * i + "a:\n" for i in range(1, levels)) + " " * levels + "x\n"
    ).encode()


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Mutation
    # The whole output, one regex per line: {dir} is the directory, {line} the changed line.
    expected: tuple[str, ...]


NOT_TEXT = r"is not text: write it in quotes"
HTML = r"{dir}/fraude\.yaml:{line}: 'answer' is not valid Telegram HTML: "


def answer(html: str) -> Mutation:
    """`html` as the first line of fraude.yaml's first answer."""
    return replaced("fraude.yaml", r"^    answer: \|\n", f"    answer: |\n      {html}\n")


CASES = [
    Case(
        "month 13",
        replaced("fraude.yaml", r"^    reviewed: .*$", "    reviewed: 2026-13-45"),
        (
            r"{dir}/fraude\.yaml:{line}: '2026-13-45' is not a valid date \(month must be in 1\.\.12\): "
            r"write YYYY-MM-DD",
        ),
    ),
    Case(
        "30 February",
        replaced("fraude.yaml", r"^    reviewed: .*$", "    reviewed: 2026-02-30"),
        (
            r"{dir}/fraude\.yaml:{line}: '2026-02-30' is not a valid date "
            r"\(day is out of range for month\): write YYYY-MM-DD",
        ),
    ),
    Case(
        "Latin-1",
        replaced("fraude.yaml", r"\A", "# Résumé\n", encoding="cp1252"),
        (
            r"{dir}/fraude\.yaml:1: not UTF-8: byte 0xE9 \('é' in Latin-1/Windows-1252\?\): "
            r"save the file as UTF-8",
        ),
    ),
    Case(
        "UTF-16",
        replaced("fraude.yaml", r"\A", "", encoding="utf-16"),
        (
            r"{dir}/fraude\.yaml:1: not UTF-8 but UTF-16 \(it starts with a UTF-16 byte order mark\): "
            r"save it as UTF-8",
        ),
    ),
    Case(
        "NUL byte",
        replaced("fraude.yaml", r"^    kind: info$", "    kind: in\0fo"),
        (r"{dir}/fraude\.yaml:{line}: control character U\+0000 is not allowed: remove it",),
    ),
    Case(
        "escape character",
        replaced("fraude.yaml", r"^    title: ", "    title: \x1b[31m"),
        (r"{dir}/fraude\.yaml:{line}: control character U\+001B is not allowed: remove it",),
    ),
    Case(
        "escaped surrogate",
        replaced("fraude.yaml", r"^    title: .*$", r'    title: "a\ud800"'),
        (
            r"{dir}/fraude\.yaml:{line}: cannot read 'a\\ud800': character U\+D800 is not allowed "
            r"in text: remove it",
        ),
    ),
    Case(
        "5,000 nested lists",
        replaced("fraude.yaml", r"^    keywords: .*$", "    keywords: " + "[" * 5000 + "x" + "]" * 5000),
        (r"{dir}/fraude\.yaml:{line}: nested more than 32 levels deep",),
    ),
    Case(
        "5,000 nested block lists",
        replaced("fraude.yaml", r"^    keywords: .*$", "    keywords:\n      " + "- " * 5000 + "x"),
        (r"{dir}/fraude\.yaml:{line+1}: nested more than 32 levels deep",),
    ),
    Case(
        "nested block mappings",
        added("x.yaml", nested_mappings(100)),
        (r"{dir}/x\.yaml:32: nested more than 32 levels deep",),
    ),
    Case(
        "list as a key",
        replaced("fraude.yaml", r"^    kind: info$", "    kind: info\n    [a, b]: x"),
        (r"{dir}/fraude\.yaml:{line+1}: a key must be a word, not a list or a mapping",),
    ),
    Case(
        "mapping as a key",
        replaced("fraude.yaml", r"^    kind: info$", "    kind: info\n    {a: b}: x"),
        (r"{dir}/fraude\.yaml:{line+1}: a key must be a word, not a list or a mapping",),
    ),
    Case(
        "directory",
        made(lambda d: (d / "x.yaml").mkdir()),
        (r"{dir}/x\.yaml:0: not a regular file \(a directory\): remove it or rename it",),
    ),
    Case(
        "broken symbolic link",
        made(lambda d: (d / "x.yaml").symlink_to(d / "nowhere.yaml")),
        (r"{dir}/x\.yaml:0: not a regular file \(a broken symbolic link\): remove it",),
    ),
    Case(
        "symbolic link loop",
        made(lambda d: (d / "x.yaml").symlink_to(d / "x.yaml")),
        (r"{dir}/x\.yaml:0: not a regular file \(a symbolic link loop\): remove it",),
    ),
    Case(
        "FIFO",
        made(lambda d: os.mkfifo(d / "x.yaml")),
        (r"{dir}/x\.yaml:0: not a regular file \(a FIFO\): remove it or rename it",),
    ),
    Case(
        "file too large",
        made(oversized),
        (r"{dir}/x\.yaml:0: larger than 1 MB: split it into several files",),
    ),
    Case(
        "too many values",
        added("x.yaml", b"entries: [" + b"a, " * knowledge.MAX_NODES + b"]"),
        (r"{dir}/x\.yaml:1: more than 20000 values in one file: split it",),
    ),
    Case(
        "billion laughs",
        replaced("fraude.yaml", r"^    questions:\n", alias_bomb()),
        (
            r"{dir}/fraude\.yaml:{line+1}: YAML anchors and aliases \(&, \*\) are not allowed: "
            r"write each value out",
        ),
    ),
    Case(
        "merge key",
        replaced("fraude.yaml", r"^    kind: info$", "    kind: info\n    <<: {a: b}"),
        (r"{dir}/fraude\.yaml:{line+1}: YAML merge keys \(<<\) are not allowed: write each field out",),
    ),
    Case(
        "synonyms that are numbers",
        replaced("langue.yaml", r"^synonyms:$", "synonyms:\n  mot: [1, 2]"),
        (
            rf"{{dir}}/langue\.yaml:{{line+1}}: 'synonyms': 'mot': 1 {NOT_TEXT}",
            rf"{{dir}}/langue\.yaml:{{line+1}}: 'synonyms': 'mot': 2 {NOT_TEXT}",
        ),
    ),
    Case(
        "empty place name",
        replaced("langue.yaml", r"^  belarus: \[belarus, bielorussie,", '  belarus: ["", bielorussie,'),
        (r"{dir}/langue\.yaml:{line}: 'countries': 'belarus': an empty item",),
    ),
    Case(
        "SMS spelling that is a number",
        replaced("langue.yaml", r"^sms:$", "sms:\n  mot: 1"),
        (r"{dir}/langue\.yaml:{line+1}: 'sms': 'mot' must map to a word",),
    ),
    Case(
        "5,000-digit number",
        replaced("fraude.yaml", r"^    keywords: \[", "    keywords: [" + "1" * 5000 + ", "),
        (r"{dir}/fraude\.yaml:{line}: cannot read '1{78}…: Exceeds the limit .{20,80}",),
    ),
    Case(
        "long value echoed",
        replaced("fraude.yaml", r"^    kind: info$", "    kind: " + "x" * 100_000),
        (
            r"{dir}/fraude\.yaml:{line}: kind 'x{78}… must be one of contact, info, mission, notice, "
            r"route, safety, service, smalltalk",
        ),
    ),
    Case(
        "javascript link",
        answer('<a href="javascript:alert(1)">x</a>'),
        (HTML + r"link target 'javascript:alert\(1\)' must start with https:// or tg://",),
    ),
    Case(
        "bare & in a link",
        answer('<a href="https://x.org/?a=1&b=2">x</a>'),
        (HTML + r"a bare '&' in '&b=2': write &amp;",),
    ),
    Case("entity past Unicode", answer("&#9999999;"), (HTML + r"'&#9999999;' is not a Unicode character",)),
    Case(
        "300 problems",
        replaced("fraude.yaml", r"^    keywords: .*$", "    keywords: [" + "1, " * 300 + "]"),
        (rf"{{dir}}/fraude\.yaml:{{line}}: 'keywords': 1 {NOT_TEXT}",) * knowledge.MAX_PROBLEMS
        + (r"{dir}:0: 100 more problems not shown",),
    ),
]


def broken_knowledge(tmp_path: Path, case: Case) -> tuple[Path, int]:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    return directory, case.mutate(directory)


def expected_lines(case: Case, directory: Path, line: int) -> list[str]:
    return [
        pattern.replace("{dir}", re.escape(str(directory)))
        .replace("{line}", str(line))
        .replace("{line+1}", str(line + 1))
        for pattern in case.expected
    ]


@pytest.mark.integration
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check_reports_each_broken_file_in_one_line(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, line = broken_knowledge(tmp_path, case)
    code = main(["check", str(directory)])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    printed = out.splitlines()
    patterns = expected_lines(case, directory, line)
    assert len(printed) == len(patterns), printed[:5]
    for shown, pattern in zip(printed, patterns, strict=True):
        assert re.fullmatch(pattern, shown), (shown, pattern)
    # How long each case takes is `make bench`'s business; a case that never ends is caught by
    # the processes below (`timeout`), a YAML bomb among them.


@pytest.mark.integration
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    path = directory / "fraude.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert "fraud_warning" in knowledge.load(directory).entries


@pytest.mark.integration
def test_an_empty_topic_file_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    (directory / "a_empty.yaml").write_bytes(b"")
    (directory / "b_comments.yaml").write_text("# Sujet à venir\n", encoding="utf-8")
    (directory / "c_no_entries.yaml").write_text("# Sujet à venir\nentries: []\n", encoding="utf-8")
    assert main(["check", str(directory)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:3] == [
        f"{directory / name}:{line}: warning: empty topic file (no entries)"
        for name, line in (("a_empty.yaml", 1), ("b_comments.yaml", 1), ("c_no_entries.yaml", 2))
    ]
    assert printed[3].startswith("OK: ") and len(printed) == 4


@pytest.mark.integration
def test_an_error_while_indexing_becomes_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_matcher(*args: object) -> object:
        raise RuntimeError("x" * 500)

    monkeypatch.setattr(engine, "Matcher", failing_matcher)
    assert main(["check", str(KNOWLEDGE_DIR)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{KNOWLEDGE_DIR}:0: the knowledge base cannot be used: RuntimeError: {'x' * 79}…"
    ]


def run(*args: str, knowledge_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment["KNOWLEDGE_DIR"] = str(knowledge_dir)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )


# One of each kind of refusal: a value, a file that is not a file, a YAML bomb.
AS_PROCESSES = ("month 13", "FIFO", "billion laughs")


@pytest.mark.process
@pytest.mark.parametrize("case", [c for c in CASES if c.name in AS_PROCESSES], ids=lambda case: case.name)
def test_check_and_start_up_refuse_alike(case: Case, tmp_path: Path) -> None:
    directory, line = broken_knowledge(tmp_path, case)
    check = run("-m", "bot", "check", str(directory), knowledge_dir=directory)
    start = run("run_bot.py", knowledge_dir=directory)
    for result in (check, start):
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    header, *problems = start.stderr.splitlines()
    assert header == "The knowledge base is invalid; the bot does not start:"
    assert problems == check.stdout.splitlines()
    patterns = expected_lines(case, directory, line)
    assert all(re.fullmatch(p, s) for p, s in zip(patterns, problems, strict=True)), problems
