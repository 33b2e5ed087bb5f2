"""Chat with the bot in a terminal: the same engine as Telegram, buttons numbered."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.core.dialogue import Dialogue
from bot.core.html import to_plain_text
from bot.core.knowledge import Text
from bot.core.replies import Button, Reply


def render(reply: Reply, labels: dict[str, str]) -> tuple[str, list[Button]]:
    """The reply as plain text, buttons numbered from 1; returns the text and the buttons."""
    lines: list[str] = []
    buttons: list[Button] = []
    if reply.edit_pressed:
        lines.append(to_plain_text(reply.edit_pressed))
    for message in reply.messages:
        lines.append(message.plain_text(labels))
        for row in message.buttons:
            for button in row:
                buttons.append(button)
                target = f" ({button.url})" if button.url else ""
                lines.append(f"  [{len(buttons)}] {button.label}{target}")
    return "\n\n".join(line for line in lines if line), buttons


def chat(
    dialogue: Dialogue,
    lines: Iterable[str],
    write: Callable[[str], None] = print,
) -> None:
    """Run a conversation over `lines` (standard input by default), writing replies."""
    texts = dialogue.texts
    write(texts[Text.TERMINAL_INTRO])
    write(texts[Text.TERMINAL_TELEGRAM_HINT])
    reply = dialogue.start()
    topic = reply.next_topic(None)  # one person, one conversation: the topic is kept here
    shown, buttons = render(reply, texts)
    write(shown)
    for line in lines:
        line = line.strip()
        if not line:
            continue
        chosen = buttons[int(line) - 1] if line.isdigit() and 1 <= int(line) <= len(buttons) else None
        if chosen is not None and chosen.url:
            # A link button opens a web page: a terminal can only show the address. The buttons
            # stay as they were, so the person can still choose another one.
            write(texts[Text.TERMINAL_LINK].replace("{url}", chosen.url))
            continue
        if chosen is not None:
            reply = dialogue.press(chosen.action)
        elif line in {"/start", "/menu"}:
            reply = dialogue.start()
        elif line.startswith("/") and (found := dialogue.command(line[1:])):
            reply = found
        else:
            reply = dialogue.text(line, topic)
        topic = reply.next_topic(topic)
        shown, buttons = render(reply, texts)
        write(f"\n{shown}")


def input_lines(prompt: str = "> ") -> Iterable[str]:
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return
