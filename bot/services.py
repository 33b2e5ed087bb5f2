"""The services a running bot uses besides its engine, built in one place for the bot and the CLI.

The memory-or-Redis choice is made here, once: with REDIS_URL (and STATE_KEY_SECRET) every store,
the inbox, the reload announcements and the webhook's handover live in the shared Redis, for
several replicas; without it they live in this process (and the inbox in a SQLite file, the
handover in STATE_DIR). `open_services` is an async context manager, as starlette's lifespan and
aiogram's `RedisStorage.from_url`: what it opens it closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.config import Settings
from bot.ops.inbox import Inbox, InboxStore, LocalInbox
from bot.state import ChatId, ReloadAnnouncer
from bot.state.flood import FloodBudget, MemoryFloodBudget
from bot.state.followups import FollowUpStore, MemoryFollowUpStore
from bot.state.handover import HANDOVER_FILE, FileHandover, Handover, RedisHandover
from bot.state.seen import MemorySeenUpdates, SeenUpdates
from bot.state.sending import MemorySendTurns

SendTurn = Callable[[ChatId | None], Awaitable[None]]


@dataclass(frozen=True)
class Services:
    """What the handlers use besides the engine; none optional but those a mode lacks."""

    followups: FollowUpStore
    flood: FloodBudget
    seen: SeenUpdates  # update ids already taken (the webhook's de-duplication)
    inbox: InboxStore  # counts of ordinary words of declined questions
    send_turn: SendTurn  # waits until a message keeps the bot within Telegram's limits
    reloads: ReloadAnnouncer | None  # several replicas: a reload asked on one reaches all
    handover: Handover | None  # webhook mode: where a stop's unanswered updates go
    shared: bool  # in Redis, for several replicas


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings,
    bot_id: int | str,
    *,
    stopwords: Iterable[str] = (),
    report: Callable[[bool], None] = lambda up: None,
    send_turns: Callable[[], MemorySendTurns] = MemorySendTurns,
) -> AsyncIterator[Services]:
    """The services of the bot `bot_id`, closed on exit. With Redis, StateKeyMismatch when
    another replica uses another STATE_KEY_SECRET. `report` tells whether Redis answers;
    `send_turns` paces one process (tests give a quicker one)."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.redis_url and settings.state_key_secret:
            services = await _in_redis(stack, settings, bot_id, stopwords, report)
        else:
            services = _in_memory(settings, stopwords, send_turns())
        stack.push_async_callback(services.inbox.aclose)
        yield services


async def _in_redis(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    bot_id: int | str,
    stopwords: Iterable[str],
    report: Callable[[bool], None],
) -> Services:
    # The redis package is imported only when configured.
    from bot.ops.inbox_redis import RedisInbox
    from bot.state.redis_store import RedisStores, namespace

    assert settings.redis_url and settings.state_key_secret
    prefix, secret = namespace(bot_id), settings.state_key_secret
    stores = RedisStores.from_url(
        settings.redis_url,
        secret,
        capacity=settings.flood_messages,
        period=settings.flood_seconds,
        report=report,
        prefix=prefix,
    )
    stack.push_async_callback(stores.aclose)
    await stores.connection.check_key()
    return Services(
        stores.followups,
        stores.flood,
        stores.seen,
        RedisInbox(stores.client, secret.encode(), stopwords, settings.inbox_days, prefix=prefix),
        stores.turns.wait_turn,
        stores.reloads,
        RedisHandover(stores.client, prefix, secret) if settings.webhook_url else None,
        shared=True,
    )


def _in_memory(settings: Settings, stopwords: Iterable[str], turns: MemorySendTurns) -> Services:
    handover = None
    if settings.webhook_url and settings.state_dir is not None:
        handover = FileHandover(settings.state_dir / HANDOVER_FILE)
    return Services(
        MemoryFollowUpStore(),
        MemoryFloodBudget(settings.flood_messages, settings.flood_seconds),
        MemorySeenUpdates(),
        LocalInbox(Inbox(settings.inbox_path, stopwords, settings.inbox_days)),
        turns.wait_turn,
        None,
        handover,
        shared=False,
    )
