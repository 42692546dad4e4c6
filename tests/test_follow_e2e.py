"""/follow (/theodoi) end to end, on both databases: the real bot on the sandbox, articles
written into an archive source and ingested as the scheduled job does. A followed phrase reaches
the reader once (also when a subscription matches the same article), a non-match never; the
list removes; the cap, groups and the usage."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.chat.follows import MAX_FOLLOWS, folded_words, match_articles
from bot.core import Core
from bot.i18n import en, t, vi
from storage import follows as store
from tests.bothelper import Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import tg
from tests.pushhelper import ingest, push_source, subscribe, wait_done, write_article

READER = 701
OTHER = 702


@dataclass
class Bot:
    chat: Chatter
    core: Core
    archive: Path


@pytest.fixture
async def bot(tmp_path: Path, database_target: Path | str) -> AsyncIterator[Bot]:
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              ingest_first=False, schedule_ingestion=False,
                              delivery_rate=2000) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        yield Bot(chat, core, archive)


def _cards(records: list[dict[str, object]], chat_id: int) -> list[str]:
    return [text_of(r).split("</b>", 1)[0].removeprefix("<b>") for r in records  # type: ignore[arg-type]
            if r["chat_id"] == chat_id and r["method"] in ("sendPhoto", "sendMessage")]


async def test_a_match_arrives_once_a_non_match_never(bot: Bot) -> None:
    (done,) = await bot.chat.say(READER, "/follow Bạch Long Vĩ")
    assert text_of(done).startswith("🔔 Đã theo dõi «Bạch Long Vĩ»")
    (again,) = await bot.chat.say(READER, "/theodoi bach long vi")  # alias, no accents: same
    assert "đã theo dõi «bach long vi» rồi" in text_of(again)
    # The reader also subscribes to one category: an article matching both comes once.
    await bot.chat.say(READER, "/start")
    await subscribe(bot.core, [READER], "Biển đảo")
    start = await bot.chat.last_seq()

    write_article(bot.archive, "hit", title="Tàu cá ra khơi", category="Kinh tế",
                  summary="Ngư dân huyện đảo BẠCH LONG VĨ vươn khơi bám biển.")
    write_article(bot.archive, "both", title="Bạch Long Vĩ đón khách", category="Biển đảo")
    write_article(bot.archive, "words", title="Hội nghị dài", category="Kinh tế",
                  summary="Ông Bạch nói về con rồng (long) và chữ vĩ trong thư pháp.")
    write_article(bot.archive, "none", title="Tin Hải Phòng", category="Kinh tế")
    stored = {a.title: a for a in await ingest(bot.core)}
    assert len(stored) == 4
    await wait_done(bot.core, [a.id for a in stored.values()])

    got = _cards(await bot.chat.sent(after=start), READER)
    assert sorted(got) == ["Bạch Long Vĩ đón khách", "Tàu cá ra khơi"]
    # Ingesting again (nothing new) and matching the same articles again add nothing.
    assert not (await ingest(bot.core))
    async with bot.core.db.transaction() as conn:
        assert await match_articles(conn, list(stored.values()), now=int(time.time())) == 0


async def test_list_and_remove(bot: Bot) -> None:
    (usage,) = await bot.chat.say(READER, "/follow")
    assert text_of(usage).startswith("🔔 <b>Theo dõi từ khóa</b>")
    await bot.chat.say(READER, "/follow Bạch Long Vĩ")
    await bot.chat.say(READER, "/follow đường sắt cao tốc")
    (listing,) = await bot.chat.say(READER, "/follow")
    assert "(2/20)" in text_of(listing)
    assert "1. Bạch Long Vĩ\n2. đường sắt cao tốc" in text_of(listing)
    buttons = button_data(listing)
    assert [label for label, _ in buttons] == ["✖️ 1. Bạch Long Vĩ", "✖️ 2. đường sắt cao tốc"]
    answers = await bot.chat.press(READER, listing["message_id"], str(buttons[0][1]), expect=2)
    notice = next(r for r in answers if r["method"] == "answerCallbackQuery")
    assert notice["text"] == "Đã bỏ theo dõi «Bạch Long Vĩ»."
    edit = next(r for r in answers if r["method"].startswith("edit"))
    assert "1. đường sắt cao tốc" in text_of(edit)
    assert "Bạch" not in text_of(edit)
    # The removed follow no longer matches.
    start = await bot.chat.last_seq()
    write_article(bot.archive, "blv", title="Bạch Long Vĩ hôm nay", category="Kinh tế")
    stored = await ingest(bot.core)
    await wait_done(bot.core, [a.id for a in stored])
    assert _cards(await bot.chat.sent(after=start), READER) == []
    # Someone else's follow id, or a forged one, removes nothing.
    await bot.chat.say(OTHER, "/follow Bạch Long Vĩ")
    (theirs,) = await store.of_chat(bot.core.db, tg(OTHER))
    answers = await bot.chat.press(READER, listing["message_id"], f"fl:rm:{theirs.id}",
                                   expect=2)
    assert vi.TEXTS["button.invalid"] in [r.get("text") for r in answers]
    assert len(await store.of_chat(bot.core.db, tg(OTHER))) == 1
    assert len(await store.of_chat(bot.core.db, tg(READER))) == 1
    forged = await bot.chat.press(READER, listing["message_id"], "fl:rm:abc", expect=1)
    assert forged[0]["text"] == vi.TEXTS["button.invalid"]


async def test_cap_per_chat_and_too_long(bot: Bot) -> None:
    for n in range(MAX_FOLLOWS):
        await bot.chat.say(READER, f"/follow chủ đề {n}")
    (full,) = await bot.chat.say(READER, "/follow một chủ đề nữa")
    assert text_of(full) == str(t("vi", "follow.full", max=MAX_FOLLOWS))
    assert len(await store.of_chat(bot.core.db, tg(READER))) == MAX_FOLLOWS
    (long,) = await bot.chat.say(OTHER, "/follow " + " ".join(["từ"] * 9))
    assert "tối đa 8 từ" in text_of(long)


async def test_in_groups_only_admins_follow(bot: Bot) -> None:
    group = -7001
    (refused,) = await bot.chat.say(READER, "/follow Bạch Long Vĩ", chat_id=group,
                                    chat_type="group")
    assert text_of(refused) == vi.TEXTS["group.admins_only"]
    assert await store.of_chat(bot.core.db, tg(group)) == []


async def test_follow_in_english_and_not_instant_note(bot: Bot) -> None:
    (settings,) = await bot.chat.say(READER, "/settings")
    await bot.chat.press(READER, settings["message_id"], "lang:en", expect=2)
    await bot.chat.press(READER, settings["message_id"], "dlv:paused", expect=2)
    (done,) = await bot.chat.say(READER, "/follow Bach Long Vi")
    assert text_of(done).startswith("🔔 Following «Bach Long Vi»")
    assert en.TEXTS["follow.not_instant"].strip("_") in text_of(done)


def test_folding_is_the_search_index_s() -> None:
    assert folded_words("ĐÀ NẴNG, Bạch-Long-Vĩ!") == ["da", "nang", "bach", "long", "vi"]
