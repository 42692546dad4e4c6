"""Cluster leadership in storage: extraction on ingest (the after_store hook), catch-up, the
re-scan command, and which fact wins (admin, else the most recent article). Real SQLite files."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.cluster.scanner import ClusterScanner, facts_of
from bot.config import Settings, load_sources
from bot.demo import sample_sources_file
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from storage import articles, cluster_facts, cluster_scan
from storage.articles import NewArticle
from storage.cluster_facts import Fact, NewFact
from storage.cluster_scan import ArticleText
from storage.db import Database, open_database
from storage.migrations import migrations
from tests.conftest import REPO, shared_path

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ROLES = {"Cụm trưởng": "leader", "Cụm phó": "deputy"}
FIVE = "5 thành phố trực thuộc Trung ương"
MTTQ = "Ủy ban MTTQ Việt Nam"


def _expected() -> dict[str, object]:
    """The machine-readable block of bot/sample/CLUSTER_FACTS.md."""
    text = (REPO / "bot" / "sample" / "CLUSTER_FACTS.md").read_text(encoding="utf-8")
    match = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert match is not None
    return dict(json.loads(match.group(1)))


def _winners(facts: list[Fact]) -> dict[tuple[int, str], str]:
    return {(f.year, f.role): f.unit for f in facts}


async def _ingest_sample(tmp_path: Path, db: Database, *, hook: bool = True) -> None:
    settings = Settings(database=tmp_path / "n.db")  # type: ignore[call-arg]
    scanner = ClusterScanner(TZ)
    async with make_client(5) as http:
        ingestor = Ingestor(db, load_sources(sample_sources_file()), settings, http,
                            after_store=[scanner.after_store] if hook else ())
        report = await ingestor.run_once()
    assert report.new_total > 0


async def _article(db: Database, key: str, text: str, published: str) -> int:
    item = NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=f"Bài {key}",
        category="Cụm thi đua", published=datetime.fromisoformat(published), summary="",
        body=text, image=None, image_caption=None, author=None,
    )
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [item], fetched_at=0)
    return stored.id


async def _all_facts(db: Database) -> list[tuple[object, ...]]:
    async with db.execute(
        "SELECT cluster_key, year, role, unit, origin, article_id, sentence FROM cluster_facts "
        "ORDER BY article_id, year, role"
    ) as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def test_ingesting_the_sample_stores_its_facts_and_no_trap(tmp_path: Path, db: Database
                                                                   ) -> None:
    await _ingest_sample(tmp_path, db)
    expected = _expected()
    stored = await _all_facts(db)
    # Precision: every stored fact is one CLUSTER_FACTS.md lists, none of its wrong answers.
    listed = {(f["year"], ROLES[f["role"]], f["unit"])  # type: ignore[index]
              for f in expected["facts"]}  # type: ignore[attr-defined]
    wrong = {(f["year"], ROLES[f["role"]], f["unit"])  # type: ignore[index]
             for f in expected["wrong_answers"]}  # type: ignore[attr-defined]
    found = {(year, role, unit) for _, year, role, unit, *_ in stored}
    assert found <= listed
    assert not found & wrong
    assert {key for key, *_ in stored} == {"5 thanh pho truc thuoc trung uong"}
    # The answer per year is exactly the expected one.
    by_year = expected["by_year"]
    for year in ("2023", "2024"):
        facts = await cluster_facts.of_year(db, int(year))
        assert {(ROLES_BACK[f.role], f.unit) for f in facts} == set(
            by_year[year].items())  # type: ignore[index]
        assert all(f.cluster == FIVE and f.origin == "extracted" and f.sentence for f in facts)
    latest = await cluster_facts.latest(db)
    assert {f.year for f in latest} == {expected["latest_year"]}
    assert await cluster_facts.of_year(db, 2025) == []
    assert await cluster_scan.scan_mark(db) == await _max_article_id(db)


ROLES_BACK = {v: k for k, v in ROLES.items()}


async def _max_article_id(db: Database) -> int:
    async with db.execute("SELECT max(id) FROM articles") as cur:
        return int((await cur.fetchone())[0])  # type: ignore[index]


async def test_catch_up_scans_what_was_stored_without_the_hook(tmp_path: Path, db: Database
                                                                ) -> None:
    await _ingest_sample(tmp_path, db, hook=False)
    assert await cluster_facts.count(db) == 0
    scanner = ClusterScanner(TZ)
    first = await scanner.catch_up(db)
    assert first.articles == await _max_article_id(db)
    assert first.facts == await cluster_facts.count(db) > 0
    again = await scanner.catch_up(db)
    assert (again.articles, again.facts) == (0, 0)


async def test_rescan_is_idempotent_and_keeps_admin_facts(tmp_path: Path, db: Database) -> None:
    await _ingest_sample(tmp_path, db)
    before = await _all_facts(db)
    async with db.transaction() as conn:
        await cluster_facts.set_admin(
            conn, NewFact("x", "X", 2022, "leader", "Đơn vị A", "don vi a"), admin_id=1, now=5)
    progress: list[tuple[int, int]] = []
    scanner = ClusterScanner(TZ)
    report = await scanner.rescan(db, lambda done, total: progress.append((done, total)))
    assert report.articles == progress[-1][0] == progress[-1][1]
    after = await _all_facts(db)
    assert [f for f in after if f[4] == "extracted"] == before
    assert [f for f in after if f[4] == "admin"] == [
        ("x", 2022, "leader", "Đơn vị A", "admin", None, None)]
    await scanner.rescan(db)
    assert await _all_facts(db) == after


async def test_rescan_replaces_what_an_older_extractor_stored(db: Database) -> None:
    aid = await _article(db, "a", "Không có gì về cụm thi đua.", "2023-05-01T08:00:00+07:00")
    async with db.transaction() as conn:  # a fact a buggy extractor once stored
        await cluster_facts.replace_extracted(
            conn, [aid], [(aid, 0, NewFact("k", "K", 2023, "leader", "Sai", "sai"))], now=1)
    await ClusterScanner(TZ).rescan(db)
    assert await _all_facts(db) == []


async def test_most_recent_article_wins_and_admin_overrides(db: Database) -> None:
    older = await _article(
        db, "older",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh làm Cụm trưởng Cụm thi "
        "đua các tỉnh Đông Bắc năm 2023.",
        "2022-12-20T08:00:00+07:00")
    newer = await _article(
        db, "newer",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Bắc Ninh làm Cụm trưởng Cụm thi "
        "đua các tỉnh Đông Bắc năm 2023.",
        "2023-01-15T08:00:00+07:00")
    await ClusterScanner(TZ).catch_up(db)
    (fact,) = await cluster_facts.latest(db)
    assert (fact.unit, fact.article_id) == (f"{MTTQ} tỉnh Bắc Ninh", newer)
    assert fact.article_title == "Bài newer"
    assert fact.article_url == "https://x.vn/newer"
    assert older != newer
    key = fact.cluster_key
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, NewFact(key, fact.cluster, 2023, "leader",
                                                    f"{MTTQ} tỉnh Lạng Sơn", "x"),
                                      admin_id=42, now=9)
    (admin,) = await cluster_facts.latest(db)
    assert (admin.unit, admin.origin, admin.admin_id) == (f"{MTTQ} tỉnh Lạng Sơn", "admin", 42)
    # A second /setcluster for the same year and role replaces the first; "" is "nobody".
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, NewFact(key, fact.cluster, 2023, "leader", "", ""),
                                      admin_id=43, now=10)
    (nobody,) = await cluster_facts.latest(db)
    assert (nobody.unit, nobody.admin_id) == ("", 43)
    assert await cluster_facts.count(db, "admin") == 1


def test_implausible_years_are_not_stored() -> None:
    sentence = ("Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh làm Cụm trưởng "
                "Cụm thi đua các tỉnh Đông Bắc năm {year}.")

    def years(year: int, published: str) -> list[int]:
        article = ArticleText(1, "", sentence.format(year=year),
                              int(datetime.fromisoformat(published).timestamp()))
        return [f.year for f in facts_of(article, TZ)]

    assert years(2024, "2023-12-19T10:00:00+07:00") == [2024]  # elected for next year
    assert years(2026, "2023-12-19T10:00:00+07:00") == []  # years ahead: a plan or a typo
    assert years(2010, "2023-12-19T10:00:00+07:00") == []  # far back: not about now
    # The publication year is the local one: 00:30 on 1/1/2024 in Hà Nội is still 2023 in UTC.
    assert years(2025, "2024-01-01T00:30:00+07:00") == [2025]


async def test_finding_clusters_by_words_and_by_member(db: Database) -> None:
    async with db.transaction() as conn:
        for key, name, unit in [
            ("5 thanh pho truc thuoc trung uong", FIVE, f"{MTTQ} thành phố Hải Phòng"),
            ("cac tinh dong bac", "các tỉnh Đông Bắc", f"{MTTQ} tỉnh Quảng Ninh"),
        ]:
            await cluster_facts.set_admin(conn, NewFact(key, name, 2024, "leader", unit,
                                                        unit.casefold()), admin_id=1, now=1)
    assert await cluster_facts.find_keys(db, "cac tinh dong bac") == ["cac tinh dong bac"]
    assert await cluster_facts.find_keys(db, "dong bac") == ["cac tinh dong bac"]
    assert await cluster_facts.find_keys(db, "_") == []  # LIKE wildcards are literal
    assert await cluster_facts.find_keys(db, "%") == []
    assert await cluster_facts.keys_with_unit(db, "quảng ninh") == ["cac tinh dong bac"]
    assert await cluster_facts.cluster_name(db, "cac tinh dong bac") == "các tỉnh Đông Bắc"


async def test_upgrade_leaves_old_articles_to_the_rescan_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before this feature: its articles are not scanned at start (a large
    archive would delay it); `newsbot rescan-clusters` reads them, and is idempotent."""
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for number, sql in enumerate(migrations()[:3], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Cụm thi đua', 'cum thi dua')")
    raw.execute(
        "INSERT INTO articles(dedupe_key, source, url, title, category_id, published, fetched_at,"
        " summary, body) VALUES ('k', 's', 'https://x.vn/k', 'Tổng kết', 1, ?, 0, '', ?)",
        (int(datetime(2023, 12, 19, tzinfo=UTC).timestamp()),
         "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam thành phố Hải Phòng làm Cụm trưởng, Ủy "
         "ban MTTQ Việt Nam thành phố Cần Thơ làm Cụm phó cụm thi đua 5 thành phố trực thuộc "
         "Trung ương năm 2024."))
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        assert await cluster_scan.scan_mark(db) == 1
        assert (await ClusterScanner(TZ).catch_up(db)).articles == 0
    finally:
        await db.close()
    monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
    # The command runs its own event loop, as it does from a shell.
    assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0
    assert await asyncio.to_thread(main, ["rescan-clusters"]) == 0
    db = await open_database(path)
    try:
        facts = await cluster_facts.of_year(db, 2024)
        assert {(f.role, f.unit) for f in facts} == {
            ("leader", f"{MTTQ} thành phố Hải Phòng"), ("deputy", f"{MTTQ} thành phố Cần Thơ")}
        assert await cluster_facts.count(db) == 2
    finally:
        await db.close()


def test_rescan_command_prints_progress_and_a_summary(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE", str(tmp_path / "empty.db"))
    assert main(["rescan-clusters"]) == 0
    out, err = capsys.readouterr()
    assert "Xong: đã đọc 0 bài viết, tìm thấy 0 thông tin cụm thi đua." in out
    assert "Traceback" not in err


async def test_seed_page_through_the_archive(tmp_path: Path) -> None:
    seed = shared_path("seed", "000_73bf31444ca40c50.txt")
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(seed, archive / seed.name)
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "archive"\n',
                       encoding="utf-8")
    db = await open_database(tmp_path / "seed.db")
    try:
        settings = Settings(database=tmp_path / "seed.db")  # type: ignore[call-arg]
        async with make_client(5) as http:
            await Ingestor(db, load_sources(sources), settings, http,
                           after_store=[ClusterScanner(TZ).after_store]).run_once()
        facts = await cluster_facts.latest(db)
        assert [(f.cluster, f.year, f.role, f.unit) for f in facts] == [
            (FIVE, 2022, "leader", f"{MTTQ} thành phố Đà Nẵng"),
            (FIVE, 2022, "deputy", f"{MTTQ} thành phố Hải Phòng"),
        ]
    finally:
        await db.close()
