"""Upgrading a database made by the previous version (before the Zalo migration) keeps every row,
on SQLite and on PostgreSQL: broadcasts keep going to every channel (no audience channel), and
numbered choices start empty; the new storage (choices per chat, a broadcast's channel) works on
the upgraded database, and on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.message import ChatRef
from storage import broadcasts, choices, deliveries
from storage.db import Conn, Database, open_database
from storage.migrations import migrations, postgres_migrations
from tests.conftest import (
    drop_postgres_database,
    previous_postgres_database,
    previous_sqlite_database,
)

# Every migration before the Zalo one (found by content: renumbering does not change this test).
PREVIOUS = next(n for n, sql in enumerate(migrations()) if "CREATE TABLE chat_choices" in sql)
PG_PREVIOUS = next(n for n, sql in enumerate(postgres_migrations())
                   if "CREATE TABLE chat_choices" in sql)
_ROWS = """
    INSERT INTO chats(channel, id, type, language, created_at)
    VALUES ('telegram', '1001', 'private', 'vi', 10), ('telegram', '1002', 'private', 'en', 11);
    INSERT INTO broadcasts(id, admin_channel, admin_id, text, status, created_at,
                           started_at, recipients, sent_count)
    VALUES (1, 'telegram', '9001', '[["Thông báo"]]', 'done', 30, 31, 2, 2),
           (2, 'telegram', '9001', '[["Nháp"]]', 'draft', 40, NULL, 0, 0);
    INSERT INTO deliveries(id, channel, chat_id, broadcast_id, status, created_at)
    VALUES (1, 'telegram', '1001', 1, 'sent', 32), (2, 'telegram', '1002', 1, 'sent', 32);
"""


async def test_a_previous_database_migrates_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    previous_sqlite_database(path, PREVIOUS, _ROWS)
    db = await open_database(path)
    try:
        await _upgraded_rows_and_new_storage(db)
    finally:
        await db.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
    finally:
        check.close()


@pytest.mark.postgres
async def test_a_previous_postgres_database_migrates_with_every_row(postgres_server: str
                                                                    ) -> None:
    # The previous version's schema, as its migration runner left it, with rows.
    url = await previous_postgres_database(postgres_server, PG_PREVIOUS, _ROWS)
    try:
        db = await open_database(url)
        try:
            assert await db.schema_version() == len(postgres_migrations())
            await _upgraded_rows_and_new_storage(db)
        finally:
            await db.close()
    finally:
        await drop_postgres_database(url)


async def _upgraded_rows_and_new_storage(db: Database) -> None:
    conn: Conn = db
    done = await broadcasts.get(conn, 1)
    assert done is not None
    assert (done.status, done.sent_count, done.audience_channel) == ("done", 2, None)
    counts = await deliveries.counts(conn, broadcast_id=1)
    assert counts.sent == 2
    assert await choices.get(conn, ChatRef("telegram", "1001")) is None

    # The new storage on the upgraded database.
    async with db.transaction() as tx:
        assert await broadcasts.set_audience_channel(tx, 2, "zalo")
        assert not await broadcasts.set_audience_channel(tx, 1, "zalo")  # not a draft
        await choices.remember(tx, ChatRef("zalo", "u1"), "zm9", ["sub:1", "open:7"], now=5)
        await choices.remember(tx, ChatRef("zalo", "u1"), "zm10", ["like:7"], now=6)
    draft = await broadcasts.get(conn, 2)
    assert draft is not None
    assert draft.audience_channel == "zalo"
    stored = await choices.get(conn, ChatRef("zalo", "u1"))
    assert stored is not None
    assert (stored.message_id, stored.actions) == ("zm10", ("like:7",))
    assert await choices.get(conn, ChatRef("telegram", "u1")) is None
    async with db.transaction() as tx:
        await choices.forget(tx, ChatRef("zalo", "u1"))
    assert await choices.get(conn, ChatRef("zalo", "u1")) is None


async def test_a_broadcast_to_one_channel_enqueues_only_its_chats(db: Database) -> None:
    async with db.transaction() as conn:
        for channel, chat in (("telegram", "1"), ("zalo", "z1"), ("zalo", "z2")):
            await conn.execute("INSERT INTO chats(channel, id, type, language, created_at)"
                               " VALUES (?, ?, 'private', 'vi', 0)", (channel, chat))
        broadcast_id = await broadcasts.create_draft(
            conn, admin_channel="zalo", admin_id="a", text='[["x"]]', photo=None,
            photo_channel=None, now=0)
        sizes = await broadcasts.audience_sizes(conn, "zalo")
        assert sizes.everyone == 2
        assert (await broadcasts.audience_sizes(conn)).everyone == 3
        added = await deliveries.enqueue_broadcast(conn, broadcast_id, now=0,
                                                   channel="zalo")
    assert added == 2
    pending = await deliveries.next_new(db, after_id=0, limit=10,
                                        channels=["telegram", "zalo"])
    assert {p.chat for p in pending} == {ChatRef("zalo", "z1"), ChatRef("zalo", "z2")}
