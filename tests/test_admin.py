"""Admin tools without a chat: number formatting, button parsing, the broadcast outbox rows,
cancel, the message taken from an admin's Telegram message, error alerts."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram import Chat, Message, MessageEntity, PhotoSize, User

from bot.admin import callbacks as cb
from bot.admin.alerts import AdminAlertHandler, AlertLimiter, alert_text
from bot.admin.broadcast import BroadcastMessage, Broadcasts
from bot.admin.format import duration, number, percent, progress_bar
from bot.chat.common import Admins, Common
from bot.message import MessageRef, Photo, Text, Who
from bot.render.telegram import LIMITS
from bot.telegram.incoming import content
from handlers.admin import broadcast_message as broadcast_of_content
from storage import broadcasts, categories, chats, deliveries, subscriptions
from storage.db import Database
from tests.conftest import html, tg

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN = 7


def _broadcasts(db: Database, **options: object) -> Broadcasts:
    common = Common(db, default_language="vi", tz=VN, limits={"telegram": LIMITS},
                    admins=Admins.of([ADMIN]), clock=lambda: 1_700_000_000)
    return Broadcasts(common, **options)  # type: ignore[arg-type]


def _who(user_id: int) -> Who:
    return Who(chat=tg(user_id), chat_type="private", user_id=str(user_id))


def _pressed(message_id: int) -> MessageRef:
    return MessageRef(tg(ADMIN), str(message_id))


def _text(text: str, photo: str | None = None) -> BroadcastMessage:
    return BroadcastMessage(Text(text), Photo(photo, "file_id", "telegram") if photo else None)


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (0, "vi", "0"), (999, "vi", "999"), (1200, "vi", "1.200"), (100_000, "vi", "100.000"),
    (1_234_567, "vi", "1.234.567"), (1200, "en", "1,200"),
])
def test_numbers_are_grouped_per_language(value: int, lang: str, expected: str) -> None:
    assert number(value, lang) == expected


def test_progress_bar_and_percent() -> None:
    assert progress_bar(0, 5000) == "▱" * 10
    assert progress_bar(1200, 5000) == "▰▰" + "▱" * 8
    assert progress_bar(5000, 5000) == "▰" * 10
    assert percent(4999, 5000) == 99  # never shows 100% before the end
    assert percent(5000, 5000) == 100
    assert percent(0, 0) == 100
    assert duration(45, "vi") == "45 giây"
    assert duration(3 * 3600 + 5 * 60, "vi") == "3 giờ 5 phút"


@pytest.mark.parametrize("data", [
    cb.make(cb.AUDIENCE, 12, 3), cb.make(cb.CONFIRM, 12, None), cb.make(cb.STOP, 9),
    cb.make(cb.PAUSE, source="x" * 64), cb.make(cb.STATS), cb.make(cb.SOURCES),
])
def test_admin_callbacks_round_trip_within_64_bytes(data: str) -> None:
    assert len(data.encode()) <= 64
    parsed = cb.parse(data)
    assert parsed is not None
    assert data.startswith(cb.PREFIX)


@pytest.mark.parametrize("data", [
    None, "", "adm:", "adm:bo:1", "adm:bo:x:0", "adm:bs:1:2", "adm:sp:XYZ", "adm:sp:0123456789a",
    "adm:st:1", "adm:bo:1:0;DROP", "adm:bo:" + "9" * 13 + ":0", "sub:1", "adm:ba:1:0\n",
])
def test_forged_admin_callbacks_are_rejected(data: str | None) -> None:
    assert cb.parse(data) is None


def test_confirm_callback_carries_the_audience() -> None:
    parsed = cb.parse(cb.make(cb.CONFIRM, 41, 3))
    assert parsed == cb.AdminCallback(cb.CONFIRM, 41, 3)
    assert cb.parse(cb.make(cb.CONFIRM, 41, None)) == cb.AdminCallback(cb.CONFIRM, 41, 0)


# --------------------------------------------------------------------------- the outbox rows


async def _people(db: Database) -> int:
    """Chats 1-6 active (1-3 follow category A), 7-8 inactive (7 follows A); returns A's id."""
    async with db.transaction() as conn:
        category = await categories.ensure(conn, "Tin A")
        await categories.ensure(conn, "Tin B")
        for chat_id in range(1, 9):
            await chats.ensure(conn, tg(chat_id), "private", "vi", now=1)
        for chat_id in (1, 2, 3, 7):
            await subscriptions.add(conn, tg(chat_id), category.id, now=1)
        await chats.mark_inactive(conn, tg(7), "blocked")
        await chats.mark_inactive(conn, tg(8), "blocked")
    return category.id


async def test_confirm_enqueues_the_audience_once(db: Database) -> None:
    category_id = await _people(db)
    async with db.transaction() as conn:
        await chats.ensure(conn, tg(9), "private", "vi", now=1)
        await conn.execute("UPDATE chats SET delivery_mode = 'paused' WHERE id = '9'")
    core = _broadcasts(db)
    admin = _who(ADMIN)
    draft = await core.draft(admin, _text("Họp"))
    assert draft.preview is not None
    notice = await core.confirm(admin, 1, cb.EVERYONE, _pressed(77))
    assert notice.edit is not None
    assert "Đã gửi 0/6 · lỗi 0" in notice.edit.text
    again = await core.confirm(admin, 1, cb.EVERYONE, _pressed(77))  # a second press
    assert "đã được gửi hoặc đã hủy" in again.text
    counts = await deliveries.counts(db, broadcast_id=1)
    assert counts == deliveries.StatusCounts(pending=6)  # active chats 1-6; not 7, 8 (inactive)
    record = await broadcasts.get(db, 1)                   # nor 9 (news paused)
    assert record is not None
    assert (record.status, record.recipients, record.left_out) == ("sending", 6, 3)
    assert (record.progress_chat, record.progress_message_id) == (tg(ADMIN), "77")

    await core.draft(admin, _text("Tin A"))
    await core.confirm(admin, 2, category_id, _pressed(78))
    assert await deliveries.counts(db, broadcast_id=2) == deliveries.StatusCounts(pending=3)
    record = await broadcasts.get(db, 2)
    assert record is not None
    assert (record.audience, record.recipients, record.left_out) == ("Tin A", 3, 1)


async def test_stop_cancels_what_is_pending_and_reports(db: Database) -> None:
    category_id = await _people(db)
    core = _broadcasts(db)
    admin = _who(ADMIN)
    await core.draft(admin, _text("x"))
    await core.confirm(admin, 1, category_id, _pressed(5))
    async with db.transaction() as conn:  # one went out, one chat blocked the bot
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE chat_id = '1'")
        await conn.execute("UPDATE deliveries SET status = 'skipped', reason = 'Forbidden: bot "
                           "was blocked by the user' WHERE chat_id = '2'")
    stranger = _who(5)
    assert "quản trị viên" in (await core.stop(stranger, 1)).text
    notice = await core.stop(admin, 1)
    assert str(notice.text) == "Đã dừng: 1 tin chưa gửi được hủy."
    assert notice.send is not None
    report = notice.send.text
    for line in ("✅ Đã gửi: 1", "⏭ Bỏ qua (đã ngừng nhận): 1",
                 "• Forbidden: bot was blocked by the user: 1", "❌ Lỗi: 0",
                 "⏹ Đã hủy, không gửi: 1", "Không gửi tới 1 cuộc trò chuyện",
                 "quản trị viên 7"):
        assert line in report, line
    assert str((await core.stop(admin, 1)).text) == "Thông báo #1 không còn đang gửi."
    assert await deliveries.counts(db, broadcast_id=1) == deliveries.StatusCounts(
        sent=1, skipped=1, cancelled=1)
    record = await broadcasts.get(db, 1)
    assert record is not None
    assert (record.status, record.cancelled_by, record.sent_count, record.cancelled_count) == (
        "cancelled", str(ADMIN), 1, 1)
    assert await core.tick() == []  # nothing sending: no progress to show


async def test_tick_edits_only_on_change_at_most_every_gap_and_finishes(db: Database) -> None:
    await _people(db)
    mono = [100.0]
    core = _broadcasts(db, min_gap=3.0, clock=lambda: mono[0])
    admin = _who(ADMIN)
    await core.draft(admin, _text("x"))
    await core.confirm(admin, 1, cb.EVERYONE, _pressed(5))
    async with db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE chat_id = '1'")
    mono[0] += 20
    assert await core.tick() == []  # the confirm's edit is still on its way: nothing overtakes
    await core.mark_edited(1)  # the adapter made that edit now
    mono[0] += 2.9
    assert await core.tick() == []  # within the gap
    mono[0] += 0.2
    async with db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE chat_id <= '3'")
    (update,) = await core.tick()
    await core.mark_edited(1)
    assert (update.target, update.report) == (_pressed(5), None)
    assert "▰▰▰▰▰▱▱▱▱▱ 50%" in update.view.text
    assert "Đã gửi 3/6 · lỗi 0" in update.view.text
    assert update.view.choices  # the stop button while sending
    mono[0] += 10
    assert await core.tick() == []  # unchanged: no edit
    async with db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent' WHERE chat_id > '3'")
    (last,) = await core.tick()
    await core.mark_edited(1)
    assert "Đã gửi xong" in last.view.text
    assert last.view.choices == ()
    assert last.report is not None
    assert "✅ Đã gửi: 6" in last.report.text
    mono[0] += 10
    assert await core.tick() == []
    record = await broadcasts.get(db, 1)
    assert record is not None
    assert (record.status, record.sent_count) == ("done", 6)


async def test_core_refuses_non_admins_and_long_texts(db: Database) -> None:
    await _people(db)
    core = _broadcasts(db)
    stranger = _who(5)
    admin = _who(ADMIN)
    refused = await core.draft(stranger, _text("hi"))
    assert refused.preview is None
    assert "chỉ dành cho quản trị viên" in refused.control.text
    long = await core.draft(admin, _text("x" * 4097))
    assert long.preview is None
    assert "4.096" in long.control.text
    assert "4.097" in long.control.text
    caption = await core.draft(admin, _text("x" * 1025, "file-id"))
    assert caption.preview is None
    assert "1.024" in caption.control.text
    fits = await core.draft(admin, _text("x" * 4096))
    assert fits.preview is not None
    assert (await core.stop(stranger, 1)).text == (await core.draft(stranger, None)).control.text
    async with db.execute("SELECT count(*) FROM broadcasts") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]


# --------------------------------------------------------------------------- message -> HTML
# The Telegram message read by the adapter (bot/telegram/incoming.py), then what the admin
# handler makes of it; the HTML is what every recipient is sent.

_BOT = User(1, "Newsbot", is_bot=True)
_ADMIN_USER = User(ADMIN, "Admin", is_bot=False)
_CHAT = Chat(ADMIN, "private")
_WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def _message(text: str | None = None, *, caption: str | None = None, photo: bool = False,
             entities: tuple[MessageEntity, ...] = (), reply: Message | None = None) -> Message:
    command = (MessageEntity(MessageEntity.BOT_COMMAND, 0, len("/broadcast")),)
    sizes = (PhotoSize("small-id", "u1", 90, 90), PhotoSize("big-id", "u2", 1280, 960))
    return Message(
        1, _WHEN, _CHAT, from_user=_ADMIN_USER, text=text, caption=caption,
        entities=(command + entities) if text and text.startswith("/") else entities,
        caption_entities=command if caption and caption.startswith("/") else (),
        photo=sizes if photo else (), reply_to_message=reply,
    )


def broadcast_message(message: Message) -> tuple[str, str | None, int] | None:
    """(HTML, photo file id, visible length) of what `message` broadcasts."""
    found = broadcast_of_content(content(message))
    if found is None:
        return None
    return html(found.text), found.photo.ref if found.photo else None, found.text.length


def test_typed_html_is_escaped_and_sent_as_typed() -> None:
    typed = "<b>Họp</b> & <script>alert(1)</script> a < b &amp; 🎉"
    found = broadcast_message(_message(f"/broadcast {typed}"))
    assert found is not None
    text, photo, visible_length = found
    assert photo is None
    assert text == ("&lt;b&gt;Họp&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; "
                    "a &lt; b &amp;amp; 🎉")
    assert visible_length == len(typed) + 1  # 🎉 is two UTF-16 code units


def test_telegram_formatting_is_kept() -> None:
    text = "/broadcast Họp khẩn lúc 8 giờ"
    bold = MessageEntity(MessageEntity.BOLD, len("/broadcast "), len("Họp khẩn"))
    found = broadcast_message(_message(text, entities=(bold,)))
    assert found is not None
    text, _, visible_length = found
    assert text == "<b>Họp khẩn</b> lúc 8 giờ"
    assert visible_length == len("Họp khẩn lúc 8 giờ")


def test_photo_with_command_caption_and_reply_to_photo() -> None:
    own = broadcast_message(_message(caption="/broadcast Ảnh <đẹp>", photo=True))
    assert own == ("Ảnh &lt;đẹp&gt;", "big-id", len("Ảnh <đẹp>"))
    photo = _message(caption="Chú thích gốc", photo=True)
    with_text = broadcast_message(_message("/broadcast Chú thích mới", reply=photo))
    assert with_text == ("Chú thích mới", "big-id", len("Chú thích mới"))
    bare = broadcast_message(_message("/broadcast", reply=photo))
    assert bare == ("Chú thích gốc", "big-id", len("Chú thích gốc"))
    replied_text = _message("Nội dung <i>")
    assert broadcast_message(_message("/broadcast", reply=replied_text)) == (
        "Nội dung &lt;i&gt;", None, len("Nội dung <i>"))


# --------------------------------------------------------------------------- error alerts


def test_alert_limiter_holds_back_and_counts() -> None:
    now = [0.0]
    limiter = AlertLimiter(60, clock=lambda: now[0])
    assert limiter.offer() == 0
    assert limiter.offer() is None
    assert limiter.offer() is None
    now[0] = 61
    assert limiter.offer() == 2
    assert limiter.offer() is None


def test_alert_text_is_short_escaped_and_redacted() -> None:
    try:
        raise RuntimeError("POST /bot123456:secret-token-value-xyz/sendMessage <failed>")
    except RuntimeError:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "boom %s", ("x" * 900,),
                                   exc_info=None)
        import sys

        record.exc_info = sys.exc_info()
    text = alert_text(record, "vi", 3, ["123456:secret-token-value-xyz"])
    assert "secret-token-value" not in text
    assert "&lt;failed&gt;" not in html(text)  # cut: the message alone is longer than the limit
    assert "…" in text
    assert len(str(text)) < 900
    assert "+3 lỗi khác" in text


async def test_alert_handler_sends_one_per_interval() -> None:
    sent: list[Text] = []

    async def send(text: Text) -> None:
        sent.append(text)

    handler = AdminAlertHandler(send, loop=asyncio.get_running_loop(), lang="en",
                                secrets=["123456:secret-token-value-xyz"])
    logger = logging.getLogger("test.admin.alerts")
    logger.addHandler(handler)
    try:
        logger.error("first failure with 123456:secret-token-value-xyz")
        logger.error("second")
        logger.warning("a warning is not an alert")
        await asyncio.sleep(0.05)
        await handler.aclose()
    finally:
        logger.removeHandler(handler)
    assert len(sent) == 1
    assert "first failure" in sent[0]
    assert "secret-token-value" not in sent[0]
    assert handler.limiter.suppressed == 1


async def test_a_burst_of_errors_becomes_one_alert_and_one_summary() -> None:
    sent: list[Text] = []

    async def send(text: Text) -> None:
        sent.append(text)

    handler = AdminAlertHandler(send, loop=asyncio.get_running_loop(), lang="vi",
                                limiter=AlertLimiter(0.3))
    worker = logging.getLogger("test.admin.burst.worker")
    replies = logging.getLogger("test.admin.burst.replies")
    for logger in (worker, replies):
        logger.addHandler(handler)
    try:
        for n in range(40):
            (worker if n % 4 else replies).error("failure %d", n)
        await asyncio.sleep(0.1)
        assert len(sent) == 1  # the first error at once, the rest held back
        await asyncio.sleep(0.4)  # the minute (here 0.3 s) is over: one summary
        assert len(sent) == 2
        summary = str(sent[1])
        assert "39 lỗi khác" in summary
        assert "test.admin.burst.worker ×30" in summary
        assert "test.admin.burst.replies ×9" in summary
        await asyncio.sleep(0.35)  # the summary took its window: the next one starts later
        worker.error("later")  # a new window: sent at once, with nothing held
        await asyncio.sleep(0.1)
        assert len(sent) == 3
        assert "later" in sent[2]
        assert "lỗi khác" not in sent[2]
    finally:
        for logger in (worker, replies):
            logger.removeHandler(handler)
        await handler.aclose()
