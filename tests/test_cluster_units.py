"""The (cluster, unit) pairs /cluster looks words up in (cluster_units, kept by triggers): they
follow every writer of cluster_facts on both backends, a database of the previous version gets
them from its facts with every row kept, and copy-db rebuilds them on PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from storage import articles, cluster_facts
from storage.articles import NewArticle
from storage.cluster_facts import NewFact, Role
from storage.copy import copy_database
from storage.db import Conn, Database, open_database
from storage.migrations import migrations, postgres_migrations
from tests.conftest import (
    drop_postgres_database,
    new_postgres_database,
    previous_postgres_database,
    previous_sqlite_database,
)

MTTQ = "Ủy ban MTTQ Việt Nam"
NORTH = "cac tinh dong bac"
FIVE = "5 thanh pho truc thuoc trung uong"
# Every migration before the cluster_units one (found by content: renumbering keeps this).
PREVIOUS = next(n for n, sql in enumerate(migrations()) if "CREATE TABLE cluster_units" in sql)
PG_PREVIOUS = next(n for n, sql in enumerate(postgres_migrations())
                   if "CREATE TABLE cluster_units" in sql)


def _fact(key: str, year: int, role: Role, place: str) -> NewFact:
    unit = f"{MTTQ} tỉnh {place}" if place else ""
    return NewFact(key, key.title(), year, role, unit, unit.casefold())


async def _article(db: Database, key: str) -> int:
    item = NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=f"Bài {key}",
        category="Cụm thi đua", published=datetime.fromisoformat("2024-01-02T10:00:00+07:00"),
        summary="", body="", image=None, image_caption=None, author=None,
    )
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [item], fetched_at=0)
    return stored.id


async def _pairs(conn: Conn) -> list[tuple[str, str, int]]:
    async with conn.execute(
            "SELECT cluster_key, unit_key, facts FROM cluster_units "
            "ORDER BY cluster_key, unit_key") as cur:
        return [(r[0], r[1], int(r[2])) for r in await cur.fetchall()]


async def _counted_from_facts(conn: Conn) -> list[tuple[str, str, int]]:
    async with conn.execute(
            "SELECT cluster_key, unit_key, count(*) FROM cluster_facts "
            "GROUP BY cluster_key, unit_key ORDER BY cluster_key, unit_key") as cur:
        return [(r[0], r[1], int(r[2])) for r in await cur.fetchall()]


async def test_the_pairs_follow_every_writer_of_the_facts(db: Database) -> None:
    first, second = await _article(db, "a"), await _article(db, "b")
    quang_ninh = f"{MTTQ} tỉnh Quảng Ninh".casefold()
    lang_son = f"{MTTQ} tỉnh Lạng Sơn".casefold()
    async with db.transaction() as conn:
        await cluster_facts.replace_extracted(conn, [first, second], [
            (first, 1, _fact(NORTH, 2023, "leader", "Quảng Ninh")),
            (first, 1, _fact(NORTH, 2023, "deputy", "Lạng Sơn")),
            (second, 2, _fact(NORTH, 2024, "leader", "Quảng Ninh")),
        ], now=5)
    assert await _pairs(db) == [(NORTH, lang_son, 1), (NORTH, quang_ninh, 2)]

    # A re-scan of the same article changes nothing; a re-scan finding less lets pairs go.
    async with db.transaction() as conn:
        await cluster_facts.replace_extracted(conn, [first], [
            (first, 1, _fact(NORTH, 2023, "leader", "Quảng Ninh")),
            (first, 1, _fact(NORTH, 2023, "deputy", "Lạng Sơn")),
        ], now=6)
    assert await _pairs(db) == [(NORTH, lang_son, 1), (NORTH, quang_ninh, 2)]
    async with db.transaction() as conn:
        await cluster_facts.replace_extracted(conn, [first], [
            (first, 1, _fact(NORTH, 2023, "leader", "Quảng Ninh"))], now=7)
    assert await _pairs(db) == [(NORTH, quang_ninh, 2)]

    # An admin's fact, then the same admin fact naming another unit (updated in place), then
    # "nobody": the old unit's pair goes, the cluster stays known.
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, _fact(FIVE, 2024, "leader", "Hải Phòng"),
                                      admin_id=1, now=8)
        await cluster_facts.set_admin(conn, _fact(FIVE, 2024, "leader", "Hải Phòng"),
                                      admin_id=2, now=9)
    hai_phong = f"{MTTQ} tỉnh Hải Phòng".casefold()
    assert await _pairs(db) == [(FIVE, hai_phong, 1), (NORTH, quang_ninh, 2)]
    async with db.transaction() as conn:
        await cluster_facts.set_admin(conn, _fact(FIVE, 2024, "leader", ""), admin_id=1, now=10)
    assert await _pairs(db) == [(FIVE, "", 1), (NORTH, quang_ninh, 2)]
    assert await cluster_facts.find_keys(db, "5 thanh pho") == [FIVE]

    # An article deleted takes its facts with it (the cascade) and so its pairs.
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM articles WHERE id = ?", (second,))
    assert await _pairs(db) == [(FIVE, "", 1), (NORTH, quang_ninh, 1)]
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM articles WHERE id = ?", (first,))
    assert await _pairs(db) == [(FIVE, "", 1)]
    assert await cluster_facts.find_keys(db, "dong bac", unit_key="quang ninh") == []
    assert await _pairs(db) == await _counted_from_facts(db)


async def test_words_find_a_cluster_by_its_name_before_its_members(db: Database) -> None:
    async with db.transaction() as conn:
        for key, place in [(NORTH, "Quảng Ninh"), (FIVE, "Hải Phòng"),
                           ("duyen hai bac bo", "Quảng Ninh"), ("tay bac", "Lai Châu")]:
            await cluster_facts.set_admin(conn, _fact(key, 2024, "leader", place), admin_id=1,
                                          now=1)

    async def find(key: str, unit_key: str | None = None) -> list[str]:
        return await cluster_facts.find_keys(db, key, unit_key=unit_key)

    assert await find(NORTH, unit_key="bac") == [NORTH]  # the exact key alone
    assert await find("bac", unit_key="bac") == ["cac tinh dong bac", "duyen hai bac bo",
                                                 "tay bac"]  # names before members
    assert await find("quang ninh", unit_key="quảng ninh") == ["cac tinh dong bac",
                                                               "duyen hai bac bo"]
    assert await find("quang ninh") == []  # members only when asked
    assert await find("phong", unit_key="phòng") == [FIVE]
    assert await find("x", unit_key="_") == []  # LIKE wildcards are literal
    assert await find("%", unit_key="%") == []
    assert await find("bac", unit_key="bac") == sorted(await find("bac"))
    assert await cluster_facts.keys_with_unit(db, "quảng ninh") == ["cac tinh dong bac",
                                                                    "duyen hai bac bo"]
    assert await cluster_facts.find_keys(db, "bac", limit=2) == ["cac tinh dong bac",
                                                                 "duyen hai bac bo"]


# --- upgrading a database of the previous version -----------------------------------------

_ROWS = """
    INSERT INTO categories(id, name, folded) VALUES (1, 'Cụm thi đua', 'cum thi dua');
    INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published, fetched_at,
                         summary, body)
    VALUES (1, 'k1', 's', 'https://x.vn/1', 'Tổng kết', 1, 100, 100, '', ''),
           (2, 'k2', 's', 'https://x.vn/2', 'Hội nghị', 1, 200, 200, '', '');
    INSERT INTO cluster_facts(id, cluster_key, cluster, year, role, unit, unit_key, origin,
                              article_id, published, sentence, admin_id, created_at)
    VALUES (1, 'cac tinh dong bac', 'các tỉnh Đông Bắc', 2023, 'leader',
            'UBMTTQ tỉnh Quảng Ninh', 'ubmttq tinh quang ninh', 'extracted', 1, 100, 'Câu 1.',
            NULL, 5),
           (2, 'cac tinh dong bac', 'các tỉnh Đông Bắc', 2024, 'leader',
            'UBMTTQ tỉnh Quảng Ninh', 'ubmttq tinh quang ninh', 'extracted', 2, 200, 'Câu 2.',
            NULL, 5),
           (3, 'cac tinh dong bac', 'các tỉnh Đông Bắc', 2024, 'deputy',
            'UBMTTQ tỉnh Lạng Sơn', 'ubmttq tinh lang son', 'extracted', 2, 200, NULL, NULL, 5),
           (4, 'tay bac', 'Tây Bắc', 2024, 'leader', '', '', 'admin', NULL, NULL, NULL, '7',
            6);
"""
_UPGRADED_PAIRS = [("cac tinh dong bac", "ubmttq tinh lang son", 1),
                   ("cac tinh dong bac", "ubmttq tinh quang ninh", 2), ("tay bac", "", 1)]


async def _upgraded(db: Database) -> None:
    assert await cluster_facts.count(db) == 4
    async with db.execute("SELECT id, unit, sentence FROM cluster_facts ORDER BY id") as cur:
        assert [tuple(r) for r in await cur.fetchall()] == [
            (1, "UBMTTQ tỉnh Quảng Ninh", "Câu 1."), (2, "UBMTTQ tỉnh Quảng Ninh", "Câu 2."),
            (3, "UBMTTQ tỉnh Lạng Sơn", None), (4, "", None)]
    assert await _pairs(db) == _UPGRADED_PAIRS
    assert await cluster_facts.find_keys(db, "lang son", unit_key="lang son") == [
        "cac tinh dong bac"]
    assert await cluster_facts.find_keys(db, "tay bac") == ["tay bac"]
    facts = await cluster_facts.of_clusters(db, ["cac tinh dong bac"], 2024)
    assert [(f.role, f.unit) for f in facts] == [("leader", "UBMTTQ tỉnh Quảng Ninh"),
                                                 ("deputy", "UBMTTQ tỉnh Lạng Sơn")]
    # The triggers work on the upgraded database.
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM articles WHERE id = 1")
    assert await _pairs(db) == [("cac tinh dong bac", "ubmttq tinh lang son", 1),
                                ("cac tinh dong bac", "ubmttq tinh quang ninh", 1),
                                ("tay bac", "", 1)]


async def test_a_previous_database_gets_the_pairs_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    previous_sqlite_database(path, PREVIOUS, _ROWS)
    db = await open_database(path)
    try:
        await _upgraded(db)
    finally:
        await db.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
    finally:
        check.close()


@pytest.mark.postgres
async def test_a_previous_postgres_database_gets_the_pairs_with_every_row(
        postgres_server: str) -> None:
    url = await previous_postgres_database(postgres_server, PG_PREVIOUS, _ROWS)
    try:
        db = await open_database(url)
        try:
            assert await db.schema_version() == len(postgres_migrations())
            await _upgraded(db)
        finally:
            await db.close()
    finally:
        await drop_postgres_database(url)


@pytest.mark.postgres
async def test_copy_db_rebuilds_the_pairs(tmp_path: Path, postgres_server: str) -> None:
    source = tmp_path / "bot.db"
    lite = await open_database(source)
    try:
        async with lite.transaction() as conn:
            await conn.execute("DELETE FROM categories")  # _ROWS numbers its own
        for statement in _ROWS.split(";"):
            if statement.strip():
                async with lite.transaction() as conn:
                    await conn.execute(statement)
    finally:
        await lite.close()
    url = await new_postgres_database(postgres_server)
    try:
        report = await copy_database(source, url)
        assert report.counts["cluster_units"] == 3
        assert report.counts["cluster_facts"] == 4
        copy = await open_database(url)
        try:
            assert await _pairs(copy) == _UPGRADED_PAIRS
            await _upgraded(copy)
        finally:
            await copy.close()
    finally:
        await drop_postgres_database(url)
