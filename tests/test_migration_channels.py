"""Upgrading a database made by the previous version (every migration before the channels one:
chats keyed by Telegram's integer ids) to channel-qualified chats: every row is kept, and becomes
channel "telegram"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.message import BOLD, ChatRef, Span, Text, UserRef, from_stored
from storage import broadcasts, chats, deliveries, digests, interactions, subscriptions
from storage.db import open_database
from storage.migrations import migrations

# The schema of the version before channels: every migration before the one that rebuilds the
# chats (found by content, so renumbering the migration does not change this test).
PREVIOUS = next(n for n, sql in enumerate(migrations()) if "CREATE TABLE chats_new" in sql)


def _old_database(path: Path) -> None:
    """A database as the previous main left it: every table with rows."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    for number, sql in enumerate(migrations()[:PREVIOUS], start=1):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.executescript("""
        INSERT INTO categories(id, name, folded) VALUES (1, 'Thời sự', 'thoi su'),
                                                        (2, 'An sinh', 'an sinh');
        INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published,
                             fetched_at, summary, body, image, photo_file_id, photo_failed)
        VALUES (1, 'k1', 's', 'https://x.vn/1', 'Một', 1, 100, 100, 'tóm tắt', 'thân',
                'https://x.vn/1.jpg', 'FILE-ID-1', 0),
               (2, 'k2', 's', 'https://x.vn/2', 'Hai', 2, 200, 200, 'tóm tắt', 'thân',
                'https://x.vn/2.jpg', NULL, 1),
               (3, 'k3', 's', 'https://x.vn/3', 'Ba', 1, 300, 300, 'tóm tắt', 'thân', NULL,
                NULL, 0);
        INSERT INTO chats(id, type, language, active, inactive_reason, delivery_mode,
                          digest_hour, created_at, digest_last_day, digest_after_article)
        VALUES (1001, 'private', 'vi', 1, NULL, 'instant', NULL, 10, NULL, NULL),
               (1002, 'private', 'en', 1, NULL, 'digest', 7, 11, 738000, 2),
               (-4001, 'group', 'vi', 0, 'blocked', 'instant', NULL, 12, NULL, NULL),
               (-1000000000005, 'supergroup', 'vi', 1, NULL, 'paused', NULL, 13, NULL, NULL);
        INSERT INTO subscriptions(chat_id, category_id, created_at)
        VALUES (1001, 1, 20), (1001, 2, 21), (1002, 1, 22), (-4001, 1, 23),
               (-1000000000005, 2, 24);
        INSERT INTO broadcasts(id, admin_id, text, photo, category_id, status, created_at,
                               started_at, progress_chat_id, progress_message_id, audience,
                               recipients, sent_count, cancelled_by)
        VALUES (1, 9001, '<b>Thông báo</b> &amp; lời chào', 'AgAD-photo', NULL, 'sending', 30,
                31, 9001, 77, NULL, 3, 1, NULL);
        INSERT INTO digests(id, chat_id, text, period_start, period_end, created_at)
        VALUES (1, 1002, '🗞 <b>Bản tin</b>' || char(10) || '• <a href="https://x.vn/1">Một</a>',
                100, 200, 40);
        INSERT INTO digest_overflow(digest_id, position, article_id) VALUES (1, 0, 3);
        INSERT INTO deliveries(id, chat_id, article_id, status, attempts, message_id,
                               created_at, finished_at)
        VALUES (1, 1001, 1, 'sent', 1, 555, 50, 51);
        INSERT INTO deliveries(id, chat_id, article_id, status, created_at)
        VALUES (2, -1000000000005, 2, 'pending', 52);
        INSERT INTO deliveries(id, chat_id, broadcast_id, status, created_at)
        VALUES (3, 1001, 1, 'pending', 53), (4, -4001, 1, 'skipped', 54);
        INSERT INTO deliveries(id, chat_id, digest_id, status, created_at)
        VALUES (5, 1002, 1, 'pending', 55);
        INSERT INTO interactions(article_id, user_id, kind, created_at)
        VALUES (1, 1001, 'like', 60), (1, 1002, 'open', 61), (3, 1001, 'more', 62);
        INSERT INTO article_stats(article_id, category_id, published, likes, opens, mores,
                                  rank_key)
        VALUES (1, 1, 100, 1, 1, 0, 1.0), (3, 1, 300, 0, 0, 1, 2.0);
    """)
    conn.close()


def _count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


async def test_every_row_is_kept_and_becomes_telegram(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    tables = ("chats", "subscriptions", "broadcasts", "digests", "digest_overflow",
              "deliveries", "interactions", "article_stats", "articles", "categories")
    before = {table: _count(path, table) for table in tables}

    db = await open_database(path)
    try:
        conn = db
        after = {table: _count(path, table) for table in tables}
        assert after == before

        tg = ChatRef("telegram", "1001")
        chat = await chats.get(conn, tg)
        assert chat is not None
        assert (chat.type, chat.language, chat.active) == ("private", "vi",
                                                                              True)
        digest_chat = await chats.get(conn, ChatRef("telegram", "1002"))
        assert digest_chat is not None
        assert digest_chat.delivery_mode == "digest"
        assert await digests.bookkeeping(conn, ChatRef("telegram", "1002")) == (738000, 2)
        gone = await chats.get(conn, ChatRef("telegram", "-4001"))
        assert gone is not None
        assert (gone.active, gone.inactive_reason) == (False, "blocked")
        supergroup = await chats.get(conn, ChatRef("telegram", "-1000000000005"))
        assert supergroup is not None
        assert supergroup.is_group

        assert await subscriptions.category_ids(conn, tg) == {1, 2}
        assert await subscriptions.count_subscribers(conn) == {1: 2, 2: 2}

        sent = await deliveries.by_chat(conn, article_id=1)
        assert set(sent) == {tg}
        assert sent[tg].status == "sent"
        pending = await deliveries.next_new(conn, after_id=0, limit=10, channels=["telegram"])
        assert [(p.id, p.chat, p.kind, p.ref_id) for p in pending] == [
            (2, ChatRef("telegram", "-1000000000005"), "article", 2),
            (3, tg, "broadcast", 1),
            (5, ChatRef("telegram", "1002"), "digest", 1),
        ]
        assert pending[0].group
        assert not pending[1].group
        assert await deliveries.next_new(conn, after_id=0, limit=10, channels=["zalo"]) == []

        cast = await broadcasts.get(conn, 1)
        assert cast is not None
        assert (cast.admin_channel, cast.admin_id) == ("telegram", "9001")
        assert (cast.progress_chat, cast.progress_message_id) == (ChatRef("telegram", "9001"),
                                                                  "77")
        assert (cast.photo, cast.photo_channel) == ("AgAD-photo", "telegram")
        assert from_stored(cast.text) == Text([Span("Thông báo", frozenset({BOLD})),
                                               Span(" & lời chào")])

        digest = await digests.get(conn, 1)
        assert digest is not None
        assert digest.chat == ChatRef("telegram", "1002")
        assert digest.overflow == 1
        text = from_stored(digest.text)
        assert str(text) == "🗞 Bản tin\n• Một"
        assert text.spans[-1].link == "https://x.vn/1"

        assert await interactions.has(conn, 1, UserRef("telegram", "1001"), "like")
        assert await interactions.has(conn, 3, UserRef("telegram", "1001"), "more")
        assert not await interactions.has(conn, 1, UserRef("zalo", "1001"), "like")

        photo = await deliveries.article_photo(conn, 1, "telegram")
        assert photo is not None
        assert (photo.file_id, photo.failed) == ("FILE-ID-1", False)
        failed = await deliveries.article_photo(conn, 2, "telegram")
        assert failed is not None
        assert failed.failed
        assert (await deliveries.article_photo(conn, 1, "zalo")) == deliveries.ArticlePhoto(
            "https://x.vn/1.jpg", None, False)

        # Foreign keys hold on the rebuilt tables: forgetting a chat takes its rows with it.
        async with db.transaction() as tx:
            await chats.delete(tx, tg)
        assert await subscriptions.category_ids(conn, tg) == set()
        assert await deliveries.by_chat(conn, article_id=1) == {}
    finally:
        await db.close()
    conn2 = sqlite3.connect(path)
    try:
        assert conn2.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn2.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn2.close()
