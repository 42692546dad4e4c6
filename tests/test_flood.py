"""The flood rule (issue 18): a flood of new articles never floods a reader. At most a few cards per
chat and window; the rest of a batch goes as ONE summary message listing them ("12 bài mới trong
chuyên mục …"), persisted with the articles (crash-safe) and sent like any push.

The SQL on both backends (storage/deliveries.py `enqueue_articles`; on PostgreSQL also two
processes queueing at once), then end to end: the real bot on the sandbox; the migration of a
database of the previous version (both series) and copy-db.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core
from bot.message import ChatRef
from storage import articles, bulk, categories, chats, subscriptions
from storage import deliveries as outbox
from storage.articles import NewArticle
from storage.copy import copy_database
from storage.db import Conn, Database, open_database
from storage.migrations import migrations, postgres_migrations
from tests.bothelper import bot_on_sandbox, text_of
from tests.conftest import (
    drop_postgres_database,
    new_postgres_database,
    previous_postgres_database,
    tg,
)
from tests.pushhelper import ingest, push_source, subscribe, wait_done, write_article

NOW = 1_700_000_000
WINDOW = 600
TG = ["telegram"]


async def _batch(conn: Conn, *items: tuple[str, str]) -> list[tuple[int, str]]:
    """Store articles (key, category) in one batch; (id, category) as the ingestion gives them."""
    stored = await articles.insert_new(conn, [NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=f"Bài {key}",
        category=category, published=datetime.fromtimestamp(NOW, UTC), summary="Tóm tắt.",
        body="Nội dung.", image=None, image_caption=None, author=None)
        for key, category in items], fetched_at=NOW)
    return [(a.id, a.category) for a in stored]


async def _rows(db: Database, chat_id: int) -> list[tuple[int, int | None]]:
    async with db.execute(
            "SELECT article_id, summary_upto FROM deliveries WHERE channel = 'telegram' "
            "AND chat_id = ? ORDER BY article_id", (str(chat_id),)) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def test_beyond_the_limit_a_batch_becomes_one_summary_per_chat(db: Database) -> None:
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        social = (await categories.ensure(conn, "An sinh")).id
        await bulk.add_subscribers(conn, [1, 2], news, now=NOW)  # 1 and 2: Thời sự
        await bulk.add_subscribers(conn, [2, 3], social, now=NOW)  # 2 and 3: An sinh
        await bulk.add_subscribers(conn, [4], news, now=NOW)
        await chats.set_delivery_mode(conn, tg(4), "paused")
        batch = await _batch(conn, *[(f"n{i}", "Thời sự") for i in range(8)],
                             *[(f"s{i}", "An sinh") for i in range(3)])
        queued = await outbox.enqueue_articles(conn, batch, now=NOW, limit=5, window=WINDOW)
    news_ids = [a for a, c in batch if c == "Thời sự"]
    social_ids = [a for a, c in batch if c == "An sinh"]
    last = max(a for a, _ in batch)
    # Chat 1: the first 5 of its 8 as cards, the rest as one summary from the 6th on.
    assert await _rows(db, 1) == [(a, None) for a in news_ids[:5]] + [(news_ids[5], last)]
    # Chat 2 follows both: its first 5 articles by id, then one summary of the other 6.
    mine = sorted(news_ids + social_ids)
    assert await _rows(db, 2) == [(a, None) for a in mine[:5]] + [(mine[5], last)]
    # Chat 3: 3 articles, under the limit: cards only.
    assert await _rows(db, 3) == [(a, None) for a in social_ids]
    assert await _rows(db, 4) == []  # paused: nothing
    assert (queued.cards, queued.summaries) == (13, 2)
    claimed = await outbox.next_new(db, after_id=0, limit=100, channels=TG)
    summaries = [r for r in claimed if r.kind == "summary"]
    assert {(r.chat, r.ref_id, r.summary_upto) for r in summaries} == {
        (tg(1), news_ids[5], last), (tg(2), mine[5], last)}
    # What a summary lists: the chat's articles in its range.
    counts = await outbox.summary_counts(db, [news], first=news_ids[5], upto=last)
    assert counts == [("Thời sự", 3)]
    counts = await outbox.summary_counts(db, [news, social], first=mine[5], upto=last)
    assert sum(n for _, n in counts) == 6


async def test_the_window_counts_earlier_cards_and_expires(db: Database) -> None:
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        await bulk.add_subscribers(conn, [1], news, now=NOW)
        first = await _batch(conn, *[(f"a{i}", "Thời sự") for i in range(3)])
        await outbox.enqueue_articles(conn, first, now=NOW, limit=5, window=WINDOW)
        # 3 cards already in the window: 2 more cards, then a summary.
        second = await _batch(conn, *[(f"b{i}", "Thời sự") for i in range(4)])
        await outbox.enqueue_articles(conn, second, now=NOW + 60, limit=5, window=WINDOW)
        # Later than the window: cards again.
        third = await _batch(conn, ("c0", "Thời sự"))
        await outbox.enqueue_articles(conn, third, now=NOW + 60 + WINDOW, limit=5,
                                      window=WINDOW)
    second_ids = [a for a, _ in second]
    assert await _rows(db, 1) == (
        [(a, None) for a, _ in first] + [(a, None) for a in second_ids[:2]]
        + [(second_ids[2], second_ids[-1])] + [(third[0][0], None)])


async def test_no_limit_means_one_card_per_article(db: Database) -> None:
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        await bulk.add_subscribers(conn, [1, 2], news, now=NOW)
        batch = await _batch(conn, *[(f"a{i}", "Thời sự") for i in range(9)])
        queued = await outbox.enqueue_articles(conn, batch, now=NOW, limit=None, window=WINDOW)
    assert (queued.cards, queued.summaries) == (18, 0)
    assert len(await _rows(db, 1)) == 9


async def _reader_rows(db: Database, reader: ChatRef) -> list[tuple[int, int | None]]:
    async with db.execute(
            "SELECT article_id, summary_upto FROM deliveries WHERE channel = ? AND chat_id = ? "
            "AND thread_id = ? ORDER BY article_id",
            (reader.channel, reader.id, reader.thread or "")) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def test_forum_topics_and_readers_of_every_category_get_one_summary_each(
        db: Database) -> None:
    """Readers (issue 13): a forum topic is a reader of its own (the group's cards do not count
    against it); a reader of every category gets its first cards whatever their category and
    ONE summary, also when it follows a category too; the summary of a reader of every
    category lists every category's articles of its range."""
    group, topic = tg(-1001), ChatRef("telegram", "-1001", "7")
    every, both = tg(2), tg(3)
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        social = (await categories.ensure(conn, "An sinh")).id
        await bulk.add_subscribers(conn, [-1001], news, now=NOW)  # the group itself
        await subscriptions.add(conn, topic, news, now=NOW)
        await bulk.add_subscribers(conn, [3], social, now=NOW)
        await chats.ensure(conn, every, "private", "vi", now=NOW)
        await subscriptions.add_all(conn, every, now=NOW)
        await subscriptions.add_all(conn, both, now=NOW)
        # n0 s0 n1 s1 n2 n3 ... n7 s2: the 6th article (the first without a card for a reader
        # of every category) is n3, of a category `both` does not follow itself.
        order = ["n0", "s0", "n1", "s1", "n2", "n3", "n4", "n5", "n6", "n7", "s2"]
        batch = await _batch(conn, *[(key, "Thời sự" if key[0] == "n" else "An sinh")
                                     for key in order])
        queued = await outbox.enqueue_articles(conn, batch, now=NOW, limit=5, window=WINDOW)
    ids = sorted(a for a, _ in batch)
    news_ids = [a for a, c in batch if c == "Thời sự"]
    last = ids[-1]
    assert await _reader_rows(db, group) == (
        [(a, None) for a in news_ids[:5]] + [(news_ids[5], last)])
    assert await _reader_rows(db, topic) == await _reader_rows(db, group)
    for reader in (every, both):
        assert await _reader_rows(db, reader) == [(a, None) for a in ids[:5]] + [(ids[5], last)]
    assert (queued.cards, queued.summaries) == (20, 4)
    counts = await outbox.summary_counts(db, None, first=ids[5], upto=last)
    assert sum(n for _, n in counts) == 6
    assert len(await outbox.summary_articles(db, None, first=ids[5], upto=last,
                                             limit=50)) == 6


async def test_a_claim_carries_the_summary(db: Database) -> None:
    """PostgreSQL's claims (several processes) return a summary as a summary, not a card."""
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        await bulk.add_subscribers(conn, [1], news, now=NOW)
        batch = await _batch(conn, *[(f"a{i}", "Thời sự") for i in range(7)])
        await outbox.enqueue_articles(conn, batch, now=NOW, limit=5, window=WINDOW)
    if db.backend == "postgres":
        assert await db.lead("alive:p1")
    async with db.transaction() as conn:
        claimed = await outbox.next_new(conn, after_id=0, limit=100, channels=TG,
                                        claim=outbox.Claim("p1", NOW, NOW + 30))
    assert [(r.kind, r.summary_upto) for r in claimed] == (
        [("article", None)] * 5 + [("summary", batch[-1][0])])


@pytest.mark.postgres
async def test_two_processes_queueing_at_once_keep_the_limit(
        db: Database, database_target: object) -> None:
    """PostgreSQL: two processes (two pools) queue batches for the same chat at the same time,
    each in its own transaction. The count comes from the outbox and the enqueuers take turns,
    so the chat gets `limit` cards in all, not `limit` from each; the rest are summaries."""
    if db.backend != "postgres":
        pytest.skip("several processes share PostgreSQL only")
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        await bulk.add_subscribers(conn, [1], news, now=NOW)
    other = await open_database(database_target)  # type: ignore[arg-type]
    try:
        both_in = asyncio.Barrier(2)

        async def queue(database: Database, prefix: str) -> outbox.Queued:
            async with database.transaction() as conn:
                batch = await _batch(conn, *[(f"{prefix}{i}", "Thời sự") for i in range(4)])
                await both_in.wait()  # both transactions hold uncommitted articles now
                return await outbox.enqueue_articles(conn, batch, now=NOW, limit=5,
                                                     window=WINDOW)

        first, second = await asyncio.gather(queue(db, "p"), queue(other, "q"))
    finally:
        await other.close()
    assert first.cards + second.cards == 5
    assert first.summaries + second.summaries == 1
    rows = await _rows(db, 1)
    assert sum(1 for _, upto in rows if upto is None) == 5


# --------------------------------------------------------------------------- end to end

READERS_VI = [81_001, 81_002, -81_003]  # two people and a group, Vietnamese
READER_EN = 81_004
OTHER = 81_005  # follows another category: one card, no summary
EVERY = 81_006  # follows every category: 5 cards of either, one summary of both
FORUM, TOPIC = -1_000_000_081_007, 3  # one forum topic follows Thời sự (the group itself nothing)


def _messages(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["method"] in ("sendMessage", "sendPhoto")]


async def test_a_flood_of_articles_is_five_cards_and_one_summary(
        tmp_path: Path, database_target: Path | str) -> None:
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              delivery_rate=2000, schedule_ingestion=False) as chat:
        core: Core = chat.app.bot_data.core
        assert core.delivery is not None
        await subscribe(core, READERS_VI, "Thời sự")
        await subscribe(core, [READER_EN], "Thời sự", language="en")
        await subscribe(core, [OTHER], "An sinh")
        async with core.db.transaction() as conn:
            await chats.ensure(conn, tg(EVERY), "private", "vi", now=NOW)
            await subscriptions.add_all(conn, tg(EVERY), now=NOW)
            await chats.ensure(conn, tg(FORUM), "supergroup", "vi", now=NOW)
            news = (await categories.ensure(conn, "Thời sự")).id
            await subscriptions.add(conn, tg(FORUM).topic(str(TOPIC)), news, now=NOW)
        titles = [f"Tin thứ {n:02d} trong đợt đăng dồn dập" for n in range(12)]
        for n, title in enumerate(titles):
            write_article(archive, f"f{n:02d}", title=title, category="Thời sự")
        write_article(archive, "other", title="Tin an sinh duy nhất", category="An sinh")
        start = await chat.last_seq()

        # Crash-safe: with the worker stopped, what the ingestion stored is all in the outbox.
        await core.delivery.stop()
        stored = await ingest(core)
        reader = READERS_VI[0]
        rows = await _rows(core.db, reader)
        assert len(rows) == 6
        assert sum(1 for _, upto in rows if upto is not None) == 1
        await core.delivery.start()
        await wait_done(core, [a.id for a in stored])

        for chat_id in [*READERS_VI, READER_EN]:
            got = _messages(await chat.sent(chat_id=chat_id, after=start))
            assert len(got) == 6, chat_id  # 5 cards + 1 summary, not 12 cards
            summary = got[-1]
            text = text_of(summary)
            if chat_id == READER_EN:
                assert "7 new articles" in text
                assert "Thời sự" in text
            else:
                assert "7 bài mới" in text
                assert "trong chuyên mục Thời sự" in text
            carded = {t for t in titles if any(t in text_of(r) for r in got[:5])}
            listed = {t for t in titles if t in text}
            assert len(carded) == 5
            assert listed == set(titles) - carded  # the other 7, each once
            links = re.findall(r'<a href="(https://mattran\.example\.vn/tin/f\d\d\.html)"', text)
            assert len(links) == 7
        assert len(_messages(await chat.sent(chat_id=OTHER, after=start))) == 1
        # A forum topic is a reader of its own: 5 cards and the summary, in that topic.
        got = _messages(await chat.sent(chat_id=FORUM, after=start))
        assert [r["message_thread_id"] for r in got] == [TOPIC] * 6
        assert "7 bài mới" in text_of(got[-1])
        # A reader of every category: 5 cards, then one summary of the other 8 (both
        # categories' articles, each once).
        got = _messages(await chat.sent(chat_id=EVERY, after=start))
        assert len(got) == 6
        text = text_of(got[-1])
        assert "8 bài mới" in text
        everything = [*titles, "Tin an sinh duy nhất"]
        carded = {t for t in everything if any(t in text_of(r) for r in got[:5])}
        assert len(carded) == 5
        assert {t for t in everything if t in text} == set(everything) - carded

        # More within the window: no more cards, one more summary.
        start = await chat.last_seq()
        for n in range(12, 14):
            write_article(archive, f"f{n:02d}", title=f"Tin bổ sung {n}", category="Thời sự")
        more = await ingest(core)
        await wait_done(core, [a.id for a in more])
        got = _messages(await chat.sent(chat_id=reader, after=start))
        assert len(got) == 1
        assert "2 bài mới" in text_of(got[0])
        counts = await outbox.counts(core.db)
        assert counts.failed == 0
        assert counts.pending == 0


async def test_summaries_are_not_cards_for_the_window(db: Database) -> None:
    """A summary does not count against the limit: after it, a later batch in the window still
    finds the cards only (5), and goes to a summary again."""
    async with db.transaction() as conn:
        news = (await categories.ensure(conn, "Thời sự")).id
        await bulk.add_subscribers(conn, [1], news, now=NOW)
        await outbox.enqueue_articles(
            conn, await _batch(conn, *[(f"a{i}", "Thời sự") for i in range(7)]), now=NOW,
            limit=5, window=WINDOW)
        later = await _batch(conn, ("b0", "Thời sự"))
        await outbox.enqueue_articles(conn, later, now=NOW + 1, limit=5, window=WINDOW)
    rows = await _rows(db, 1)
    assert rows[-1] == (later[0][0], later[0][0])  # a summary of one
    assert sum(1 for _, upto in rows if upto is None) == 5



# --------------------------------------------------------------------------- the migration

# The schema before this migration (found by content, so renumbering does not matter).
PREVIOUS = next(n for n, sql in enumerate(migrations()) if "summary_upto" in sql)


async def test_a_database_of_the_previous_version_keeps_every_delivery(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, sql in enumerate(migrations()[:PREVIOUS], start=1):
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.executescript("""
        INSERT INTO categories(id, name, folded) VALUES (1, 'Thời sự', 'thoi su');
        INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published,
                             fetched_at, summary, body)
        VALUES (1, 'k1', 's', 'https://x.vn/1', 'Một', 1, 100, 100, 'tóm tắt', 'thân'),
               (2, 'k2', 's', 'https://x.vn/2', 'Hai', 1, 200, 200, 'tóm tắt', 'thân');
        INSERT INTO chats(channel, id, type, language, created_at)
        VALUES ('telegram', '1001', 'private', 'vi', 10), ('telegram', '-5', 'group', 'en', 11);
        INSERT INTO deliveries(id, channel, chat_id, article_id, status, attempts, message_id,
                               created_at, finished_at, reason)
        VALUES (1, 'telegram', '1001', 1, 'sent', 1, '55', 50, 51, NULL),
               (2, 'telegram', '1001', 2, 'failed', 5, NULL, 52, 60, 'timed out'),
               (3, 'telegram', '-5', 2, 'pending', 1, NULL, 53, NULL, 'HTTP 502');
    """)
    before = conn.execute("SELECT * FROM deliveries ORDER BY id").fetchall()
    conn.close()

    db = await open_database(path)
    try:
        async with db.execute(
                "SELECT id, channel, chat_id, article_id, status, attempts, message_id, "
                "created_at, finished_at, reason, summary_upto, uncertain "
                "FROM deliveries ORDER BY id") as cur:
            after = [tuple(r) for r in await cur.fetchall()]
        assert len(after) == len(before) == 3
        assert [r[:10] for r in after] == [
            (1, "telegram", "1001", 1, "sent", 1, "55", 50, 51, None),
            (2, "telegram", "1001", 2, "failed", 5, None, 52, 60, "timed out"),
            (3, "telegram", "-5", 2, "pending", 1, None, 53, None, "HTTP 502")]
        assert {(r[10], r[11]) for r in after} == {(None, 0)}  # cards, nothing uncertain
        claimed = await outbox.next_new(db, after_id=0, limit=10, channels=TG)
        assert [(p.id, p.kind) for p in claimed] == [(3, "article")]
        async with db.execute("PRAGMA index_info(deliveries_by_chat)") as cur:
            assert [r[2] for r in await cur.fetchall()] == ["channel", "chat_id", "thread_id",
                                                          "created_at"]
    finally:
        await db.close()


# PostgreSQL's series: the schema before this migration, found by content too.
PG_PREVIOUS = next(n for n, sql in enumerate(postgres_migrations()) if "summary_upto" in sql)


@pytest.mark.postgres
async def test_a_postgres_database_of_the_previous_version_keeps_every_delivery(
        postgres_server: str) -> None:
    url = await previous_postgres_database(postgres_server, PG_PREVIOUS, """
                INSERT INTO categories(id, name, folded) VALUES (1, 'Thời sự', 'thoi su');
                INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published,
                                     fetched_at, summary, body)
                VALUES (1, 'k1', 's', 'https://x.vn/1', 'Một', 1, 100, 100, 'tóm tắt', 'thân'),
                       (2, 'k2', 's', 'https://x.vn/2', 'Hai', 1, 200, 200, 'tóm tắt', 'thân');
                INSERT INTO chats(channel, id, type, language, created_at)
                VALUES ('telegram', '1001', 'private', 'vi', 10),
                       ('telegram', '-5', 'group', 'en', 11);
                INSERT INTO deliveries(id, channel, chat_id, article_id, status, attempts,
                                       message_id, created_at, finished_at, reason)
                VALUES (1, 'telegram', '1001', 1, 'sent', 1, '55', 50, 51, NULL),
                       (2, 'telegram', '1001', 2, 'failed', 5, NULL, 52, 60, 'timed out'),
                       (3, 'telegram', '-5', 2, 'pending', 1, NULL, 53, NULL, 'HTTP 502');
            """)
    try:
        db = await open_database(url)
        try:
            assert await db.schema_version() == len(postgres_migrations())
            async with db.execute(
                    "SELECT id, channel, chat_id, article_id, status, attempts, message_id, "
                    "created_at, finished_at, reason, summary_upto, uncertain "
                    "FROM deliveries ORDER BY id") as cur:
                after = [tuple(r) for r in await cur.fetchall()]
            assert [r[:10] for r in after] == [
                (1, "telegram", "1001", 1, "sent", 1, "55", 50, 51, None),
                (2, "telegram", "1001", 2, "failed", 5, None, 52, 60, "timed out"),
                (3, "telegram", "-5", 2, "pending", 1, None, 53, None, "HTTP 502")]
            assert {(r[10], r[11]) for r in after} == {(None, 0)}
            claimed = await outbox.next_new(db, after_id=0, limit=10, channels=TG)
            assert [(p.id, p.kind) for p in claimed] == [(3, "article")]
            async with db.execute(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'deliveries_by_chat'"
                    ) as cur:
                (row,) = list(await cur.fetchall())
            assert "(channel, chat_id, thread_id, created_at)" in row[0]
        finally:
            await db.close()
    finally:
        await drop_postgres_database(url)


@pytest.mark.postgres
async def test_copy_db_carries_summaries_and_ambiguous_sends(tmp_path: Path,
                                                            postgres_server: str) -> None:
    """`newsbot copy-db`: a flood summary stays a summary, a send counted as ambiguous stays
    counted (/stats on the copy shows it)."""
    source = tmp_path / "bot.db"
    db = await open_database(source)
    try:
        async with db.transaction() as conn:
            news = (await categories.ensure(conn, "Thời sự")).id
            await bulk.add_subscribers(conn, [1], news, now=NOW)
            batch = await _batch(conn, *[(f"a{i}", "Thời sự") for i in range(7)])
            await outbox.enqueue_articles(conn, batch, now=NOW, limit=5, window=WINDOW)
        (first, *_) = await outbox.next_new(db, after_id=0, limit=10, channels=TG)
        async with db.transaction() as conn:
            await outbox.record_outcomes(conn, [outbox.Outcome(
                first.id, outbox.SENT, 1, message_id="9", uncertain=2)], now=NOW)
        expected = await _rows(db, 1)
    finally:
        await db.close()
    url = await new_postgres_database(postgres_server, empty=True)
    try:
        await copy_database(source, url)
        copy = await open_database(url)
        try:
            assert await _rows(copy, 1) == expected
            assert expected[-1][1] is not None  # the summary is among them
            assert await outbox.uncertain_since(copy, 0) == 2
        finally:
            await copy.close()
    finally:
        await drop_postgres_database(url)
