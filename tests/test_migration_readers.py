"""Upgrading a database made by the previous version (every migration before the readers one) to
readers (a chat or one of its forum topics), "all categories", memberships and announced
categories: every row is kept, and becomes the reader of the chat itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.message import ChatRef
from storage import categories, deliveries, digests, subscriptions
from storage.db import open_database
from storage.migrations import migrations

# The schema of the version before readers: every migration before the one that adds them
# (found by content, so renumbering the migration does not change this test).
PREVIOUS = next(n for n, sql in enumerate(migrations())
                if "CREATE TABLE subscriptions_all" in sql)
TABLES = ("chats", "categories", "articles", "subscriptions", "deliveries", "digests",
          "digest_overflow", "broadcasts")


def _old_database(path: Path) -> None:
    """A database as the previous main left it, with rows in every table this migration
    touches."""
    conn = sqlite3.connect(path)
    # Foreign keys off while migrating, as the migration runner does (storage/db.py).
    for number, sql in enumerate(migrations()[:PREVIOUS], start=1):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript("""
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
    """)
    conn.close()


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        conn.close()


async def test_every_row_is_kept_and_becomes_the_chats_own_reader(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    before = {table: _rows(path, table) for table in TABLES}

    db = await open_database(path)
    try:
        conn = db
        after = {table: _rows(path, table) for table in TABLES}
        for table in TABLES:
            assert len(after[table]) == len(before[table]), table
        # The old columns keep their values; the new ones say "the chat itself" / "known".
        assert sorted((r[:2] + r[3:] for r in after["subscriptions"]), key=repr) == before[
            "subscriptions"]
        assert {r[2] for r in after["subscriptions"]} == {""}
        assert [r[:-1] for r in after["deliveries"]] == before["deliveries"]
        assert {r[-1] for r in after["deliveries"]} == {""}
        assert [r[:-1] for r in after["digests"]] == before["digests"]
        assert [r[:-1] for r in after["categories"]] == before["categories"]
        assert {r[-1] for r in after["categories"]} == {0}
        assert await categories.unannounced(conn) == []

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
    finally:
        await db.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
