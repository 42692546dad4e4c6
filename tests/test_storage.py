"""Storage on real SQLite files: migrations, WAL, refusing newer schemas, dedupe on insert."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import articles, categories
from storage.articles import NewArticle
from storage.db import Database, DatabaseError, open_database
from storage.migrations import migrations, schema_version

SCHEMA_VERSION = schema_version()


def _item(key: str, title: str = "Tiêu đề", category: str = "Tin tức", ts: int = 1_700_000_000
          ) -> NewArticle:
    return NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=title, category=category,
        published=datetime.fromtimestamp(ts, UTC), summary="Tóm tắt.", body="Nội dung.",
        image=None, image_caption=None, author=None,
    )


async def test_new_database_is_migrated_with_wal_and_foreign_keys(sqlite_db: Database) -> None:
    db = sqlite_db
    async with db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone())[0] == SCHEMA_VERSION  # type: ignore[index]
    async with db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]
    async with db.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]


async def test_reopening_keeps_data(tmp_path: Path) -> None:
    first = await open_database(tmp_path / "a.db")
    async with first.transaction() as conn:
        await articles.insert_new(conn, [_item("k1")], fetched_at=1)
    await first.close()
    second = await open_database(tmp_path / "a.db")
    assert await articles.count(second) == 1
    await second.close()


async def test_older_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(migrations()[0] + "\nPRAGMA user_version = 1;")
    raw.close()
    db = await open_database(path)
    async with db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone())[0] == SCHEMA_VERSION  # type: ignore[index]
    await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(DatabaseError, match="newer than this newsbot knows"):
        await open_database(path)


async def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a newsbot database"):
        await open_database(path)


async def test_insert_new_stores_each_key_once(db: Database) -> None:
    async with db.transaction() as conn:
        first = await articles.insert_new(conn, [_item("a"), _item("b"), _item("a")], fetched_at=1)
    assert [a.url for a in first] == ["https://x.vn/a", "https://x.vn/b"]
    async with db.transaction() as conn:
        again = await articles.insert_new(conn, [_item("a"), _item("c")], fetched_at=2)
    assert [a.url for a in again] == ["https://x.vn/c"]
    assert await articles.count(db) == 3


async def test_failed_transaction_rolls_back(db: Database) -> None:
    async def write_then_fail() -> None:
        async with db.transaction() as conn:
            await articles.insert_new(conn, [_item("a")], fetched_at=1)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert await articles.count(db) == 0


async def test_latest_orders_by_time_and_filters_category(db: Database) -> None:
    async with db.transaction() as conn:
        await articles.insert_new(conn, [
            _item("old", category="An sinh xã hội", ts=1_600_000_000),
            _item("new", category="An sinh xã hội", ts=1_700_000_000),
            _item("other", category="Tin tức", ts=1_650_000_000),
        ], fetched_at=1)
    newest = await articles.latest(db, limit=2)
    assert [a.url.rsplit("/", 1)[1] for a in newest] == ["new", "other"]
    cat = await categories.find(db, "an sinh xa hoi")
    assert cat is not None
    assert cat.name == "An sinh xã hội"
    only = await articles.latest(db, limit=5, category_id=cat.id)
    assert [a.url.rsplit("/", 1)[1] for a in only] == ["new", "old"]
    assert only[0].published.tzinfo is not None


async def test_category_matching_ignores_accents_and_case(db: Database) -> None:
    async with db.transaction() as conn:
        await categories.ensure(conn, "Hoạt động MTTQ thành phố")
        twin = await categories.ensure(conn, "hoat dong mttq thanh pho")
    assert twin.name == "Hoạt động MTTQ thành phố"
    found = await categories.find(db, "HOAT DONG mttq")
    assert found is not None
    assert found.name == "Hoạt động MTTQ thành phố"
    assert await categories.find(db, "thể thao") is None
    assert await categories.find(db, "   ") is None


async def test_a_database_of_the_previous_version_keeps_every_row(tmp_path: Path) -> None:
    """Migration 0012 (search results and broadcast progress in the database) on a database
    made by the previous version: every row of every table is kept."""
    path = tmp_path / "previous.db"
    raw = sqlite3.connect(path)
    previous = schema_version() - 1
    for number, sql in enumerate(migrations()[:previous], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.executescript("""
        INSERT INTO categories(id, name, folded) VALUES (1, 'Tin tức', 'tin tuc');
        INSERT INTO chats(channel, id, type, created_at) VALUES ('telegram', '5', 'private', 1);
        INSERT INTO subscriptions(channel, chat_id, category_id, created_at)
            VALUES ('telegram', '5', 1, 1);
        INSERT INTO broadcasts(admin_channel, admin_id, text, status, created_at, recipients)
            VALUES ('telegram', '9', '{"html": "x"}', 'sending', 1, 1);
        INSERT INTO deliveries(channel, chat_id, broadcast_id, created_at)
            VALUES ('telegram', '5', 1, 1);
    """)
    tables = [r[0] for r in raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index%'"
        " AND name NOT LIKE 'sqlite_%'")]
    before = {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        for table, count in before.items():
            async with db.execute(f"SELECT count(*) FROM {table}") as cur:
                assert (await cur.fetchone())[0] == count, table  # type: ignore[index]
        async with db.execute("SELECT progress_edited_at, progress_shown, recipients "
                              "FROM broadcasts") as cur:
            assert tuple(await cur.fetchone()) == (None, None, 1)  # type: ignore[arg-type]
        async with db.execute("SELECT count(*) FROM search_results") as cur:
            assert (await cur.fetchone())[0] == 0  # type: ignore[index]
    finally:
        await db.close()
