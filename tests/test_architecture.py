"""The rooms keep to their doors: data flows update -> channel -> dialogue -> engine -> reply.

Read from the source (`ast`), so that a lazy import inside a function counts as much as one at
the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit

PACKAGE = ROOT / "bot"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def importers_of(prefix: str) -> set[str]:
    return {
        name
        for name, imported in MODULES.items()
        if any(i == prefix or i.startswith(prefix + ".") for i in imported)
    }


def test_the_modules_were_found() -> None:
    assert {"bot.core.engine", "bot.channels.telegram.handlers", "bot.state.followups"} <= set(MODULES)


def test_only_the_telegram_channel_imports_telegram() -> None:
    outside = {m for m in importers_of("telegram") if not m.startswith("bot.channels.telegram")}
    assert not outside, outside


def test_the_core_imports_no_channel_state_ops_or_curation() -> None:
    for room in ("bot.channels", "bot.state", "bot.ops", "bot.curation", "bot.config", "bot.app"):
        leaks = {m for m in importers_of(room) if m.startswith("bot.core")}
        assert not leaks, (room, leaks)


def test_the_core_does_no_network_and_starts_no_process() -> None:
    io = ("asyncio", "socket", "subprocess", "httpx", "http", "urllib.request", "threading")
    for name in (m for m in MODULES if m.startswith("bot.core")):
        assert not {i for i in MODULES[name] if i.split(".")[0] in io or i in io}, name


def test_state_and_ops_know_no_channel() -> None:
    for room in ("bot.state", "bot.ops"):
        leaks = {m for m in importers_of("bot.channels") if m.startswith(room)}
        assert not leaks, (room, leaks)


def test_the_package_stands_alone() -> None:
    """Nothing in bot/ reads tests/: `python -m bot eval` runs wherever the bot is installed (the
    Docker image copies bot/ and knowledge/ only), its sets shipped with the package."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom | ast.Import)
            for alias in node.names
        }
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(m.startswith("tests") for m in modules | names), path
        strings = {
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        assert "tests" not in strings, path  # a path built from "tests"
    from bot.curation import evaluation

    assert evaluation.BLIND_TEST.is_relative_to(PACKAGE) and evaluation.BLIND_TEST.exists()


# A module or a function too long to read at once is where a change touches more than one
# concern: split it (data into data files, one function per step).
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def test_no_module_too_long_to_read_at_once() -> None:
    long = {
        module_name(path): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_no_function_too_long_to_read_at_once() -> None:
    long = {
        f"{module_name(path)}.{node.name}": node.end_lineno - node.lineno + 1
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert not long, long
