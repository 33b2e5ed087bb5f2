"""The engine snapshot: built in one call, immutable, freed once replaced, versioned by hash."""

from __future__ import annotations

import dataclasses
import gc
import shutil
import weakref
from pathlib import Path

import pytest

from bot.core.engine import Engine, build
from tests.conftest import KNOWLEDGE_DIR

pytestmark = pytest.mark.integration  # builds from knowledge directories on disk


def test_a_snapshot_cannot_be_changed_in_place(engine: Engine) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        engine.kb = engine.kb  # type: ignore[misc]


def test_a_replaced_snapshot_is_freed_and_nothing_is_frozen_by_building() -> None:
    frozen = gc.get_freeze_count()
    old = build(KNOWLEDGE_DIR)
    old.dialogue.text("numéro du CICR à Minsk")  # fills the analyzer's caches
    gone = weakref.ref(old)
    analyzer = weakref.ref(old.matcher.analyzer)
    del old
    gc.collect()
    # No class-level cache, no global: a reload does not keep every old knowledge base alive.
    assert gone() is None and analyzer() is None
    assert gc.get_freeze_count() == frozen  # gc.freeze() is the process's decision (bot/app.py)


def test_the_fingerprint_follows_the_files(tmp_path: Path, engine: Engine) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    assert build(directory).fingerprint == engine.fingerprint
    path = directory / "fraude.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# revu\n", encoding="utf-8")
    assert build(directory).fingerprint != engine.fingerprint


def test_two_snapshots_share_no_state(engine: Engine) -> None:
    other = build(KNOWLEDGE_DIR)
    assert other.matcher is not engine.matcher and other.matcher.analyzer is not engine.matcher.analyzer
    assert other.dialogue.text("merci").entries == engine.dialogue.text("merci").entries
