"""The terminal channel: the same dialogue as Telegram, buttons numbered."""

from __future__ import annotations

import pytest

from bot.channels.terminal import chat
from bot.core.dialogue import Dialogue

pytestmark = pytest.mark.unit


def test_terminal_chat_uses_the_same_engine(dialogue: Dialogue) -> None:
    shown: list[str] = []
    chat(dialogue, ["numero du cicr a minsk", "1", "/aide"], shown.append)
    transcript = "\n".join(shown)
    assert "+375 17 318 70 07" in transcript and "[1]" in transcript
    assert "TELEGRAM_BOT_TOKEN" in transcript


def test_terminal_chat_opens_a_link_button_by_its_number(dialogue: Dialogue) -> None:
    """A number on a link button shows its address; it is not read as a question."""
    shown: list[str] = []
    chat(dialogue, ["comment retrouver mon frere disparu en Ukraine"], shown.append)
    listed = [
        line
        for line in shown[-1].splitlines()
        if line.startswith("  [") and "(https://familylinks.icrc.org" in line
    ]
    assert listed, shown[-1]
    number = listed[0].split("[", 1)[1].split("]", 1)[0]
    shown.clear()
    chat(dialogue, ["comment retrouver mon frere disparu en Ukraine", number, "1"], shown.append)
    assert "navigateur : https://familylinks.icrc.org" in shown[-2]
    assert "pas compris" not in shown[-2]
    # The buttons are still there: "1" afterwards presses the first button of the same reply.
    assert "pas compris" not in shown[-1]
