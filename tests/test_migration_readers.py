"""Upgrading a database made by the previous version (every migration before the readers one) to
readers (a chat or one of its forum topics), "all categories", memberships and announced
categories: every row is kept, and becomes the reader of the chat itself. On both backends:
SQLite's series rebuilds `subscriptions`, PostgreSQL's changes its primary key in place."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.message import ChatRef
from storage import categories, deliveries, digests, memberships, subscriptions
from storage.db import is_postgres_url, open_database
from storage.migrations import migrations, postgres_migrations
from tests.conftest import BACKENDS, drop_postgres_database, new_postgres_database


def _before_readers(series: tuple[str, ...]) -> int:
    """How many migrations of `series` come before the readers one (found by content, so
    renumbering the migration does not change this test)."""
    return next(n for n, sql in enumerate(series) if "CREATE TABLE subscriptions_all" in sql)


TABLES = ("chats", "categories", "articles", "subscriptions", "deliveries", "digests",
          "digest_overflow", "broadcasts")
# The columns the readers migration adds, per table (with what an old row gets).
ADDED = {"subscriptions": ("thread_id", ""), "deliveries": ("thread_id", ""),
         "digests": ("thread_id", ""), "categories": ("announced_at", 0)}
# Rows in every table this migration touches; portable SQL (both backends take it).
OLD_ROWS = """
    INSERT INTO categories(id, name, folded) VALUES (1, 'Thời sự', 'thoi su'),
                                                    (2, 'An sinh', 'an sinh');
    INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published,
                         fetched_at, summary, body)
    VALUES (1, 'k1', 's', 'https://x.vn/1', 'Một', 1, 100, 100, 'tóm tắt', 'thân'),
           (2, 'k2', 's', 'https://x.vn/2', 'Hai', 2, 200, 200, 'tóm tắt', 'thân');
    INSERT INTO chats(channel, id, type, language, active, delivery_mode, digest_hour,
                      created_at)
    VALUES ('telegram', '1001', 'private', 'vi', 1, 'instant', NULL, 10),
           ('telegram', '1002', 'private', 'en', 1, 'digest', 7, 11),
           ('telegram', '-1000000000005', 'supergroup', 'vi', 1, 'instant', NULL, 12);
    INSERT INTO subscriptions(channel, chat_id, category_id, created_at)
    VALUES ('telegram', '1001', 1, 20), ('telegram', '1001', 2, 21),
           ('telegram', '1002', 1, 22), ('telegram', '-1000000000005', 2, 23);
    INSERT INTO broadcasts(id, admin_channel, admin_id, text, status, created_at)
    VALUES (1, 'telegram', '9001', '[["Thông báo"]]', 'sending', 30);
    INSERT INTO digests(id, channel, chat_id, text, period_start, period_end, created_at)
    VALUES (1, 'telegram', '1002', '[["Bản tin"]]', 100, 200, 40);
    INSERT INTO digest_overflow(digest_id, position, article_id) VALUES (1, 0, 2);
    INSERT INTO deliveries(id, channel, chat_id, article_id, status, attempts, message_id,
                           created_at, finished_at)
    VALUES (1, 'telegram', '1001', 1, 'sent', 1, '555', 50, 51);
    INSERT INTO deliveries(id, channel, chat_id, article_id, status, created_at)
    VALUES (2, 'telegram', '-1000000000005', 2, 'pending', 52);
    INSERT INTO deliveries(id, channel, chat_id, broadcast_id, status, created_at)
    VALUES (3, 'telegram', '1001', 1, 'pending', 53);
    INSERT INTO deliveries(id, channel, chat_id, digest_id, status, created_at)
    VALUES (4, 'telegram', '1002', 1, 'pending', 54);
"""
# PostgreSQL: the ids above were given, not drawn: move the identity sequences past them, as
# the database would be after those rows had been made by the bot.
_IDENTITY = ("categories", "articles", "broadcasts", "digests", "deliveries")


def _old_sqlite(path: Path) -> None:
    """A SQLite database as the previous main left it, with rows."""
    conn = sqlite3.connect(path)
    # Foreign keys off while migrating, as the migration runner does (storage/sqlite.py).
    for number, sql in enumerate(migrations()[:_before_readers(migrations())], start=1):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(OLD_ROWS)
    conn.close()


async def _old_postgres(url: str) -> None:
    """A PostgreSQL database as the previous main left it (its migrations, versioned as
    storage/postgres.py does), with rows."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE newsbot_schema (version INTEGER PRIMARY KEY, "
                           "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        steps = postgres_migrations()
        for number, sql in enumerate(steps[:_before_readers(steps)], start=1):
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO newsbot_schema(version) VALUES ($1)", number)
        await conn.execute(OLD_ROWS)
        for table in _IDENTITY:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"max(id)) FROM {table}")
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def old_target(request: pytest.FixtureRequest, tmp_path: Path
                     ) -> AsyncIterator[Path | str]:
    """A database of the version before readers, with rows, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "old.db"
        _old_sqlite(path)
        yield path
        return
    url = await new_postgres_database(request.getfixturevalue("postgres_server"), empty=True)
    try:
        await _old_postgres(url)
        yield url
    finally:
        await drop_postgres_database(url)


async def _columns(target: Path | str, table: str) -> list[str]:
    if is_postgres_url(target):
        import asyncpg

        conn = await asyncpg.connect(str(target))
        try:
            return [r[0] for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = $1 "
                "ORDER BY ordinal_position", table)]
        finally:
            await conn.close()
    conn3 = sqlite3.connect(target)
    try:
        return [r[1] for r in conn3.execute(f"PRAGMA table_info({table})")]
    finally:
        conn3.close()


async def _rows(target: Path | str, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    """The rows of `table`, as tuples of `columns`, in a stable order."""
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    if is_postgres_url(target):
        import asyncpg

        conn = await asyncpg.connect(str(target))
        try:
            rows = [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()
    else:
        conn3 = sqlite3.connect(target)
        try:
            rows = conn3.execute(sql).fetchall()
        finally:
            conn3.close()
    return sorted(rows, key=repr)


async def test_every_row_is_kept_and_becomes_the_chats_own_reader(
        old_target: Path | str) -> None:
    columns = {table: await _columns(old_target, table) for table in TABLES}
    before = {table: await _rows(old_target, table, columns[table]) for table in TABLES}
    assert all(before[table] for table in TABLES)

    db = await open_database(old_target)
    try:
        conn = db
        for table in TABLES:
            # The old columns keep their values, row for row; the new ones say "the chat
            # itself" / "known to the admins".
            assert await _rows(old_target, table, columns[table]) == before[table], table
            if table in ADDED:
                column, value = ADDED[table]
                assert {r[0] for r in await _rows(old_target, table, [column])} == {value}
        assert await categories.unannounced(conn) == []
        assert await memberships.present(conn, types=("channel",)) == []
        chat = ChatRef("telegram", "1001")
        assert await subscriptions.category_ids(conn, chat) == {1, 2}
        assert not await subscriptions.follows_all(conn, chat)
        assert await subscriptions.count_subscribers(conn) == {1: 2, 2: 2}
        pending = await deliveries.next_new(conn, after_id=0, limit=10, channels=["telegram"])
        assert [(p.id, p.chat, p.kind) for p in pending] == [
            (2, ChatRef("telegram", "-1000000000005"), "article"),
            (3, chat, "broadcast"), (4, ChatRef("telegram", "1002"), "digest")]
        digest = await digests.get(conn, 1)
        assert digest is not None
        assert digest.chat == ChatRef("telegram", "1002")

        # Readers work on the migrated tables: a topic of the supergroup subscribes on its
        # own, the same article goes to the chat and to the topic once each, never twice.
        topic = ChatRef("telegram", "-1000000000005", "9")
        async with db.transaction() as tx:
            assert await subscriptions.add(tx, topic, 2, now=60)
            assert not await subscriptions.add(tx, topic, 2, now=61)
            assert await subscriptions.add_all(tx, chat, now=62)
            added = await deliveries.enqueue_article(tx, 2, now=63)
            again = await deliveries.enqueue_article(tx, 2, now=64)
        assert (added, again) == (2, 0)  # the topic, and 1001 through "all"; the group had it
        queued = await deliveries.by_chat(conn, article_id=2)
        assert set(queued) == {ChatRef("telegram", "-1000000000005"), topic, chat}
        # The outbox's claim (PostgreSQL: a lease, FOR UPDATE SKIP LOCKED) gives each row its
        # reader; a second claim meanwhile takes none of them again.
        claim = deliveries.Claim("proc-1", now=70, until=130)
        assert await db.lead("alive:proc-1")  # a live process's claims are not taken back
        async with db.transaction() as tx:
            claimed = await deliveries.next_new(tx, after_id=4, limit=10,
                                                channels=["telegram"], claim=claim)
        assert {p.chat for p in claimed if p.id > 4} == {topic, chat}
        if db.backend == "postgres":
            async with db.transaction() as tx:
                assert await deliveries.next_new(
                    tx, after_id=0, limit=10, channels=["telegram"],
                    claim=deliveries.Claim("proc-2", now=71, until=131)) == []
    finally:
        await db.close()
    if is_postgres_url(old_target):
        return
    check = sqlite3.connect(old_target)
    try:
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
