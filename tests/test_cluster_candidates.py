"""Cluster candidates: what the reader is unsure about waits for the admins (SPEC 13), never
reaches readers, and an admin's answer sticks. Real SQLite files in tmp dirs."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.config import Settings, load_sources
from bot.demo import sample_sources_file
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.leadership import LeadershipScanner
from storage import articles, cluster_candidates, clusters
from storage.articles import NewArticle
from storage.clusters import NewFact
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
    report = await LeadershipScanner(TZ).catch_up(db)
    assert (report.facts, report.candidates) == (0, 1)
    assert await clusters.latest(db) == []  # not shown to readers
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
    (fact,) = await clusters.latest(db)
    assert (fact.unit, fact.origin, fact.admin_id, fact.year) == (
        f"{MTTQ} thành phố Hải Phòng", "admin", 7, 2024)
    assert await cluster_candidates.pending(db) == []
    async with db.transaction() as conn:  # a second answer to the same question does nothing
        assert await cluster_candidates.confirm(conn, question.id, admin_id=8, now=101) is None


async def test_a_rejected_claim_is_never_asked_again(db: Database) -> None:
    await _article(db, "a", RESTATED)
    scanner = LeadershipScanner(TZ)
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
    assert await clusters.latest(db) == []


async def test_correcting_stores_the_admins_values(db: Database) -> None:
    await _article(db, "a", RESTATED)
    await LeadershipScanner(TZ).catch_up(db)
    (question,) = await cluster_candidates.pending(db)
    right = NewFact(question.cluster_key, question.cluster, 2024, "deputy",
                    f"{MTTQ} thành phố Hải Phòng", "x")
    async with db.transaction() as conn:
        done = await cluster_candidates.correct(conn, question.id, right, admin_id=9, now=5)
    assert done is not None
    assert done.status == "corrected"
    (fact,) = await clusters.latest(db)
    assert (fact.role, fact.origin) == ("deputy", "admin")
    assert await cluster_candidates.pending(db) == []


async def test_questions_are_not_asked_about_what_is_settled(db: Database) -> None:
    # Two articles restate the same claim: one question. An admin fact for the cluster, year
    # and role, or the same fact already shown, settles it.
    await _article(db, "a", RESTATED)
    await _article(db, "b", RESTATED.replace("Hội thảo", "Tọa đàm"))
    await LeadershipScanner(TZ).catch_up(db)
    assert await cluster_candidates.count(db, "pending") == 2
    (question,) = await cluster_candidates.pending(db)
    async with db.transaction() as conn:
        await clusters.set_admin(conn, NewFact(question.cluster_key, FIVE, 2024, "leader",
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
    scanner = LeadershipScanner(TZ)
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
                       after_store=[LeadershipScanner(TZ).after_store]).run_once()
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
    assert {(f.role, f.unit) for f in await clusters.of_year(db, 2024)} == {
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
        assert await clusters.article_count(db) == 1
        assert await clusters.count(db, "admin") == 1
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
        facts = await clusters.of_year(db, 2025)
        assert {(f.cluster, f.role, f.unit) for f in facts} == {
            ("số 1", "leader", f"{MTTQ} phường Máy Chai"),
            ("số 1", "deputy", f"{MTTQ} phường Vạn Mỹ"),
            ("số 2", "leader", f"{MTTQ} phường Cầu Tre"),
        }
        (question,) = await cluster_candidates.pending(db)
        assert (question.year, question.unit) == (2024, f"{MTTQ} thành phố Hải Phòng")
        assert await clusters.count(db, "admin") == 1
    finally:
        await db.close()


def test_migrations_refuse_two_files_with_one_number() -> None:
    from storage.migrations import ordered

    assert ordered([("0002_b.sql", "B"), ("0001_a.sql", "A")]) == ("A", "B")
    with pytest.raises(RuntimeError, match="two migrations are numbered 0002"):
        ordered([("0001_a.sql", "A"), ("0002_b.sql", "B"), ("0002_c.sql", "C")])
    with pytest.raises(RuntimeError, match="without gaps"):
        ordered([("0001_a.sql", "A"), ("0003_c.sql", "C")])
