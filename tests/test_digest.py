"""The daily digest without Telegram: composing the message, the schedule on a settable clock
(real SQLite files), the /settings buttons, and the "more" list. End to end: test_digest_e2e.py.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.common import Common
from bot.chat.digest import DigestPages, more_choices, parse_button
from bot.chat.reader import Reader
from bot.digest.compose import Link, compose_digest, order
from bot.digest.scheduler import DigestScheduler, slot_day, title_link
from bot.message import Who, from_stored
from bot.render.telegram import LIMITS, TEXT_LIMIT
from bot.render.telegram import html as telegram_html
from bot.telegram.app import deep_link as telegram_deep_link
from storage import articles, bulk, categories, chats, digests
from storage import deliveries as outbox
from storage.articles import NewArticle
from storage.db import Database, open_database
from storage.digests import DigestArticle
from tests.conftest import html as render_html
from tests.conftest import tg

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = 86400


def local(y: int, m: int, d: int, hour: int, minute: int = 0) -> float:
    return datetime(y, m, d, hour, minute, tzinfo=TZ).timestamp()


def deep_link(username: str | None) -> Link:
    """Where a digest's titles point for a Telegram chat of the bot @`username`."""
    return title_link("telegram", lambda channel, article_id: telegram_deep_link(username,
                                                                                  article_id))


def common(db: Database, clock: object) -> Common:
    return Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                  clock=clock)  # type: ignore[arg-type]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- composing ----------------------------------------------------------------------------------


def _digest_article(n: int, *, category: str = "Tin tức", title: str | None = None,
                    url: str | None = None) -> DigestArticle:
    return DigestArticle(n, title or f"Bài số {n}", url or f"https://x.vn/{n}", category, 1000 + n)


def test_small_digest_groups_by_category_with_links() -> None:
    items = order([
        _digest_article(1, category="Tin tức"), _digest_article(2, category="An sinh xã hội"),
        _digest_article(3, category="Tin tức", title="Hội nghị <MTTQ> & \"đoàn kết\""),
        _digest_article(4, category="An sinh xã hội", url="file:luu-tru/a.txt"),
    ])
    composed = compose_digest(items, lang="vi", day=date(2025, 3, 10), link=deep_link("newsbot"),
                              limit=TEXT_LIMIT)
    text = telegram_html(composed.text)
    assert text.startswith("🗞 <b>Bản tin ngày 10/03/2025</b>\n4 bài mới")
    assert text.index("<b>An sinh xã hội</b>") < text.index("<b>Tin tức</b>")
    assert text.count("<b>Tin tức</b>") == 1
    # Newest first within a category; article text escaped; archive files open in the bot.
    assert text.index('Hội nghị &lt;MTTQ&gt; &amp; "đoàn kết"') < text.index("Bài số 1<")
    assert '<a href="https://x.vn/1">Bài số 1</a>' in text
    assert '<a href="https://t.me/newsbot?start=a_4">Bài số 4</a>' in text
    assert composed.overflow == ()
    assert set(composed.shown) == {1, 2, 3, 4}
    assert more_choices(7, 0, "vi") == ()
    no_bot = compose_digest(items, lang="en", day=date(2025, 3, 10), link=deep_link(None),
                            limit=TEXT_LIMIT)
    assert "• Bài số 4\n" in str(no_bot.text) + "\n"
    assert "Digest of 10/03/2025" in no_bot.text


def test_a_big_digest_fits_one_message_and_counts_the_rest() -> None:
    long_title = "Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị & tổng kết " * 5
    items = order([_digest_article(n, category=f"Chuyên mục {n % 4}", title=long_title + str(n))
                   for n in range(1, 121)])
    composed = compose_digest(items, lang="vi", day=date(2025, 3, 10), link=deep_link("b"),
                              limit=TEXT_LIMIT)
    assert composed.text.length <= TEXT_LIMIT
    assert composed.text.length > TEXT_LIMIT - 400  # filled, not cut early
    assert composed.overflow
    assert len(composed.shown) + len(composed.overflow) == 120
    assert list(composed.shown) + list(composed.overflow) == [a.id for a in items]
    assert str(composed.text).endswith(f"… và {len(composed.overflow)} bài khác.")
    assert "…</a>" in telegram_html(composed.text)  # long titles shortened at a word
    (button,), = more_choices(9, len(composed.overflow), "vi")
    assert button.action == "dgm:9"
    assert button.label == f"Xem thêm {len(composed.overflow)} bài"
    html.unescape(telegram_html(composed.text))  # well-formed enough to unescape


def test_slot_day() -> None:
    assert slot_day(local(2025, 3, 10, 6, 59), 7, TZ) == date(2025, 3, 9)
    assert slot_day(local(2025, 3, 10, 7, 0), 7, TZ) == date(2025, 3, 10)
    assert slot_day(local(2025, 3, 10, 23, 0), 7, TZ) == date(2025, 3, 10)
    assert slot_day(local(2025, 3, 10, 0, 30), 0, TZ) == date(2025, 3, 10)


# --- the schedule --------------------------------------------------------------------------------


class Bench:
    """A reader core and a digest scheduler on one database, with one settable clock."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.reader = Reader(common(db, clock))
        self.scheduler = DigestScheduler(self.reader.common)
        self.stored = 0

    async def store(self, category: str, count: int = 1, *, title: str = "Bài") -> list[int]:
        items = []
        for _ in range(count):
            self.stored += 1
            n = self.stored
            items.append(NewArticle(
                dedupe_key=f"k{n}", source="s", url=f"https://x.vn/{n}", title=f"{title} {n}",
                category=category, published=datetime.fromtimestamp(self.clock.now, UTC),
                summary="", body="", image=None, image_caption=None, author=None))
        async with self.db.transaction() as conn:
            return [a.id for a in await articles.insert_new(conn, items,
                                                            fetched_at=int(self.clock.now))]

    async def subscribe(self, chat_id: int, category: str) -> None:
        async with self.db.transaction() as conn:
            category_id = (await categories.ensure(conn, category)).id
            await bulk.add_subscribers(conn, [chat_id], category_id, now=0)

    async def queued(self, chat_id: int) -> list[str]:
        """The texts of the digests queued for the chat, oldest first (as Telegram gets them)."""
        async with self.db.execute(
            """SELECT g.text FROM deliveries d JOIN digests g ON g.id = d.digest_id
               WHERE d.channel = 'telegram' AND d.chat_id = ? ORDER BY d.id""",
                (str(chat_id),)) as cur:
            return [telegram_html(from_stored(r[0])) for r in await cur.fetchall()]


@pytest.fixture
def bench(db: Database) -> Bench:
    return Bench(db, Clock(local(2025, 3, 10, 6, 0)))


def who(chat_id: int) -> Who:
    return Who(chat=tg(chat_id), chat_type="private", user_id=str(chat_id))


async def test_one_digest_a_day_at_the_hour(bench: Bench) -> None:
    await bench.subscribe(1, "Tin tức")
    await bench.subscribe(1, "An sinh")
    await bench.store("Tin tức")  # before the switch: not in any digest
    notice = await bench.reader.digest_hour(who(1), 7)
    assert str(notice.text) == "Bạn sẽ nhận bản tin lúc 07:00 mỗi ngày."
    assert notice.edit is not None
    assert "bản tin hằng ngày lúc 07:00" in notice.edit.text
    await bench.store("Tin tức", 2)
    await bench.store("Văn hóa")  # not followed
    bench.clock.now = local(2025, 3, 10, 6, 59)
    assert (await bench.scheduler.run_due()).queued == 0
    bench.clock.now = local(2025, 3, 10, 7, 0, )
    run = await bench.scheduler.run_due()
    assert (run.handled, run.queued) == (1, 1)
    (text,) = await bench.queued(1)
    assert "10/03/2025" in text
    assert "Bài 2" in text
    assert "Bài 3" in text
    assert "Bài 1<" not in text
    assert "Bài 4" not in text
    assert (await bench.scheduler.run_due()).handled == 0  # once
    bench.clock.now = local(2025, 3, 10, 12, 0)
    await bench.store("An sinh")
    assert (await bench.scheduler.run_due()).handled == 0  # tomorrow's digest
    bench.clock.now = local(2025, 3, 11, 7, 1)
    assert (await bench.scheduler.run_due()).queued == 1
    assert "Bài 5" in (await bench.queued(1))[-1]
    assert "Bài 2" not in (await bench.queued(1))[-1]
    # Nothing new: nothing sent, but the day counts as handled.
    bench.clock.now = local(2025, 3, 12, 7, 0)
    run = await bench.scheduler.run_due()
    assert (run.handled, run.queued) == (1, 0)
    assert len(await bench.queued(1)) == 2
    assert (await digests.bookkeeping(bench.db, tg(1)))[0] == date(2025, 3, 12).toordinal()


async def test_a_missed_digest_is_sent_once_after_a_restart(bench: Bench,
                                                            database_target: str | Path) -> None:
    await bench.subscribe(1, "Tin tức")
    await bench.reader.digest_hour(who(1), 8)
    await bench.store("Tin tức")
    # The bot is down from 07:00 on the 10th to 09:30 on the 12th: two slots missed. It comes
    # back as a new process: a new connection and scheduler, only the database remembers.
    db = await open_database(database_target)
    try:
        clock = Clock(local(2025, 3, 12, 9, 30))
        scheduler = DigestScheduler(common(db, clock))
        assert (await scheduler.run_due()).queued == 1
        assert (await scheduler.run_due()).handled == 0
        clock.now = local(2025, 3, 12, 23, 0)
        assert (await scheduler.run_due()).handled == 0
        assert await digests.count_for(db, tg(1)) == 1
    finally:
        await db.close()


async def test_modes_and_hours(bench: Bench) -> None:
    await bench.subscribe(1, "Tin tức")
    reader = bench.reader
    picker = await reader.delivery(who(1), "digest")
    assert picker.edit is not None
    assert "Chọn giờ" in picker.edit.text
    hours = [b.action for row in picker.edit.choices for b in row]
    assert hours[0] == "dhr:6"
    assert "dhr:21" in hours
    assert hours[-1] == "dlv:back"
    chat = await chats.get(bench.db, tg(1))
    assert chat is not None
    assert chat.delivery_mode == "instant"

    bench.clock.now = local(2025, 3, 10, 10, 0)  # after the hour: first digest tomorrow
    await reader.digest_hour(who(1), 9)
    await bench.store("Tin tức")
    assert (await bench.scheduler.run_due()).handled == 0
    # A new hour the same day does not make a second digest that day.
    bench.clock.now = local(2025, 3, 11, 9, 0)
    assert (await bench.scheduler.run_due()).queued == 1
    await reader.digest_hour(who(1), 11)
    bench.clock.now = local(2025, 3, 11, 11, 30)
    assert (await bench.scheduler.run_due()).handled == 0
    picker = await reader.delivery(who(1), "digest")
    assert picker.edit is not None
    assert "✅ 11:00" in [b.label for row in picker.edit.choices for b in row]

    paused = await reader.delivery(who(1), "paused")
    assert paused.edit is not None
    assert "Nhận tin: tạm dừng" in paused.edit.text
    bench.clock.now = local(2025, 3, 12, 12, 0)
    await bench.store("Tin tức")
    assert (await bench.scheduler.run_due()).handled == 0
    instant = await reader.delivery(who(1), "instant")
    assert str(instant.text) == "Bài mới sẽ được gửi ngay khi có."
    assert (await chats.get(bench.db, tg(1))).delivery_mode == "instant"  # type: ignore[union-attr]
    back = await reader.delivery(who(1), "back")
    assert back.edit is not None
    assert "Nhận tin: ngay khi có bài mới" in back.edit.text

    group_member = Who(chat=tg(-5), chat_type="group", user_id="9", can_manage=False)
    for notice in (await reader.delivery(group_member, "paused"),
                   await reader.digest_hour(group_member, 7)):
        assert notice.alert
        assert "quản trị viên" in notice.text
    assert str((await reader.digest_hour(who(1), 24)).text).startswith("Nút này không hợp lệ")
    assert str((await reader.delivery(who(1), "weekly")).text).startswith("Nút này không hợp lệ")


async def test_a_push_waiting_when_switching_to_digest_goes_into_the_digest(
        bench: Bench) -> None:
    await bench.subscribe(1, "Tin tức")
    (waiting,) = await bench.store("Tin tức")
    async with bench.db.transaction() as conn:
        assert await outbox.enqueue_article(conn, waiting, now=0) == 1
    await bench.reader.digest_hour(who(1), 7)
    bench.clock.now = local(2025, 3, 10, 7, 0)
    await bench.scheduler.run_due()
    (text,) = await bench.queued(1)
    assert f"Bài {waiting}<" in text


async def test_more_pages(bench: Bench) -> None:
    await bench.subscribe(1, "Tin tức")
    await bench.reader.digest_hour(who(1), 7)
    await bench.store("Tin tức", 160, title="Hội nghị tổng kết công tác Mặt trận năm 2024 tại")
    bench.clock.now = local(2025, 3, 10, 7, 0)
    assert (await bench.scheduler.run_due()).queued == 1
    async with bench.db.execute("SELECT max(id) FROM digests") as cur:
        (digest_id,) = await cur.fetchone()  # type: ignore[misc]
    digest = await digests.get(bench.db, digest_id)
    assert digest is not None
    assert digest.overflow > 10
    pages = DigestPages(bench.reader)
    first = await pages.more(who(1), digest_id)
    assert first.send is not None
    assert first.edit is None
    assert f"các bài khác</b> ({digest.overflow}) · trang 1/" in render_html(first.send)
    opens = [b.action for b in first.send.choices[0] + first.send.choices[1]]
    assert all(d and d.startswith("open:") for d in opens)
    assert len(opens) == 10
    nav = first.send.choices[-1]
    assert [b.label for b in nav] == ["Sau »"]
    assert nav[0].action == f"dgp:{digest_id}:1"
    second = await pages.more(who(1), digest_id, 1, edit=True)
    assert second.edit is not None
    assert "trang 2/" in second.edit.text
    other = await pages.more(who(2), digest_id)
    assert other.alert
    assert "không còn" in other.text
    assert str((await pages.more(who(1), digest_id, 99)).text).startswith("Nút này không hợp lệ")
    assert (await pages.more(who(1), 999)).alert
    for data in ("dgm:", "dgm:x", "dgp:1", "dgp:1:2:3", "dgm:1" + "0" * 80):
        assert parse_button(data) is None
    assert parse_button("dgp:4:2") is not None


async def test_old_digests_are_pruned(bench: Bench) -> None:
    await bench.subscribe(1, "Tin tức")
    await bench.reader.digest_hour(who(1), 7)
    await bench.store("Tin tức")
    bench.clock.now = local(2025, 3, 10, 7, 0)
    await bench.scheduler.run_due()
    async with bench.db.transaction() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent'")
    later = DigestScheduler(common(bench.db, lambda: local(2025, 4, 20, 7, 0)))
    await later.run_due()
    assert await digests.count_for(bench.db, tg(1)) == 0


async def test_a_digest_chat_without_bookkeeping_starts_from_now(bench: Bench) -> None:
    """A chat put in digest mode by something else than /settings (a tool, an import)."""
    await bench.subscribe(1, "Tin tức")
    await bench.store("Tin tức", 3)
    async with bench.db.transaction() as conn:
        await chats.set_delivery_mode(conn, tg(1), "digest", 7)
    bench.clock.now = local(2025, 3, 10, 7, 0)
    run = await bench.scheduler.run_due()
    assert (run.handled, run.queued) == (1, 0)  # no backlog of everything ever stored
    await bench.store("Tin tức")
    bench.clock.now = local(2025, 3, 11, 7, 0)
    assert (await bench.scheduler.run_due()).queued == 1
    (text,) = await bench.queued(1)
    assert "Bài 4" in text
    assert "Bài 3" not in text
