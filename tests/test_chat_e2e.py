"""The reader's chat end to end: the sandbox over real HTTP, the real python-telegram-bot, the
bundled sample news in a real SQLite file. Users talk to the bot through the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import en, vi
from storage import chats, subscriptions
from storage.db import open_database
from tests.bothelper import (
    ADMIN_ID,
    Chatter,
    bot_on_sandbox,
    button_data,
    confirm_stop,
    text_of,
)
from tests.conftest import tg

USER = 501


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chatter]:
    async with bot_on_sandbox(tmp_path) as chatter:
        yield chatter


def _category_buttons(record: dict[str, object]) -> dict[str, str]:
    """Picker buttons by category name -> callback_data (the ✅/▫️ mark removed)."""
    return {text.split(" ", 1)[1]: str(data) for text, data in button_data(record)  # type: ignore[arg-type]
            if data and str(data).startswith(("sub:", "sw:"))}


async def _subscribed(chatter: Chatter, chat_id: int) -> set[int]:
    db = await open_database(chatter.settings.database)
    try:
        return await subscriptions.category_ids(db, tg(chat_id))
    finally:
        await db.close()


async def test_start_welcomes_and_shows_the_picker(chat: Chatter) -> None:
    (reply,) = await chat.say(USER, "/start")
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == USER
    assert "Xin chào" in text_of(reply)
    assert set(_category_buttons(reply)) == {
        "An sinh xã hội", "Cụm thi đua", "Hoạt động MTTQ thành phố", "Tin tức - Sự kiện"}


async def test_toggle_a_category_twice(chat: Chatter) -> None:
    (picker,) = await chat.say(USER, "/categories")
    data = _category_buttons(picker)["An sinh xã hội"]
    first = await chat.press(USER, picker["message_id"], data, expect=2)
    notice = next(r for r in first if r["method"] == "answerCallbackQuery")
    assert notice["text"] == "Đã đăng ký: An sinh xã hội"
    edit = next(r for r in first if r["method"].startswith("edit"))
    assert edit["message_id"] == picker["message_id"]
    assert ("✅ An sinh xã hội", data) in button_data(edit)
    assert len(await _subscribed(chat, USER)) == 1

    second = await chat.press(USER, picker["message_id"], data, expect=2)
    notice = next(r for r in second if r["method"] == "answerCallbackQuery")
    assert notice["text"] == "Đã hủy đăng ký: An sinh xã hội"
    edit = next(r for r in second if r["method"].startswith("edit"))
    assert ("▫️ An sinh xã hội", data) in button_data(edit)
    assert await _subscribed(chat, USER) == set()


@pytest.mark.parametrize("command", ["/subscribe", "/dangky"])
async def test_subscribe_by_name_without_accents(chat: Chatter, command: str) -> None:
    (reply,) = await chat.say(USER, f"{command} hoat dong mttq")
    assert "Đã đăng ký chuyên mục <b>Hoạt động MTTQ thành phố</b>" in text_of(reply)
    (again,) = await chat.say(USER, f"{command} HOẠT ĐỘNG MTTQ THÀNH PHỐ")
    assert "đã đăng ký" in text_of(again)
    (picker,) = await chat.say(USER, command)  # no argument: the picker
    assert "✅ Hoạt động MTTQ thành phố" in [t for t, _ in button_data(picker)]


@pytest.mark.parametrize("command", ["/unsubscribe", "/huydangky"])
async def test_unsubscribe(chat: Chatter, command: str) -> None:
    await chat.say(USER, "/subscribe an sinh")
    await chat.say(USER, "/subscribe cum thi dua")
    (one,) = await chat.say(USER, f"{command} an sinh xa hoi")
    assert "Đã hủy đăng ký chuyên mục <b>An sinh xã hội</b>" in text_of(one)
    (not_sub,) = await chat.say(USER, f"{command} an sinh xa hoi")
    assert "chưa đăng ký" in text_of(not_sub)
    (everything,) = await chat.say(USER, f"{command} all")
    assert text_of(everything) == vi.TEXTS["unsubscribe.all"]
    assert await _subscribed(chat, USER) == set()
    (usage,) = await chat.say(USER, command)
    assert "Cách dùng" in text_of(usage)


@pytest.mark.parametrize("command", ["/latest", "/tinmoi"])
async def test_latest(chat: Chatter, command: str) -> None:
    (reply,) = await chat.say(USER, command)
    text = text_of(reply)
    assert text.startswith("📰 <b>Tin mới nhất</b>")
    assert text.count("\n1. ") == 1
    assert "\n5. " in text
    assert "\n6. " not in text
    assert [t for t, _ in button_data(reply)] == ["1", "2", "3", "4", "5"]
    (two,) = await chat.say(USER, f"{command} an sinh xa hoi 2")
    assert "· An sinh xã hội" in text_of(two).splitlines()[0]
    assert [t for t, _ in button_data(two)] == ["1", "2"]
    # Opening an article from the list sends its card.
    data = button_data(two)[0][1]
    assert data is not None
    opened = await chat.press(USER, two["message_id"], data, expect=2)
    card = next(r for r in opened if r["method"] in ("sendPhoto", "sendMessage"))
    assert "Xem thêm" in [t for t, _ in button_data(card)]


async def test_latest_bad_arguments(chat: Chatter) -> None:
    (zero,) = await chat.say(USER, "/latest 0")
    assert "Cách dùng" in text_of(zero)
    (many,) = await chat.say(USER, "/latest 500")  # clamped to the most a list holds
    assert "Cách dùng" not in text_of(many)
    assert "Chỉ hiển thị tối đa 20 bài" in text_of(many)
    (unknown,) = await chat.say(USER, "/latest thể thao")
    assert "Không tìm thấy chuyên mục «thể thao»" in text_of(unknown)


async def test_deep_link_opens_the_article(chat: Chatter) -> None:
    (listing,) = await chat.say(USER, "/latest 1")
    article_id = str(button_data(listing)[0][1]).split(":")[1]
    (card,) = await chat.say(USER, f"/start a_{article_id}")
    assert card["method"] in ("sendPhoto", "sendMessage")
    assert (f"more:{article_id}") in [d for _, d in button_data(card)]
    (missing,) = await chat.say(USER, "/start a_999999")
    assert text_of(missing) == vi.TEXTS["article.not_found"]


async def test_help_and_aliases(chat: Chatter) -> None:
    (help_vi,) = await chat.say(USER, "/help")
    (alias,) = await chat.say(USER, "/huongdan")
    assert text_of(help_vi) == text_of(alias)
    for command in ("/latest", "/popular", "/cluster", "/search", "/settings", "/stop"):
        assert command in text_of(help_vi)


async def test_english_after_settings(chat: Chatter) -> None:
    (settings,) = await chat.say(USER, "/settings")
    assert "Ngôn ngữ: Tiếng Việt" in text_of(settings)
    assert button_data(settings)[:2] == [("✅ Tiếng Việt", "lang:vi"), ("English", "lang:en")]
    switched = await chat.press(USER, settings["message_id"], "lang:en", expect=2)
    notice = next(r for r in switched if r["method"] == "answerCallbackQuery")
    assert notice["text"] == en.TEXTS["settings.language_set"]
    # Every reader command now answers in English.
    expectations = {
        "/start": "Hello!", "/help": "News bot of the city", "/categories": "Choose the categories",
        "/subscribe an sinh": "Subscribed to", "/unsubscribe an sinh": "Unsubscribed from",
        "/latest": "Latest news", "/settings": "Language: English", "/caidat": "Language",
        "/popular": "has been read yet", "/nonsense": "no such command",
    }
    for command, expected in expectations.items():
        (reply,) = await chat.say(USER, command)
        assert expected in text_of(reply), (command, text_of(reply))
    stopped = await confirm_stop(chat, USER)
    assert text_of(stopped) == en.TEXTS["stop.done"]


async def test_stop_then_latest(chat: Chatter) -> None:
    await chat.say(USER, "/subscribe an sinh")
    stopped = await confirm_stop(chat, USER)
    assert text_of(stopped) == vi.TEXTS["stop.done"]
    db = await open_database(chat.settings.database)
    try:
        assert await chats.get(db, tg(USER)) is None
        assert await subscriptions.category_ids(db, tg(USER)) == set()
    finally:
        await db.close()
    (latest,) = await chat.say(USER, "/latest")
    assert "Tin mới nhất" in text_of(latest)
    assert await _subscribed(chat, USER) == set()  # reading does not resubscribe


async def test_group_only_admins_change_subscriptions(chat: Chatter) -> None:
    group, member, group_admin = -100123, 601, 602
    await chat.chat(group, admins=[group_admin])
    (refused,) = await chat.say(member, "/subscribe an sinh", chat_id=group, chat_type="group")
    assert text_of(refused) == vi.TEXTS["group.admins_only"]
    assert await _subscribed(chat, group) == set()
    (picker,) = await chat.say(member, "/categories", chat_id=group, chat_type="group")
    data = _category_buttons(picker)["An sinh xã hội"]
    pressed = await chat.press(member, picker["message_id"], data, chat_id=group)
    assert pressed[0]["method"] == "answerCallbackQuery"
    assert pressed[0]["text"] == vi.TEXTS["group.admins_only"]
    assert await _subscribed(chat, group) == set()
    (done,) = await chat.say(group_admin, "/subscribe an sinh", chat_id=group, chat_type="group")
    assert "Đã đăng ký" in text_of(done)
    assert len(await _subscribed(chat, group)) == 1
    # Plain talk in a group is not answered.
    assert await chat.say(member, "chào cả nhà", chat_id=group, chat_type="group", expect=0) == []


async def test_admin_commands_refused_to_others(chat: Chatter) -> None:
    for command in ("/broadcast hello", "/stats", "/sources", "/setcluster x"):
        (reply,) = await chat.say(USER, command)
        assert text_of(reply) == vi.TEXTS["admin.refused"]
        # /broadcast answers with a preview and, a second later, the audience picker.
        admin_replies = await chat.say(ADMIN_ID, command,
                                       expect=2 if command.startswith("/broadcast") else 1)
        assert admin_replies
        assert all(text_of(r) != vi.TEXTS["admin.refused"] for r in admin_replies)


async def test_bad_input_is_answered_and_the_bot_keeps_running(chat: Chatter) -> None:
    long_text = "Tôi muốn hỏi " * 400  # ~5,000 characters
    (hint,) = await chat.say(USER, long_text[:4096])
    assert text_of(hint) == vi.TEXTS["text.hint"]
    (overlong,) = await chat.say(USER, "/subscribe " + "x" * 4000)
    assert "Không tìm thấy chuyên mục" in text_of(overlong)
    assert len(text_of(overlong)) < 1000
    (html_like,) = await chat.say(USER, "/subscribe <b>&amp; <script>")
    assert "«&lt;b&gt;&amp;amp; &lt;script&gt;»" in text_of(html_like)
    (empty,) = await chat.say(USER, "/unsubscribe    ")
    assert "Cách dùng" in text_of(empty)
    (addressed,) = await chat.say(USER, "/latest@newsbot_sandbox_bot 1")
    assert "Tin mới nhất" in text_of(addressed)
    assert await chat.say(USER, "/latest@someotherbot", chat_id=-5, chat_type="group",
                          expect=0) == []
    # A forged button: refused with a notice, nothing changes.
    (listing,) = await chat.say(USER, "/latest 1")
    for forged in ("sub:99999", "drop table", "lang:fr", "open:abc", "sub:1;DELETE"):
        (notice,) = await chat.press(USER, listing["message_id"], forged)
        assert notice["method"] == "answerCallbackQuery"
        assert notice["text"] == vi.TEXTS["button.invalid"]
    # Updates without a user (a channel post, a message from a chat) are ignored safely.
    await chat.inject({"update_id": 0, "channel_post": {
        "message_id": 1, "date": 0, "chat": {"id": -1001, "type": "channel", "title": "K"},
        "text": "/start"}})
    await chat.inject({"update_id": 0, "message": {
        "message_id": 2, "date": 0, "chat": {"id": -1002, "type": "supergroup", "title": "G"},
        "sender_chat": {"id": -1002, "type": "supergroup", "title": "G"},
        "text": "/subscribe an sinh"}})
    # ... and the bot still answers.
    (still,) = await chat.say(USER, "/help")
    assert "Bot tin tức" in text_of(still)
    assert await _subscribed(chat, -1002) == set()


async def test_command_menu_in_vietnamese_and_english(chat: Chatter) -> None:
    from telegram import Bot

    bot = Bot(chat.settings.token(), base_url=chat.settings.telegram_api_url)
    async with bot:
        default = await bot.get_my_commands()
        vietnamese = await bot.get_my_commands(language_code="vi")
        english = await bot.get_my_commands(language_code="en")
    names = [c.command for c in default]
    assert names[:3] == ["start", "help", "categories"]
    assert "latest" in names
    assert [c.command for c in english] == names == [c.command for c in vietnamese]
    assert dict((c.command, c.description) for c in default)["latest"] == "Tin mới nhất"
    assert dict((c.command, c.description) for c in english)["latest"] == "The newest articles"
