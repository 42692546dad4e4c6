"""Buttons and lists that could not be answered (issue 18), end to end through the sandbox with the
real python-telegram-bot and a real SQLite file.

Buttons: the one guard of pressed buttons (the message must be the bot's, in the presser's
chat), expired queries as a normal event, forged digest hours, a demoted group admin.
Lists: every list fits one message (text within 4,096, at most 100 buttons, else paged).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core
from bot.message import utf16_len
from storage import categories, chats, memberships, subscriptions
from tests.bothelper import ADMIN_ID, Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import tg
from tests.pushhelper import push_source, write_article
from tests.test_card import visible_length

USER = 601
GROUP = -7001


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chatter]:
    async with bot_on_sandbox(tmp_path) as chatter:
        yield chatter


def core_of(chat: Chatter) -> Core:
    core = chat.app.bot_data.core
    assert core is not None
    return core


def answers(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["method"] == "answerCallbackQuery"]


def edits(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["method"].startswith("edit")]


# --------------------------------------------------------------------------- buttons


async def test_a_press_on_a_message_the_bot_did_not_send_runs_nothing(
        chat: Chatter, caplog: pytest.LogCaptureFixture) -> None:
    (picker,) = await chat.say(USER, "/categories")
    toggle = next(d for _, d in button_data(picker) if d and d.startswith("sub:"))
    # The user's own message, with the bot's button data forged onto it.
    response = await chat.http.post("/sandbox/messages", json={"user_id": USER, "text": "xin"})
    own_message = response.json()["message_id"]
    pressed = await chat.press(USER, own_message, str(toggle))
    (answer,) = answers(pressed)
    assert answer["text"] == "Nút này không hợp lệ hoặc đã hết hạn."
    assert not edits(pressed)
    assert await subscriptions.category_ids(core_of(chat).db, tg(USER)) == set()
    assert any("did not send" in r.getMessage() or "not the bot's" in r.getMessage()
               for r in caplog.records)
    # The same button on the bot's own message works.
    pressed = await chat.press(USER, picker["message_id"], str(toggle), expect=2)
    assert edits(pressed)
    assert len(await subscriptions.category_ids(core_of(chat).db, tg(USER))) == 1


async def test_a_press_in_someone_elses_private_chat_runs_nothing(chat: Chatter) -> None:
    (picker,) = await chat.say(USER, "/categories")
    toggle = next(d for _, d in button_data(picker) if d and d.startswith("sub:"))
    # Another user "presses" the button of USER's private chat (only a forged update can).
    pressed = await chat.press(USER + 1, picker["message_id"], str(toggle))
    (answer,) = answers(pressed)
    assert answer["text"] == "Nút này không hợp lệ hoặc đã hết hạn."
    assert await subscriptions.category_ids(core_of(chat).db, tg(USER)) == set()


async def test_an_expired_query_is_normal_no_error_no_alert(
        chat: Chatter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    (picker,) = await chat.say(USER, "/categories")
    toggle = next(d for _, d in button_data(picker) if d and d.startswith("sub:"))
    response = await chat.http.post("/sandbox/faults", json={
        "method": "answerCallbackQuery", "status": 400,
        "description": "Bad Request: query is too old and response timeout expired or query "
                       "ID is invalid"})
    response.raise_for_status()
    caplog.clear()
    pressed = await chat.press(USER, picker["message_id"], str(toggle))
    assert edits(pressed)  # the choice still did its work: the picker is redrawn
    assert len(await subscriptions.category_ids(core_of(chat).db, tg(USER))) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    expired = [r for r in caplog.records if "could not be answered" in r.getMessage()]
    assert [r.levelno for r in expired] == [logging.INFO]
    # No alert reached the admin, no generic error reached the user.
    assert not await chat.sent(chat_id=ADMIN_ID)
    assert not any("Xin lỗi" in text_of(r) for r in await chat.sent(chat_id=USER))


async def test_a_forged_digest_hour_is_refused(chat: Chatter) -> None:
    (settings,) = await chat.say(USER, "/settings")
    for forged in ("dhr:3", "dhr:22", "dhr:0"):
        pressed = await chat.press(USER, settings["message_id"], forged)
        (answer,) = answers(pressed)
        assert answer["text"] == "Nút này không hợp lệ hoặc đã hết hạn."
    found = await chats.get(core_of(chat).db, tg(USER))
    assert found is None or found.delivery_mode == "instant"
    pressed = await chat.press(USER, settings["message_id"], "dhr:6", expect=2)
    assert "06:00" in answers(pressed)[0]["text"]
    found = await chats.get(core_of(chat).db, tg(USER))
    assert found is not None
    assert (found.delivery_mode, found.digest_hour) == ("digest", 6)


async def test_a_demoted_group_admin_cannot_change_anything(chat: Chatter) -> None:
    await chat.chat(GROUP, admins=[USER])
    (picker,) = await chat.say(USER, "/categories", chat_id=GROUP, chat_type="group")
    toggle = next(d for _, d in button_data(picker) if d and d.startswith("sub:"))
    pressed = await chat.press(USER, picker["message_id"], str(toggle), chat_id=GROUP, expect=2)
    assert edits(pressed)
    assert len(await subscriptions.category_ids(core_of(chat).db, tg(GROUP))) == 1
    # Demoted: the next press, well within the minute the admin check is cached for, is refused.
    await chat.chat(GROUP, admins=[])
    pressed = await chat.press(USER, picker["message_id"], str(toggle), chat_id=GROUP)
    (answer,) = answers(pressed)
    assert answer["text"] == "Chỉ quản trị viên của nhóm mới thay đổi được cài đặt của nhóm."
    assert len(await subscriptions.category_ids(core_of(chat).db, tg(GROUP))) == 1
    (refused,) = await chat.say(USER, "/unsubscribe all", chat_id=GROUP)
    assert "Chỉ quản trị viên" in text_of(refused)


# --------------------------------------------------------------------------- lists


LONG_CATEGORY = "Hoạt động của Ủy ban Mặt trận Tổ quốc thành phố"
TITLE = ("Hội nghị Ủy ban MTTQ Việt Nam thành phố tổng kết công tác năm và triển khai nhiệm vụ "
         "trọng tâm của năm tới, với sự tham dự của đại diện các tổ chức thành viên cùng")


async def test_latest_20_with_long_titles_fits_one_message(tmp_path: Path) -> None:
    sources, archive = push_source(tmp_path)
    for n in range(25):
        title = f"{n:02d} {TITLE}"[:150]
        assert len(title) == 150
        write_article(archive, f"a{n}", title=title, category=LONG_CATEGORY,
                      url=f"https://mattran.example.vn/tin/bai-viet-rat-dai-so-{n}.html")
    async with bot_on_sandbox(tmp_path, sources_file=sources, push_flood_limit=0) as chat:
        (listing,) = await chat.say(USER, "/latest 20")
        assert "Xin lỗi" not in text_of(listing)
        assert visible_length(text_of(listing)) <= 4096
        buttons = [d for _, d in button_data(listing) if d and d.startswith("open:")]
        assert len(buttons) == 20  # every article listed, with its button
        assert text_of(listing).count(" Hội nghị Ủy ban") == 20  # every title, shortened
        for n in range(1, 21):
            assert f"\n{n}. <b>" in text_of(listing)


async def test_categories_are_paged_when_there_are_hundreds(chat: Chatter) -> None:
    core = core_of(chat)
    async with core.db.transaction() as conn:
        for n in range(300):
            await categories.ensure(conn, f"Chuyên mục số {n:03d}")
    total = len(await categories.list_all(core.db))
    (picker,) = await chat.say(USER, "/categories")
    assert "Xin lỗi" not in text_of(picker)
    first = button_data(picker)
    assert len(first) <= 100
    assert "Trang 1/" in text_of(picker)
    toggles = [d for _, d in first if d and d.startswith("sub:")]
    assert 1 <= len(toggles) < total
    nxt = next(d for label, d in first if label == "Sau »")
    pressed = await chat.press(USER, picker["message_id"], str(nxt), expect=2)
    (page2,) = edits(pressed)
    assert "Trang 2/" in page2["text"]
    page2_toggles = [d for _, d in button_data(page2) if d and d.startswith("sub:")]
    assert not set(page2_toggles) & set(toggles)
    # A toggle on page 2 redraws page 2 (not page 1).
    pressed = await chat.press(USER, picker["message_id"], page2_toggles[0], expect=2)
    (redrawn,) = edits(pressed)
    assert "Trang 2/" in redrawn["text"]
    assert len(await subscriptions.category_ids(core.db, tg(USER))) == 1
    # Every category is reachable, page by page.
    seen: set[str] = set(toggles)
    current, message_id = page2, picker["message_id"]
    seen.update(page2_toggles)
    while any(label == "Sau »" for label, _ in button_data(current)):
        nxt = next(d for label, d in button_data(current) if label == "Sau »")
        (current,) = edits(await chat.press(USER, message_id, str(nxt), expect=2))
        seen.update(d for _, d in button_data(current) if d and d.startswith("sub:"))
    assert len(seen) == total
    # An unknown category's answer lists the names that fit, and counts the rest.
    (unknown,) = await chat.say(USER, "/subscribe the thao")
    assert utf16_len(text_of(unknown)) <= 4096
    assert "chuyên mục khác" in text_of(unknown)


async def test_channels_lists_and_pickers_are_paged(chat: Chatter) -> None:
    """/channels (issue 13) with a bot in 45 chats and a source of 300 categories: the list of
    chats and each chat's picker show a page at a time (never more than 100 buttons), every
    chat and every category reachable; a toggle redraws the page it was on."""
    core = core_of(chat)
    async with core.db.transaction() as conn:
        for n in range(300):
            await categories.ensure(conn, f"Chuyên mục số {n:03d}")
        for n in range(45):
            await memberships.record(conn, tg(-1_000_000_090_000 - n), chat_type="channel",
                                     title=f"Kênh số {n:02d}", status="administrator",
                                     can_post=True, now=1_700_000_000)
    total = len(await categories.list_all(core.db))
    (listing,) = await chat.say(ADMIN_ID, "/kenh")
    message_id = listing["message_id"]
    shown: set[str] = set()
    current = listing
    while True:
        buttons = button_data(current)
        assert len(buttons) <= 100
        shown.update(label for label, d in buttons if d and d.startswith("chn:s:"))
        nxt = [d for label, d in buttons if label == "Sau »"]
        if not nxt:
            break
        (current,) = edits(await chat.press(ADMIN_ID, message_id, str(nxt[0]), expect=2))
    assert len(shown) == 45
    # One channel's picker: "all categories" first on every page, 300 categories over pages.
    first = next(d for label, d in button_data(listing) if "Kênh số 00" in label)
    (picker,) = edits(await chat.press(ADMIN_ID, message_id, str(first), expect=2))
    toggles: set[str] = set()
    page2: dict[str, Any] | None = None
    current = picker
    while True:
        buttons = button_data(current)
        assert len(buttons) <= 100
        assert buttons[0][0] == "▫️ Tất cả chuyên mục"
        toggles.update(d for _, d in buttons if d and d.startswith("chn:t:")
                       and not d.endswith(":all"))
        nxt = [d for label, d in buttons if label == "Sau »"]
        if not nxt:
            break
        (current,) = edits(await chat.press(ADMIN_ID, message_id, str(nxt[0]), expect=2))
        page2 = page2 or current
    assert len(toggles) == total
    assert page2 is not None
    on_page2 = next(d for label, d in button_data(page2) if label.startswith("▫️ Chuyên mục"))
    (redrawn,) = edits(await chat.press(ADMIN_ID, message_id, str(on_page2), expect=2))
    assert dict(button_data(redrawn)).keys() - dict(button_data(page2)).keys()  # ✅ now
    assert {d for _, d in button_data(redrawn)} == {d for _, d in button_data(page2)}


async def test_the_sandbox_refuses_a_keyboard_of_more_than_100_buttons(chat: Chatter) -> None:
    keyboard = [[{"text": str(n), "callback_data": f"x:{n}"}] for n in range(101)]
    response = await chat.http.post(
        "/bot123456:test-token-for-the-sandbox/sendMessage",
        json={"chat_id": USER, "text": "x", "reply_markup": {"inline_keyboard": keyboard}})
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: reply markup is too long"
