"""/popular, the card's 👍 and "Xem thêm", /cluster and /setcluster end to end: the sandbox over
real HTTP, the real python-telegram-bot, real SQLite files. Users act through the control API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.i18n import t, vi
from storage.db import open_database
from tests.bothelper import ADMIN_ID, Chatter, bot_on_sandbox, button_data, confirm_stop, text_of
from tests.conftest import html, shared_path

FIVE = "Cụm thi đua 5 thành phố trực thuộc Trung ương"
MTTQ = "Ủy ban MTTQ Việt Nam"
OFFICIAL = 601
OTHER = 602


def _sources(folder: Path) -> Path:
    sources = folder / "sources.toml"
    sources.write_text('[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "archive"\n',
                       encoding="utf-8")
    (folder / "archive").mkdir()
    return sources


async def _article_ids(chat: Chatter) -> dict[str, int]:
    db = await open_database(chat.settings.database)
    try:
        async with db.execute("SELECT id, title FROM articles") as cur:
            return {r["title"]: r["id"] for r in await cur.fetchall()}
    finally:
        await db.close()


def _notice(records: list[dict[str, Any]]) -> str:
    (answer,) = [r for r in records if r["method"] == "answerCallbackQuery"]
    return str(answer.get("text") or "")


def _open_buttons(record: dict[str, Any]) -> dict[str, int]:
    return {label: int(str(data).split(":")[1]) for label, data in button_data(record)
            if data and str(data).startswith("open:")}


# --- /cluster on the bundled sample ---------------------------------------------------------


async def test_cluster_on_the_sample_and_setcluster(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path) as chat:
        ids = await _article_ids(chat)
        election = next(i for t, i in ids.items() if t.startswith("Tổng kết Cụm thi đua"))

        # The latest year: 2024, leader and deputy with their source (an archive article: an
        # open button, no link).
        (latest,) = await chat.say(OFFICIAL, "/cluster")
        text = text_of(latest)
        assert f"<b>{FIVE}</b> · năm 2024" in text
        assert f"• Cụm trưởng: <b>{MTTQ} thành phố Hải Phòng</b> [1]" in text
        assert f"• Cụm phó: <b>{MTTQ} thành phố Cần Thơ</b> [1]" in text
        assert "[1] Tổng kết Cụm thi đua MTTQ Việt Nam 5 thành phố" in text
        assert "19/12/2023 14:00" in text
        assert "năm 2023" not in text.split("\n")[2]  # only the latest year
        assert "thành phố Đà Nẵng</b>" not in text  # the ranking trap (suy tôn đứng thứ nhất)
        assert _open_buttons(latest) == {"📰 1": election}
        opened = await chat.press(OFFICIAL, latest["message_id"], f"open:{election}", expect=2)
        card = next(r for r in opened if r["method"] in ("sendPhoto", "sendMessage"))
        assert "Tổng kết Cụm thi đua" in text_of(card)

        # A given year; this source is a web article: its title links to it.
        (y2023,) = await chat.say(OFFICIAL, "/cum 2023")
        text = text_of(y2023)
        assert text.startswith("🏆 <b>Cụm thi đua năm 2023</b>")
        # Official style: "Thành phố" is part of the name of Thành phố Hồ Chí Minh.
        assert f"• Cụm trưởng: <b>{MTTQ} Thành phố Hồ Chí Minh</b> [1]" in text
        assert f"• Cụm phó: <b>{MTTQ} thành phố Hà Nội</b>" in text
        assert '<a href="https://mattran.example.vn/hoat-dong-mttq-thanh-pho/' in text
        assert "21/02/2023" in text
        (none,) = await chat.say(OFFICIAL, "/cluster 2025")
        assert text_of(none) == vi.TEXTS["cluster.none_year"].format(year=2025)

        # One cluster by its name typed without accents: every known year, newest first.
        (one,) = await chat.say(OFFICIAL, "/cluster 5 thanh pho truc thuoc tw")
        text = text_of(one)
        assert text.index("· năm 2024") < text.index("· năm 2023")
        assert "«" in text  # the sentences the facts were read from
        (member,) = await chat.say(OFFICIAL, "/cluster hai phong 2024")
        assert f"Cụm trưởng: <b>{MTTQ} thành phố Hải Phòng</b>" in text_of(member)
        assert "· năm 2023" not in text_of(member)
        (unknown,) = await chat.say(OFFICIAL, "/cluster tây nguyên <b>")
        assert text_of(unknown) == html(t("vi", "cluster.unknown", query="tây nguyên <b>"))
        (usage,) = await chat.say(OFFICIAL, "/cluster 2023 2024")
        assert text_of(usage) == html(t("vi", "cluster.usage"))

        # /setcluster: refused to anyone but an admin, and nothing changes.
        command = ("/setcluster 2024 | 5 thành phố trực thuộc TW | cụm phó | "
                   "Uỷ ban MTTQVN TP Hà Nội")
        (refused,) = await chat.say(OTHER, command)
        assert text_of(refused) == vi.TEXTS["admin.refused"]
        (bad,) = await chat.say(ADMIN_ID, "/setcluster 2024 Hải Phòng cụm trưởng")
        assert text_of(bad) == html(t("vi", "setcluster.usage"))
        (same,) = await chat.say(OFFICIAL, "/cluster")
        assert text_of(same) == text_of(latest)

        # An admin corrects the 2024 deputy: shown as set by an admin, the leader still sourced.
        (done,) = await chat.say(ADMIN_ID, command)
        assert text_of(done).startswith("✅ Đã ghi: năm 2024, cụm thi đua <b>5 thành phố trực "
                                        "thuộc Trung ương</b>, Cụm phó: <b>Ủy ban MTTQ Việt Nam "
                                        "thành phố Hà Nội</b>")
        (corrected,) = await chat.say(OFFICIAL, "/cluster")
        text = text_of(corrected)
        assert f"• Cụm trưởng: <b>{MTTQ} thành phố Hải Phòng</b> [1]" in text
        assert re.search(rf"• Cụm phó: <b>{MTTQ} thành phố Hà Nội</b> ✍️ \(do quản trị viên "
                         r"đặt lúc \d\d/\d\d/\d{4} \d\d:\d\d\)", text)
        assert "thành phố Cần Thơ</b>" not in text

        # A year nobody wrote about, set by an admin, becomes the latest.
        await chat.say(ADMIN_ID, "/setcluster 2025 | 5 thanh pho truc thuoc trung uong | "
                                 "Cụm trưởng | Ủy ban MTTQ Việt Nam thành phố Đà Nẵng")
        (y2025,) = await chat.say(OFFICIAL, "/cluster")
        text = text_of(y2025)
        assert f"<b>{FIVE}</b> · năm 2025" in text  # the admin's name matched the known one
        assert f"• Cụm trưởng: <b>{MTTQ} thành phố Đà Nẵng</b> ✍️" in text
        assert "• Cụm phó: chưa có thông tin" in text


async def test_cluster_when_nothing_is_known(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path)) as chat:
        (reply,) = await chat.say(OFFICIAL, "/cluster")
        assert text_of(reply) == vi.TEXTS["cluster.none"]
        (english,) = await chat.say(OFFICIAL, "/settings")
        await chat.press(OFFICIAL, english["message_id"], "lang:en", expect=2)
        (reply,) = await chat.say(OFFICIAL, "/popular")
        assert "No article published in the last 7 days has been read yet." in text_of(reply)


async def test_seed_page_gives_the_2022_leadership(tmp_path: Path) -> None:
    seed = shared_path("seed", "000_73bf31444ca40c50.txt")
    sources = _sources(tmp_path)
    shutil.copy(seed, tmp_path / "archive" / seed.name)
    async with bot_on_sandbox(tmp_path, sources_file=sources) as chat:
        (seed_id,) = (await _article_ids(chat)).values()
        (reply,) = await chat.say(OFFICIAL, "/cluster")
        text = text_of(reply)
        assert f"<b>{FIVE}</b> · năm 2022" in text
        assert f"• Cụm trưởng: <b>{MTTQ} thành phố Đà Nẵng</b> [1]" in text
        assert f"• Cụm phó: <b>{MTTQ} thành phố Hải Phòng</b> [1]" in text
        assert "[1] Cụm thi đua MTTQVN 5 thành phố trực thuộc TW: Chung tay" in text
        assert "15/12/2021" in text
        assert "suy tôn Ủy ban MTTQVN thành phố Đà Nẵng là Cụm trưởng" in text  # the sentence
        # The seed is an archive file (no web URL): its source is an open button.
        assert _open_buttons(reply) == {"📰 1": seed_id}
        opened = await chat.press(OFFICIAL, reply["message_id"], f"open:{seed_id}", expect=2)
        card = next(r for r in opened if r["method"] in ("sendPhoto", "sendMessage"))
        assert "Chung tay đẩy mạnh các phong trào thi đua" in text_of(card)


# --- 👍, "Xem thêm" and /popular ------------------------------------------------------------


def _json_article(folder: Path, name: str, title: str, category: str, hours_ago: float) -> None:
    published = datetime.fromtimestamp(time.time() - hours_ago * 3600, UTC).isoformat()
    (folder / f"{name}.json").write_text(json.dumps({
        "title": title,
        "url": f"https://mattran.example.vn/{name}.html",
        "category": category,
        "published": published,
        "summary": f"Tóm tắt của bài {title}.",
        "body": f"Đoạn mở đầu của bài {title}.\n\nĐoạn thứ hai, dài hơn phần tóm tắt, chỉ có "
                f"trong «Xem thêm».",
    }, ensure_ascii=False), encoding="utf-8")


async def _card(chat: Chatter, user: int, article_id: int) -> dict[str, Any]:
    """The user opens the article by its deep link (this counts as an open)."""
    (card,) = await chat.say(user, f"/start a_{article_id}")
    return card


async def test_likes_and_more_rank_popular(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    archive = tmp_path / "archive"
    _json_article(archive, "a", "Bài A mới", "An sinh xã hội", hours_ago=2)
    _json_article(archive, "b", "Bài B hôm qua", "Tin tức", hours_ago=26)
    _json_article(archive, "c", "Bài C chưa ai đọc", "An sinh xã hội", hours_ago=72)
    _json_article(archive, "d", "Bài D tuần trước nữa", "Tin tức", hours_ago=24 * 10)
    u1, u2, u3 = 701, 702, 703
    async with bot_on_sandbox(tmp_path, sources_file=sources) as chat:
        ids = await _article_ids(chat)
        a, b, d = ids["Bài A mới"], ids["Bài B hôm qua"], ids["Bài D tuần trước nữa"]
        (nothing,) = await chat.say(u1, "/popular")
        assert text_of(nothing) == vi.TEXTS["popular.empty"].format(days=7, category="")

        # A: u2 opens it, 👍 twice (liked, then not), "Xem thêm" twice (counts once).
        card = await _card(chat, u2, a)
        like, more = f"like:{a}", f"more:{a}"
        assert ("👍", like) in button_data(card)
        assert ("Xem thêm", more) in button_data(card)
        assert _notice(await chat.press(u2, card["message_id"], like)) == "👍 Đã thích"
        assert _notice(await chat.press(u2, card["message_id"], like)) == "Đã bỏ thích"
        for _ in range(2):
            records = await chat.press(u2, card["message_id"], more, expect=2)
            (excerpt,) = [r for r in records if r["method"] == "sendMessage"]
            assert "Đoạn thứ hai, dài hơn phần tóm tắt" in text_of(excerpt)
            assert '<a href="https://mattran.example.vn/a.html">Đọc bài gốc</a>' in \
                text_of(excerpt)
        # B: u1 and u3 open it and like it; u3 presses 👍 three times (liked in the end).
        for user, presses in ((u1, 1), (u3, 3)):
            card = await _card(chat, user, b)
            for _ in range(presses):
                await chat.press(user, card["message_id"], f"like:{b}")
        # D: popular, but published ten days ago.
        for user in (u1, u2, u3):
            card = await _card(chat, user, d)
            await chat.press(user, card["message_id"], f"like:{d}")

        (ranking,) = await chat.say(u1, "/popular")
        text = text_of(ranking)
        assert text.startswith("🔥 <b>Tin được quan tâm nhất 7 ngày qua</b>")
        lines = text.split("\n")
        # B (2 likes, 2 opens, one day old) above A (1 "Xem thêm", 1 open, fresh); C and D out.
        assert "1. <b>" in lines[2]
        assert "Bài B hôm qua" in lines[2]
        assert lines[3].endswith("· 👍 2 · 📖 0 · 👁 2")
        assert "2. <b>" in lines[4]
        assert "Bài A mới" in lines[4]
        assert lines[5].endswith("· 👍 0 · 📖 1 · 👁 1")
        assert "Bài C" not in text
        assert "Bài D" not in text
        assert _open_buttons(ranking) == {"1": b, "2": a}

        # Per category, and the alias.
        (social,) = await chat.say(u1, "/noibat an sinh xa hoi")
        assert "Bài A mới" in text_of(social)
        assert "Bài B" not in text_of(social)
        (unknown,) = await chat.say(u1, "/popular thể thao")
        assert "Không tìm thấy chuyên mục «thể thao»" in text_of(unknown)

        # u1 takes the like back: B drops to 1 like; a forged button loses nothing.
        card = await _card(chat, u1, b)
        assert _notice(await chat.press(u1, card["message_id"], f"like:{b}")) == "Đã bỏ thích"
        assert _notice(await chat.press(u1, card["message_id"], "like:999999")) == \
            vi.TEXTS["article.not_found"]
        assert _notice(await chat.press(u1, card["message_id"], "like:abc")) == \
            vi.TEXTS["button.invalid"]
        (again,) = await chat.say(u1, "/popular")
        assert "· 👍 1 · 📖 0 · 👁 2" in text_of(again)

        # /stop forgets what the reader did: u3's like and open of B no longer count.
        await confirm_stop(chat, u3)
        (after_stop,) = await chat.say(u1, "/popular")
        lines = text_of(after_stop).split("\n")
        assert "Bài A mới" in lines[2]
        assert "Bài B hôm qua" in lines[4]
        assert lines[5].endswith("· 👍 0 · 📖 0 · 👁 1")


def test_demo_shows_the_cluster_leadership(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], input="/cluster\n/cluster 2023\n",
        capture_output=True, text=True, timeout=180, cwd=tmp_path, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    y2024, y2023 = out.split("> /cluster 2023")
    assert f"{FIVE} · năm 2024" in y2024
    assert f"Cụm trưởng: {MTTQ} thành phố Hải Phòng [1]" in y2024
    assert f"Cụm phó: {MTTQ} thành phố Cần Thơ [1]" in y2024
    assert f"Cụm trưởng: {MTTQ} Thành phố Hồ Chí Minh [1]" in y2023
    assert f"Cụm phó: {MTTQ} thành phố Hà Nội [1]" in y2023
