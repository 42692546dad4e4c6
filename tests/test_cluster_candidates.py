"""Cluster candidates: what the reader is unsure about waits for the admins (SPEC 13), never
reaches readers, and an admin's answer sticks. Real SQLite files in tmp dirs."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.cluster.scanner import ClusterScanner
from bot.config import Settings, load_sources
from bot.demo import sample_sources_file
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.message import ChatRef, Message
from storage import articles, cluster_candidates, cluster_facts, cluster_scan
from storage.articles import NewArticle
from storage.cluster_facts import NewFact
from storage.db import Database, open_database
from storage.migrations import migrations, schema_version

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MTTQ = "Ủy ban MTTQ Việt Nam"
FIVE = "5 thành phố trực thuộc Trung ương"
RESTATED = ("Hội thảo do Ủy ban MTTQ Việt Nam thành phố Hải Phòng (Cụm trưởng Cụm thi đua 5 "
            "thành phố trực thuộc Trung ương năm 2024) chủ trì hội nghị.")


async def _article(db: Database, key: str, text: str, published: str = "2024-10-17T09:00:00+07:00"
                   ) -> int:
    item = NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=f"Bài {key}",
        category="Cụm thi đua", published=datetime.fromisoformat(published), summary="",
        body=text, image=None, image_caption=None, author=None,
    )
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [item], fetched_at=0)
    return stored.id


async def test_a_restated_role_waits_for_the_admins_and_confirming_shows_it(db: Database
                                                                             ) -> None:
    article_id = await _article(db, "a", RESTATED)
    report = await ClusterScanner(TZ).catch_up(db)
    assert (report.facts, report.candidates) == (0, 1)
    assert await cluster_facts.latest(db) == []  # not shown to readers
    (question,) = await cluster_candidates.pending(db)
    assert (question.cluster, question.year, question.role, question.unit) == (
        FIVE, 2024, "leader", f"{MTTQ} thành phố Hải Phòng")
    assert question.sentence == RESTATED
    assert (question.article_id, question.article_url) == (article_id, "https://x.vn/a")
    assert question.status == "pending"
    assert 0.5 <= question.confidence < 0.8
    assert "form:parenthesis" in question.reasons
    async with db.transaction() as conn:
        confirmed = await cluster_candidates.confirm(conn, question.id, admin_id=7, now=100)
    assert confirmed is not None
    assert confirmed.status == "confirmed"
    assert confirmed.decided_by == 7
    (fact,) = await cluster_facts.latest(db)
    assert (fact.unit, fact.origin, fact.admin_id, fact.year) == (
        f"{MTTQ} thành phố Hải Phòng", "admin", 7, 2024)
    assert await cluster_candidates.pending(db) == []
    async with db.transaction() as conn:  # a second answer to the same question does nothing
        assert await cluster_candidates.confirm(conn, question.id, admin_id=8, now=101) is None


async def test_a_rejected_claim_is_never_asked_again(db: Database) -> None:
    await _article(db, "a", RESTATED)
    scanner = ClusterScanner(TZ)
    await scanner.catch_up(db)
    (question,) = await cluster_candidates.pending(db)
    async with db.transaction() as conn:
        rejected = await cluster_candidates.reject(conn, question.id, admin_id=7, now=100)
    assert rejected is not None
    assert rejected.status == "rejected"
    assert await cluster_candidates.pending(db) == []
    # Not after a re-scan of every article, nor when another article restates the same claim.
    await scanner.rescan(db)
    await _article(db, "b", RESTATED.replace("Hội thảo", "Tọa đàm"))
    await scanner.catch_up(db)
    assert await cluster_candidates.count(db, "pending") == 1  # stored, but not asked
    assert await cluster_candidates.pending(db) == []
    again = await cluster_candidates.candidate(db, question.id)
    assert again is not None
    assert again.status == "rejected"
    assert await cluster_facts.latest(db) == []


async def test_correcting_stores_the_admins_values(db: Database) -> None:
    await _article(db, "a", RESTATED)
    await ClusterScanner(TZ).catch_up(db)
    (question,) = await cluster_candidates.pending(db)
    right = NewFact(question.cluster_key, question.cluster, 2024, "deputy",
                    f"{MTTQ} thành phố Hải Phòng", "x")
    async with db.transaction() as conn:
        done = await cluster_candidates.correct(conn, question.id, right, admin_id=9, now=5)
    assert done is not None
    assert done.status == "corrected"
    (fact,) = await cluster_facts.latest(db)
    assert (fact.role, fact.origin) == ("deputy", "admin")
    assert await cluster_candidates.pending(db) == []


async def test_questions_are_not_asked_about_what_is_settled(db: Database) -> None:
    # Two articles restate the same claim: one question. An admin fact for the cluster, year
    # and role, or the same fact already shown, settles it.
    await _article(db, "a", RESTATED)
    await _article(db, "b", RESTATED.replace("Hội thảo", "Tọa đàm"))
    await ClusterScanner(TZ).catch_up(db)
    assert await cluster_candidates.count(db, "pending") == 2
    (question,) = await cluster_candidates.pending(db)
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, NewFact(question.cluster_key, FIVE, 2024, "leader",
                                                    f"{MTTQ} thành phố Cần Thơ", "x"),
                                      admin_id=1, now=1)
    assert await cluster_candidates.pending(db) == []
    # an answer covers every copy of the claim
    async with db.transaction() as conn:
        await cluster_candidates.reject(conn, question.id, admin_id=1, now=2)
    assert await cluster_candidates.count(db, "rejected") == 2


async def test_a_decided_candidate_survives_rescans_and_pending_ones_follow_the_reader(
        db: Database) -> None:
    first = await _article(db, "a", RESTATED)
    scanner = ClusterScanner(TZ)
    await scanner.catch_up(db)
    (question,) = await cluster_candidates.pending(db)
    async with db.transaction() as conn:
        await cluster_candidates.confirm(conn, question.id, admin_id=3, now=1)
    # a candidate the reader no longer finds (an older reader stored it) is dropped if pending
    async with db.transaction() as conn:
        await cluster_candidates.replace_candidates(conn, [first], [(first, _stale())], now=1)
    assert await cluster_candidates.count(db) == 2
    await scanner.rescan(db)
    await scanner.rescan(db)
    assert await cluster_candidates.count(db) == 1
    kept = await cluster_candidates.candidate(db, question.id)
    assert kept is not None
    assert (kept.status, kept.decided_by) == ("confirmed", 3)


def _stale() -> cluster_candidates.NewCandidate:
    return cluster_candidates.NewCandidate("k", "K", 2024, "deputy", "Sai", "sai", "câu", 0.6,
                                           ("form:apposition",))


async def test_the_sample_restatements_are_stored_for_review(tmp_path: Path, db: Database
                                                             ) -> None:
    """bot/sample/CLUSTER_FACTS.md: "X, Cụm trưởng năm 2023, chủ trì" and "X (Cụm trưởng Cụm thi
    đua ... năm 2024)" are read; /cluster already shows both facts from the election sentences,
    so neither is put to the admins, and the facts shown stay exactly the listed ones."""
    settings = Settings(database=tmp_path / "n.db")  # type: ignore[call-arg]
    async with make_client(5) as http:
        await Ingestor(db, load_sources(sample_sources_file()), settings, http,
                       after_store=[ClusterScanner(TZ).after_store]).run_once()
    async with db.execute(
        "SELECT c.year, c.role, c.unit, a.dedupe_key FROM cluster_candidates c "
        "JOIN articles a ON a.id = c.article_id ORDER BY c.year") as cur:
        stored = [tuple(r) for r in await cur.fetchall()]
    assert [(y, r, u) for y, r, u, _ in stored] == [
        (2023, "leader", f"{MTTQ} thành phố Hồ Chí Minh"),
        (2024, "leader", f"{MTTQ} thành phố Hải Phòng"),
    ]
    assert "2023-12-19_tong-ket" in stored[0][3]
    assert "2024-10-17_hoi-thao" in stored[1][3]
    assert await cluster_candidates.pending(db) == []
    assert {(f.role, f.unit) for f in await cluster_facts.of_year(db, 2024)} == {
        ("leader", f"{MTTQ} thành phố Hải Phòng"), ("deputy", f"{MTTQ} thành phố Cần Thơ")}


def _old_database(path: Path) -> None:
    """A database made by the previous main (every migration before this one), with rows."""
    raw = sqlite3.connect(path)
    previous = len(migrations()) - 1
    for number, sql in enumerate(migrations()[:previous], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Cụm thi đua', 'cum thi dua')")
    body = ("Theo kết quả phân cụm năm 2025, Cụm 1 do Ủy ban MTTQ phường Máy Chai làm cụm "
            "trưởng, Ủy ban MTTQ phường Vạn Mỹ làm cụm phó; Cụm 2 do Ủy ban MTTQ phường Cầu Tre "
            "làm cụm trưởng.\n\n" + RESTATED)
    raw.execute(
        "INSERT INTO articles(dedupe_key, source, url, title, category_id, published, fetched_at,"
        " summary, body) VALUES ('k', 's', 'https://x.vn/k', 'Phân cụm thi đua', 1, ?, 0, '', ?)",
        (int(datetime(2025, 1, 20, tzinfo=UTC).timestamp()), body))
    raw.execute(
        "INSERT INTO cluster_facts(cluster_key, cluster, year, role, unit, unit_key, origin, "
        "admin_id, created_at) VALUES ('cac quan', 'các quận', 2023, 'leader', 'Đơn vị A', "
        "'don vi a', 'admin', 1, 5)")
    raw.commit()
    raw.close()


async def test_a_database_from_the_previous_version_migrates_with_every_row(tmp_path: Path
                                                                              ) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    db = await open_database(path)
    try:
        async with db.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone())[0] == schema_version()  # type: ignore[index]
        assert await cluster_scan.article_count(db) == 1
        assert await cluster_facts.count(db, "admin") == 1
        assert await cluster_candidates.count(db) == 0
    finally:
        await db.close()


async def test_rescan_gives_an_upgraded_database_the_new_facts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
    # The command runs its own event loop, as it does from a shell.
    assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0
    assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0  # idempotent
    db = await open_database(path)
    try:
        facts = await cluster_facts.of_year(db, 2025)
        assert {(f.cluster, f.role, f.unit) for f in facts} == {
            ("số 1", "leader", f"{MTTQ} phường Máy Chai"),
            ("số 1", "deputy", f"{MTTQ} phường Vạn Mỹ"),
            ("số 2", "leader", f"{MTTQ} phường Cầu Tre"),
        }
        (question,) = await cluster_candidates.pending(db)
        assert (question.year, question.unit) == (2024, f"{MTTQ} thành phố Hải Phòng")
        assert await cluster_facts.count(db, "admin") == 1
    finally:
        await db.close()


def test_migrations_refuse_two_files_with_one_number() -> None:
    from storage.migrations import ordered

    assert ordered([("0002_b.sql", "B"), ("0001_a.sql", "A")]) == ("A", "B")
    with pytest.raises(RuntimeError, match="two migrations are numbered 0002"):
        ordered([("0001_a.sql", "A"), ("0002_b.sql", "B"), ("0002_c.sql", "C")])
    with pytest.raises(RuntimeError, match="without gaps"):
        ordered([("0001_a.sql", "A"), ("0003_c.sql", "C")])


async def test_a_rescan_keeps_the_ids_of_the_questions(db: Database) -> None:
    """A question put to the admins stays answerable after a re-scan: same row, same id."""
    await _article(db, "a", RESTATED)
    scanner = ClusterScanner(TZ)
    await scanner.catch_up(db)
    (before,) = await cluster_candidates.pending(db)
    await scanner.rescan(db)
    await scanner.rescan(db)
    (after,) = await cluster_candidates.pending(db)
    assert after.id == before.id
    assert await cluster_candidates.newest_pending_id(db) == before.id


def _review(db: Database, clock: list[float]) -> Any:
    from bot.chat.cluster_review import ClusterReview
    from bot.chat.common import Admins, Common
    from bot.chat.reader import Reader
    from bot.render.telegram import LIMITS

    common = Common(db, default_language="vi", tz=TZ, limits={"telegram": LIMITS},
                    admins=Admins.of([1, 2]), clock=lambda: clock[0])
    return ClusterReview(Reader(common))


async def test_admins_are_told_once_and_not_flooded(db: Database) -> None:
    clock = [1_750_000_000.0]
    review = _review(db, clock)
    told: list[tuple[str, str]] = []

    async def send(chat: ChatRef, message: Message) -> bool:
        told.append((chat.id, str(message.text).split("\n")[0]))
        return chat.id != "2"  # admin 2 never started the bot: not delivered

    assert await review.announce(send) == 0  # nothing to ask
    await _article(db, "a", RESTATED)
    await ClusterScanner(TZ).catch_up(db)
    assert await review.announce(send) == 1
    assert told == [("1", "🗂 1 câu hỏi mới về cụm thi đua"),
                    ("2", "🗂 1 câu hỏi mới về cụm thi đua")]
    assert await review.announce(send) == 0  # told already
    # New questions while admin 1's is unanswered: only admin 2 (never reached) is tried.
    told.clear()
    await _article(db, "b", RESTATED.replace("Hải Phòng", "Cần Thơ"))
    await ClusterScanner(TZ).catch_up(db)
    assert await review.announce(send) == 0
    assert [who for who, _ in told] == ["2"]
    # A day later an unanswered question is announced again, with the new ones.
    told.clear()
    clock[0] += 24 * 3600
    await _article(db, "c", RESTATED.replace("Hải Phòng", "Hà Nội"))
    await ClusterScanner(TZ).catch_up(db)
    assert await review.announce(send) == 1
    assert told[0] == ("1", "🗂 1 câu hỏi mới về cụm thi đua")


async def test_two_processes_announce_a_batch_once(tmp_path: Path) -> None:
    """Two processes sharing the database: the announcement mark moves once."""
    path = tmp_path / "shared.db"
    first, second = await open_database(path), await open_database(path)
    try:
        await _article(first, "a", RESTATED)
        await ClusterScanner(TZ).catch_up(first)
        sent: list[str] = []

        async def send(chat: ChatRef, message: Message) -> bool:
            sent.append(chat.id)
            return True

        clock = [1_750_000_000.0]
        counts = await asyncio.gather(_review(first, clock).announce(send),
                                      _review(second, clock).announce(send))
        assert sorted(counts) == [0, 2]
        assert sorted(sent) == ["1", "2"]
    finally:
        await first.close()
        await second.close()


async def test_questions_of_a_database_from_the_previous_version_are_announced(
        tmp_path: Path) -> None:
    """A database of the previous version already holding a question: kept, and announced once
    after the upgrade."""
    path = tmp_path / "old.db"
    _old_database(path)
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO cluster_candidates(article_id, sentence, cluster_key, cluster, year, role, "
        "unit, unit_key, confidence, reasons, created_at) VALUES (1, ?, 'so 9', 'số 9', 2025, "
        "'leader', 'Ủy ban MTTQ Việt Nam phường Lê Lợi', 'uy ban mttq viet nam phuong le loi', "
        "0.6, 'form:parenthesis', 5)", (RESTATED,))
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        (question,) = await cluster_candidates.pending(db)
        assert question.unit == "Ủy ban MTTQ Việt Nam phường Lê Lợi"
        sent: list[str] = []

        async def send(chat: ChatRef, message: Message) -> bool:
            sent.append(str(message.text))
            return True

        assert await _review(db, [1_750_000_000.0]).announce(send) == 2
        assert "phường Lê Lợi" in sent[0]
    finally:
        await db.close()
