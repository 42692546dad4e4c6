"""Storage of follows and of the sources changed from the chat, on both databases; a database
of the previous version migrates with every row kept; copy-db carries the new tables."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.follows import folded_words, match_articles
from bot.config import SourceConfig
from bot.ingest.source_list import combine
from bot.message import UserRef
from bot.models import Article
from storage import articles, categories, chat_sources, chats
from storage import deliveries as outbox
from storage import follows as store
from storage.db import Database, open_database
from storage.migrations import migrations
from tests.conftest import tg

ADMIN = UserRef("telegram", "9001")


async def _chat(db: Database, chat_id: int, mode: str = "instant") -> None:
    async with db.transaction() as conn:
        await chats.ensure(conn, tg(chat_id), "private", "vi", now=1)
        await chats.set_delivery_mode(conn, tg(chat_id), mode)


async def _follow(db: Database, chat_id: int, typed: str) -> bool:
    words = folded_words(typed)
    async with db.transaction() as conn:
        return await store.add(conn, tg(chat_id), words=typed, phrase=" ".join(words),
                               key_word=max(words, key=len), now=1)


async def _article(db: Database, title: str, body: str = "Nội dung.") -> Article:
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [articles.NewArticle(
            dedupe_key=title, source="s", url=f"https://x.vn/{len(title)}/{title}", title=title,
            category="Thời sự", published=datetime(2024, 5, 1, tzinfo=UTC), summary="",
            body=body, image=None, image_caption=None, author=None)], fetched_at=1_700_000_000)
    return stored


async def test_follows_add_list_remove(db: Database) -> None:
    await _chat(db, 1)
    assert await _follow(db, 1, "Bạch Long Vĩ")
    assert not await _follow(db, 1, "bach long vi")  # the same phrase, folded
    assert await _follow(db, 1, "Hải Phòng")
    found = await store.of_chat(db, tg(1))
    assert [(f.words, f.phrase, f.key_word) for f in found] == [
        ("Bạch Long Vĩ", "bach long vi", "bach"), ("Hải Phòng", "hai phong", "phong")]
    assert await store.count(db, tg(1)) == 2
    async with db.transaction() as conn:
        assert await store.remove(conn, tg(2), found[0].id) is None  # not that chat's
        removed = await store.remove(conn, tg(1), found[0].id)
    assert removed is not None
    assert removed.words == "Bạch Long Vĩ"
    # A chat's follows go with the chat.
    async with db.transaction() as conn:
        await chats.delete(conn, tg(1))
    assert await store.of_chat(db, tg(1)) == []
    assert not await store.any_follow(db)


async def test_matching_queues_once_and_only_matches(db: Database) -> None:
    for chat_id in (1, 2, 3):
        await _chat(db, chat_id)
    await _chat(db, 4, mode="paused")
    await _follow(db, 1, "Bạch Long Vĩ")
    await _follow(db, 1, "đảo")  # two follows matching one article: one delivery
    await _follow(db, 2, "long vi bach")  # the same words in another order: no match
    await _follow(db, 4, "Bạch Long Vĩ")  # paused: no keyword push
    hit = await _article(db, "Tin biển", "Huyện ĐẢO BẠCH LONG VĨ đón tàu.")
    miss = await _article(db, "Tin khác", "Bạch và Long, Vĩ.")
    async with db.transaction() as conn:
        added = await match_articles(conn, [hit, miss], now=int(time.time()))
    assert added == 1
    assert list(await outbox.by_chat(db, article_id=hit.id)) == [tg(1)]
    async with db.transaction() as conn:
        assert await match_articles(conn, [hit, miss], now=int(time.time())) == 0
    counts = await outbox.counts(db, article_id=hit.id)
    assert counts.pending == 1
    assert (await outbox.counts(db, article_id=miss.id)).total == 0


async def test_a_subscription_and_a_follow_give_one_delivery(db: Database) -> None:
    await _chat(db, 1)
    article = await _article(db, "Bạch Long Vĩ hôm nay")
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO subscriptions(channel, chat_id, category_id, created_at)"
                           " VALUES ('telegram', '1', ?, 1)", (
                               (await categories.ensure(conn, "Thời sự")).id,))
    await _follow(db, 1, "bach long vi")
    async with db.transaction() as conn:
        assert await outbox.enqueue_article(conn, article.id, now=1) == 1
        assert await match_articles(conn, [article], now=1) == 0
    assert (await outbox.counts(db, article_id=article.id)).total == 1


async def test_many_words_are_looked_up_in_chunks(db: Database) -> None:
    await _chat(db, 1)
    await _follow(db, 1, "từ999")
    words = [f"tu{n}" for n in range(1200)]
    found = await store.by_key_words(db, words)
    assert [f.words for f in found] == ["từ999"]


async def test_source_changes_and_drafts(db: Database) -> None:
    async with db.transaction() as conn:
        draft = await chat_sources.add_draft(conn, "x.vn", "https://x.vn/rss", None,
                                             admin=ADMIN, now=100)
        await chat_sources.record(conn, "x.vn", chat_sources.ADDED, url="https://x.vn/rss",
                                  category="Tin", admin=ADMIN, now=101)
        await chat_sources.record(conn, "file-src", chat_sources.REMOVED, admin=ADMIN, now=102)
    async with db.transaction() as conn:
        taken = await chat_sources.take_draft(conn, draft)
        assert taken is not None
        assert taken.url == "https://x.vn/rss"
        assert await chat_sources.take_draft(conn, draft) is None
    found = {c.name: c for c in await chat_sources.changes(db)}
    assert found["x.vn"].status == "added"
    assert found["x.vn"].category == "Tin"
    assert found["file-src"].status == "removed"
    # The last change of a name wins.
    async with db.transaction() as conn:
        await chat_sources.record(conn, "x.vn", chat_sources.REMOVED, admin=ADMIN, now=103)
    assert {c.name: c.status for c in await chat_sources.changes(db)}["x.vn"] == "removed"


def test_how_the_file_and_the_chat_combine() -> None:
    def change(name: str, status: str, url: str | None = None) -> chat_sources.SourceChange:
        return chat_sources.SourceChange(name, status, url, None, ADMIN, 1)

    file_sources = [SourceConfig(name="a", kind="rss", url="https://a.vn/rss"),
                    SourceConfig(name="b", kind="rss", url="https://b.vn/rss")]
    combined = combine(file_sources, [
        change("b", "removed"),  # hides the file's b
        change("c", "added", "https://c.vn/rss"),  # added from the chat
        change("a", "added", "https://other.vn/rss"),  # the file's a wins
        change("d", "removed"),  # nothing to hide
    ])
    assert [(s.name, s.url) for s in combined] == [("a", "https://a.vn/rss"),
                                                  ("c", "https://c.vn/rss")]


# --- upgrading and copying ------------------------------------------------------------------

PREVIOUS = next(n for n, sql in enumerate(migrations()) if "CREATE TABLE follows" in sql)


def test_a_database_of_the_previous_version_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, sql in enumerate(migrations()[:PREVIOUS], start=1):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.executescript("""
        INSERT INTO chats(channel, id, type, language, created_at)
        VALUES ('telegram', '1', 'private', 'en', 1);
        INSERT INTO categories(id, name, folded) VALUES (1, 'Thời sự', 'thoi su');
        INSERT INTO subscriptions(channel, chat_id, category_id, created_at)
        VALUES ('telegram', '1', 1, 2);
        INSERT INTO sources(name, kind, location) VALUES ('s', 'rss', 'https://x.vn/rss');
    """)
    conn.close()

    async def upgrade() -> None:
        db = await open_database(path)
        try:
            chat = await chats.get(db, tg(1))
            assert chat is not None
            assert chat.language == "en"
            async with db.execute("SELECT count(*) FROM subscriptions") as cur:
                row = await cur.fetchone()
            assert row is not None
            assert row[0] == 1
            assert await store.of_chat(db, tg(1)) == []
            assert await chat_sources.changes(db) == []
        finally:
            await db.close()

    asyncio.run(upgrade())


@pytest.mark.postgres
async def test_copy_db_carries_follows_and_source_changes(tmp_path: Path,
                                                          postgres_server: str) -> None:
    from storage.copy import copy_database
    from tests.conftest import drop_postgres_database, new_postgres_database

    source = tmp_path / "bot.db"
    db = await open_database(source)
    try:
        await _chat(db, 1)
        await _follow(db, 1, "Bạch Long Vĩ")
        async with db.transaction() as conn:
            await chat_sources.record(conn, "x.vn", chat_sources.ADDED, url="https://x.vn/rss",
                                      admin=ADMIN, now=1)
            await chat_sources.add_draft(conn, "y.vn", "https://y.vn/rss", None, admin=ADMIN,
                                         now=int(time.time()))
    finally:
        await db.close()
    url = await new_postgres_database(postgres_server, empty=True)
    try:
        report = await copy_database(source, url)
        assert report.counts["follows"] == 1
        assert report.counts["chat_sources"] == 1
        assert report.counts["source_drafts"] == 1
        copy = await open_database(url)
        try:
            assert [f.words for f in await store.of_chat(copy, tg(1))] == ["Bạch Long Vĩ"]
            await _follow(copy, 1, "Hải Phòng")  # new ids follow the copied ones
            assert len(await store.of_chat(copy, tg(1))) == 2
        finally:
            await copy.close()
    finally:
        await drop_postgres_database(url)
