"""The webhook: Telegram POSTs each update to the path of TELEGRAM_WEBHOOK_URL.

Rather than python-telegram-bot's `run_webhook` (its server logs whole updates, message text
included, at DEBUG and on parse errors, and compares the secret with `!=`):
- the secret header is compared in constant time; missing or wrong: 403, the body unread;
- the body is read as it streams: past MAX_BODY, 413 at once and the rest never read; a client
  gone before its end costs one line of log;
- a valid request is answered 200 at once, also when the body is not a readable update:
  Telegram retries any other answer with back-off and holds that chat's later updates;
- but at most MAX_IN_HAND updates are acknowledged and unanswered at a time: beyond, 503, and
  Telegram keeps the update and sends it again (holding that chat's later ones meanwhile, so
  their order is kept); what is acknowledged and still unanswered at a stop is handed over
  (bot/state/handover.py) to the next start or another replica, never dropped;
- an update id seen before is dropped (Telegram redelivers); the others are handled per chat,
  in order, by the same dispatcher the poller uses. Only ids are ever logged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import sys

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.channels.telegram.application import ALLOWED_UPDATES
from bot.channels.telegram.dispatch import ChatDispatcher
from bot.channels.telegram.polling import chat_key
from bot.config import ConfigurationError, Settings
from bot.state.handover import Acknowledged, Raw
from bot.state.seen import SeenUpdates
from bot.state.sending import RATE

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # an update is a few kilobytes
# Telegram's concurrent requests to a webhook, by default (setWebhook's max_connections).
TELEGRAM_CONNECTIONS = 40


def max_in_hand(stop_deadline: float) -> int:
    """Accepted and not answered yet, at most: what a stop's deadline can answer at the sending
    rate (8 s: about 200), so that a stop finishes most of them and hands the rest over; never
    fewer than the requests Telegram sends at once, or a normal burst would be refused."""
    return max(TELEGRAM_CONNECTIONS, round(stop_deadline * RATE))


MAX_IN_HAND = max_in_hand(8.0)  # with the default stop deadline


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    """The body, chunk by chunk as it arrives: past MAX_BODY, `_TooLarge` before reading more."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _TooLarge  # said so up front: nothing read at all
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _TooLarge
    return bytes(body)


def webhook_route(
    path: str,
    secret: str,
    bot: Bot,
    dispatcher: ChatDispatcher[Update],
    seen: SeenUpdates,
    acknowledged: Acknowledged,
    max_in_hand: int = MAX_IN_HAND,
) -> Route:
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        """One update from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", errors="replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook: a request without the right secret was refused")
            return Response(status_code=403)
        try:
            body = await _read_body(request)
        except _TooLarge:
            log.warning("webhook: a body of more than %d bytes was refused", MAX_BODY)
            # Connection: close, so that uvicorn closes the connection instead of taking the rest.
            return Response(status_code=413, headers={"Connection": "close"})
        except ClientDisconnect:  # one line: the traceback would say nothing more
            log.warning("webhook: the client left before the end of the body")
            return Response(status_code=400)  # read by nobody: the connection is gone
        update_id = None
        try:
            data = json.loads(body)
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise ValueError("no update id")
            if len(acknowledged) >= max_in_hand:
                # Before it is marked seen: the same update, sent again, must be taken then.
                return Response(status_code=503, headers={"Retry-After": "1"})
            if not await seen.first_time(update_id):
                return Response(status_code=200)  # delivered again: answered already
            update = Update.de_json(data, bot)
        except Exception as error:  # whatever it is, only this update is lost, and never logged
            log.error("webhook: update %s could not be read (%s): dropped", update_id, type(error).__name__)
            return Response(status_code=200)
        acknowledged.add(update_id, data)  # from now on Telegram forgets it: it is ours to answer
        dispatcher.submit(chat_key(update), update_id, update)
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"])


def resume(bot: Bot, dispatcher: ChatDispatcher[Update], acknowledged: Acknowledged, taken: list[Raw]) -> int:
    """Hand updates taken over (a previous stop's) to the dispatcher; how many. They were marked
    seen when first acknowledged, so the de-duplication is not asked again."""
    resumed = 0
    for data in taken:
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            continue
        try:
            update = Update.de_json(data, bot)
        except Exception as error:  # only this update is lost, and never logged
            log.error(
                "webhook: update %s handed over could not be read (%s)", update_id, type(error).__name__
            )
            continue
        acknowledged.add(update_id, data)
        dispatcher.submit(chat_key(update), update_id, update)
        resumed += 1
    return resumed


async def manage(settings: Settings, action: str) -> list[str]:
    """`python -m bot webhook set|delete|info`: done once at deployment, never by each replica."""
    bot = Bot(settings.token or "", base_url=settings.base_url or "https://api.telegram.org/bot")
    async with bot:
        if action == "set":
            if not settings.webhook_url or not settings.webhook_secret:
                raise ConfigurationError("webhook set needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
            return [f"webhook set: {settings.webhook_url}"]
        if action == "delete":
            await bot.delete_webhook(drop_pending_updates=False)
            return ["webhook deleted: the bot can poll again"]
        info = await bot.get_webhook_info()
        return [
            f"url: {info.url or '(none: polling)'}",
            f"pending updates: {info.pending_update_count}",
            f"last error: {info.last_error_message or '-'}",
        ]


def command(settings: Settings, action: str) -> int:
    """Run `manage` and print its lines; 1 with one line when Telegram refuses."""
    try:
        lines = asyncio.run(manage(settings, action))
    except TelegramError as error:
        print(f"python -m bot webhook {action}: Telegram refused ({type(error).__name__})", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
