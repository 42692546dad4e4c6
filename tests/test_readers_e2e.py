"""Channels, forum topics and "all categories" end to end: the real bot (python-telegram-bot over
HTTP) on the sandbox, articles dropped into an archive source and ingested.

The sandbox plays Telegram: a channel post has no user, a message in a forum topic carries its
message_thread_id, the bot added to or removed from a chat is a my_chat_member update, and
sending to a chat the bot was removed from answers 403. What it recorded is the evidence.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core
from storage import categories, chats, memberships, subscriptions
from storage import deliveries as outbox
from tests.bothelper import ADMIN_ID, Chatter, bot_on_sandbox, button_data, confirm_stop, text_of
from tests.conftest import tg
from tests.pushhelper import clock_at, ingest, push_source, wait_done, write_article

CHANNEL = -1001234500001
FORUM = -1001234500002
TOPIC, OTHER_TOPIC = 5, 7
GROUP_ADMIN = 4242
READER = 777


@dataclass
class Readers:
    chat: Chatter
    core: Core
    archive: Path
    stem: int = 0

    async def article(self, title: str, category: str) -> int:
        """Write one article into the archive and ingest it as the scheduled job does (pushes
        are queued, new categories told to the admins); its id."""
        self.stem += 1
        write_article(self.archive, f"a{self.stem:03d}", title=title, category=category)
        stored = await ingest(self.core)
        await self.core.announce_categories()
        assert [a.title for a in stored] == [title]
        return stored[0].id

    async def pushed(self, article_id: int) -> None:
        await wait_done(self.core, [article_id])

    async def member(self, chat_id: int, status: str, **extra: Any) -> None:
        """The bot's status in a chat changes (a my_chat_member update), and the bot has seen
        it (the membership is stored)."""
        await self.chat.chat(chat_id, member=status, **extra)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = await memberships.get(self.core.db, tg(chat_id))
            if found is not None and found.status == status:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot did not take the membership {status} of {chat_id}")

    async def post(self, chat_id: int, text: str, *, expect: int = 1) -> list[dict[str, Any]]:
        return await self.chat.post(chat_id, text, expect=expect)

    async def cards(self, chat_id: int, *, after: int = 0) -> list[dict[str, Any]]:
        return [r for r in await self.chat.sent(chat_id=chat_id, after=after)
                if r["method"] in ("sendPhoto", "sendMessage")]


def title_of(record: dict[str, Any]) -> str:
    return text_of(record).split("</b>", 1)[0].removeprefix("<b>")


@pytest.fixture
async def readers(tmp_path: Path, database_target: Path | str) -> AsyncIterator[Readers]:
    """The bot on the sandbox, on each backend (SQLite, PostgreSQL)."""
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, schedule_ingestion=False,
                              delivery_rate=2000, database=database_target) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        assert core.delivery is not None
        yield Readers(chat, core, archive)


# --- channels ------------------------------------------------------------------------------------


async def test_a_channels_subscribe_brings_the_next_card_into_the_channel_once(
        readers: Readers) -> None:
    before = await readers.article("Bài đã có trước", "An sinh xã hội")
    await readers.pushed(before)
    await readers.member(CHANNEL, "administrator", chat_type="channel", title="Kênh MTTQ")
    (reply,) = await readers.post(CHANNEL, "/subscribe an sinh")
    assert reply["chat_id"] == CHANNEL
    assert "Đã đăng ký chuyên mục <b>An sinh xã hội</b>" in text_of(reply)
    stored = await chats.get(readers.core.db, tg(CHANNEL))
    assert stored is not None
    assert stored.type == "channel"
    assert stored.is_group

    # At night, like every push, the channel's card is silent.
    assert readers.core.delivery is not None
    offset = clock_at(23, 30, readers.core.settings.tz)
    readers.core.delivery.clock = lambda: time.time() + offset
    mark = await readers.chat.last_seq()
    fresh = await readers.article("Trao quà cho hộ nghèo", "An sinh xã hội")
    await readers.pushed(fresh)
    cards = await readers.cards(CHANNEL, after=mark)
    assert [title_of(c) for c in cards] == ["Trao quà cho hộ nghèo"]
    assert cards[0]["disable_notification"] is True
    assert cards[0]["message_thread_id"] is None
    # The article stored before the subscription never went there.
    everything = await readers.cards(CHANNEL)
    assert "Bài đã có trước" not in [title_of(c) for c in everything]


async def test_a_channel_post_needs_no_user_and_other_commands_stay_quiet(
        readers: Readers) -> None:
    await readers.article("Bài một", "Tin tức - Sự kiện")
    await readers.member(CHANNEL, "administrator", chat_type="channel", title="Kênh")
    (reply,) = await readers.post(CHANNEL, "/subscribe all")
    assert "tất cả chuyên mục" in text_of(reply)
    assert await subscriptions.follows_all(readers.core.db, tg(CHANNEL))
    # A plain post and an unknown command are the channel's own business: no answer.
    assert await readers.post(CHANNEL, "Chào các bạn", expect=0) == []
    assert await readers.post(CHANNEL, "/khonglenh", expect=0) == []
    assert await readers.chat.sent(chat_id=CHANNEL, after=reply["seq"]) == []
    # The post copied into the channel's discussion group is no command to that group.
    mark = await readers.chat.last_seq()
    await readers.chat.inject({"message": {
        "message_id": 990001, "date": int(time.time()),
        "chat": {"id": FORUM, "type": "supergroup", "title": "Thảo luận"},
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": {"id": CHANNEL, "type": "channel", "title": "Kênh"},
        "is_automatic_forward": True, "text": "/subscribe all",
        "entities": [{"type": "bot_command", "offset": 0, "length": 10}]}})
    await asyncio.sleep(0.5)
    assert await readers.chat.sent(after=mark) == []
    assert not await subscriptions.follows_all(readers.core.db, tg(FORUM))
    (off,) = await readers.post(CHANNEL, "/unsubscribe tất cả")
    assert "Đã hủy đăng ký mọi chuyên mục" in text_of(off)
    assert not await subscriptions.follows_all(readers.core.db, tg(CHANNEL))


async def test_a_channels_buttons_answer_its_admins_only(readers: Readers) -> None:
    await readers.article("Bài một", "An sinh xã hội")
    await readers.chat.chat(CHANNEL, member="administrator", chat_type="channel",
                            title="Kênh", admins=[GROUP_ADMIN])
    (picker,) = await readers.post(CHANNEL, "/categories")
    data = dict(button_data(picker))["▫️ An sinh xã hội"]
    assert data is not None
    refused = await readers.chat.press(READER, picker["message_id"], str(data), chat_id=CHANNEL)
    answer = next(r for r in refused if r["method"] == "answerCallbackQuery")
    assert "quản trị viên của kênh" in str(answer["text"])
    assert await subscriptions.category_ids(readers.core.db, tg(CHANNEL)) == set()
    done = await readers.chat.press(GROUP_ADMIN, picker["message_id"], str(data),
                                    chat_id=CHANNEL, expect=2)
    assert any(r["method"].startswith("edit") for r in done)
    assert len(await subscriptions.category_ids(readers.core.db, tg(CHANNEL))) == 1


async def test_removing_the_bot_marks_the_channel_inactive_and_skips_its_deliveries(
        readers: Readers) -> None:
    core = readers.core
    assert core.delivery is not None
    await readers.article("Bài một", "An sinh xã hội")
    await readers.member(CHANNEL, "administrator", chat_type="channel", title="Kênh")
    await readers.post(CHANNEL, "/subscribe an sinh")
    # The worker is stopped so that the next push stays pending in the outbox.
    await core.delivery.stop()
    waiting = await readers.article("Bài chờ gửi", "An sinh xã hội")
    pending = await outbox.by_chat(core.db, article_id=waiting)
    assert pending[tg(CHANNEL)].status == "pending"

    await readers.member(CHANNEL, "kicked")
    stored = await chats.get(core.db, tg(CHANNEL))
    assert stored is not None
    assert not stored.active
    assert "kicked" in str(stored.inactive_reason)
    after = await outbox.by_chat(core.db, article_id=waiting)
    assert after[tg(CHANNEL)].status == "skipped"
    mark = await readers.chat.last_seq()
    await core.delivery.start()
    later = await readers.article("Bài sau khi bị xóa", "An sinh xã hội")
    await readers.pushed(later)
    assert await readers.cards(CHANNEL, after=mark) == []
    # Sending there would be refused as on Telegram.
    response = await readers.chat.http.post(
        f"/bot{readers.chat.settings.bot_token.get_secret_value()}/sendMessage",  # type: ignore[union-attr]
        json={"chat_id": CHANNEL, "text": "x"})
    assert response.status_code == 403
    assert "kicked from the channel" in response.json()["description"]

    # Added back: the channel is active again with its subscription, and gets the next card.
    await readers.member(CHANNEL, "administrator")
    stored = await chats.get(core.db, tg(CHANNEL))
    assert stored is not None
    assert stored.active
    again = await readers.article("Bài khi trở lại", "An sinh xã hội")
    await readers.pushed(again)
    assert [title_of(c) for c in await readers.cards(CHANNEL, after=mark)] == ["Bài khi trở lại"]


async def test_an_admin_links_a_channel_from_a_private_chat(readers: Readers) -> None:
    await readers.article("Bài một", "An sinh xã hội")
    await readers.member(CHANNEL, "administrator", chat_type="channel", title="Kênh Phường 1")
    await readers.member(FORUM, "member", chat_type="supergroup", title="Nhóm Tổ dân phố")

    (refused,) = await readers.chat.say(READER, "/channels")
    assert "chỉ dành cho quản trị viên" in text_of(refused)
    (listing,) = await readers.chat.say(ADMIN_ID, "/kenh")
    buttons = dict(button_data(listing))
    channel_button = next(t for t in buttons if "Kênh Phường 1" in t)
    assert channel_button.startswith("📢")
    assert "chưa liên kết" in channel_button
    assert any("Nhóm Tổ dân phố" in t for t in buttons)

    shown = await readers.chat.press(ADMIN_ID, listing["message_id"],
                                     str(buttons[channel_button]), expect=2)
    picker = next(r for r in shown if r["method"].startswith("edit"))
    choices = dict(button_data(picker))
    assert list(choices)[0] == "▫️ Tất cả chuyên mục"
    # A forged press of the same button by someone else changes nothing: on the admin's
    # message (someone else's private chat) the one guard of pressed buttons refuses it before
    # any handler runs (issue 18: bot/telegram/incoming.py); on a bot message of their own chat
    # the admin check does.
    forged = await readers.chat.press(READER, listing["message_id"],
                                      str(choices["▫️ An sinh xã hội"]))
    assert str(forged[0]["text"]) == "Nút này không hợp lệ hoặc đã hết hạn."
    forged = await readers.chat.press(READER, refused["message_id"],
                                      str(choices["▫️ An sinh xã hội"]))
    assert "chỉ dành cho quản trị viên" in str(forged[0]["text"])
    assert await subscriptions.category_ids(readers.core.db, tg(CHANNEL)) == set()

    toggled = await readers.chat.press(ADMIN_ID, listing["message_id"],
                                       str(choices["▫️ An sinh xã hội"]), expect=2)
    edit = next(r for r in toggled if r["method"].startswith("edit"))
    assert "✅ An sinh xã hội" in dict(button_data(edit))
    mark = await readers.chat.last_seq()
    fresh = await readers.article("Bài cho kênh", "An sinh xã hội")
    await readers.pushed(fresh)
    assert [title_of(c) for c in await readers.cards(CHANNEL, after=mark)] == ["Bài cho kênh"]

    # Unlink: the channel gets nothing any more.
    unlinked = await readers.chat.press(ADMIN_ID, listing["message_id"],
                                        str(dict(button_data(edit))["🔗 Hủy liên kết"]),
                                        expect=2)
    assert "Đã hủy liên kết" in str(unlinked[0]["text"])
    assert await subscriptions.count_for(readers.core.db, tg(CHANNEL)) == {}


# --- forum topics --------------------------------------------------------------------------------


async def test_a_topics_subscribe_brings_cards_into_that_topic_only(readers: Readers) -> None:
    await readers.article("Bài một", "An sinh xã hội")
    await readers.chat.chat(FORUM, admins=[GROUP_ADMIN])
    replies = await readers.chat.say(GROUP_ADMIN, "/subscribe an sinh", chat_id=FORUM,
                                     chat_type="supergroup", thread_id=TOPIC)
    assert [r["message_thread_id"] for r in replies] == [TOPIC]
    assert "Đã đăng ký chuyên mục" in text_of(replies[0])
    # Someone in another topic who is no admin changes nothing (and is told so there).
    (refused,) = await readers.chat.say(READER, "/subscribe an sinh", chat_id=FORUM,
                                        thread_id=OTHER_TOPIC)
    assert refused["message_thread_id"] == OTHER_TOPIC
    conn = readers.core.db
    assert len(await subscriptions.category_ids(conn, tg(FORUM).topic(str(TOPIC)))) == 1
    assert await subscriptions.category_ids(conn, tg(FORUM)) == set()

    mark = await readers.chat.last_seq()
    fresh = await readers.article("Bài cho chủ đề", "An sinh xã hội")
    await readers.pushed(fresh)
    cards = await readers.cards(FORUM, after=mark)
    assert [(title_of(c), c["message_thread_id"]) for c in cards] == [
        ("Bài cho chủ đề", TOPIC)]
    delivered = await outbox.by_chat(conn, article_id=fresh)
    assert set(delivered) == {tg(FORUM).topic(str(TOPIC))}

    # The card's buttons answer in the topic too ("Xem thêm" sends a new message there).
    more = next(d for t, d in button_data(cards[0]) if t == "Xem thêm")
    pressed = await readers.chat.press(READER, cards[0]["message_id"], str(more), expect=2)
    sent = [r for r in pressed if r["method"] == "sendMessage"]
    assert sent
    assert all(r["message_thread_id"] == TOPIC for r in sent)

    # /stop in the topic (asked, then confirmed there) stops the topic; the chat itself was
    # never subscribed.
    stopped = await confirm_stop(readers.chat, GROUP_ADMIN, chat_id=FORUM, thread_id=TOPIC)
    assert stopped["message_thread_id"] == TOPIC
    assert await subscriptions.count_for(conn, tg(FORUM)) == {}
    assert await chats.get(conn, tg(FORUM)) is not None


async def test_a_deleted_topic_unsubscribes_that_topic_only(readers: Readers) -> None:
    await readers.article("Bài một", "An sinh xã hội")
    await readers.chat.chat(FORUM, admins=[GROUP_ADMIN])
    await readers.chat.say(GROUP_ADMIN, "/subscribe an sinh", chat_id=FORUM,
                           chat_type="supergroup", thread_id=TOPIC)
    await readers.chat.say(GROUP_ADMIN, "/subscribe an sinh", chat_id=FORUM)
    for method in ("sendPhoto", "sendMessage"):
        response = await readers.chat.http.post("/sandbox/faults", json={
            "method": method, "status": 400, "chat_id": FORUM, "times": 1,
            "description": "Bad Request: message thread not found"})
        response.raise_for_status()
    fresh = await readers.article("Bài sau khi xóa chủ đề", "An sinh xã hội")
    await readers.pushed(fresh)
    conn = readers.core.db
    states = await outbox.by_chat(conn, article_id=fresh)
    statuses = sorted(d.status for d in states.values())
    # One of the two readers met the deleted topic first: only that reader is affected.
    assert statuses in (["sent", "skipped"], ["skipped", "sent"])
    stored = await chats.get(conn, tg(FORUM))
    assert stored is not None
    assert stored.active


# --- all categories, category map, new categories ------------------------------------------------


async def test_all_categories_gets_a_category_that_did_not_exist(readers: Readers) -> None:
    await readers.article("Bài đầu tiên", "An sinh xã hội")  # the installation's first category
    (reply,) = await readers.chat.say(READER, "/subscribe tat ca")
    assert "tất cả chuyên mục" in text_of(reply)
    (picker,) = await readers.chat.say(READER, "/categories")
    assert button_data(picker)[0] == ("✅ Tất cả chuyên mục", "all:t")
    assert await categories.find(readers.core.db, "Thời sự mới") is None

    mark = await readers.chat.last_seq()
    fresh = await readers.article("Tin chuyên mục mới", "Thời sự mới")
    await readers.pushed(fresh)
    assert [title_of(c) for c in await readers.cards(READER, after=mark)] == [
        "Tin chuyên mục mới"]
    # The admins are told once about the new category (the first one was the publisher's).
    told = [r for r in await readers.cards(ADMIN_ID, after=mark) if "Chuyên mục mới" in
            text_of(r)]
    assert len(told) == 1
    assert "Thời sự mới" in text_of(told[0])
    assert "push-test" in text_of(told[0])
    assert "category_map" in text_of(told[0])
    another = await readers.article("Tin nữa", "Thời sự mới")
    await readers.pushed(another)
    assert len([r for r in await readers.cards(ADMIN_ID, after=mark)
                if "Chuyên mục mới" in text_of(r)]) == 1

    # Toggling "all" off in the picker keeps nothing else.
    pressed = await readers.chat.press(READER, picker["message_id"], "all:t", expect=2)
    assert next(r for r in pressed if r["method"] == "answerCallbackQuery")["text"] == (
        "Đã hủy đăng ký: Tất cả chuyên mục")
    assert not await subscriptions.follows_all(readers.core.db, tg(READER))


async def test_a_category_map_folds_a_feeds_names_into_the_publishers(
        tmp_path: Path, database_target: Path | str) -> None:
    sources, archive = push_source(tmp_path)
    sources.write_text(
        '[[source]]\nname = "push-test"\nkind = "archive"\npath = "archive"\n'
        'category_map = { "Tin tức" = "Tin tức - Sự kiện", "Thoi su" = "Thời sự" }\n',
        encoding="utf-8")
    async with bot_on_sandbox(tmp_path, sources_file=sources, schedule_ingestion=False,
                              delivery_rate=2000, database=database_target) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        readers = Readers(chat, core, archive)
        await readers.article("Bài của chuyên mục chuẩn", "Tin tức - Sự kiện")
        await chat.say(READER, "/subscribe tin tuc su kien")
        mark = await chat.last_seq()
        folded = [await readers.article("Viết tắt", "TIN TỨC"),
                  await readers.article("Không dấu", "tin tuc")]
        for article_id in folded:
            await readers.pushed(article_id)
        assert sorted(title_of(c) for c in await readers.cards(READER, after=mark)) == [
            "Không dấu", "Viết tắt"]
        names = [c.name for c in await categories.list_all(core.db)]
        assert names == ["Tin tức - Sự kiện"]
        await readers.article("Thời sự hôm nay", "THOI SU")
        assert [c.name for c in await categories.list_all(core.db)] == [
            "Thời sự", "Tin tức - Sự kiện"]
