"""Tests for the Telegram Bot API stand-in, driven by a real ``telegram.Bot`` over HTTP."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fake_telegram import FakeTelegram, parse_html

pytestmark = pytest.mark.integration

CHAT = 4242
# Every httpx client otherwise loads the CA bundle into a new SSL context (~25 ms, two
# clients per Bot), which would dominate the run time of these plain-HTTP tests.
_SSL_CONTEXT = ssl.create_default_context()


def make_bot(server: FakeTelegram, token: str | None = None) -> Bot:
    return Bot(
        token or server.token,
        base_url=server.base_url,
        request=HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT}),
        get_updates_request=HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT}),
    )


@pytest.fixture
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(server) as real_bot:
        yield real_bot


def raw_post(
    server: FakeTelegram, method: str, body: bytes, content_type: str, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST without PTB, to check the wire format PTB never produces."""
    url = f"{server.base_url}{token or server.token}/{method}"
    request = urllib.request.Request(url, body, {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --------------------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_get_me(server: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "cicr_test_bot"
    assert me.id == 123456
    assert me.can_join_groups and me.supports_inline_queries
    assert server.calls_to("getMe")


@pytest.mark.asyncio
async def test_send_message_ok(server: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    first = await bot.send_message(CHAT, "<b>Hello</b> &amp; welcome", parse_mode=ParseMode.HTML)
    second = await bot.send_message(CHAT, "Pick one", reply_markup=keyboard)

    assert second.message_id > first.message_id
    assert first.chat.id == CHAT and first.date is not None
    assert first.text == "Hello & welcome"  # the visible text, as Telegram returns it
    assert second.reply_markup == keyboard
    sent = server.sent_to(CHAT)
    assert [p["text"] for p in sent] == ["<b>Hello</b> &amp; welcome", "Pick one"]
    # Form-encoded by PTB, decoded back into Python objects by the fake.
    assert sent[1]["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    assert sent[0]["chat_id"] == CHAT
    assert server.failed_calls == []


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold",  # not closed
        "<b><i>x</b></i>",  # badly nested
        "<div>x</div>",  # unsupported tag
        "<br/>",  # unsupported tag
        "1 < 2",  # bare <
        "Tom & Jerry",  # bare &
        "&nbsp;",  # named entity Telegram does not know
        '<span class="other">x</span>',  # span is only for spoilers
        "x</b>",  # end tag without a start tag
    ],
)
@pytest.mark.asyncio
async def test_invalid_html_rejected(server: FakeTelegram, bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)an't parse entities"):
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert server.sent_to(CHAT) == []
    assert server.failed_calls[-1].error_code == 400


def test_valid_html_accepted() -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>"
        '<del>d</del><a href="https://example.org/?a=1&amp;b=2">link</a><code>c</code>'
        '<pre><code class="language-python">p</code></pre><blockquote expandable>q</blockquote>'
        '<span class="tg-spoiler">sp</span><tg-spoiler>ts</tg-spoiler>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#65;&#x42; 1 > 0'
    )
    assert parse_html(html).endswith('👍 <>&"AB 1 > 0')


@pytest.mark.asyncio
async def test_message_length_counts_utf16_units(server: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "x" * 4096)
    await bot.send_message(CHAT, "😀" * 2048)  # 2048 characters, 4096 UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)  # only 2049 characters
    # The limit applies to the visible text, after the markup is parsed.
    await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode=ParseMode.HTML)
    assert len(server.sent_to(CHAT)) == 3


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_rejected(server: FakeTelegram, bot: Bot) -> None:
    def markup(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])

    await bot.send_message(CHAT, "ok", reply_markup=markup("a" * 64))
    for data in ("a" * 65, "é" * 33):  # the second is 33 characters but 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "too long", reply_markup=markup(data))
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        bare = InlineKeyboardMarkup([[InlineKeyboardButton("bare")]])  # PTB does not check this
        await bot.send_message(CHAT, "no action", reply_markup=bare)
    two_actions = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a", url="https://e.org")]])
    with pytest.raises(BadRequest, match=r"(?i)exactly one action"):
        await bot.send_message(CHAT, "two actions", reply_markup=two_actions)
    assert len(server.sent_to(CHAT)) == 1


# --------------------------------------------------------------------------- updates


@pytest.mark.asyncio
async def test_get_updates_offset_confirms_and_unconfirmed_are_redelivered(
    server: FakeTelegram, bot: Bot
) -> None:
    first = server.push_command(CHAT, "start", "ref42")
    second = server.push_text(CHAT, "hello")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "/start ref42"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[0].message.entities[0].length == len("/start")

    # Nothing confirmed yet: the same updates again, as a restarted bot would see them.
    assert [u.update_id for u in await bot.get_updates()] == [u.update_id for u in updates]

    # offset confirms everything before it.
    remaining = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.update_id for u in remaining] == [second["update_id"]]
    async with make_bot(server) as restarted:
        assert [u.update_id for u in await restarted.get_updates()] == [second["update_id"]]
        assert await restarted.get_updates(offset=second["update_id"] + 1) == ()
    assert server.pending_updates == []

    assert (await bot.get_updates(limit=1)) == ()
    server.push_text(CHAT, "a")
    server.push_text(CHAT, "b")
    assert len(await bot.get_updates(limit=1)) == 1


@pytest.mark.asyncio
async def test_long_polling_returns_as_soon_as_an_update_is_pushed(server: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    assert await server.wait_for_async(lambda _calls: server.waiting_pollers == 1)
    assert not poll.done()

    pushed = server.push_text(CHAT, "wake up")
    # Well before the poll's own 10 s: it returned because of the update, not at its timeout.
    updates = await asyncio.wait_for(poll, timeout=5)
    assert [u.update_id for u in updates] == [pushed["update_id"]]


def test_long_polling_gives_up_after_the_requested_timeout(server: FakeTelegram) -> None:
    # Raw request: PTB only sends whole seconds, the fake also takes fractions.
    started = time.monotonic()
    status, body = raw_post(server, "getUpdates", b'{"timeout": 0.3}', "application/json")
    assert (status, body) == (200, {"ok": True, "result": []})
    assert time.monotonic() - started >= 0.25  # it waited (a lower bound: no load makes it fail)


@pytest.mark.asyncio
async def test_newer_get_updates_ends_the_older_one_with_conflict(server: FakeTelegram, bot: Bot) -> None:
    old = asyncio.create_task(bot.get_updates(timeout=10))
    assert await server.wait_for_async(lambda _calls: server.waiting_pollers == 1)
    async with make_bot(server) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(old, timeout=2)


@pytest.mark.asyncio
async def test_a_cancelled_long_poll_is_not_a_failure(server: FakeTelegram, bot: Bot) -> None:
    orphan = asyncio.create_task(bot.get_updates(timeout=10))
    assert await server.wait_for_async(lambda _calls: server.waiting_pollers == 1)
    orphan.cancel()  # what PTB's Updater does on stop, before one last getUpdates
    assert await bot.get_updates() == ()
    assert server.failed_calls == []
    assert await server.wait_for_async(lambda _calls: server.waiting_pollers == 0)


@pytest.mark.asyncio
async def test_every_pushed_update_kind_parses_in_ptb(server: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "menu")
    server.push_command(CHAT, "help")
    server.push_sticker(CHAT)
    server.push_voice(CHAT)
    server.push_photo(CHAT, caption="pic")
    server.push_edited_text(CHAT, "edited")
    server.push_channel_post(-1001234, "news")
    server.push_inline_query(CHAT, "query")
    server.push_my_chat_member(-5, new_status="administrator")
    server.push_my_chat_member(-5, new_status="kicked")
    server.push_callback(CHAT, "pressed", message_id=sent.message_id)

    updates = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert len(updates) == 10
    (command, sticker, voice, photo, edited, post, inline, admin, kicked, callback) = updates
    assert command.message and command.message.text == "/help"
    assert sticker.message and sticker.message.sticker
    assert voice.message and voice.message.voice
    assert photo.message and photo.message.photo and photo.message.caption == "pic"
    assert edited.edited_message and edited.edited_message.text == "edited"
    assert post.channel_post and post.channel_post.chat.type == "channel"
    assert inline.inline_query and inline.inline_query.query == "query"
    assert admin.my_chat_member and admin.my_chat_member.new_chat_member.status == "administrator"
    assert kicked.my_chat_member and kicked.my_chat_member.new_chat_member.status == "kicked"
    assert callback.callback_query and callback.callback_query.data == "pressed"
    assert callback.callback_query.message is not None
    assert callback.callback_query.message.message_id == sent.message_id


@pytest.mark.asyncio
async def test_allowed_updates_is_remembered_and_filters(server: FakeTelegram, bot: Bot) -> None:
    server.push_text(CHAT, "text")
    callback = server.push_callback(CHAT, "data", message_id=1)
    server.push_update({"chat_member": {}})  # opt-in type: not sent by default

    only = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in only] == [callback["update_id"]]
    assert [u.update_id for u in await bot.get_updates()] == [callback["update_id"]]
    assert server.allowed_updates == ["callback_query"]
    assert len(await bot.get_updates(allowed_updates=[])) == 2  # default set


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>Bonjour</b>", parse_mode=ParseMode.HTML)


async def run_application(server: FakeTelegram, until: Callable[[], bool]) -> None:
    """Run a PTB Application against the fake, the way the real bot is wired to it."""
    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .request(HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT}))
        .get_updates_request(HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT}))
        .build()
    )
    app.add_handler(CommandHandler("start", greet))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling()
        assert await server.wait_for_async(lambda _calls: until())
        await app.updater.stop()
        await app.stop()


@pytest.mark.asyncio
async def test_application_restart_answers_nothing_twice(server: FakeTelegram) -> None:
    server.push_command(CHAT, "start")
    await run_application(server, lambda: len(server.sent_to(CHAT)) == 1)
    assert server.pending_updates == []  # confirmed by the Updater's last getUpdates on stop

    await run_application(server, lambda: server.waiting_pollers == 1)  # restarted, idle
    assert [p["text"] for p in server.sent_to(CHAT)] == ["<b>Bonjour</b>"]
    assert server.failed_calls == []


# --------------------------------------------------------------------------- answers


@pytest.mark.asyncio
async def test_queries_can_be_answered_once(server: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "menu")
    callback = server.push_callback(CHAT, "x", message_id=sent.message_id)
    query_id = callback["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="done")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)

    inline_id = server.push_inline_query(CHAT, "q")["inline_query"]["id"]

    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id, "title", InputTextMessageContent("text"))

    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(inline_id, [article(str(i)) for i in range(51)])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(inline_id, [article("a"), article("a")])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_INVALID"):
        await bot.answer_inline_query(inline_id, [article("x" * 65)])
    assert await bot.answer_inline_query(inline_id, [article(str(i)) for i in range(50)])


@pytest.mark.asyncio
async def test_edit_message_text(server: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "v1")
    edited = await bot.edit_message_text("v2", chat_id=CHAT, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "v2"
    current = server.message(CHAT, sent.message_id)
    assert current is not None and current["text"] == "v2"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v3", chat_id=CHAT, message_id=999_999)
    user_message = server.push_text(CHAT, "mine")["message"]["message_id"]
    with pytest.raises(BadRequest, match=r"(?i)can't be edited"):
        await bot.edit_message_text("hijack", chat_id=CHAT, message_id=user_message)


@pytest.mark.asyncio
async def test_commands_descriptions_and_chat_actions(bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "x")])
    assert await bot.set_my_description("A bot")
    assert (await bot.get_my_description()).description == "A bot"
    assert await bot.set_my_short_description("Short")
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.leave_chat(-5)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0


# --------------------------------------------------------------------------- failures


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB-internal, 22.2+
async def test_fail_next_429_is_retry_after(server: FakeTelegram, bot: Bot) -> None:
    server.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "hi")
    await bot.send_message(CHAT, "hi")  # only the next call fails

    assert len(server.calls_to("sendMessage")) == 2
    assert [(f.method, f.error_code) for f in server.failed_calls] == [("sendMessage", 429)]
    assert server.failed_calls[0].description == "Too Many Requests: retry after 3"
    assert len(server.sent_to(CHAT)) == 1


@pytest.mark.asyncio
async def test_fail_next_502_is_network_error(server: FakeTelegram, bot: Bot) -> None:
    server.fail_next("sendMessage", status=502, times=2, retry_after=5)  # ignored: 429 only
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway") as caught:
            await bot.send_message(CHAT, "hi")
        assert type(caught.value) is NetworkError  # not BadRequest/TimedOut
    await bot.send_message(CHAT, "hi")
    assert len(server.failed_calls) == 2 and len(server.sent_to(CHAT)) == 1


@pytest.mark.asyncio
async def test_delay_next_triggers_client_timeout_but_message_is_sent(server: FakeTelegram, bot: Bot) -> None:
    server.delay_next("sendMessage", 0.15)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.05)
    # Like Telegram, the message still goes out: retrying blindly would duplicate it.
    assert await server.wait_for_async(lambda _calls: len(server.sent_to(CHAT)) == 1, timeout=2)


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(server: FakeTelegram, bot: Bot) -> None:
    stranger = make_bot(server, token="999:WRONG")
    with pytest.raises(InvalidToken):
        await stranger.initialize()  # calls getMe
    await stranger.shutdown()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert [f.error_code for f in server.failed_calls] == [401, 404]


# --------------------------------------------------------------------------- wire formats


def test_json_form_and_multipart_bodies_are_decoded(server: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, body = raw_post(
        server,
        "sendMessage",
        json.dumps({"chat_id": str(CHAT), "text": "json", "reply_markup": markup}).encode(),
        "application/json",
    )
    assert status == 200 and body["ok"] and body["result"]["text"] == "json"

    form = urllib.parse.urlencode(
        {"chat_id": CHAT, "text": "123", "reply_markup": json.dumps(markup)}
    ).encode()
    status, body = raw_post(server, "SENDMESSAGE", form, "application/x-www-form-urlencoded")
    assert status == 200 and body["result"]["text"] == "123"  # text stays text

    boundary = "b0undary"
    parts = {"chat_id": str(CHAT), "phone_number": "+100", "first_name": "Zoë"}
    multipart = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in parts.items()
    )
    multipart += f"--{boundary}--\r\n"
    status, body = raw_post(
        server,
        "sendContact",
        multipart.encode(),
        f"multipart/form-data; boundary={boundary}",
    )
    assert status == 200 and body["result"]["contact"]["first_name"] == "Zoë"

    sent = server.sent_to(CHAT)
    assert [c["chat_id"] for c in sent] == [CHAT, CHAT, CHAT]
    assert sent[0]["reply_markup"] == sent[1]["reply_markup"] == markup
    assert [m for m, _ in server.calls] == ["sendMessage", "sendMessage", "sendContact"]

    form = b"chat_id=1&first_name=x"
    status, body = raw_post(server, "sendContact", form, "application/x-www-form-urlencoded")
    assert (status, body["description"]) == (400, 'Bad Request: parameter "phone_number" is required')
    status, body = raw_post(server, "getMe", b"", "application/json", token="1:bad")
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    status, body = raw_post(server, "noSuchMethod", b"", "application/json")
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
