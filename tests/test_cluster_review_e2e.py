"""The admins' review of unsure cluster readings (SPEC 13) end to end: the sandbox over real
HTTP, the real python-telegram-bot, real SQLite files. A restatement in a newly ingested
article reaches the admins as one question with choices; confirm, reject, later, correct; a
forged choice is refused and logged; /review; no flood; an upgraded database asks after
`newsbot rescan-clusters`."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.chat import cluster_callbacks as cb
from bot.cli import main
from bot.core import Core
from bot.i18n import vi
from storage import cluster_candidates, cluster_review
from storage.db import Database, open_database
from tests.bothelper import ADMIN_ID, Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import html

OFFICIAL = 611
OTHER = 612
MTTQ = "Ủy ban MTTQ Việt Nam"
QUANG_NINH = ("Ngày 12/6, Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh (Cụm trưởng Cụm thi đua các tỉnh "
              "Đông Bắc năm 2025) chủ trì hội nghị sơ kết công tác 6 tháng đầu năm.")
LANG_SON = ("Ủy ban MTTQ Việt Nam tỉnh Lạng Sơn (Cụm phó Cụm thi đua các tỉnh Đông Bắc năm 2025) "
            "phát biểu tại hội nghị.")
PRESS = ("Báo Hải Phòng (Cụm trưởng Cụm thi đua các cơ quan báo chí năm 2025) chủ trì hội nghị "
         "ký kết giao ước thi đua.")


def _sources(folder: Path) -> Path:
    sources = folder / "sources.toml"
    sources.write_text('[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "archive"\n',
                       encoding="utf-8")
    (folder / "archive").mkdir(exist_ok=True)
    return sources


def _article(folder: Path, name: str, title: str, body: str) -> None:
    """A new archive article (published an hour ago) with `body`."""
    published = datetime.fromtimestamp(time.time() - 3600, UTC).isoformat()
    (folder / "archive" / f"{name}.json").write_text(json.dumps({
        "title": title, "url": f"https://mattran.example.vn/{name}.html", "category": "Tin tức",
        "published": published, "summary": "", "body": body,
    }, ensure_ascii=False), encoding="utf-8")


def _core(chat: Chatter) -> Core:
    core = chat.app.bot_data.core
    assert core is not None
    return core


async def _ingest(chat: Chatter) -> list[dict[str, Any]]:
    """Poll the sources as the ingestion job does; what the admin got from it."""
    after = await chat.last_seq()
    await asyncio.sleep(0.3)  # the archive's settle time (0.2 s in these tests)
    await _core(chat).ingest()
    return await chat.sent(chat_id=ADMIN_ID, after=after)


def _buttons(record: dict[str, Any]) -> dict[str, str]:
    return {label: str(data) for label, data in button_data(record)}


def _notice(records: list[dict[str, Any]]) -> dict[str, Any]:
    (answer,) = [r for r in records if r["method"] == "answerCallbackQuery"]
    return answer


def _method(records: list[dict[str, Any]], method: str) -> dict[str, Any]:
    (found,) = [r for r in records if r["method"] == method]
    return found


async def test_a_restatement_reaches_the_admin_who_confirms_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path),
                              schedule_ingestion=False) as chat:
        (nothing,) = await chat.say(OFFICIAL, "/cluster")
        assert text_of(nothing) == vi.TEXTS["cluster.none"]
        _article(tmp_path, "so-ket", "Sơ kết công tác 6 tháng cụm thi đua các tỉnh Đông Bắc",
                 f"Đoạn mở đầu.\n\n{QUANG_NINH}\n\nĐoạn cuối.")

        # One message to the admin: the count, the question, the sentence, the article.
        (question,) = await _ingest(chat)
        text = text_of(question)
        assert text.startswith("🗂 <b>1 câu hỏi mới về cụm thi đua</b>")
        assert (f"❓ Có phải <b>{MTTQ} tỉnh Quảng Ninh</b> là <b>Cụm trưởng</b> cụm "
                "<b>các tỉnh Đông Bắc</b> năm <b>2025</b>?") in text
        assert f"<i>«{QUANG_NINH}»</i>" in text
        assert ('📰 <a href="https://mattran.example.vn/so-ket.html">Sơ kết công tác 6 tháng cụm '
                "thi đua các tỉnh Đông Bắc</a>") in text
        buttons = _buttons(question)
        confirm = buttons["✅ Đúng"]
        candidate_id = int(confirm.rsplit(":", 1)[1])
        assert buttons == {
            "✅ Đúng": f"clu:ok:{candidate_id}", "❌ Không đúng": f"clu:no:{candidate_id}",
            "✏️ Sửa": f"clu:fix:{candidate_id}", "⏭ Để sau": f"clu:later:{candidate_id}",
            "📰 Mở bài": buttons["📰 Mở bài"]}
        assert buttons["📰 Mở bài"].startswith("open:")
        # Readers do not see it; the job finds nothing more to announce.
        (still,) = await chat.say(OFFICIAL, "/cluster")
        assert text_of(still) == vi.TEXTS["cluster.none"]
        assert await _core(chat).ask_cluster_questions() == 0

        # A reader forging the admin's choice on a bot message of their own chat: refused as an
        # admin choice.
        (own,) = await chat.say(OTHER, "/cluster")
        records = await chat.press(OTHER, own["message_id"], confirm, chat_id=own["chat_id"])
        refusal = _notice(records)
        assert refusal["text"] == vi.TEXTS["admin.refused"]
        assert refusal["show_alert"] is True
        # On a message of someone else's private chat (the admin's): no handler even runs, the
        # one guard of pressed buttons refuses it (bot/telegram/incoming.py).
        records = await chat.press(OTHER, question["message_id"], confirm,
                                   chat_id=question["chat_id"])
        assert _notice(records)["text"] == vi.TEXTS["button.invalid"]
        (refused,) = await chat.say(OTHER, "/review")
        assert text_of(refused) == vi.TEXTS["admin.refused"]
        logged = [r.getMessage() for r in caplog.records]
        assert sum(f"cluster button refused: user_id={OTHER}" in m for m in logged) == 1
        assert sum(f"user_id={OTHER}" in m and "someone else's private chat" in m
                   for m in logged) == 1
        assert any(f"admin command refused: user_id={OTHER}" in m and "command=review" in m
                   for m in logged)
        (left,) = await cluster_candidates.pending(_core(chat).db)
        assert left.id == candidate_id

        # The admin confirms: the question says so, the next (none) follows, /cluster shows it.
        records = await chat.press(ADMIN_ID, question["message_id"], confirm, expect=3)
        assert _notice(records)["text"] == "Đã xác nhận."
        edited = _method(records, "editMessageText")
        assert text_of(edited).startswith(f"✅ <b>Đã xác nhận</b>: {MTTQ} tỉnh Quảng Ninh là "
                                          "Cụm trưởng cụm các tỉnh Đông Bắc năm 2025.")
        assert not button_data(edited)
        assert text_of(_method(records, "sendMessage")) == vi.TEXTS["review.all_done"]
        (shown,) = await chat.say(OFFICIAL, "/cluster")
        text = text_of(shown)
        assert "<b>Cụm thi đua các tỉnh Đông Bắc</b> · năm 2025" in text
        assert re.search(rf"• Cụm trưởng: <b>{MTTQ} tỉnh Quảng Ninh</b> ✍️ \(do quản trị viên "
                         r"đặt lúc \d\d/\d\d/\d{4} \d\d:\d\d\)", text)

        # The same choice again: already answered, and said so.
        records = await chat.press(ADMIN_ID, question["message_id"], confirm, expect=2)
        again = _notice(records)
        assert again["text"].startswith("Câu hỏi này đã được trả lời trước đó (đã xác nhận lúc ")
        assert again["show_alert"] is True
        (review,) = await chat.say(ADMIN_ID, "/review")
        assert text_of(review) == vi.TEXTS["review.none"]


async def test_a_rejected_question_is_never_asked_again(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path),
                              schedule_ingestion=False) as chat:
        _article(tmp_path, "hoi-nghi", "Hội nghị cụm thi đua các tỉnh Đông Bắc", LANG_SON)
        (question,) = await _ingest(chat)
        reject = _buttons(question)["❌ Không đúng"]
        records = await chat.press(ADMIN_ID, question["message_id"], reject, expect=3)
        assert _notice(records)["text"] == "Đã bác bỏ."
        assert text_of(_method(records, "editMessageText")).startswith(
            f"❌ <b>Đã bác bỏ</b>: «{MTTQ} tỉnh Lạng Sơn là Cụm phó cụm các tỉnh Đông Bắc năm "
            "2025». Bot sẽ không hỏi lại.")

        # Another article restates it: stored, never asked; nor after rescan-clusters.
        _article(tmp_path, "hoi-nghi-2", "Hội nghị lần hai", LANG_SON.replace("phát biểu",
                                                                               "phát biểu lại"))
        assert await _ingest(chat) == []
        monkeypatch.setenv("NEWSBOT_DATABASE", str(chat.settings.database))
        assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0
        after = await chat.last_seq()
        assert await _core(chat).ask_cluster_questions() == 0
        assert await chat.sent(chat_id=ADMIN_ID, after=after) == []
        db = _core(chat).db
        assert await cluster_candidates.count(db, "rejected") == 1
        assert await cluster_candidates.count(db, "pending") == 1  # stored, not asked
        assert await cluster_candidates.pending(db) == []
        (review,) = await chat.say(ADMIN_ID, "/review")
        assert text_of(review) == vi.TEXTS["review.none"]
        (shown,) = await chat.say(OFFICIAL, "/cluster")
        assert text_of(shown) == vi.TEXTS["cluster.none"]


async def test_questions_come_one_at_a_time_without_flooding(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path),
                              schedule_ingestion=False) as chat:
        _article(tmp_path, "a", "Hội nghị A", QUANG_NINH)
        _article(tmp_path, "b", "Hội nghị B", LANG_SON)
        (first,) = await _ingest(chat)
        assert text_of(first).startswith("🗂 <b>2 câu hỏi mới về cụm thi đua</b>")
        assert "tỉnh Quảng Ninh</b> là <b>Cụm trưởng</b>" in text_of(first)

        # A new question while the admin's is unanswered: no new message (it follows answers).
        _article(tmp_path, "c", "Hội nghị C", PRESS)
        assert await _ingest(chat) == []

        # "Later": the next question in its place; /review starts again from the first.
        later = _buttons(first)["⏭ Để sau"]
        records = await chat.press(ADMIN_ID, first["message_id"], later, expect=2)
        second = _method(records, "editMessageText")
        assert text_of(second).startswith("Còn 3 câu hỏi về cụm thi đua.")
        assert "tỉnh Lạng Sơn</b> là <b>Cụm phó</b>" in text_of(second)
        (review,) = await chat.say(ADMIN_ID, "/duyetcum")
        assert text_of(review).startswith("🗂 <b>3 câu hỏi về cụm thi đua đang chờ trả lời</b>")
        assert "tỉnh Quảng Ninh</b>" in text_of(review)

        # Each answer brings the next question.
        records = await chat.press(ADMIN_ID, review["message_id"], _buttons(review)["✅ Đúng"],
                                   expect=3)
        following = _method(records, "sendMessage")
        assert text_of(following).startswith("Còn 2 câu hỏi về cụm thi đua.")
        records = await chat.press(ADMIN_ID, following["message_id"],
                                   _buttons(following)["❌ Không đúng"], expect=3)
        last = _method(records, "sendMessage")
        assert "<b>Báo Hải Phòng</b> là <b>Cụm trưởng</b> cụm <b>các cơ quan báo chí</b>" in \
            text_of(last)
        records = await chat.press(ADMIN_ID, last["message_id"], _buttons(last)["⏭ Để sau"])
        assert _notice(records)["text"] == vi.TEXTS["review.no_other"]

        # A choice from the first message, for a question answered since: said so.
        records = await chat.press(ADMIN_ID, first["message_id"], _buttons(first)["❌ Không đúng"],
                                   expect=2)
        assert "đã xác nhận lúc" in _notice(records)["text"]


async def test_correcting_opens_the_dialog_prefilled(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path),
                              schedule_ingestion=False) as chat:
        _article(tmp_path, "a", "Hội nghị A", QUANG_NINH)
        (question,) = await _ingest(chat)
        candidate_id = int(_buttons(question)["✏️ Sửa"].rsplit(":", 1)[1])
        records = await chat.press(ADMIN_ID, question["message_id"], f"clu:fix:{candidate_id}",
                                   expect=2)
        step = _method(records, "sendMessage")
        text = text_of(step)
        assert text.startswith("✏️ <b>Sửa thông tin bot đọc được</b>\nBot đọc được: "
                               f"{MTTQ} tỉnh Quảng Ninh là Cụm trưởng cụm các tỉnh Đông Bắc năm "
                               "2025.")
        assert "<b>Bước 1/4 · Năm.</b>" in text
        assert ("✔️ 2025", "clu:y:2025") in button_data(step)

        async def press(data: str) -> dict[str, Any]:
            records = await chat.press(ADMIN_ID, step["message_id"], data, expect=2)
            return _method(records, "editMessageText")

        cluster_step = await press("clu:y:2025")
        assert "<b>Bước 2/4 · Cụm thi đua.</b>" in text_of(cluster_step)
        assert ("✔️ Giữ: các tỉnh Đông Bắc", "clu:k:c") in button_data(cluster_step)
        role_step = await press("clu:k:c")
        assert "Đã chọn: năm 2025 · cụm các tỉnh Đông Bắc" in text_of(role_step)
        assert ("✔️ Cụm trưởng", "clu:r:l") in button_data(role_step)
        unit_step = await press("clu:r:d")  # the admin knows it was the deputy
        assert "Hiện /cluster chưa có thông tin này." in text_of(unit_step)
        assert (f"✔️ Giữ: {MTTQ} tỉnh Quảng Ninh", "clu:k:u") in button_data(unit_step)
        confirm_step = await press("clu:k:u")
        assert ("Năm: <b>2025</b>\nCụm thi đua: <b>các tỉnh Đông Bắc</b> (cụm mới)\n"
                f"Cụm phó: <b>{MTTQ} tỉnh Quảng Ninh</b>") in text_of(confirm_step)
        records = await chat.press(ADMIN_ID, step["message_id"], "clu:s", expect=3)
        assert text_of(_method(records, "editMessageText")).startswith(
            "✅ Đã ghi: năm 2025, cụm thi đua <b>các tỉnh Đông Bắc</b>, Cụm phó: "
            f"<b>{MTTQ} tỉnh Quảng Ninh</b>")
        assert text_of(_method(records, "sendMessage")) == vi.TEXTS["review.all_done"]
        found = await cluster_candidates.candidate(_core(chat).db, candidate_id)
        assert found is not None
        assert found.status == "corrected"
        (shown,) = await chat.say(OFFICIAL, "/cluster")
        assert f"• Cụm phó: <b>{MTTQ} tỉnh Quảng Ninh</b> ✍️" in text_of(shown)
        assert "• Cụm trưởng: chưa có thông tin" in text_of(shown)
        # The question's own choices now say it was answered.
        records = await chat.press(ADMIN_ID, question["message_id"], f"clu:ok:{candidate_id}",
                                   expect=2)
        assert "(đã sửa lúc" in _notice(records)["text"]


async def test_an_upgraded_database_asks_the_admins_after_rescan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database of the previous version, whose articles were never read for clusters:
    `newsbot rescan-clusters` finds the facts and the unsure restatement; the bot then asks."""
    from tests.test_cluster_candidates import _old_database

    path = tmp_path / "bot.db"
    _old_database(path)
    monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
    assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0
    db = await open_database(path)
    try:
        assert await cluster_review.announced(db) == 0
    finally:
        await db.close()
    async with bot_on_sandbox(tmp_path, sources_file=_sources(tmp_path), ingest_first=False,
                              schedule_ingestion=False) as chat:
        after = await chat.last_seq()
        await _core(chat).ask_cluster_questions()
        (question,) = await chat.sent(chat_id=ADMIN_ID, after=after)
        assert (f"Có phải <b>{MTTQ} thành phố Hải Phòng</b> là <b>Cụm trưởng</b> cụm <b>5 thành "
                "phố trực thuộc Trung ương</b> năm <b>2024</b>?") in text_of(question)
        (shown,) = await chat.say(OFFICIAL, "/cluster 2025")
        assert f"Cụm trưởng: <b>{MTTQ} phường Máy Chai</b>" in text_of(shown)


def test_review_actions_parse_back_only_our_shapes() -> None:
    assert cb.parse("clu:ok:12") == cb.ClusterAction("ok", candidate_id=12)
    assert cb.parse(cb.cluster("5 thanh pho truc thuoc trung uong")) == cb.ClusterAction(
        "c", hash=cb.short_hash("5 thanh pho truc thuoc trung uong"))
    assert cb.parse("clu:k:u") == cb.ClusterAction("k", step="unit")
    for forged in ("clu:ok:", "clu:ok:-1", "clu:ok:1\n", "clu:ok:١٢", "clu:y:20245", "clu:r:x",
                   "clu:k:z", "clu:s:1", "clu:" + "a" * 70, "adm:st", "", "clu:c:ABCDEF0123"):
        assert cb.parse(forged) is None, forged


def test_help_shows_admins_their_commands() -> None:
    assert "/review (/duyetcum)" in html_help("vi")
    assert "/review (/duyetcum)" in html_help("en")


def html_help(lang: str) -> str:
    from bot.i18n import t

    return html(t(lang, "help.admin"))


async def test_the_question_in_english(db: Database) -> None:
    from bot.chat.cluster_review import ClusterReview
    from bot.chat.common import Admins, Common
    from bot.chat.reader import Reader
    from bot.cluster.scanner import ClusterScanner
    from bot.render.telegram import LIMITS
    from tests.test_cluster_candidates import TZ, _article

    await _article(db, "a", QUANG_NINH, published="2025-06-12T09:00:00+07:00")
    await ClusterScanner(TZ).catch_up(db)
    (candidate,) = await cluster_candidates.pending(db)
    common = Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                    admins=Admins.of([1]))
    question = ClusterReview(Reader(common)).question("en", candidate)
    assert str(question.text).startswith(
        f"❓ Is {MTTQ} tỉnh Quảng Ninh the Leader (Cụm trưởng) of cluster các tỉnh Đông Bắc in "
        "2025?")
    assert "📰 Bài a · 12/06/2025 09:00" in str(question.text)
    assert [c.label for row in question.choices for c in row] == [
        "✅ Yes", "❌ No", "✏️ Correct", "⏭ Later", "📰 Open article"]
