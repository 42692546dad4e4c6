"""The sandbox (a local fake Telegram Bot API) over real HTTP, with the real python-telegram-bot.

Each test starts a Sandbox on a free port; the bot side is ``telegram.Bot`` pointed at it and
the control side is httpx (or the in-process ``SandboxState``). Rate-limit tests freeze the
sandbox's clock instead of relying on how fast requests happen to be.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import logging
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.sandbox import Sandbox, serve_forever
from bot.sandbox.errors import ApiError
from bot.sandbox.html_check import HtmlError, command_entities, parse_html, utf16_len
from bot.sandbox.limits import KeyedWindows, RateTracker
from bot.sandbox.params import decode

# PTB 22 itself warns inside RetryAfter() that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*`retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)

TOKEN = "123456:ABC-def_ghi"
USER = 42
GROUP = -555


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox()
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as client:
        yield client


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        yield client


@pytest.fixture
async def limited() -> AsyncIterator[Sandbox]:
    box = Sandbox(flood_limits=True)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def limited_bot(limited: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=limited.base_url) as client:
        yield client


class Clock:
    """A hand-moved monotonic clock for the rate windows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(limited: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(limited.state, "now", frozen)
    return frozen


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns about int time periods
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


async def wait_for(condition: Callable[[], bool]) -> None:
    """Yield to the loop until `condition` holds (bounded by iterations, not by time)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never became true")


# --------------------------------------------------------------------------- basics


async def test_get_me_uses_the_token_id(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.username == "newsbot_sandbox_bot"
    assert me.is_bot


async def test_malformed_token_is_invalid_token(sandbox: Sandbox) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("not-a-token", base_url=sandbox.base_url):
            pass  # entering calls getMe


async def test_unknown_method_is_404_and_names_are_case_insensitive(
    control: httpx.AsyncClient,
) -> None:
    missing = await control.post(f"/bot{TOKEN}/noSuchMethod")
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert (await control.get("/bot/getMe")).status_code == 404
    upper = await control.get(f"/bot{TOKEN}/GETME")
    assert upper.status_code == 200
    assert upper.json()["result"]["is_bot"] is True


async def test_parameters_in_query_form_json_and_multipart(
    sandbox: Sandbox, control: httpx.AsyncClient
) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}
    by_query = await control.get(f"/bot{TOKEN}/sendMessage", params={"chat_id": 1, "text": "q"})
    by_form = await control.post(
        f"/bot{TOKEN}/sendMessage",
        data={"chat_id": "2", "text": "123", "reply_markup": json.dumps(markup)},
    )
    by_json = await control.post(
        f"/bot{TOKEN}/sendMessage", json={"chat_id": 3, "text": "j", "reply_markup": markup}
    )
    by_multipart = await control.post(
        f"/bot{TOKEN}/sendPhoto",
        data={"chat_id": "4", "caption": "m", "photo": "attach://pic"},
        files={"pic": ("a.jpg", b"\xff\xd8jpeg", "image/jpeg")},
    )
    for response in (by_query, by_form, by_json, by_multipart):
        assert response.status_code == 200, response.text
    sent = sandbox.state.sent()
    assert [row["chat_id"] for row in sent] == [1, 2, 3, 4]
    assert sent[1]["text"] == "123"  # text is never JSON-decoded
    assert sent[1]["reply_markup"] == markup
    assert sent[2]["reply_markup"] == markup
    assert sent[3]["photo"] == "upload:a.jpg"


async def test_invalid_reply_markup_json_is_400(control: httpx.AsyncClient) -> None:
    response = await control.post(
        f"/bot{TOKEN}/sendMessage", data={"chat_id": "1", "text": "x", "reply_markup": "{nope"}
    )
    assert response.status_code == 400
    assert response.json()["description"] == (
        "Bad Request: can't parse reply keyboard markup JSON object"
    )


# --------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_an_update_posted_while_waiting(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await wait_for(lambda: sandbox.state.calls["getUpdates"] == 1)
    assert not poll.done()
    update_id, message_id = sandbox.state.post_message(USER, "xin chào", first_name="Lan")
    updates = await poll
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None
    assert message.message_id == message_id
    assert message.text == "xin chào"
    assert message.from_user is not None
    assert message.from_user.first_name == "Lan"
    assert message.chat.type == "private"


async def test_confirmed_updates_are_not_returned_again(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    first = await control.post("/sandbox/messages", json={"user_id": USER, "text": "a"})
    await control.post("/sandbox/messages", json={"user_id": USER, "text": "b"})
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["a", "b"]
    assert updates[0].update_id == first.json()["update_id"]
    again = await bot.get_updates()  # not confirmed yet: the same two
    assert len(again) == 2
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    sandbox.state.post_message(USER, "c")
    newer = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in newer if u.message] == ["c"]


async def test_get_updates_limit_and_negative_offset(sandbox: Sandbox, bot: telegram.Bot) -> None:
    for text in ("1", "2", "3"):
        sandbox.state.post_message(USER, text)
    assert len(await bot.get_updates(limit=2)) == 2
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["3"]
    assert len(await bot.get_updates()) == 1  # the earlier ones were forgotten


async def test_allowed_updates_filter_what_is_queued(sandbox: Sandbox, bot: telegram.Bot) -> None:
    sent = await bot.send_message(
        USER, "pick", reply_markup=keyboard(InlineKeyboardButton("ok", callback_data="ok"))
    )
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    sandbox.state.post_message(USER, "ignored")
    sandbox.state.press_button(USER, sent.message_id, "ok")
    updates = await bot.get_updates()
    assert len(updates) == 1
    assert updates[0].callback_query is not None


async def test_a_second_poll_ends_the_first_with_conflict(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await wait_for(lambda: sandbox.state.calls["getUpdates"] == 1)
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await first


async def test_webhook_blocks_polling_until_deleted(bot: telegram.Bot) -> None:
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_injected_raw_update_without_a_user(
    bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    raw = {
        "message": {
            "message_id": 999,
            "date": 1700000000,
            "chat": {"id": -1001, "type": "channel", "title": "Kênh"},
            "text": "no sender",
        }
    }
    response = await control.post("/sandbox/updates", json=raw)
    updates = await bot.get_updates()
    assert updates[0].update_id == response.json()["update_id"]
    assert updates[0].message is not None
    assert updates[0].message.from_user is None
    assert (await control.post("/sandbox/updates", json={})).status_code == 400


async def test_ptb_application_polls_and_replies(sandbox: Sandbox) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_user is not None
        await update.effective_message.reply_text(f"chào {update.effective_user.first_name}")

    application = ApplicationBuilder().token(TOKEN).base_url(sandbox.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=5)
        after = sandbox.state.last_seq
        sandbox.state.post_message(USER, "/start", first_name="Lan")
        replies = await sandbox.state.wait_sent(after, timeout=20)
        await application.updater.stop()
        await application.stop()
    assert [(r["chat_id"], r["text"]) for r in replies] == [(USER, "chào Lan")]


async def test_group_command_with_bot_username_is_a_command(sandbox: Sandbox) -> None:
    text = "/latest@newsbot_sandbox_bot 3 and /help"
    sandbox.state.post_message(7, text, chat_id=GROUP, chat_type="group")
    update = sandbox.state.updates[-1]
    assert update["message"]["chat"]["type"] == "group"
    assert update["message"]["entities"] == command_entities(text)
    assert [e["length"] for e in command_entities(text)] == [27, 5]


async def test_user_photo_message(sandbox: Sandbox, control: httpx.AsyncClient) -> None:
    await control.post(
        "/sandbox/messages", json={"user_id": USER, "text": "ảnh đây", "photo": True}
    )
    message = sandbox.state.updates[-1]["message"]
    assert message["caption"] == "ảnh đây"
    assert message["photo"][-1]["file_id"].startswith("sbx-photo-")
    assert "text" not in message


async def test_control_api_rejects_bad_messages(control: httpx.AsyncClient) -> None:
    wrong_chat = await control.post(
        "/sandbox/messages", json={"user_id": 1, "text": "x", "chat_id": 2}
    )
    assert wrong_chat.status_code == 400
    assert "private" in wrong_chat.json()["error"]
    no_user = await control.post("/sandbox/messages", json={"text": "x"})
    assert no_user.status_code == 400
    not_json = await control.post("/sandbox/messages", content=b"[1")
    assert not_json.status_code == 400


# --------------------------------------------------------------------------- sending


async def test_send_message_returns_entities_and_is_recorded(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    markup = keyboard(InlineKeyboardButton("Đọc", url="https://example.org/a"))
    message = await bot.send_message(
        USER,
        "<b>Tin</b> &amp; <i>ảnh</i>",
        parse_mode="HTML",
        reply_markup=markup,
        disable_notification=True,
    )
    assert message.text == "Tin & ảnh"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 3),
        ("italic", 6, 3),
    ]
    assert message.reply_markup == markup
    assert message.from_user is not None
    assert message.from_user.is_bot
    (row,) = sandbox.state.sent()
    assert row["method"] == "sendMessage"
    assert row["message_id"] == message.message_id
    assert row["text"] == "<b>Tin</b> &amp; <i>ảnh</i>"
    assert row["parse_mode"] == "HTML"
    assert row["disable_notification"] is True
    assert row["reply_markup"] == markup.to_dict()
    assert set(row) >= {"seq", "chat_id", "caption", "photo", "date"}


async def test_send_photo_by_url_upload_and_file_id(sandbox: Sandbox, bot: telegram.Bot) -> None:
    by_url = await bot.send_photo(
        USER, "https://example.org/a.jpg", caption="<b>A</b>", parse_mode="HTML"
    )
    assert by_url.caption == "A"
    assert by_url.photo
    assert by_url.photo[-1].file_unique_id
    by_upload = await bot.send_photo(USER, b"\x89PNG fake bytes", filename="b.png")
    file_id = by_upload.photo[-1].file_id
    again = await bot.send_photo(-77, file_id)
    assert again.photo[-1].file_id == file_id
    same_url = await bot.send_photo(USER, "https://example.org/a.jpg")
    assert same_url.photo[-1].file_id == by_url.photo[-1].file_id
    rows = sandbox.state.sent()
    assert [r["photo"] for r in rows] == [
        "https://example.org/a.jpg",
        "upload:b.png",
        file_id,
        "https://example.org/a.jpg",
    ]
    assert rows[0]["caption"] == "<b>A</b>"


@pytest.mark.parametrize(
    ("photo", "description"),
    [
        ("not-a-known-file-id", "wrong file identifier/HTTP URL specified"),
        ("https://cdn.example.invalid/a.jpg", "failed to get HTTP URL content"),
        ("https://example.org/unfetchable/a.jpg", "failed to get HTTP URL content"),
    ],
)
async def test_send_photo_refusals(
    sandbox: Sandbox, bot: telegram.Bot, photo: str, description: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){description}"):
        await bot.send_photo(USER, photo)
    assert sandbox.state.sent() == []


async def test_send_chat_action_is_checked_not_recorded(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    assert await bot.send_chat_action(USER, "typing")
    bad = await control.post(f"/bot{TOKEN}/sendChatAction", data={"chat_id": 1, "action": "x"})
    assert bad.status_code == 400
    assert sandbox.state.sent() == []
    assert sandbox.state.stats()["calls"]["sendChatAction"] == 2


async def test_reply_to_a_missing_message_is_refused(bot: telegram.Bot) -> None:
    first = await bot.send_message(USER, "first")
    reply = await bot.send_message(USER, "second", reply_to_message_id=first.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == first.message_id
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(USER, "third", reply_to_message_id=10**6)


# --------------------------------------------------------------------------- Telegram's checks


@pytest.mark.parametrize("text", ["", "   \n "])
async def test_empty_text_is_refused(bot: telegram.Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, text)


async def test_html_with_no_visible_text_is_empty(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode="HTML")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("a" * 4096, True),
        ("a" * 4097, False),
        ("😀" * 2048, True),  # 4096 UTF-16 code units
        ("😀" * 2049, False),
        ("ệ" * 4096, True),  # a BMP character is one unit however many UTF-8 bytes
        ("<b>" + "a" * 4096 + "</b>", True),  # tags are not counted
    ],
)
async def test_text_length_is_counted_in_utf16_after_parsing(
    bot: telegram.Bot, text: str, ok: bool
) -> None:
    if ok:
        await bot.send_message(USER, text, parse_mode="HTML")
    else:
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(USER, text, parse_mode="HTML")


@pytest.mark.parametrize(
    ("caption", "ok"),
    [
        ("a" * 1024, True),
        ("a" * 1025, False),
        ("👍" * 512, True),
        ("👍" * 513, False),
        ("<i>" + "&amp;" * 1024 + "</i>", True),  # "&amp;" is one character
    ],
)
async def test_caption_length_is_counted_in_utf16_after_parsing(
    bot: telegram.Bot, caption: str, ok: bool
) -> None:
    if ok:
        await bot.send_photo(USER, "https://example.org/p.jpg", caption=caption, parse_mode="HTML")
    else:
        with pytest.raises(BadRequest, match="(?i)caption is too long"):
            await bot.send_photo(
                USER, "https://example.org/p.jpg", caption=caption, parse_mode="HTML"
            )


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold <i>and italic</i></b> <u>u</u> <s>s</s> <del>d</del> <ins>i</ins>",
        '<a href="https://example.org/?a=1&amp;b=2">link</a>',
        '<code>x &lt; y</code> <pre><code class="language-python">print(1)</code></pre>',
        '<span class="tg-spoiler">secret</span> <tg-spoiler>s</tg-spoiler>',
        "<blockquote expandable>quote</blockquote> <blockquote>q</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "Tom &amp; Jerry &quot;x&quot; 5 &gt; 3 &#128512; &#x1F600;",
        "a > b",  # a bare ">" is text
        "<B>upper-case tags</B>",
    ],
)
def test_valid_html_is_accepted(text: str) -> None:
    parse_html(text)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("AT&T", "at byte offset 2"),
        ("&nbsp;", "at byte offset 0"),
        ("Đà Nẵng & Hải Phòng", "at byte offset 12"),  # UTF-8 byte offsets
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<br/>", 'Unsupported start tag "br/"'),
    ],
)
def test_invalid_html_is_refused(text: str, detail: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_html(text)
    assert detail in str(caught.value)


async def test_html_errors_reach_ptb_as_bad_request(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match='(?i)parse entities: Unsupported start tag "script"'):
        await bot.send_message(USER, "<script>x</script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)parse entities"):
        await bot.send_photo(USER, "https://example.org/p.jpg", caption="a & b", parse_mode="HTML")
    # Without parse_mode the same text is plain and fine.
    assert (await bot.send_message(USER, "a & b < c")).text == "a & b < c"


def test_utf16_and_entity_offsets() -> None:
    parsed = parse_html("😀 <b>Hà</b>")
    assert utf16_len("😀") == 2
    assert parsed.text == "😀 Hà"
    assert parsed.entities == ({"type": "bold", "offset": 3, "length": 2},)
    pre = parse_html('<pre><code class="language-py">x</code></pre>')
    assert pre.entities == ({"type": "pre", "offset": 0, "length": 1, "language": "py"},)


@pytest.mark.parametrize(
    ("button", "ok"),
    [
        (InlineKeyboardButton("x", callback_data="a" * 64), True),
        (InlineKeyboardButton("x", callback_data="đ" * 32), True),  # 64 UTF-8 bytes
        (InlineKeyboardButton("x", callback_data="a" * 65), False),
        (InlineKeyboardButton("x", callback_data="đ" * 33), False),
    ],
)
async def test_callback_data_is_limited_to_64_bytes(
    bot: telegram.Bot, button: InlineKeyboardButton, ok: bool
) -> None:
    if ok:
        await bot.send_message(USER, "x", reply_markup=keyboard(button))
    else:
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(USER, "x", reply_markup=keyboard(button))


@pytest.mark.parametrize(
    "button",
    [
        {"text": "no action"},
        {"text": "two actions", "url": "https://example.org", "callback_data": "x"},
    ],
)
async def test_inline_button_needs_exactly_one_action(
    control: httpx.AsyncClient, button: dict[str, Any]
) -> None:
    response = await control.post(
        f"/bot{TOKEN}/sendMessage",
        json={"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}},
    )
    assert response.status_code == 400
    assert response.json()["description"].startswith(
        "Bad Request: can't parse inline keyboard button"
    )


# --------------------------------------------------------------------------- callbacks, edits


async def test_button_press_reaches_the_bot_as_a_callback_query(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    markup = keyboard(InlineKeyboardButton("Xem thêm", callback_data="more:1"))
    card = await bot.send_photo(
        USER,
        "https://example.org/a.jpg",
        caption="<b>Tin</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    pressed = await control.post(
        "/sandbox/callbacks",
        json={"user_id": USER, "message_id": card.message_id, "data": "more:1"},
    )
    assert pressed.status_code == 200
    (update,) = await bot.get_updates()
    assert update.update_id == pressed.json()["update_id"]
    query = update.callback_query
    assert query is not None
    assert query.data == "more:1"
    assert query.from_user.id == USER
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == card.message_id
    assert query.message.caption_html == "<b>Tin</b>"
    assert query.message.reply_markup == markup
    assert await bot.answer_callback_query(query.id, text="Đã lưu")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    answer = sandbox.state.sent(method="answerCallbackQuery")
    assert [(a["chat_id"], a["text"], a["message_id"]) for a in answer] == [
        (USER, "Đã lưu", card.message_id)
    ]


async def test_press_on_unknown_message_is_a_control_error(control: httpx.AsyncClient) -> None:
    response = await control.post(
        "/sandbox/callbacks", json={"user_id": USER, "message_id": 12345, "data": "x"}
    )
    assert response.status_code == 400


async def test_edits_and_not_modified(sandbox: Sandbox, bot: telegram.Bot) -> None:
    markup = keyboard(InlineKeyboardButton("👍", callback_data="like"))
    message = await bot.send_message(USER, "<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        # <strong> is the same entity as <b>: Telegram compares the result, not the markup.
        await bot.edit_message_text(
            "<strong>v1</strong>", USER, message.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text("v2", USER, message.message_id, reply_markup=markup)
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2"
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=markup)
    # editMessageText without reply_markup drops the keyboard, as on Telegram.
    bare = await bot.edit_message_text("v3", USER, message.message_id)
    assert isinstance(bare, telegram.Message)
    assert bare.reply_markup is None
    with pytest.raises(BadRequest, match="(?i)there is no caption"):
        await bot.edit_message_caption(USER, message.message_id, caption="c")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 10**6)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", USER + 1, message.message_id)
    methods = [row["method"] for row in sandbox.state.sent(chat_id=USER)]
    assert methods == ["sendMessage", "editMessageText", "editMessageText"]


async def test_edit_caption_and_keyboard_of_a_photo(sandbox: Sandbox, bot: telegram.Bot) -> None:
    photo = await bot.send_photo(USER, "https://example.org/a.jpg", caption="c1")
    with pytest.raises(BadRequest, match="(?i)there is no text"):
        await bot.edit_message_text("t", USER, photo.message_id)
    edited = await bot.edit_message_caption(
        USER, photo.message_id, caption="<i>c2</i>", parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message)
    assert edited.caption == "c2"
    assert edited.photo
    markup = keyboard(InlineKeyboardButton("a", callback_data="a"))
    with_keyboard = await bot.edit_message_reply_markup(USER, photo.message_id, reply_markup=markup)
    assert isinstance(with_keyboard, telegram.Message)
    assert with_keyboard.reply_markup == markup
    last = sandbox.state.sent()[-1]
    assert (last["method"], last["caption"], last["photo"]) == (
        "editMessageReplyMarkup",
        "<i>c2</i>",
        "https://example.org/a.jpg",
    )


async def test_users_messages_cannot_be_edited_but_deleted(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    _, message_id = sandbox.state.post_message(USER, "hi")
    with pytest.raises(BadRequest, match="(?i)can't be edited"):
        await bot.edit_message_text("x", USER, message_id)
    assert await bot.delete_message(USER, message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(USER, message_id)
    assert sandbox.state.sent()[-1]["method"] == "deleteMessage"


# --------------------------------------------------------------------------- chats


async def test_blocked_chat_is_forbidden_until_the_user_writes_again(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    await control.post(f"/sandbox/chats/{USER}", json={"blocked": True})
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(USER, "x")
    sandbox.state.post_message(USER, "/start")
    assert await bot.send_message(USER, "welcome back")


async def test_deactivated_user_is_forbidden(bot: telegram.Bot, control: httpx.AsyncClient) -> None:
    await control.post(f"/sandbox/chats/{USER}", json={"deactivated": True})
    with pytest.raises(Forbidden, match="(?i)user is deactivated"):
        await bot.send_photo(USER, "https://example.org/a.jpg")


async def test_kicked_and_left_groups_are_forbidden(
    bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    await control.post(f"/sandbox/chats/{GROUP}", json={"kicked": True})
    with pytest.raises(Forbidden, match="(?i)kicked"):
        await bot.send_message(GROUP, "x")
    assert await bot.leave_chat(-9)
    with pytest.raises(Forbidden, match="(?i)not a member"):
        await bot.send_message(-9, "x")


async def test_migrated_group_raises_chat_migrated(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    new_id = -1001234567890
    response = await control.post(f"/sandbox/chats/{GROUP}", json={"migrate_to": new_id})
    assert response.json()["chat"]["migrate_to"] == new_id
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP, "x")
    assert caught.value.new_chat_id == new_id
    resent = await bot.send_message(new_id, "x")
    assert resent.chat.type == "supergroup"
    service = [u.message for u in await bot.get_updates() if u.message]
    assert [m.migrate_to_chat_id for m in service] == [new_id, None]
    assert [m.migrate_from_chat_id for m in service] == [None, GROUP]


async def test_group_admins_and_members(bot: telegram.Bot, control: httpx.AsyncClient) -> None:
    response = await control.post(f"/sandbox/chats/{GROUP}", json={"admins": [7, 8]})
    assert response.status_code == 200
    owner = await bot.get_chat_member(GROUP, 7)
    admin = await bot.get_chat_member(GROUP, 8)
    member = await bot.get_chat_member(GROUP, 9)
    assert (owner.status, admin.status, member.status) == ("creator", "administrator", "member")
    admins = await bot.get_chat_administrators(GROUP)
    assert [a.user.id for a in admins] == [7, 8]
    with pytest.raises(BadRequest, match="(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(USER)
    bad = await control.post(f"/sandbox/chats/{GROUP}", json={"admins": "7"})
    assert bad.status_code == 400
    typo = await control.post(f"/sandbox/chats/{GROUP}", json={"blockd": True})
    assert typo.status_code == 400


async def test_get_chat_for_private_and_group(bot: telegram.Bot) -> None:
    private = await bot.get_chat(USER)
    group = await bot.get_chat(GROUP)
    assert (private.type, group.type) == ("private", "group")


# --------------------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, BadRequest),
        (401, InvalidToken),
        (403, Forbidden),
        (404, InvalidToken),
        (409, Conflict),
        (500, NetworkError),
        (502, NetworkError),
    ],
)
async def test_fault_status_maps_to_the_ptb_exception(
    sandbox: Sandbox, bot: telegram.Bot, status: int, exception: type[Exception]
) -> None:
    sandbox.state.add_fault("sendMessage", status, "Boom")
    with pytest.raises(exception):
        await bot.send_message(USER, "x")
    assert sandbox.state.stats()["errors"] == {str(status): 1}


async def test_fault_retry_after_times_and_chat_filter(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    created = await control.post(
        "/sandbox/faults",
        json={"method": "sendPhoto", "status": 429, "retry_after": 7, "times": 2, "chat_id": 5},
    )
    assert created.status_code == 200
    await bot.send_photo(6, "https://example.org/a.jpg")  # another chat: unaffected
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_photo(5, "https://example.org/a.jpg")
        assert retry_seconds(caught.value) == 7
    await bot.send_photo(5, "https://example.org/a.jpg")  # used up
    assert (await control.get("/sandbox/faults")).json() == {"faults": []}
    assert [row["chat_id"] for row in sandbox.state.sent()] == [6, 5]


async def test_fault_description_reaches_the_exception(sandbox: Sandbox, bot: telegram.Bot) -> None:
    sandbox.state.add_fault("*", 403, "Forbidden: bot was kicked from the group chat")
    with pytest.raises(Forbidden, match="(?i)kicked from the group chat"):
        await bot.get_me()


async def test_dropped_connection_is_a_network_error(sandbox: Sandbox, bot: telegram.Bot) -> None:
    sandbox.state.add_fault("sendMessage", 0)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    assert sandbox.state.sent() == []
    assert await bot.send_message(USER, "x")


async def test_delay_longer_than_the_read_timeout_is_timed_out(sandbox: Sandbox) -> None:
    sandbox.state.add_fault("sendMessage", 200, delay=30)
    request = HTTPXRequest(read_timeout=0.2)
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url, request=request) as slow:
        with pytest.raises(TimedOut):
            await slow.send_message(USER, "x")


async def test_delay_with_status_200_answers_normally(sandbox: Sandbox, bot: telegram.Bot) -> None:
    sandbox.state.add_fault("sendMessage", 200, delay=0.01)
    assert (await bot.send_message(USER, "slow")).text == "slow"


async def test_bad_fault_is_a_control_error(control: httpx.AsyncClient) -> None:
    assert (await control.post("/sandbox/faults", json={"status": 500})).status_code == 400
    response = await control.post(
        "/sandbox/faults", json={"method": "sendMessage", "status": 500, "times": 0}
    )
    assert response.status_code == 400


# --------------------------------------------------------------------------- flood limits


async def test_two_messages_to_one_chat_within_a_second_get_429(
    limited: Sandbox, limited_bot: telegram.Bot, clock: Clock
) -> None:
    await limited_bot.send_message(USER, "1")
    clock.now += 0.5
    with pytest.raises(RetryAfter) as caught:
        await limited_bot.send_message(USER, "2")
    assert retry_seconds(caught.value) == 1
    assert len(limited.state.sent()) == 1  # a refused message is not recorded
    clock.now += 0.5
    await limited_bot.send_message(USER, "2")
    stats = limited.state.stats()
    assert stats["max_per_second_chat"] == 1
    assert stats["errors"] == {"429": 1}


async def test_31_messages_in_one_second_get_429(
    limited: Sandbox, limited_bot: telegram.Bot, clock: Clock
) -> None:
    for chat_id in range(1, 31):
        await limited_bot.send_photo(chat_id, "https://example.org/a.jpg")
    with pytest.raises(RetryAfter):
        await limited_bot.send_photo(31, "https://example.org/a.jpg")
    clock.now += 0.96
    await limited_bot.send_photo(31, "https://example.org/a.jpg")
    assert limited.state.stats()["max_per_second_overall"] == 30


async def test_group_gets_20_messages_per_minute(
    limited: Sandbox, limited_bot: telegram.Bot, clock: Clock
) -> None:
    for _ in range(20):
        await limited_bot.send_message(GROUP, "x")  # bursts are fine in a group
        clock.now += 0.1
    with pytest.raises(RetryAfter) as caught:
        await limited_bot.send_message(GROUP, "x")
    assert 1 <= retry_seconds(caught.value) <= 59
    clock.now += 59
    await limited_bot.send_message(GROUP, "x")
    assert limited.state.stats()["max_per_minute_group"] == 20


async def test_edits_count_against_the_chat_limit(limited_bot: telegram.Bot, clock: Clock) -> None:
    message = await limited_bot.send_message(USER, "1")
    with pytest.raises(RetryAfter):
        await limited_bot.edit_message_text("2", USER, message.message_id)


async def test_a_sender_pacing_at_the_limit_is_never_refused(
    limited: Sandbox, limited_bot: telegram.Bot, clock: Clock
) -> None:
    # One message a second to one chat, 30 a second overall, with arrival jitter of ±20 ms.
    for step in range(60):
        clock.now = 1000.0 + step / 30 + (0.02 if step % 2 else -0.02) / 30
        await limited_bot.send_message(1 + step % 30, "x")
    stats = limited.state.stats()
    assert stats["errors"] == {}
    assert stats["max_per_second_chat"] == 1
    assert stats["max_per_second_overall"] <= 30


def test_keyed_windows_stay_compact_and_slide() -> None:
    windows = KeyedWindows(1.0)
    assert windows.add(1, 0.0) == 1
    assert windows.add(1, 0.5) == 2
    assert windows.wait_for_room(1, 0.6, 2) == pytest.approx(0.4)
    assert windows.add(1, 1.2) == 2  # the arrival at 0.0 has left
    assert windows.wait_for_room(1, 5.0, 1) == 0.0
    tracker = RateTracker()
    tracker.record(-1, 0.0)
    tracker.record(2, 0.0)
    assert tracker.retry_after(2, 0.1) == 1
    assert tracker.retry_after(-1, 0.1) is None


# --------------------------------------------------------------------------- stats, sent, reset


async def test_stats_count_calls_errors_and_rates(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    await bot.send_message(USER, "a")
    await bot.send_message(USER, "b")
    await bot.send_photo(GROUP, "https://example.org/a.jpg")
    with pytest.raises(BadRequest):
        await bot.send_message(USER, "")
    stats = (await control.get("/sandbox/stats")).json()
    assert stats["calls"] == {"getMe": 1, "sendMessage": 3, "sendPhoto": 1}
    assert stats["errors"] == {"400": 1}
    assert stats["messages_total"] == 3
    assert stats["max_per_second_chat"] >= 1
    assert stats["max_per_minute_group"] == 1
    assert stats["max_per_second_overall"] >= 1
    assert stats["flood_limits"] is False


async def test_sent_filters_by_chat_after_and_method(
    bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    await bot.send_message(1, "a")
    await bot.send_message(2, "b")
    await bot.send_message(1, "c")
    await bot.send_photo(1, "https://example.org/a.jpg")
    everything = (await control.get("/sandbox/sent")).json()["sent"]
    assert [row["seq"] for row in everything] == [1, 2, 3, 4]
    chat_1 = (await control.get("/sandbox/sent", params={"chat_id": 1})).json()["sent"]
    assert [row["text"] for row in chat_1] == ["a", "c", None]
    after = (await control.get("/sandbox/sent", params={"chat_id": 1, "after": 1})).json()
    assert [row["seq"] for row in after["sent"]] == [3, 4]
    tail = (await control.get("/sandbox/sent", params={"after": 3})).json()["sent"]
    assert [row["method"] for row in tail] == ["sendPhoto"]
    photos = (await control.get("/sandbox/sent", params={"method": "sendphoto"})).json()
    assert len(photos["sent"]) == 1


async def test_wait_sent_returns_on_arrival_or_empty_on_timeout(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    assert await sandbox.state.wait_sent(0, timeout=0.01) == []
    waiting = asyncio.create_task(sandbox.state.wait_sent(0, timeout=30))
    await asyncio.sleep(0)
    await bot.send_message(USER, "hello")
    rows = await waiting
    assert [row["text"] for row in rows] == ["hello"]
    assert await sandbox.state.wait_sent(rows[-1]["seq"], timeout=0) == []


async def test_reset_clears_state_but_counters_go_on(
    sandbox: Sandbox, bot: telegram.Bot, control: httpx.AsyncClient
) -> None:
    first = await bot.send_message(USER, "a")
    update_id, _ = sandbox.state.post_message(USER, "x")
    await control.post(f"/sandbox/chats/{USER}", json={"blocked": True})
    sandbox.state.add_fault("sendMessage", 500)
    assert (await control.post("/sandbox/reset")).json() == {"ok": True}
    assert (await control.get("/sandbox/sent")).json() == {"sent": []}
    assert (await control.get("/sandbox/stats")).json()["calls"] == {}
    second = await bot.send_message(USER, "b")  # neither blocked nor faulted any more
    assert second.message_id > first.message_id
    assert sandbox.state.sent()[0]["seq"] == 2
    later_update, _ = sandbox.state.post_message(USER, "y")
    assert later_update > update_id


# --------------------------------------------------------------------------- bot settings


async def test_commands_per_language_and_scope(bot: telegram.Bot) -> None:
    vi = [telegram.BotCommand("latest", "Tin mới nhất")]
    en = [telegram.BotCommand("latest", "Latest news")]
    admin = [telegram.BotCommand("stats", "Thống kê")]
    assert await bot.set_my_commands(vi, language_code="vi")
    assert await bot.set_my_commands(en, language_code="en")
    assert await bot.set_my_commands(admin, scope=telegram.BotCommandScopeChat(USER))
    assert await bot.get_my_commands(language_code="vi") == tuple(vi)
    assert await bot.get_my_commands(language_code="en") == tuple(en)
    assert await bot.get_my_commands() == ()
    assert await bot.get_my_commands(scope=telegram.BotCommandScopeChat(USER)) == tuple(admin)
    assert await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([telegram.BotCommand("Bad-Name", "x")])


async def test_close_log_out_and_descriptions(bot: telegram.Bot) -> None:
    assert await bot.set_my_description("Tin tức", language_code="vi")
    assert (await bot.get_my_description(language_code="vi")).description == "Tin tức"
    assert await bot.log_out()
    assert await bot.close()


# --------------------------------------------------------------------------- lifecycle


async def test_stop_releases_a_waiting_long_poll() -> None:
    box = Sandbox()
    await box.start()
    async with telegram.Bot(TOKEN, base_url=box.base_url) as client:
        poll = asyncio.create_task(client.get_updates(timeout=50, read_timeout=60))
        await wait_for(lambda: box.state.calls["getUpdates"] == 1)
        await box.stop()
        assert await poll == ()
    await box.stop()  # idempotent


async def test_serve_forever_runs_until_cancelled(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.sandbox.server")
    task = asyncio.create_task(serve_forever("127.0.0.1", 0, flood_limits=True))
    await wait_for(lambda: any("listening" in r.getMessage() for r in caplog.records))
    record = next(r for r in caplog.records if "listening" in r.getMessage())
    assert isinstance(record.args, tuple)
    base_url = str(record.args[2])
    async with telegram.Bot(TOKEN, base_url=base_url) as client:
        assert (await client.get_me()).is_bot
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --------------------------------------------------------------------------- parameters, memory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"chat_id": "-100123"}, {"chat_id": -100123}),
        ({"chat_id": "@channel"}, {"chat_id": "@channel"}),
        ({"text": "123", "caption": "[1]"}, {"text": "123", "caption": "[1]"}),
        (
            {"disable_notification": "true", "show_alert": "False"},
            {"disable_notification": True, "show_alert": False},
        ),
        ({"timeout": "1.5", "offset": "7"}, {"timeout": 1.5, "offset": 7}),
        ({"allowed_updates": '["message"]'}, {"allowed_updates": ["message"]}),
    ],
)
def test_parameters_are_typed_by_name(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    assert decode(raw) == expected


def test_undecodable_parameter_is_bad_request() -> None:
    with pytest.raises(ApiError) as caught:
        decode({"message_id": "abc"})
    assert caught.value.status == 400


async def test_a_push_stores_compact_shared_records(sandbox: Sandbox, bot: telegram.Bot) -> None:
    markup = keyboard(InlineKeyboardButton("Đọc", url="https://example.org/a"))
    for chat_id in (101, 102, 103):
        await bot.send_photo(chat_id, "https://example.org/a.jpg", caption="c", reply_markup=markup)
    records = sandbox.state.sent_records()
    # One decoded keyboard and one caption for the whole push, no stored default chats.
    assert records[0].reply_markup is records[2].reply_markup
    assert records[0].caption is records[2].caption
    assert sandbox.state.stats()["chats_stored"] == 0
    # The in-process view is a copy: changing it changes nothing inside.
    row = sandbox.state.sent()[0]
    row["reply_markup"]["inline_keyboard"].clear()
    assert sandbox.state.sent()[0]["reply_markup"] == markup.to_dict()
