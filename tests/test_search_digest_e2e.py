"""/search and the daily digest end to end: the real bot (python-telegram-bot over HTTP) on the
sandbox, a real SQLite file, the real delivery worker. Users talk through the control API; what
the sandbox recorded is the evidence."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core import Core
from storage import deliveries as outbox
from storage import interactions
from tests.bothelper import Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import tg_user
from tests.pushhelper import PUSH_TIMEOUT, ingest, push_source, subscribe, write_article

USER = 701
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def chat(tmp_path: Path, database_target: Path | str) -> AsyncIterator[Chatter]:
    """On each backend: search pages are kept in the database."""
    async with bot_on_sandbox(tmp_path, database=database_target) as chatter:
        yield chatter


async def test_search_through_telegram(chat: Chatter) -> None:
    (usage,) = await chat.say(USER, "/search")
    assert "Cách dùng" in text_of(usage)
    (hostile,) = await chat.say(USER, '/search NEAR("hai phong" -(da* OR :')
    assert "Không tìm thấy" in text_of(hostile)

    (results,) = await chat.say(USER, "/search da nang")
    assert re.search(r"«da nang» · \d+ bài · trang 1/\d+", text_of(results))
    buttons = button_data(results)
    opens = [d for _, d in buttons if d and d.startswith("so:")]
    assert len(opens) == 5
    assert buttons[-1][0] == "Sau »"
    (same,) = await chat.say(USER, "/timkiem ĐÀ NẴNG")
    assert [d for _, d in button_data(same) if d and d.startswith("so:")] == opens

    # Next page: the results message is edited in place.
    next_data = buttons[-1][1]
    assert next_data is not None
    paged = await chat.press(USER, results["message_id"], next_data, expect=2)
    edit = next(r for r in paged if r["method"] == "editMessageText")
    assert edit["message_id"] == results["message_id"]
    assert "trang 2/" in text_of(edit)
    assert "« Trước" in [t for t, _ in button_data(edit)]

    # Opening a result sends its card and counts for /popular.
    opened = await chat.press(USER, results["message_id"], opens[0], expect=2)
    card = next(r for r in opened if r["method"] in ("sendPhoto", "sendMessage"))
    assert "Xem thêm" in [t for t, _ in button_data(card)]
    core = chat.app.bot_data.core
    assert core is not None
    article_id = int(opens[0].split(":")[1])
    assert await interactions.has(core.db, article_id, tg_user(USER), "search_open")

    # A page of a search the bot no longer remembers (e.g. from before a restart).
    stale = await chat.press(USER, results["message_id"], "sp:AAAAAAAA:1")
    notice = next(r for r in stale if r["method"] == "answerCallbackQuery")
    assert "hết hạn" in notice["text"]


# --- the digest -------------------------------------------------------------------------------


class Clock:
    """The bot's clock (the chat core's: settings and the digest scheduler read it)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        self.now = datetime(2025, 3, day, hour, minute, tzinfo=TZ).timestamp()


async def settled(core: Core) -> None:
    """Wait until the outbox has nothing pending and the worker holds nothing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PUSH_TIMEOUT
    while True:
        counts = await outbox.counts(core.db)
        if counts.pending == 0 and core.delivery is not None and core.delivery.in_memory == 0:
            return
        if loop.time() > deadline:
            raise AssertionError(f"deliveries still pending: {counts}")
        await asyncio.sleep(0.05)


def messages(records: list[dict[str, Any]], chat_id: int) -> list[dict[str, Any]]:
    return [r for r in records if r["chat_id"] == chat_id
            and r["method"] in ("sendMessage", "sendPhoto")]


async def test_digest_paused_and_back_to_instant(tmp_path: Path) -> None:
    instant, digest, paused, quiet = 801, 802, 803, 804
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, delivery_rate=2000) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        clock = Clock(0)
        clock.at(10, 6)
        core.common.clock = clock
        await subscribe(core, [instant, digest, paused], "Thời sự")
        await subscribe(core, [quiet], "Văn hóa")  # a digest chat with nothing new

        # The settings, as a user presses them.
        for user, presses in ((digest, ["dlv:digest", "dhr:7"]), (quiet, ["dlv:digest", "dhr:7"]),
                              (paused, ["dlv:paused"])):
            (settings,) = await chat.say(user, "/settings")
            assert "Nhận tin: ngay khi có bài mới" in text_of(settings)
            for data in presses:
                pressed = await chat.press(user, settings["message_id"], data, expect=2)
                assert any(r["method"] == "editMessageText" for r in pressed)
        (shown,) = await chat.say(digest, "/caidat")
        assert "bản tin hằng ngày lúc 07:00" in text_of(shown)
        assert ("✅ Bản tin ngày", "dlv:digest") in button_data(shown)
        start = await chat.last_seq()

        write_article(archive, "x1", title="Tin X1: hội nghị Mặt trận", category="Thời sự")
        await ingest(core)
        await settled(core)
        clock.at(10, 6, 59)
        await core.run_digests()
        await settled(core)
        sent = await chat.sent(after=start)
        assert [text_of(r).split("</b>")[0] for r in messages(sent, instant)] == [
            "<b>Tin X1: hội nghị Mặt trận"]
        assert messages(sent, digest) == []
        assert messages(sent, paused) == []

        # The hour comes: one digest, with the article as a link.
        clock.at(10, 7, 0)
        await core.run_digests()
        await settled(core)
        await core.run_digests()  # again: nothing more
        write_article(archive, "x2", title="Tin X2: trao nhà", category="Thời sự")
        clock.at(10, 7, 10)
        await ingest(core)  # after today's digest: in tomorrow's
        await settled(core)
        sent = await chat.sent(after=start)
        (daily,) = messages(sent, digest)
        assert daily["method"] == "sendMessage"
        assert text_of(daily).startswith("🗞 <b>Bản tin ngày 10/03/2025</b>")
        assert '<a href="https://mattran.example.vn/tin/x1.html">Tin X1: hội nghị Mặt trận</a>' \
            in text_of(daily)
        assert "X2" not in text_of(daily)
        assert len(messages(sent, instant)) == 2
        assert messages(sent, paused) == []
        assert messages(sent, quiet) == []

        # Back to instant: only what is stored from now on is pushed (X2 is not).
        (settings,) = await chat.say(digest, "/settings")
        await chat.press(digest, settings["message_id"], "dlv:instant", expect=2)
        after_switch = await chat.last_seq()
        write_article(archive, "x3", title="Tin X3: an sinh", category="Thời sự")
        await ingest(core)
        await settled(core)
        clock.at(11, 7, 0)  # the next morning: no digest any more
        await core.run_digests()
        await settled(core)
        sent = await chat.sent(after=after_switch)
        (card,) = messages(sent, digest)
        assert text_of(card).startswith("<b>Tin X3: an sinh</b>")
        assert len(messages(sent, instant)) == 1
        everything = await chat.sent(after=start)
        assert messages(everything, paused) == []
        assert messages(everything, quiet) == []
