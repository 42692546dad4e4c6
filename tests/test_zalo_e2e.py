"""The same bot on Zalo, end to end: one bot process (`newsbot run`'s code) serving Telegram and
Zalo from one core, one database and one outbox, against the sandbox over real HTTP.

Zalo readers subscribe by text and by numbered choices, get each new article once within 2,000
characters (the archive photo as its https address on the bot's web server), open articles from
/latest, /cluster and /search by number (also after a restart); Telegram readers of the same
process get their cards too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from bot.demo import sample_sources_file
from bot.message import utf16_len
from storage import articles, chats
from tests.pushhelper import ingest, push_source, wait_done, write_article
from tests.zalohelper import PUBLIC_URL, ZALO_ADMIN, bot_on_zalo, text_of

SAMPLE_ARCHIVE = sample_sources_file().parent / "archive"
SAMPLE_PHOTO = SAMPLE_ARCHIVE / "2023-12-19_tong-ket-cum-thi-dua-5-thanh-pho-nam-2023.png"


def two_sources(tmp_path: Path) -> tuple[Path, Path]:
    """The bundled sample archive and an empty archive the test writes new articles into."""
    sources, archive = push_source(tmp_path)
    sources.write_text(
        f'[[source]]\nname = "mau"\nkind = "archive"\npath = "{SAMPLE_ARCHIVE}"\n\n'
        '[[source]]\nname = "push-test"\nkind = "archive"\npath = "archive"\n',
        encoding="utf-8")
    return sources, archive


def number_of(record: dict[str, Any], label: str) -> str:
    """The number of the choice whose line shows `label` ("3. ▫️ Tin tức - Sự kiện")."""
    for line in text_of(record).splitlines():
        for item in line.split("   "):  # choices of one row share a line
            match = re.match(r"^(\d+)\. (?:✅ |▫️ )?(.+)$", item)
            if match and match.group(2) == label:
                return match.group(1)
    raise AssertionError(f"no choice {label!r} in {text_of(record)!r}")


def fits(record: dict[str, Any]) -> bool:
    return 1 <= utf16_len(text_of(record)) <= 2000


async def test_zalo_and_telegram_readers_of_one_process(tmp_path: Path,
                                                        database_target: Path | str) -> None:
    """On both backends (PostgreSQL: Zalo's pace and throttle shared through the database)."""
    sources, archive = two_sources(tmp_path)
    async with bot_on_zalo(tmp_path, telegram=True, sources_file=sources,
                           database=database_target) as (zalo, telegram):
        assert telegram is not None
        core = zalo.core
        assert set(core.outbound) == {"telegram", "zalo"}

        # A Zalo reader subscribes from the picker by answering with a number.
        (welcome,) = await zalo.say("zr1", "/start")
        assert welcome["method"] == "sendMessage"
        assert "Xin chào" in text_of(welcome)
        assert "↩️ Trả lời bằng một số từ 1 đến 5 để chọn." in text_of(welcome)
        assert "1. ▫️ Tất cả chuyên mục" in text_of(welcome)
        assert "<b>" not in text_of(welcome)
        assert "**" not in text_of(welcome)
        choice = number_of(welcome, "Tin tức - Sự kiện")
        (toggled,) = await zalo.say("zr1", choice)
        assert text_of(toggled).startswith("Đã đăng ký: Tin tức - Sự kiện")
        assert f"{choice}. ✅ Tin tức - Sự kiện" in text_of(toggled)
        # Another subscribes by text, with the Vietnamese alias and no accents.
        (done,) = await zalo.say("zr2", "/dangky tin tuc - su kien")
        assert "Đã đăng ký chuyên mục Tin tức - Sự kiện" in text_of(done)
        # A third follows every category ("all categories", the picker's first choice).
        await zalo.say("zr3", "/start")
        (everything,) = await zalo.say("zr3", "1")
        assert "1. ✅ Tất cả chuyên mục" in text_of(everything)
        # A Telegram reader of the same process.
        await telegram.say(501, "/subscribe tin tuc - su kien")

        # A new article: each reader gets it once, on their own channel.
        shutil.copy(SAMPLE_PHOTO, archive / "bai-moi.png")
        write_article(archive, "bai-moi", title="Ra mắt kênh Zalo của Ủy ban MTTQ thành phố",
                      category="Tin tức - Sự kiện", summary="Bạn đọc nay nhận tin trên Zalo. "
                      * 40, image_caption="Lễ ra mắt")
        zalo_before = await zalo.last_seq()
        stored = await ingest(core)
        assert [a.title for a in stored] == ["Ra mắt kênh Zalo của Ủy ban MTTQ thành phố"]
        article_id = stored[0].id
        counts = await wait_done(core, [article_id])
        assert counts[article_id].sent == 4
        assert counts[article_id].failed == 0
        cards = await zalo.sent(after=zalo_before)
        assert sorted(c["chat_id"] for c in cards) == ["zr1", "zr2", "zr3"]
        for card in cards:
            assert card["method"] == "sendPhoto"
            assert card["photo"] == f"{PUBLIC_URL}/media/{article_id}"
            assert fits(card)
            caption = text_of(card)
            assert caption.startswith("Ra mắt kênh Zalo của Ủy ban MTTQ thành phố")
            assert "Lễ ra mắt" in caption
            # The article's link ends the card; the card's choices are numbered.
            assert caption.rstrip().endswith(
                "🔗 Đọc bài gốc: https://mattran.example.vn/tin/bai-moi.html")
            assert "1. Xem thêm   2. 👍" in caption
        telegram_cards = [r for r in await telegram.sent(chat_id=501)
                          if r["method"] == "sendPhoto"]
        assert len(telegram_cards) == 1
        assert "<b>Ra mắt kênh Zalo" in telegram_cards[0]["caption"]
        # Nothing is sent twice: another poll stores nothing new.
        assert await ingest(core) == []
        assert await zalo.sent(after=max(c["seq"] for c in cards)) == []

        # The card's numbered choices: 1 = "Xem thêm".
        (more,) = await zalo.say("zr1", "1")
        assert "Bạn đọc nay nhận tin trên Zalo." in text_of(more)
        assert fits(more)


async def test_numbered_choices_open_articles_from_latest_cluster_and_search(
        tmp_path: Path) -> None:
    async with bot_on_zalo(tmp_path) as (zalo, _):
        (listing,) = await zalo.say("zr1", "/tinmoi 3")
        assert "📰 Tin mới nhất" in text_of(listing)
        assert "↩️ Trả lời bằng một số từ 1 đến 3 để chọn." in text_of(listing)
        # The list's own numbers are the choices: no "1. 1" lines.
        assert not re.search(r"^\d+\. \d+\b", text_of(listing), re.MULTILINE)
        newest = await articles.latest(zalo.core.db, limit=3)
        (card,) = await zalo.say("zr1", "2")
        assert text_of(card).startswith(newest[1].title)
        assert fits(card)

        (leaders,) = await zalo.say("zr1", "/cum")
        text = text_of(leaders)
        assert "Cụm trưởng: Ủy ban MTTQ Việt Nam thành phố Hải Phòng [1]" in text
        assert "↩️ Trả lời 1 để chọn." in text
        (source,) = await zalo.say("zr1", "1")
        assert "Tổng kết Cụm thi đua MTTQ Việt Nam 5 thành phố" in text_of(source)

        (results,) = await zalo.say("zr1", "/TimKiem da nang")  # the phone capitalised it
        assert "🔎" in text_of(results)
        found = re.findall(r"^(\d+)\. (.+)$", text_of(results), re.MULTILINE)
        assert found
        (opened,) = await zalo.say("zr1", found[0][0])
        title = found[0][1].split(" (https://")[0]
        assert text_of(opened).startswith(title)

        # Out of range, and no list at all, are explained.
        (wrong,) = await zalo.say("zr1", "42")
        assert "Không có lựa chọn số 42" in text_of(wrong)
        (fresh,) = await zalo.say("zr9", "1")
        assert "Chưa có danh sách nào để chọn theo số" in text_of(fresh)
        (hint,) = await zalo.say("zr9", "xin chào")
        assert "/help" in text_of(hint)
        (unknown,) = await zalo.say("zr9", "/khonglenh")
        assert "Bot không có lệnh này" in text_of(unknown)


async def test_numbered_choices_survive_a_restart(tmp_path: Path) -> None:
    from bot.sandbox import Sandbox

    async with Sandbox() as sandbox:
        async with bot_on_zalo(tmp_path, sandbox=sandbox) as (zalo, _):
            (picker,) = await zalo.say("zr1", "/chuyenmuc")
            choice = number_of(picker, "An sinh xã hội")
        # A new process on the same database: "1" still means the picker's first category.
        async with bot_on_zalo(tmp_path, sandbox=sandbox, ingest_first=False) as (zalo, _):
            (toggled,) = await zalo.say("zr1", choice)
            assert text_of(toggled).startswith("Đã đăng ký: An sinh xã hội")
            found = await chats.get(zalo.core.db, _zalo("zr1"))
            assert found is not None
            assert found.active


async def test_zalo_admin_stats_per_channel_and_broadcast_to_zalo_only(tmp_path: Path) -> None:
    async with bot_on_zalo(tmp_path, telegram=True) as (zalo, telegram):
        assert telegram is not None
        await telegram.say(501, "/start")
        await zalo.say("zr1", "/start")
        await zalo.say("zr2", "/start")
        await zalo.say(ZALO_ADMIN, "/start")
        (refused,) = await zalo.say("zr1", "/stats")
        assert "chỉ dành cho quản trị viên" in text_of(refused)
        (figures,) = await zalo.say(ZALO_ADMIN, "/stats")
        assert "Theo kênh: Telegram 1 (đã ngừng 0) · Zalo 3 (đã ngừng 0)" in text_of(figures)

        draft = await zalo.say(ZALO_ADMIN, "/broadcast Họp tổ dân phố tối nay", expect=2)
        assert text_of(draft[0]) == "Họp tổ dân phố tối nay"
        picker = draft[1]
        (only_zalo,) = await zalo.say(ZALO_ADMIN, number_of(picker, "Zalo"))
        assert "Kênh: Zalo" in text_of(only_zalo)
        (confirm,) = await zalo.say(ZALO_ADMIN, number_of(only_zalo, "👥 Tất cả · 3"))
        assert "3" in text_of(confirm)
        assert "Zalo" in text_of(confirm)
        seq = await zalo.last_seq()
        telegram_seq = await telegram.last_seq()
        await zalo.say(ZALO_ADMIN, number_of(confirm, "Gửi cho 3 người nhận"), expect=1)
        received = await zalo.replies(seq, 4)
        got = {r["chat_id"] for r in received if text_of(r) == "Họp tổ dân phố tối nay"}
        assert got == {"zr1", "zr2", ZALO_ADMIN}
        assert [r for r in await telegram.sent(after=telegram_seq)
                if "Họp tổ dân phố" in text_of(r)] == []


def _zalo(chat_id: str) -> Any:
    from bot.message import ChatRef

    return ChatRef("zalo", chat_id)


async def test_a_zalo_reader_who_stops_is_forgotten_with_their_choices(tmp_path: Path) -> None:
    async with bot_on_zalo(tmp_path) as (zalo, _):
        await zalo.say("zr1", "/start")
        (question,) = await zalo.say("zr1", "/stop")  # /stop asks first: "1" is yes
        assert "1. ✅ Có, dừng và xóa" in text_of(question)
        assert await chats.get(zalo.core.db, _zalo("zr1")) is not None
        (stopped,) = await zalo.say("zr1", "1")
        assert "hủy" in text_of(stopped).lower() or "xóa" in text_of(stopped).lower()
        assert await chats.get(zalo.core.db, _zalo("zr1")) is None
        (none,) = await zalo.say("zr1", "1")
        assert "Chưa có danh sách nào" in text_of(none)


async def test_every_reader_command_answers_on_zalo_with_its_aliases(tmp_path: Path) -> None:
    from handlers import all_routes

    names = [name for command in all_routes().commands if not command.admin
             for name in command.names if name != "stop"]
    assert {"start", "latest", "tinmoi", "search", "timkiem", "cluster", "cum", "settings",
            "caidat", "popular", "noibat", "categories", "chuyenmuc"} <= set(names)
    async with bot_on_zalo(tmp_path) as (zalo, _):
        for name in [*names, "stop"]:
            replies = await zalo.say("zcmd", f"/{name}")
            assert replies, name
            for reply in replies:
                assert "Bot không có lệnh này" not in text_of(reply), name
                assert fits(reply), name


async def test_the_settings_by_number_and_a_daily_digest_on_zalo(tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    sources, archive = two_sources(tmp_path)
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False) as (zalo, _):
        core = zalo.core
        now = [datetime(2025, 3, 10, 6, 0, tzinfo=tz).timestamp()]
        core.common.clock = lambda: now[0]
        await ingest(core)
        (picker,) = await zalo.say("zd", "/dangky tin tuc - su kien")
        (settings,) = await zalo.say("zd", "/caidat")
        (hours,) = await zalo.say("zd", number_of(settings, "Bản tin ngày"))
        (chosen,) = await zalo.say("zd", number_of(hours, "07:00"))
        assert "bản tin hằng ngày lúc 07:00" in text_of(chosen)
        write_article(archive, "sang-nay", title="Tin sáng nay: hội nghị Mặt trận",
                      category="Tin tức - Sự kiện")
        await ingest(core)
        before = await zalo.last_seq()
        now[0] = datetime(2025, 3, 10, 7, 0, tzinfo=tz).timestamp()
        run = await core.run_digests()
        assert run.queued == 1
        (digest,) = await zalo.replies(before, 1, chat_id="zd")
        assert text_of(digest).startswith("🗞 Bản tin ngày 10/03/2025")
        assert "Tin sáng nay: hội nghị Mặt trận (https://mattran.example.vn/tin/sang-nay.html)" \
            in text_of(digest)
        assert fits(digest)


async def test_the_admins_cluster_tools_answer_by_number_on_zalo(tmp_path: Path) -> None:
    async with bot_on_zalo(tmp_path) as (zalo, _):
        (year,) = await zalo.say(ZALO_ADMIN, "/setcluster")
        assert "↩️ Trả lời" in text_of(year)  # the dialog's choices are numbered
        assert fits(year)
        (cluster,) = await zalo.say(ZALO_ADMIN, "2024")  # a year is typed, not a choice
        assert "2024" in text_of(cluster)
        assert re.search(r"^1\. ", text_of(cluster), re.MULTILINE)
        (reviewed,) = await zalo.say(ZALO_ADMIN, "/duyetcum")
        assert fits(reviewed)
        (refused,) = await zalo.say("zr1", "/setcluster")
        assert "chỉ dành cho quản trị viên" in text_of(refused)
