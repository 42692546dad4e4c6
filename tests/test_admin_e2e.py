"""Admin tools end to end: the sandbox over real HTTP, the real python-telegram-bot, a real
SQLite file. Non-admins are refused everything; /broadcast previews exactly, refuses what is too
long, goes through the persisted outbox (push worker) with progress, stop and restart; /stats and
/sources show health and steer the sources; errors reach the first admin's chat."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.admin import callbacks as cb
from bot.config import Settings
from bot.demo import sample_sources_file
from bot.i18n import vi
from bot.sandbox import Sandbox, html_to_plain
from bot.telegram.app import build_application, running
from storage import broadcasts, categories, chats, deliveries, sources, subscriptions
from storage.db import open_database
from storage.deliveries import StatusCounts
from tests.bothelper import (
    ADMIN_ID,
    TOKEN,
    Chatter,
    bot_on_sandbox,
    button_data,
    ingest_sample,
    text_of,
)
from tests.conftest import tg

USER = 501
REFUSED = vi.TEXTS["admin.refused"]
INVALID = vi.TEXTS["button.invalid"]
HOSTILE = "<b>Họp</b> & <script>alert('x')</script> a < b &amp; c > d 🎉"


def _sources_file(tmp_path: Path) -> Path:
    """The sample archive, plus a feed that does not exist (a failing source)."""
    archive = sample_sources_file().parent / "archive"
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nname = "mau-luu-tru"\nkind = "archive"\npath = "{archive}"\n'
        f'[[source]]\nname = "bao-hong"\nkind = "rss"\nurl = "{tmp_path / "missing.xml"}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chatter]:
    async with bot_on_sandbox(tmp_path, sources_file=_sources_file(tmp_path),
                              broadcast_progress_interval=0.5) as chatter:
        yield chatter


@asynccontextmanager
async def _db(chatter: Chatter) -> AsyncIterator[Any]:
    db = await open_database(chatter.settings.database)
    try:
        yield db
    finally:
        await db.close()


def _buttons(record: dict[str, Any]) -> dict[str, str]:
    return {text: str(data) for text, data in button_data(record)}


def _one(records: list[dict[str, Any]], method: str) -> dict[str, Any]:
    found = [r for r in records if r["method"] == method]
    assert len(found) == 1, records
    return found[0]


def _first(records: list[dict[str, Any]], method: str) -> dict[str, Any]:
    """The first record of `method` (a press may be followed by progress edits)."""
    return next(r for r in records if r["method"] == method)


async def _photo(chatter: Chatter, user_id: int, caption: str = "", *, expect: int = 1
                 ) -> tuple[int, list[dict[str, Any]]]:
    """A user sends a photo (with a caption); returns its message id and the bot's replies."""
    after = await chatter.last_seq()
    response = await chatter.http.post("/sandbox/messages", json={
        "user_id": user_id, "text": caption, "photo": True})
    response.raise_for_status()
    replies = await chatter._replies(after, expect) if expect else []
    return int(response.json()["message_id"]), replies


# --------------------------------------------------------------------------- refusals


async def test_non_admin_is_refused_every_command_and_button(
        chat: Chatter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    (welcome,) = await chat.say(USER, "/start")  # one recipient
    # The admin opens every screen that has buttons.
    preview, picker = await chat.say(ADMIN_ID, "/broadcast Thông báo thử", expect=2)
    (stats,) = await chat.say(ADMIN_ID, "/stats")
    (listing,) = await chat.say(ADMIN_ID, "/sources")
    audience = _buttons(picker)
    everyone = next(data for text, data in audience.items() if text.startswith("👥"))
    confirm_screen = await chat.press(ADMIN_ID, picker["message_id"], everyone, expect=2)
    confirm = _one(confirm_screen, "editMessageText")
    send_data = next(data for text, data in _buttons(confirm).items() if text.startswith("✅"))

    # Someone else tries every command, also a photo with the command as its caption ...
    for command in ("/broadcast xin chào", "/broadcast", "/stats", "/sources",
                    "/stats@newsbot_sandbox_bot"):
        (reply,) = await chat.say(USER, command)
        assert text_of(reply) == REFUSED, command
    _, (photo_refusal,) = await _photo(chat, USER, "/broadcast ảnh")
    assert text_of(photo_refusal) == REFUSED
    # ... every real admin button, forged onto a bot message of the user's own chat (a press in
    # the admin's private chat is refused before any handler: tests/test_guard_e2e.py) ...
    real = [*audience.values(), send_data, *_buttons(stats).values(),
            *_buttons(listing).values()]
    forged = ["adm:bo:1:0", "adm:bs:1", "adm:sp:0000000000", "adm:zz", "adm:", "adm:bo:1:0\n"]
    for data in real + forged:
        (notice,) = await chat.press(USER, welcome["message_id"], data)
        assert notice["method"] == "answerCallbackQuery"
        assert notice["text"] == REFUSED, data
    # ... and nothing changed: the draft is still a draft, no source is paused, nothing sent.
    async with _db(chat) as db:
        (draft,) = await broadcasts.list_by_status(db, broadcasts.DRAFT)
        assert await deliveries.counts(db, broadcast_id=draft.id) == StatusCounts()
        assert not any(s.paused for s in await sources.list_all(db))
    assert html_to_plain(text_of(preview)) == "Thông báo thử"
    logged = [r.getMessage() for r in caplog.records]
    assert sum("admin command refused" in m and f"user_id={USER}" in m for m in logged) == 6
    assert sum("admin button refused" in m and f"user_id={USER}" in m for m in logged) == len(
        real + forged)
    # An admin pressing garbage or a stale id gets "invalid", not a crash.
    for data in ("adm:bo:abc:0", "adm:bo:99999:0", "adm:sp:0000000000", "adm:bs:99999"):
        (notice,) = await chat.press(ADMIN_ID, picker["message_id"], data)
        assert notice["text"] == INVALID, data


# --------------------------------------------------------------------------- preview


async def test_preview_is_exact_and_too_long_is_refused(chat: Chatter) -> None:
    preview, picker = await chat.say(ADMIN_ID, f"/broadcast {HOSTILE}", expect=2)
    assert preview["method"] == "sendMessage"
    assert preview["parse_mode"] == "HTML"
    assert html_to_plain(preview["text"]) == HOSTILE
    assert preview["reply_markup"] is None  # recipients get no buttons: neither does the preview
    assert "bản xem trước" in text_of(picker)
    everyone_count = next(t for t, _ in button_data(picker) if t.startswith("👥"))
    assert everyone_count.endswith("· 0")  # nobody has written to the bot yet

    # Too long: refused at the preview with the limit stated, nothing recorded.
    (refusal,) = await chat.say(ADMIN_ID, "/broadcast " + "Đ" * 4097)
    assert "4.096" in text_of(refusal)
    assert "4.097" in text_of(refusal)
    _, (caption_refusal,) = await _photo(chat, ADMIN_ID, "/broadcast " + "ả" * 1025)
    assert "1.024" in text_of(caption_refusal)
    # Exactly at the limit is fine (after entity parsing: "&" counts one).
    at_limit = "&" * 4096
    fits, _ = await chat.say(ADMIN_ID, f"/broadcast {at_limit}", expect=2)
    assert html_to_plain(fits["text"]) == at_limit
    async with _db(chat) as db:
        drafts = await broadcasts.list_by_status(db, broadcasts.DRAFT)
    assert len(drafts) == 2

    # A photo with the command as caption, and a reply to a photo: sendPhoto by file_id.
    _, own = await _photo(chat, ADMIN_ID, f"/broadcast {HOSTILE}", expect=2)
    own_photo = _one(own, "sendPhoto")
    assert html_to_plain(own_photo["caption"]) == HOSTILE
    photo_id, _ = await _photo(chat, ADMIN_ID, "", expect=0)
    replied = await chat.say(ADMIN_ID, "/broadcast Ảnh hoạt động", expect=2,
                             reply_to_message_id=photo_id)
    sent_photo = _one(replied, "sendPhoto")
    assert sent_photo["caption"] == "Ảnh hoạt động"
    assert sent_photo["photo"].startswith("sbx-photo-")  # the user's photo, by file_id
    assert sent_photo["photo"] != own_photo["photo"]  # the replied photo, not the earlier one
    # Nothing to send: the usage.
    (usage,) = await chat.say(ADMIN_ID, "/broadcast")
    assert "Cách dùng" in text_of(usage)


async def test_discard_and_audience_screens(chat: Chatter) -> None:
    async with _db(chat) as db, db.transaction() as conn:
        category = await categories.ensure(conn, "An sinh xã hội")
        for chat_id in range(1000, 1012):
            await chats.ensure(conn, tg(chat_id), "private", "vi", now=1)
            if chat_id < 1005:
                await subscriptions.add(conn, tg(chat_id), category.id, now=1)
        await chats.mark_inactive(conn, tg(1000), "blocked")
    _, picker = await chat.say(ADMIN_ID, "/broadcast Họp", expect=2)
    buttons = _buttons(picker)
    assert "An sinh xã hội · 4" in buttons  # active subscribers only
    assert "👥 Tất cả · 11" in buttons  # 11 active chats
    pressed = await chat.press(ADMIN_ID, picker["message_id"], buttons["An sinh xã hội · 4"],
                               expect=2)
    screen = _one(pressed, "editMessageText")
    assert "<b>4</b> người nhận" in screen["text"]
    assert "1 cuộc trò chuyện đã ngừng nhận" in screen["text"]
    back = await chat.press(ADMIN_ID, picker["message_id"],
                            _buttons(screen)["↩️ Chọn lại"], expect=2)
    assert _buttons(_one(back, "editMessageText")) == buttons
    gone = await chat.press(ADMIN_ID, picker["message_id"], buttons["✖️ Hủy bỏ"], expect=2)
    assert "không gửi cho ai" in _one(gone, "editMessageText")["text"]
    # The discarded draft cannot be sent any more.
    (late,) = await chat.press(ADMIN_ID, picker["message_id"],
                               cb.make(cb.CONFIRM, int(buttons["✖️ Hủy bỏ"].split(":")[2]),
                                       None), expect=1)
    assert "đã được gửi hoặc đã hủy" in late["text"]


# --------------------------------------------------------------------------- stats, sources


async def test_stats_and_sources(chat: Chatter) -> None:
    await chat.say(USER, "/subscribe an sinh")
    (stats,) = await chat.say(ADMIN_ID, "/stats")
    text = text_of(stats)
    for expected in ("📊 <b>Thống kê</b>", "👥 <b>Người nhận</b>: 1 đang nhận · 0 đã ngừng",
                     "Ngôn ngữ: vi 1", "• An sinh xã hội: 1", "📰 <b>Bài viết</b>: ",
                     "• mau-luu-tru: ", "📤 <b>Gửi tin 24 giờ qua</b>", "⏳ <b>Hàng đợi</b>",
                     "✅ <b>mau-luu-tru</b> — hoạt động tốt", "<b>bao-hong</b>",
                     "Lỗi gần nhất"):
        assert expected in text, expected
    assert "⏳ <b>bao-hong</b> — lỗi 1 lần liên tiếp, sẽ thử lại sau" in text
    updated = await chat.press(ADMIN_ID, stats["message_id"], cb.make(cb.STATS), expect=1)
    assert updated[0]["text"] == vi.TEXTS["admin.updated"]

    (listing,) = await chat.say(ADMIN_ID, "/sources")
    assert "🛰 <b>Nguồn tin</b> (2)" in text_of(listing)
    buttons = _buttons(listing)
    paused = await chat.press(ADMIN_ID, listing["message_id"], buttons["⏸ Tạm dừng mau-luu-tru"],
                              expect=2)
    assert _one(paused, "answerCallbackQuery")["text"] == "Đã tạm dừng nguồn mau-luu-tru."
    redrawn = _one(paused, "editMessageText")
    assert "⏸ <b>mau-luu-tru</b> — đang tạm dừng" in redrawn["text"]
    async with _db(chat) as db:
        state = await sources.get(db, "mau-luu-tru")
        assert state is not None
        assert state.paused
    # Refreshing a paused source says so; resuming and refreshing polls it now.
    skipped = await chat.press(ADMIN_ID, listing["message_id"], buttons["🔄 Lấy tin ngay"],
                               expect=3)
    result = _one(skipped, "editMessageText")
    assert "Không lấy tin từ <b>mau-luu-tru</b>: paused" in result["text"]
    resumed = await chat.press(ADMIN_ID, listing["message_id"],
                               _buttons(redrawn)["▶️ Tiếp tục mau-luu-tru"], expect=2)
    assert "hoạt động trở lại" in _one(resumed, "answerCallbackQuery")["text"]
    refresh_failing = next(d for t, d in button_data(listing)
                           if d == cb.make(cb.REFRESH, source="bao-hong"))
    assert refresh_failing is not None
    failed = await chat.press(ADMIN_ID, listing["message_id"], refresh_failing, expect=3)
    assert "⏳ Đang lấy tin từ nguồn <b>bao-hong</b>…" in [
        r.get("text") for r in failed if r["method"] == "sendMessage"]
    failure = _one(failed, "editMessageText")["text"]
    assert "⚠️ <b>bao-hong</b>: không lấy được tin" in failure
    assert "⚠️ 1 lỗi" in failure
    ok = await chat.press(ADMIN_ID, listing["message_id"], buttons["🔄 Lấy tin ngay"], expect=3)
    assert "✅ <b>mau-luu-tru</b>: 0 bài mới" in _one(ok, "editMessageText")["text"]


# --------------------------------------------------------------------------- error alerts


async def test_errors_reach_the_first_admin_shortened_and_rate_limited(chat: Chatter) -> None:
    # The reply to /help is refused (a 400: a 5xx would be retried until it goes through): the
    # error handler logs it, the admin is alerted.
    response = await chat.http.post("/sandbox/faults", json={
        "method": "sendMessage", "status": 400, "chat_id": USER, "times": 1,
        "description": "Bad Request: " + "x" * 2000})
    response.raise_for_status()
    after = await chat.last_seq()
    await chat.http.post("/sandbox/messages", json={"user_id": USER, "text": "/help"})
    alerts: list[dict[str, Any]] = []
    for _ in range(300):
        alerts = [r for r in await chat.sent(chat_id=ADMIN_ID, after=after)
                  if "Lỗi trong bot" in text_of(r)]
        if alerts:
            break
        await asyncio.sleep(0.05)
    (alert,) = alerts
    text = alert["text"]
    assert "unhandled error" in text
    assert f"chat_id={USER}" in text  # with context
    assert "&#x27;/help&#x27;" in text or "'/help'" in text
    assert len(text) < 1000  # shortened (the log keeps the whole error)
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    # The user was told something went wrong, and the bot still answers.
    for _ in range(300):  # (the alert and this answer go out independently)
        user_side = await chat.sent(chat_id=USER, after=after)
        if any(text_of(r) == vi.TEXTS["error.generic"] for r in user_side):
            break
        await asyncio.sleep(0.05)
    assert any(text_of(r) == vi.TEXTS["error.generic"] for r in user_side)
    # More errors within the minute are only logged, and counted for the next alert.
    logging.getLogger("bot.test").error("another failure with %s", TOKEN)
    logging.getLogger("bot.test").error("and another")
    await asyncio.sleep(0.3)
    assert [r for r in await chat.sent(chat_id=ADMIN_ID, after=alert["seq"])
            if "Lỗi trong bot" in text_of(r)] == []
    (still,) = await chat.say(USER, "/help")
    assert "Bot tin tức" in text_of(still)


# --------------------------------------------------------------------------- broadcasts
# These go through the push worker (bot.delivery.worker): the persisted, paced outbox.


async def _add_chats(chatter: Chatter, ids: range | list[int], *, category: str | None = None,
                     inactive: tuple[int, ...] = ()) -> None:
    """Chats that wrote to the bot earlier (rows in its database), optionally subscribed."""
    async with _db(chatter) as db, db.transaction() as conn:
        found = await categories.find(conn, category) if category else None
        for chat_id in ids:
            await chats.ensure(conn, tg(chat_id), "private", "vi", now=1)
            if found is not None:
                await subscriptions.add(conn, tg(chat_id), found.id, now=1)
        for chat_id in inactive:
            await chats.mark_inactive(conn, tg(chat_id), "blocked")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for_report(chatter: Chatter, after: int) -> dict[str, Any]:
    """The final report of a broadcast, sent to the admin after seq `after`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60  # a generous bound, not a speed assertion
    while loop.time() < deadline:
        for record in await chatter.sent(chat_id=ADMIN_ID, after=after):
            if "Báo cáo thông báo" in text_of(record):
                return record
        await asyncio.sleep(0.1)
    raise AssertionError("no broadcast report within the timeout")


async def _received(chatter: Chatter, text: str, *, after: int = 0) -> dict[int, int]:
    """chat id -> how many messages with exactly this HTML text it got."""
    counts: dict[int, int] = {}
    for record in await chatter.sent(after=after):
        if record["method"] == "sendMessage" and record["text"] == text \
                and record["chat_id"] != ADMIN_ID:
            counts[record["chat_id"]] = counts.get(record["chat_id"], 0) + 1
    return counts


def _broadcast_id(data: str | None) -> int:
    parsed = cb.parse(data)
    assert parsed is not None
    return parsed.broadcast_id


async def _press_now(chatter: Chatter, message_id: int, data: str) -> list[dict[str, Any]]:
    """The admin presses a button; returns as soon as the press is answered and the message
    edited (`Chatter.press` waits for quiet, which never comes while a broadcast runs)."""
    after = await chatter.last_seq()
    response = await chatter.http.post("/sandbox/callbacks", json={
        "user_id": ADMIN_ID, "message_id": message_id, "data": data})
    response.raise_for_status()
    for _ in range(600):
        records = [r for r in await chatter.sent(chat_id=ADMIN_ID, after=after)]
        methods = {r["method"] for r in records}
        if {"answerCallbackQuery", "editMessageText"} <= methods:
            return records
        await asyncio.sleep(0.02)
    raise AssertionError("the press was not answered")


async def _start_broadcast(chatter: Chatter, text: str, audience_prefix: str
                           ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """/broadcast, pick the audience, press send: (preview, confirm screen, what the send did)."""
    preview, picker = await chatter.say(ADMIN_ID, f"/broadcast {text}", expect=2)
    audience = next(d for t, d in _buttons(picker).items() if t.startswith(audience_prefix))
    screen = _first(await chatter.press(ADMIN_ID, picker["message_id"], audience, expect=2),
                    "editMessageText")
    send = next(d for t, d in _buttons(screen).items() if t.startswith("✅"))
    return preview, screen, await _press_now(chatter, picker["message_id"], send)


async def test_broadcast_to_a_category_then_to_everyone(chat: Chatter) -> None:
    await _add_chats(chat, range(2001, 2013), category="an sinh xa hoi")
    await _add_chats(chat, range(2013, 2031), inactive=(2029, 2030))
    await chat.chat(2005, blocked=True)  # subscribed, blocks the bot: skipped and reported
    await chat.chat(2015, blocked=True)

    start = await chat.last_seq()
    preview, screen, pressed = await _start_broadcast(chat, HOSTILE, "An sinh xã hội")
    assert "<b>12</b> người nhận (An sinh xã hội)" in screen["text"]
    started = _one(pressed, "answerCallbackQuery")
    assert started["text"] == "Bắt đầu gửi tới 12 người nhận."
    progress = _first(pressed, "editMessageText")  # the confirm screen became the progress
    assert "📤 <b>Đang gửi thông báo" in progress["text"]
    assert "Đã gửi 0/12 · lỗi 0" in progress["text"]
    assert [t for t, _ in button_data(progress)] == ["⏹ Dừng gửi"]
    report = await _wait_for_report(chat, start)
    got = await _received(chat, preview["text"], after=start)
    # Exactly as previewed, exactly once, exactly the category's reachable subscribers.
    assert got == {chat_id: 1 for chat_id in range(2001, 2013) if chat_id != 2005}
    assert html_to_plain(preview["text"]) == HOSTILE
    text = text_of(report)
    for line in ("Người nhận: 12 (An sinh xã hội)", "✅ Đã gửi: 11",
                 "⏭ Bỏ qua (đã ngừng nhận): 1", "bot was blocked by the user: 1", "❌ Lỗi: 0",
                 f"quản trị viên {ADMIN_ID}"):
        assert line in text, line
    final = [r for r in await chat.sent(chat_id=ADMIN_ID, after=start)
             if r["method"] == "editMessageText" and r["message_id"] == progress["message_id"]]
    assert "✅ <b>Đã gửi xong thông báo" in final[-1]["text"]
    assert "▰" * 10 + " 100%" in final[-1]["text"]
    assert final[-1]["reply_markup"] is None  # no stop button any more

    # Everyone: 28 active chats, of them 2005 now known blocked -> left out, 2015 blocks now.
    start = await chat.last_seq()
    preview, screen, _ = await _start_broadcast(chat, "Thông báo chung: họp lúc 8:00", "👥")
    assert "<b>27</b> người nhận (Tất cả người đăng ký)" in screen["text"]
    assert "3 cuộc trò chuyện đã ngừng nhận" in screen["text"]
    report = await _wait_for_report(chat, start)
    got = await _received(chat, preview["text"], after=start)
    assert got == {c: 1 for c in range(2001, 2029) if c not in (2005, 2015)}
    text = text_of(report)
    for line in ("Người nhận: 27 (Tất cả người đăng ký)", "✅ Đã gửi: 26",
                 "⏭ Bỏ qua (đã ngừng nhận): 1", "❌ Lỗi: 0", "Không gửi tới 3 cuộc trò chuyện"):
        assert line in text, line
    async with _db(chat) as db:
        second, first = await broadcasts.recent(db, limit=2)  # newest first
        assert (first.status, first.sent_count, first.skipped_count) == ("done", 11, 1)
        assert (second.status, second.sent_count, second.recipients) == ("done", 26, 27)
        assert (second.admin_channel, second.admin_id) == ("telegram", str(ADMIN_ID))
        blocked = await chats.get(db, tg(2015))
        assert blocked is not None
        assert not blocked.active
    (stats,) = await chat.say(ADMIN_ID, "/stats")
    assert "📢 #" in text_of(stats)
    assert "đã gửi 26/27" in text_of(stats)


async def test_stop_a_broadcast_midway(tmp_path: Path) -> None:
    # 4 messages/s and 2 senders: 40 recipients take 10 s, so "midway" is certain.
    async with bot_on_sandbox(tmp_path, delivery_rate=4, delivery_concurrency=2,
                              broadcast_progress_interval=0.5) as chat:
        await _add_chats(chat, range(3001, 3041))
        start = await chat.last_seq()
        preview, _, pressed = await _start_broadcast(chat, "Sẽ dừng giữa chừng", "👥")
        progress = _first(pressed, "editMessageText")
        stop = dict(button_data(progress))["⏹ Dừng gửi"]
        assert stop is not None
        while len(await _received(chat, preview["text"], after=start)) < 3:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        stopped = await _press_now(chat, progress["message_id"], stop)
        await asyncio.sleep(2.5)  # anything still coming would arrive now
        stopped = await chat.sent(chat_id=ADMIN_ID, after=stopped[0]["seq"] - 1)
        notice = _one(stopped, "answerCallbackQuery")
        assert notice["text"].startswith("Đã dừng: ")
        assert any("⏹ <b>Đã dừng thông báo" in r["text"] for r in stopped
                   if r["method"] == "editMessageText")
        report = next(r for r in stopped if "Báo cáo thông báo" in text_of(r))
        assert "⏹ Đã hủy, không gửi: " in text_of(report)
        got = await _received(chat, preview["text"], after=start)
        late = await _received(chat, preview["text"], after=notice["seq"])
        async with _db(chat) as db, db.execute(
                "SELECT chat_id, status FROM deliveries WHERE broadcast_id IS NOT NULL") as cur:
            status = {int(r[0]): r[1] for r in await cur.fetchall()}
        cancelled = {c for c, s in status.items() if s == "cancelled"}
        print(f"\nstop midway: {len(got)} of 40 received, {len(late)} after the stop "
              f"(in flight), {len(cancelled)} cancelled")
        assert 3 <= len(got) < 40
        assert cancelled
        assert not cancelled & set(got)  # nobody whose delivery was cancelled got it
        assert {c for c, s in status.items() if s == "sent"} == set(got)
        assert all(n == 1 for n in got.values())
        assert len(late) <= 2  # at most the messages in flight (2 senders)
        # A second press: already stopped.
        again = await chat.press(ADMIN_ID, progress["message_id"], stop)
        assert _first(again, "answerCallbackQuery")["text"] == (
            f"Thông báo #{_broadcast_id(stop)} không còn đang gửi.")


async def test_restart_mid_broadcast_resumes_and_finishes(tmp_path: Path) -> None:
    """The bot (a real `python -m bot run` process) is killed with SIGKILL mid-broadcast; the
    restarted bot finishes the sending and the progress, with duplicates at most in flight."""
    sandbox = Sandbox()
    await sandbox.start()
    proc: asyncio.subprocess.Process | None = None
    try:
        settings = Settings(
            telegram_api_url=sandbox.base_url, bot_token=SecretStr(TOKEN),
            database=tmp_path / "bot.db", sources_file=sample_sources_file(),
            admin_ids=frozenset({ADMIN_ID}), poll_interval=3600, delivery_rate=5,
            delivery_concurrency=4, broadcast_progress_interval=0.5,
        )
        await ingest_sample(settings)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "NEWSBOT_TELEGRAM_API_URL": sandbox.base_url, "NEWSBOT_BOT_TOKEN": TOKEN,
               "NEWSBOT_DATABASE": str(settings.database),
               "NEWSBOT_SOURCES_FILE": str(settings.sources_file),
               "NEWSBOT_ADMIN_IDS": str(ADMIN_ID), "NEWSBOT_POLL_INTERVAL": "3600",
               "NEWSBOT_DELIVERY_RATE": "5", "NEWSBOT_DELIVERY_CONCURRENCY": "4",
               "NEWSBOT_BROADCAST_PROGRESS_INTERVAL": "0.5",
               "NEWSBOT_WEB_PORT": str(_free_port())}  # the bot's web server: a free port
        with (tmp_path / "bot-a.log").open("wb") as log_file:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                stdout=log_file, stderr=log_file)
        async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
            chat = Chatter(sandbox, http, None, settings)  # type: ignore[arg-type]
            await _add_chats(chat, range(4001, 4041))
            start = await chat.last_seq()
            preview, _, pressed = await _start_broadcast(chat, "Sau khi khởi động lại", "👥")
            progress = _first(pressed, "editMessageText")
            while len(await _received(chat, preview["text"], after=start)) < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            proc.kill()  # SIGKILL: no shutdown, no last writes
            await proc.wait()
            before = await _received(chat, preview["text"], after=start)
            restart_seq = await chat.last_seq()
            async with _db(chat) as db:
                (running_broadcast,) = await broadcasts.list_by_status(db, broadcasts.SENDING)
                assert (await deliveries.counts(db, broadcast_id=running_broadcast.id)
                        ).pending > 0

            app = build_application(settings)  # the same database and sandbox
            async with running(app, poll_timeout=1):
                chat.app = app
                report = await _wait_for_report(chat, restart_seq)
            got = await _received(chat, preview["text"], after=start)
            duplicates = sum(n - 1 for n in got.values())
            print(f"\nrestart: {len(before)} of 40 sent before the kill, {duplicates} "
                  f"duplicate(s) after the restart")
            assert set(got) == set(range(4001, 4041))  # everyone got it
            # At most what was in flight at the kill (the worker's bound on unconfirmed sends).
            assert duplicates <= 4 + 2 * 32
            assert "✅ Đã gửi: 40" in text_of(report)  # each delivery counted once
            # The progress message of the first process was carried on by the second.
            edits = [r for r in await chat.sent(chat_id=ADMIN_ID, after=restart_seq)
                     if r["method"] == "editMessageText"
                     and r["message_id"] == progress["message_id"]]
            assert edits
            assert "✅ <b>Đã gửi xong thông báo" in edits[-1]["text"]
            async with _db(chat) as db:
                done = await broadcasts.get(db, running_broadcast.id)
                assert done is not None
                assert done.status == "done"
                assert done.sent_count == 40
    finally:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        await sandbox.stop()
