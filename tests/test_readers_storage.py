"""The readers' SQL (a chat or one of its forum topics; "all categories"; the bot's memberships;
categories told to the admins) on both backends, and `newsbot copy-db` carrying all of it from
SQLite to PostgreSQL. End to end through the sandbox: test_readers_e2e.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from storage import (
    articles,
    broadcasts,
    bulk,
    categories,
    chats,
    digests,
    memberships,
    stats,
    subscriptions,
)
from storage import deliveries as outbox
from storage.articles import NewArticle
from storage.db import Conn, Database, open_database
from tests.conftest import drop_postgres_database, new_postgres_database, tg

NOW = 1_700_000_000
TG = ["telegram"]
FORUM = "-1001234500002"
CHANNEL = "-1001234500001"


async def _article(conn: Conn, key: str, category: str) -> int:
    (stored,) = await articles.insert_new(conn, [NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=key, category=category,
        published=datetime.fromtimestamp(NOW, UTC), summary="", body="", image=None,
        image_caption=None, author=None)], fetched_at=NOW)
    return stored.id


async def _readers(db: Database) -> tuple[int, int]:
    """Category A: chat 1, the forum's topic 5 and the forum itself; topic 7 and the channel
    follow every category; chat 2 follows A and is inactive."""
    forum, channel = tg(FORUM), tg(CHANNEL)
    async with db.transaction() as conn:
        a = (await categories.ensure(conn, "Thời sự")).id
        b = (await categories.ensure(conn, "An sinh")).id
        await bulk.add_subscribers(conn, [1, 2, FORUM], a, now=NOW)
        await chats.ensure(conn, channel, "channel", "vi", now=NOW)
        assert await subscriptions.add(conn, forum.topic("5"), a, now=NOW)
        assert await subscriptions.add_all(conn, forum.topic("7"), now=NOW)
        assert await subscriptions.add_all(conn, channel, now=NOW)
        assert not await subscriptions.add_all(conn, channel, now=NOW)
        await chats.mark_inactive(conn, tg(2), "blocked")
    return a, b


async def test_readers_subscribe_per_topic_and_to_every_category(db: Database) -> None:
    a, b = await _readers(db)
    forum = tg(FORUM)
    assert await subscriptions.category_ids(db, forum) == {a}
    assert await subscriptions.category_ids(db, forum.topic("5")) == {a}
    assert await subscriptions.category_ids(db, forum.topic("7")) == set()
    assert await subscriptions.follows_all(db, forum.topic("7"))
    assert not await subscriptions.follows_all(db, forum)
    assert await subscriptions.count_for(db, forum) == {"": 1, "5": 1, "7": 1}
    assert await subscriptions.readers_of(db, forum) == [
        forum, forum.topic("5"), forum.topic("7")]
    # Active readers per category: those following every category count in each.
    assert await subscriptions.count_subscribers(db) == {a: 5, b: 2}
    assert await stats.subscribers_per_category(db) == [("Thời sự", 5), ("An sinh", 2)]
    sizes = await broadcasts.audience_sizes(db)
    assert (sizes.by_category, sizes.left_out_by_category) == ({a: 5, b: 2}, {a: 1})

    async with db.transaction() as conn:
        assert await subscriptions.remove(conn, forum.topic("5"), a)
        assert not await subscriptions.remove(conn, forum.topic("5"), a)
        assert await subscriptions.remove_all(conn, forum.topic("7")) == 1
        assert await subscriptions.remove_all(conn, forum) == 1
    assert await subscriptions.count_for(db, forum) == {}


async def test_a_push_and_a_broadcast_reach_each_reader_once(db: Database) -> None:
    a, b = await _readers(db)
    forum = tg(FORUM)
    async with db.transaction() as conn:
        article = await _article(conn, "k1", "Thời sự")
        # 1, the forum, its topic 5 (category A); its topic 7 and the channel (every category).
        assert await outbox.enqueue_article(conn, article, now=NOW) == 5
        assert await outbox.enqueue_article(conn, article, now=NOW) == 0
        # A category created after "all categories" was chosen.
        later = await _article(conn, "k2", "Văn hóa")
        assert await outbox.enqueue_article(conn, later, now=NOW) == 2
        draft = await broadcasts.create_draft(conn, admin_channel="telegram", admin_id="9",
                                              text="[]", photo=None, photo_channel=None,
                                              now=NOW)
        assert await outbox.enqueue_broadcast(conn, draft, now=NOW, category_id=b) == 2
        assert await outbox.enqueue_broadcast(conn, draft, now=NOW, category_id=b) == 0
    queued = await outbox.by_chat(db, article_id=article)
    assert set(queued) == {tg(1), forum, forum.topic("5"), forum.topic("7"), tg(CHANNEL)}
    assert set(await outbox.by_chat(db, article_id=later)) == {forum.topic("7"), tg(CHANNEL)}
    rows = await outbox.next_new(db, after_id=0, limit=20, channels=TG)
    assert sorted(str(r.chat) for r in rows if r.ref_id == article and r.kind == "article") == \
        sorted(str(c) for c in queued)

    # A deleted topic: its rows only (two articles, the broadcast); the bot removed from the
    # forum: every other row of it.
    async with db.transaction() as conn:
        assert await outbox.skip_reader(conn, forum.topic("7"), "topic deleted", now=NOW) == 3
        assert await outbox.skip_chat(conn, forum, "chat inactive", now=NOW) == 2
    after = await outbox.by_chat(db, article_id=article)
    assert {c for c, d in after.items() if d.status == "skipped"} == {
        forum, forum.topic("5"), forum.topic("7")}
    assert after[tg(1)].status == "pending"


async def test_a_topics_digest_is_its_own(db: Database) -> None:
    await _readers(db)
    topic = tg(FORUM).topic("7")
    async with db.transaction() as conn:
        first = await _article(conn, "k1", "Thời sự")
        other = await _article(conn, "k2", "Văn hóa")
        found = await digests.new_articles(conn, topic, after=0, upto=other, limit=10)
        assert {f.id for f in found} == {first, other}  # every category
        assert [f.id for f in await digests.new_articles(
            conn, tg(FORUM).topic("5"), after=0, upto=other, limit=10)] == [first]
        digest = await digests.create(conn, topic, "[]", period_start=0, period_end=1, now=NOW)
        row = await outbox.enqueue_digest(conn, digest, topic, now=NOW)
    stored = await digests.get(db, digest)
    assert stored is not None
    assert stored.chat == topic
    (pending,) = [p for p in await outbox.next_new(db, after_id=0, limit=20, channels=TG)
                  if p.id == row]
    assert pending.chat == topic


async def test_memberships_and_a_chat_added_back(db: Database) -> None:
    channel = tg(CHANNEL)
    async with db.transaction() as conn:
        first = await memberships.record(conn, channel, chat_type="channel", title="Kênh",
                                         status="administrator", can_post=True, now=NOW)
        group = await memberships.record(conn, tg(FORUM), chat_type="supergroup",
                                         title="Diễn đàn", status="member", can_post=True,
                                         now=NOW)
        again = await memberships.record(conn, channel, chat_type="channel", title="Kênh MTTQ",
                                         status="administrator", can_post=False, now=NOW + 1)
    assert again.id == first.id != group.id
    assert (again.title, again.can_post, again.updated_at) == ("Kênh MTTQ", False, NOW + 1)
    assert await memberships.by_id(db, first.id) == again
    assert [m.chat for m in await memberships.present(db, types=("channel", "supergroup"))] == [
        channel, tg(FORUM)]
    async with db.transaction() as conn:
        await memberships.record(conn, channel, chat_type="channel", title="Kênh MTTQ",
                                 status="kicked", can_post=False, now=NOW + 2)
        await chats.ensure(conn, channel, "channel", "vi", now=NOW)
        await chats.mark_inactive(conn, channel, "bot removed")
    assert [m.chat for m in await memberships.present(db, types=("channel",))] == []
    async with db.transaction() as conn:
        assert await chats.reactivate(conn, channel)
        assert not await chats.reactivate(conn, channel)
    found = await chats.get(db, channel)
    assert found is not None
    assert found.active


async def test_new_categories_are_marked_told_once(db: Database) -> None:
    async with db.transaction() as conn:
        await _article(conn, "k1", "Tin tức - Sự kiện")
        await _article(conn, "k2", "Tin tức - Sự kiện")
        assert not await categories.any_announced(conn)
        (new,) = await categories.unannounced(conn)
        assert (new.name, new.sources) == ("Tin tức - Sự kiện", (("s", 2),))
        assert await categories.mark_announced(conn, [new.id], now=NOW) == [new.id]
        assert await categories.mark_announced(conn, [new.id], now=NOW) == []
    assert await categories.unannounced(db) == []
    assert await categories.any_announced(db)
    found = await categories.find(db, "tin tuc su kien")
    assert found is not None
    assert found.name == "Tin tức - Sự kiện"


# --- copy-db ---------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_copy_db_carries_readers_memberships_and_told_categories(
        tmp_path: Path, postgres_server: str) -> None:
    source = tmp_path / "bot.db"
    original = await open_database(source)
    forum = tg(FORUM)
    try:
        a, _ = await _readers(original)
        async with original.transaction() as conn:
            article = await _article(conn, "k1", "Thời sự")
            await outbox.enqueue_article(conn, article, now=NOW)
            digest = await digests.create(conn, forum.topic("7"), "[]", period_start=0,
                                          period_end=1, now=NOW)
            await memberships.record(conn, tg(CHANNEL), chat_type="channel", title="Kênh",
                                     status="administrator", can_post=True, now=NOW)
            await categories.mark_announced(conn, [a], now=NOW)
    finally:
        await original.close()
    target = await new_postgres_database(postgres_server, empty=True)
    try:
        assert await asyncio.to_thread(main, ["copy-db", str(source), target]) == 0
        copy = await open_database(target)
        try:
            assert await subscriptions.count_for(copy, forum) == {"": 1, "5": 1, "7": 1}
            assert await subscriptions.follows_all(copy, tg(CHANNEL))
            assert set(await outbox.by_chat(copy, article_id=article)) == {
                tg(1), forum, forum.topic("5"), forum.topic("7"), tg(CHANNEL)}
            stored = await digests.get(copy, digest)
            assert stored is not None
            assert stored.chat == forum.topic("7")
            (told,) = [c.name for c in await categories.unannounced(copy)]
            assert told == "An sinh"  # "Thời sự" was told before the copy
            (member,) = await memberships.present(copy, types=("channel",))
            assert (member.chat, member.title) == (tg(CHANNEL), "Kênh")
            # New memberships take ids after the copied ones.
            async with copy.transaction() as conn:
                added = await memberships.record(conn, forum, chat_type="supergroup",
                                                 title="Diễn đàn", status="member",
                                                 can_post=True, now=NOW)
            assert added.id > member.id
        finally:
            await copy.close()
    finally:
        await drop_postgres_database(target)
