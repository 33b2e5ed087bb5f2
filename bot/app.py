"""`make run`: serve Telegram with a token, else chat in the terminal, else explain and exit 2."""

from __future__ import annotations

import logging
import sys

from bot import knowledge
from bot.config import Settings, build_dialogue

log = logging.getLogger("bot")


class RedactToken(logging.Filter):
    """Defence in depth: whatever a library logs, the token never reaches the log."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level, logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs request URLs, which contain the token, at INFO; python-telegram-bot logs
    # update contents at DEBUG. Neither goes below these levels, whatever LOG_LEVEL says.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    if settings.token:
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactToken(settings.token))


def main() -> int:
    settings = Settings.from_environment()
    configure_logging(settings)
    try:
        dialogue = build_dialogue(settings.knowledge_dir)
    except knowledge.KnowledgeError as error:
        print(f"The knowledge base is invalid; the bot does not start:\n{error}", file=sys.stderr)
        return 1
    if settings.token:
        from bot.telegram_bot import run

        run(settings, dialogue)
        return 0
    if sys.stdin.isatty():
        from bot.terminal import chat, input_lines

        chat(dialogue, input_lines())
        return 0
    print(dialogue.texts["no_terminal"], file=sys.stderr)
    return 2
