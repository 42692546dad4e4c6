"""The step-by-step /setcluster dialog: end to end through the sandbox (a restart midway keeps
it; a new command or an hour ends it; Vietnamese and English), and its core on a real SQLite
file (known clusters a page at a time within Telegram's limits, units in their known spelling,
only admins)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.chat import cluster_callbacks as cb
from bot.chat.cluster_dialog import CLUSTERS_PER_PAGE, ClusterDialog
from bot.chat.cluster_review import ClusterReview
from bot.chat.common import Admins, Common
from bot.chat.reader import Reader
from bot.i18n import vi
from bot.message import Message, Who
from bot.render.telegram import CALLBACK_DATA_LIMIT, LIMITS, render
from storage import articles, cluster_facts
from storage.articles import NewArticle
from storage.cluster_facts import NewFact
from storage.db import Database
from tests.bothelper import ADMIN_ID, Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import tg

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MTTQ = "Ủy ban MTTQ Việt Nam"
FIVE = "5 thành phố trực thuộc Trung ương"
OTHER = 621


def _method(records: list[dict[str, Any]], method: str) -> dict[str, Any]:
    (found,) = [r for r in records if r["method"] == method]
    return found


async def _press(chat: Chatter, message: dict[str, Any], data: str) -> dict[str, Any]:
    """The admin presses a dialog choice; the pressed message's new version."""
    return _method(await chat.press(ADMIN_ID, message["message_id"], data, expect=2),
                   "editMessageText")


async def test_the_dialog_end_to_end_across_a_restart(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path) as chat:  # the bundled sample: known clusters
        (refused,) = await chat.say(OTHER, "/setcluster")
        assert text_of(refused) == vi.TEXTS["admin.refused"]
        (hint,) = await chat.say(OTHER, "2024")  # a reader's text is no dialog's
        assert text_of(hint) == vi.TEXTS["text.hint"]

        (year_step,) = await chat.say(ADMIN_ID, "/setcluster")
        text = text_of(year_step)
        assert text.startswith("✍️ <b>Đặt cụm trưởng, cụm phó</b>")
        assert "<b>Bước 1/4 · Năm.</b> Chọn hoặc gõ năm" in text
        this_year = time.localtime().tm_year
        assert {f"clu:y:{this_year}", "clu:x"} <= {d for _, d in button_data(year_step)}
        (again,) = await chat.say(ADMIN_ID, "năm ngoái")
        assert "⚠️ «năm ngoái» không phải một năm (từ 1990 đến 2100)." in text_of(again)
        assert "<b>Bước 1/4 · Năm.</b>" in text_of(again)

        (cluster_step,) = await chat.say(ADMIN_ID, "2024")
        assert "Đã chọn: năm 2024" in text_of(cluster_step)
        assert "<b>Bước 2/4 · Cụm thi đua.</b>" in text_of(cluster_step)
        five = cb.cluster("5 thanh pho truc thuoc trung uong")
        assert (FIVE, five) in button_data(cluster_step)
        role_step = await _press(chat, cluster_step, five)
        assert "Đã chọn: năm 2024 · cụm 5 thành phố trực thuộc Trung ương" in text_of(role_step)
        assert [d for _, d in button_data(role_step)] == ["clu:r:l", "clu:r:d", "clu:b:r", "clu:x"]

    # The bot restarts (a new sandbox, the same database): the dialog goes on where it was.
    async with bot_on_sandbox(tmp_path, ingest_first=False) as chat:
        (unit_step,) = await chat.say(ADMIN_ID, "cụm phó")
        text = text_of(unit_step)
        assert "<b>Bước 4/4 · Đơn vị.</b>" in text
        assert f"Hiện /cluster đang hiển thị: <b>{MTTQ} thành phố Cần Thơ</b> (theo bài viết)." \
            in text
        offered = [label for label, _ in button_data(unit_step)]
        assert f"{MTTQ} thành phố Hà Nội" in offered  # the cluster's known members
        assert "— Không có đơn vị nào" in offered
        (bad,) = await chat.say(ADMIN_ID, "12")
        assert "⚠️ «12» không phải tên một đơn vị." in text_of(bad)

        # A short spelling becomes the one the facts use for the same member.
        (confirm_step,) = await chat.say(ADMIN_ID, "Hà Nội")
        text = text_of(confirm_step)
        assert "<b>Kiểm tra lại rồi bấm ✅ Lưu.</b>" in text
        assert (f"Năm: <b>2024</b>\nCụm thi đua: <b>{FIVE}</b>\n"
                f"Cụm phó: <b>{MTTQ} thành phố Hà Nội</b>\n"
                f"Thay cho: {MTTQ} thành phố Cần Thơ (theo bài viết).") in text
        (typed,) = await chat.say(ADMIN_ID, "lưu")
        assert vi.TEXTS["dialog.use_buttons"] in text_of(typed)

        records = await chat.press(ADMIN_ID, confirm_step["message_id"], "clu:s", expect=2)
        assert text_of(_method(records, "editMessageText")).startswith(
            f"✅ Đã ghi: năm 2024, cụm thi đua <b>{FIVE}</b>, Cụm phó: "
            f"<b>{MTTQ} thành phố Hà Nội</b>")
        (shown,) = await chat.say(OTHER, "/cluster")
        assert f"• Cụm phó: <b>{MTTQ} thành phố Hà Nội</b> ✍️" in text_of(shown)
        assert f"• Cụm trưởng: <b>{MTTQ} thành phố Hải Phòng</b> [1]" in text_of(shown)

        # The dialog is over: its choices say so, and typing is plain text again.
        records = await chat.press(ADMIN_ID, confirm_step["message_id"], "clu:s")
        assert records[0]["text"] == vi.TEXTS["dialog.expired"]
        (hint,) = await chat.say(ADMIN_ID, "2024")
        assert text_of(hint) == vi.TEXTS["text.hint"]


async def test_a_command_an_hour_or_cancel_ends_the_dialog(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        # A new command ends it.
        (year_step,) = await chat.say(ADMIN_ID, "/setcluster")
        await chat.say(ADMIN_ID, "/latest")
        (hint,) = await chat.say(ADMIN_ID, "2024")
        assert text_of(hint) == vi.TEXTS["text.hint"]
        records = await chat.press(ADMIN_ID, year_step["message_id"], "clu:y:2024")
        assert records[0]["text"] == vi.TEXTS["dialog.expired"]

        # An hour without an answer ends it.
        await chat.say(ADMIN_ID, "/setcluster")
        real = core.common.clock
        core.common.clock = lambda: real() + 3601
        try:
            (hint,) = await chat.say(ADMIN_ID, "2024")
            assert text_of(hint) == vi.TEXTS["text.hint"]
        finally:
            core.common.clock = real

        # Back, a choice of a step already left, cancel.
        await chat.say(ADMIN_ID, "/setcluster")
        (cluster_step,) = await chat.say(ADMIN_ID, "2023")
        year_step = await _press(chat, cluster_step, "clu:b:c")
        assert "<b>Bước 1/4 · Năm.</b>" in text_of(year_step)
        assert ("✔️ 2023", "clu:y:2023") in button_data(year_step)
        records = await chat.press(ADMIN_ID, cluster_step["message_id"], "clu:r:l")
        assert records[0]["text"] == vi.TEXTS["dialog.stale"]
        cancelled = await _press(chat, year_step, "clu:x")
        assert text_of(cancelled) == vi.TEXTS["dialog.cancelled"]
        assert await cluster_facts.count(core.db, "admin") == 0

        # English, complete.
        (settings,) = await chat.say(ADMIN_ID, "/settings")
        await chat.press(ADMIN_ID, settings["message_id"], "lang:en", expect=2)
        (english,) = await chat.say(ADMIN_ID, "/setcluster")
        assert text_of(english).startswith("✍️ <b>Set a cluster leader or deputy</b>")
        assert "<b>Step 1/4 · Year.</b>" in text_of(english)
        (helped,) = await chat.say(ADMIN_ID, "/help")
        assert "/review (/duyetcum)" in text_of(helped)
        (reader_help,) = await chat.say(OTHER, "/help")
        assert "/review" not in text_of(reader_help)


# --- the core on a real SQLite file -------------------------------------------------------

BOSS = Who(chat=tg(77), chat_type="private", user_id="77")
READER = Who(chat=tg(5), chat_type="private", user_id="5")


def _dialog(db: Database) -> ClusterDialog:
    common = Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                    admins=Admins.of([77]), clock=lambda: 1_750_000_000)
    reader = Reader(common)
    return ClusterDialog(reader, ClusterReview(reader))


async def _facts(db: Database) -> None:
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [NewArticle(
            dedupe_key="k", source="s", url="https://x.vn/k", title="T", category="C",
            published=datetime(2024, 1, 1, tzinfo=TZ), summary="",
            body="", image=None, image_caption=None, author=None)], fetched_at=0)
        facts = [(stored.id, 0, NewFact(f"cum so {n:02d} cac xa phuong rat dai ten " * 2,
                                        f"Cụm số {n:02d} các xã phường rất dài tên " * 2, 2024,
                                        "leader", f"{MTTQ} xã Số {n}", f"x{n}"))
                 for n in range(30)]
        facts.append((stored.id, 0, NewFact("cac quan", "các quận", 2024, "deputy",
                                            f"{MTTQ} thành phố Đà Nẵng", "da nang")))
        await cluster_facts.replace_extracted(conn, [stored.id], facts, now=0)


def _telegram_fits(message: Message) -> None:
    rendered = render(message)  # raises on an action Telegram would refuse
    for row in rendered.buttons:
        for button in row:
            assert len((button.callback_data or "").encode()) <= CALLBACK_DATA_LIMIT
            assert len(button.text) <= 52  # a name within 48, "✔️ " before a chosen one
    assert message.text.length <= LIMITS.text


async def test_known_clusters_come_a_page_at_a_time(db: Database) -> None:
    await _facts(db)
    dialog = _dialog(db)
    await dialog.start(BOSS)
    step = await dialog.typed(BOSS, "2024")
    assert step is not None
    _telegram_fits(step)
    clusters = [c for row in step.choices for c in row if (c.action or "").startswith("clu:c:")]
    assert len(clusters) == CLUSTERS_PER_PAGE
    assert "Trang 1/4." in str(step.text)
    pages = [c.action for row in step.choices for c in row
             if (c.action or "").startswith("clu:p:")]
    assert pages == ["clu:p:1"]
    last = await dialog.press(BOSS, cb.ClusterAction(cb.PAGE, page=3))
    assert last.edit is not None
    _telegram_fits(last.edit)
    on_last = [c for row in last.edit.choices for c in row
               if (c.action or "").startswith("clu:c:")]
    assert len(on_last) == 31 - 3 * CLUSTERS_PER_PAGE
    assert [c.label for c in on_last][-1] == "Cụm số 29 các xã phường rất dài tên Cụm số 29…"
    assert clusters[0].label == "các quận"  # in the order of their keys
    role = await dialog.press(BOSS, cb.parse(clusters[0].action or ""))  # type: ignore[arg-type]
    assert role.edit is not None
    assert "cụm các quận" in str(role.edit.text)
    unit = await dialog.typed(BOSS, "Cụm phó")
    assert unit is not None
    # Typed in a short form: the known member's spelling; a new one: the canonical spelling.
    confirm = await dialog.typed(BOSS, "TP Đà Nẵng")
    assert confirm is not None
    assert f"Cụm phó: {MTTQ} thành phố Đà Nẵng" in str(confirm.text)
    await dialog.press(BOSS, cb.ClusterAction(cb.BACK, step="confirm"))
    confirm = await dialog.typed(BOSS, "UBMTTQ quận Hải Châu")
    assert confirm is not None
    assert f"Cụm phó: {MTTQ} quận Hải Châu" in str(confirm.text)
    saved = await dialog.press(BOSS, cb.ClusterAction(cb.SAVE))
    assert saved.edit is not None
    (fact,) = [f for f in await cluster_facts.of_year(db, 2024)
               if f.cluster_key == "cac quan" and f.role == "deputy"]
    assert (fact.unit, fact.origin) == (f"{MTTQ} quận Hải Châu", "admin")


async def test_only_admins_and_only_the_opener(db: Database) -> None:
    dialog = _dialog(db)
    refused = await dialog.start(READER)
    assert str(refused.text) == vi.TEXTS["admin.refused"]
    notice = await dialog.press(READER, cb.ClusterAction(cb.YEAR, year=2024))
    assert (str(notice.text), notice.alert) == (vi.TEXTS["admin.refused"], True)
    assert await dialog.typed(READER, "2024") is None
    # In a group, only the admin who opened the dialog answers it by typing.
    group = Who(chat=tg(-100), chat_type="supergroup", user_id="77")
    other_admin = Who(chat=tg(-100), chat_type="supergroup", user_id="78")
    dialog.common.admins = Admins.of([77, 78])
    await dialog.start(group)
    assert await dialog.typed(other_admin, "2024") is None
    assert await dialog.typed(group, "2024") is not None
