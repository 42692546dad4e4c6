"""A reader's and an admin's everyday (issue 15), end to end on the sandbox with the sample
news: the first language from Telegram's language_code, /stop asking first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import en, vi
from storage import chats, subscriptions
from tests.bothelper import Chatter, bot_on_sandbox, button_data, confirm_stop, text_of
from tests.conftest import tg

USER = 801


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chatter]:
    async with bot_on_sandbox(tmp_path) as chatter:
        yield chatter


def _db(chat: Chatter):  # type: ignore[no-untyped-def]
    return chat.app.bot_data.core.db  # type: ignore[union-attr]


async def test_a_new_chat_speaks_the_language_of_the_users_app(chat: Chatter) -> None:
    (hello,) = await chat.say(USER, "/start", language_code="en-GB")
    assert "Hello!" in text_of(hello)
    stored = await chats.get(_db(chat), tg(USER))
    assert stored is not None
    assert stored.language == "en"
    # Chosen once: the app's language no longer matters, /settings does.
    (help_en,) = await chat.say(USER, "/help", language_code="vi")
    assert "News bot" in text_of(help_en)
    # Before any /start, a reply already speaks the app's language.
    (unknown,) = await chat.say(USER + 1, "/help", language_code="en")
    assert "News bot" in text_of(unknown)
    # A language the bot does not speak, or none: the default (Vietnamese).
    (other,) = await chat.say(USER + 2, "/start", language_code="de")
    assert "Xin chào" in text_of(other)
    (none,) = await chat.say(USER + 3, "/start")
    assert "Xin chào" in text_of(none)
    # A group is shared: the default, whoever writes first.
    (group,) = await chat.say(USER + 4, "/start", chat_id=-9001, chat_type="group",
                              language_code="en")
    assert "Xin chào" in text_of(group)


async def test_stop_asks_first(chat: Chatter) -> None:
    await chat.say(USER, "/subscribe an sinh")
    (question,) = await chat.say(USER, "/stop")
    assert text_of(question).startswith("⚠️ <b>Dừng nhận tin?</b>")
    assert button_data(question) == [("✅ Có, dừng và xóa", "stop:yes"), ("✖️ Không", "stop:no")]
    # Asking deleted nothing; "no" keeps everything.
    assert await subscriptions.category_ids(_db(chat), tg(USER))
    answers = await chat.press(USER, question["message_id"], "stop:no", expect=2)
    edit = next(r for r in answers if r["method"].startswith("edit"))
    assert text_of(edit) == vi.TEXTS["stop.kept"]
    assert await subscriptions.category_ids(_db(chat), tg(USER))
    # "yes" deletes the chat and its subscriptions.
    stopped = await confirm_stop(chat, USER)
    assert text_of(stopped) == vi.TEXTS["stop.done"]
    assert await chats.get(_db(chat), tg(USER)) is None
    assert await subscriptions.category_ids(_db(chat), tg(USER)) == set()


async def test_stop_in_a_group_is_for_its_admins(chat: Chatter) -> None:
    (refused,) = await chat.say(USER, "/stop", chat_id=-9002, chat_type="group")
    assert text_of(refused) == vi.TEXTS["group.admins_only"]
    assert en.TEXTS["stop.confirm"]


async def test_toggling_in_start_keeps_the_welcome(chat: Chatter) -> None:
    (welcome,) = await chat.say(USER, "/start")
    data = next(d for label, d in button_data(welcome) if label.endswith("An sinh xã hội"))
    answers = await chat.press(USER, welcome["message_id"], str(data), expect=2)
    edit = next(r for r in answers if r["method"].startswith("edit"))
    # Only the keyboard changes: the welcome stays above the picker.
    assert edit["method"] == "editMessageReplyMarkup"
    assert ("✅ An sinh xã hội", data) in button_data(edit)


async def test_plain_text_offers_a_search(chat: Chatter) -> None:
    (hint,) = await chat.say(USER, "tôi muốn đọc tin về Hải Phòng")
    assert text_of(hint) == vi.TEXTS["text.hint"]
    (offer,) = button_data(hint)
    assert offer == ("🔎 Tìm «Hải Phòng»", "tq:Hải Phòng")
    answers = await chat.press(USER, hint["message_id"], "tq:Hải Phòng", expect=2)
    results = next(r for r in answers if r["method"] == "sendMessage")
    assert "Tìm kiếm</b> «Hải Phòng»" in text_of(results)
    # In a group, people talk to each other: nothing.
    assert await chat.say(USER, "chào cả nhóm", chat_id=-9003, chat_type="group",
                          expect=0) == []


async def test_like_shows_the_count_on_the_card(chat: Chatter) -> None:
    (listing,) = await chat.say(USER, "/latest")
    data = str(button_data(listing)[0][1])
    opened = await chat.press(USER, listing["message_id"], data, expect=2)
    card = next(r for r in opened if r["method"] in ("sendPhoto", "sendMessage"))
    like = next(d for label, d in button_data(card) if label == "👍")
    answers = await chat.press(USER, card["message_id"], str(like), expect=2)
    assert next(r for r in answers if r["method"] == "answerCallbackQuery")["text"] == \
        "👍 Đã thích"
    edit = next(r for r in answers if r["method"].startswith("edit"))
    assert edit["method"] == "editMessageReplyMarkup"  # the card itself stays
    assert ("👍 1", like) in button_data(edit)
    answers = await chat.press(USER, card["message_id"], str(like), expect=2)
    edit = next(r for r in answers if r["method"].startswith("edit"))
    assert ("👍", like) in button_data(edit)


async def test_tat_ca_works_where_all_does(chat: Chatter) -> None:
    await chat.say(USER, "/subscribe an sinh")
    (done,) = await chat.say(USER, "/huydangky tat ca")
    assert text_of(done) == vi.TEXTS["unsubscribe.all"]
    assert await subscriptions.category_ids(_db(chat), tg(USER)) == set()


async def test_admin_menu_description_and_organisation(tmp_path: Path) -> None:
    from telegram import Bot, BotCommandScopeChat

    from tests.bothelper import ADMIN_ID

    organisation = "Ủy ban MTTQ Việt Nam thành phố Hồ Chí Minh"
    async with bot_on_sandbox(tmp_path, organisation=organisation) as chat:
        bot = Bot(chat.settings.token(), base_url=chat.settings.telegram_api_url)
        async with bot:
            reader = [c.command for c in await bot.get_my_commands()]
            admin = await bot.get_my_commands(scope=BotCommandScopeChat(ADMIN_ID))
            admin_en = await bot.get_my_commands(scope=BotCommandScopeChat(ADMIN_ID),
                                                 language_code="en")
            description = (await bot.get_my_description()).description
            short = (await bot.get_my_short_description(language_code="en")).short_description
        assert "follow" in reader
        assert "broadcast" not in reader
        names = [c.command for c in admin]
        assert names[:len(reader)] == reader
        assert names[len(reader):] == ["broadcast", "stats", "sources", "addsource",
                                       "removesource", "exportsources", "setcluster", "review"]
        assert dict((c.command, c.description) for c in admin_en)["stats"] == "[Admin] Statistics"
        # The organisation, in official style, in the description, the welcome and /help.
        official = "Ủy ban MTTQ Việt Nam Thành phố Hồ Chí Minh"
        assert description.startswith(f"Bot tin tức của {official}:")
        assert short == f"News of {official}: new articles by category, search, followed words."
        (welcome,) = await chat.say(USER, "/start")
        assert f"bot tin tức của <b>{official}</b>" in text_of(welcome)
        (help_vi,) = await chat.say(USER, "/help")
        assert text_of(help_vi).startswith(f"<b>Bot tin tức {official}</b>")
        assert "Lệnh quản trị" not in text_of(help_vi)
        (help_admin,) = await chat.say(ADMIN_ID, "/help")
        assert "Lệnh quản trị" in text_of(help_admin)
        assert "/addsource" in text_of(help_admin)


async def test_the_broadcast_report_names_the_admin(chat: Chatter) -> None:
    from tests.bothelper import ADMIN_ID

    await chat.say(USER, "/start")
    after = await chat.last_seq()
    preview, picker = await chat.say(ADMIN_ID, "/broadcast Họp lúc 8:00", expect=2,
                                     first_name="Nguyễn Văn A", username="nguyenvana")
    everyone = next(d for label, d in button_data(picker) if label.startswith("👥"))
    screen = next(r for r in await chat.press(ADMIN_ID, picker["message_id"], str(everyone),
                                              expect=2) if r["method"].startswith("edit"))
    assert "<b>1</b> người nhận" in text_of(screen)
    send = next(d for label, d in button_data(screen) if label.startswith("✅"))
    await chat.press(ADMIN_ID, picker["message_id"], str(send), expect=2)
    for _ in range(600):
        reports = [r for r in await chat.sent(chat_id=ADMIN_ID, after=after)
                   if "Báo cáo thông báo" in text_of(r)]
        if reports:
            break
        await asyncio.sleep(0.1)
    assert reports, "no report"
    assert f"Người gửi: quản trị viên {ADMIN_ID} (Nguyễn Văn A, @nguyenvana)" in \
        text_of(reports[0])
