"""The outbox's SQL (storage/deliveries.py) on both backends: who gets a push, claiming in
bounded batches (under leases, by several processes, on PostgreSQL), batched results, chat-level
skips, broadcasts and digests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage import articles, broadcasts, bulk, categories, chats, digests
from storage import deliveries as outbox
from storage.articles import NewArticle
from storage.db import Conn, Database, open_database
from storage.deliveries import Outcome, StatusCounts
from tests.conftest import tg

TG = ["telegram"]  # the channels whose rows are claimed
NOW = 1_700_000_000


async def _article(conn: Conn, key: str, category: str) -> int:
    (stored,) = await articles.insert_new(conn, [NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=key, category=category,
        published=datetime.fromtimestamp(NOW, UTC), summary="Tóm tắt.", body="Nội dung.",
        image=None, image_caption=None, author=None)], fetched_at=NOW)
    return stored.id


async def _setup(db: Database) -> tuple[int, int]:
    """Category A: chats 1-5 (3 inactive, 4 in digest mode, 5 paused); B: chats 5-6."""
    async with db.transaction() as conn:
        a = (await categories.ensure(conn, "Thời sự")).id
        b = (await categories.ensure(conn, "An sinh")).id
        await bulk.add_subscribers(conn, [1, 2, 3, 4, 5, -100], a, now=NOW)
        await bulk.add_subscribers(conn, [5, 6], b, now=NOW)
        await chats.mark_inactive(conn, tg(3), "blocked")
        await chats.set_delivery_mode(conn, tg(4), "digest", 8)
        await chats.set_delivery_mode(conn, tg(5), "paused")
    return a, b


async def test_an_article_goes_to_active_instant_subscribers_once(db: Database) -> None:
    await _setup(db)
    async with db.transaction() as conn:
        article = await _article(conn, "a1", "Thời sự")
        assert await outbox.enqueue_article(conn, article, now=NOW) == 3  # 1, 2 and -100
        assert await outbox.enqueue_article(conn, article, now=NOW) == 0  # never twice
    rows = await outbox.next_new(db, channels=TG, after_id=0, limit=10)
    assert [r.chat for r in rows] == [tg(-100), tg(1), tg(2)]
    assert {r.kind for r in rows} == {"article"}
    assert {r.ref_id for r in rows} == {article}
    assert rows[0].chat_type == "group"
    assert rows[1].chat_type == "private"
    assert await outbox.counts(db, article_id=article) == StatusCounts(pending=3)


async def test_claiming_is_bounded_and_ordered_and_retries_come_when_due(db: Database) -> None:
    a, _ = await _setup(db)
    async with db.transaction() as conn:
        await bulk.add_subscribers(conn, list(range(1000, 1100)), a, now=NOW)
        article = await _article(conn, "a2", "Thời sự")
        assert await outbox.enqueue_article(conn, article, now=NOW) == 103
    first = await outbox.next_new(db, channels=TG, after_id=0, limit=40)
    second = await outbox.next_new(db, channels=TG, after_id=first[-1].id, limit=40)
    assert len(first) == len(second) == 40
    assert [r.id for r in first + second] == sorted(r.id for r in first + second)
    # One back-off, one failure, one sent: only the back-off comes back, when due.
    retry, failed, sent = first[:3]
    async with db.transaction() as conn:
        await outbox.record_outcomes(conn, [
            Outcome(retry.id, outbox.PENDING, 1, reason="timed out", not_before=NOW + 30),
            Outcome(failed.id, outbox.FAILED, 1, reason="Message is too long"),
            Outcome(sent.id, outbox.SENT, 1, message_id="77", silent=True),
        ], now=NOW)
    assert await outbox.next_retry_at(db, TG) == NOW + 30
    assert await outbox.due_retries(db, channels=TG, now=NOW + 29, limit=10) == []
    (due,) = await outbox.due_retries(db, channels=TG, now=NOW + 30, limit=10)
    assert (due.id, due.attempts) == (retry.id, 1)
    fresh = await outbox.next_new(db, channels=TG, after_id=0, limit=1000)
    assert retry.id not in {r.id for r in fresh}
    assert len(fresh) == 100
    counts = await outbox.counts(db, article_id=article)
    assert (counts.pending, counts.sent, counts.failed) == (101, 1, 1)
    assert await outbox.reasons(db, status="failed") == [("Message is too long", 1)]
    got = await outbox.by_chat(db, article_id=article)
    assert got[sent.chat].silent
    assert got[sent.chat].status == "sent"


async def test_a_gone_chat_skips_its_pending_and_a_result_never_undoes_a_cancel(
        db: Database) -> None:
    await _setup(db)
    async with db.transaction() as conn:
        first = await _article(conn, "a3", "Thời sự")
        second = await _article(conn, "a4", "Thời sự")
        await outbox.enqueue_article(conn, first, now=NOW)
        await outbox.enqueue_article(conn, second, now=NOW)
        assert await outbox.skip_chat(conn, tg(1), "chat inactive", now=NOW) == 2
    rows = {(int(r.chat.id), r.ref_id): r
            for r in await outbox.next_new(db, channels=TG, after_id=0, limit=10)}
    assert (1, first) not in rows
    row = rows[(2, first)]
    async with db.transaction() as conn:
        await outbox.skip_chat(conn, tg(2), "chat inactive", now=NOW)
        await outbox.record_outcomes(conn, [Outcome(row.id, outbox.FAILED, 1, reason="x")],
                                     now=NOW)
    assert (await outbox.by_chat(db, article_id=first))[tg(2)].status == "skipped"


async def test_broadcasts_and_digests_share_the_outbox(db: Database) -> None:
    a, _ = await _setup(db)
    async with db.transaction() as conn:
        everyone = await broadcasts.create_draft(conn, admin_channel="telegram", admin_id="1",
                                                 text="x", photo=None, photo_channel=None,
                                                 now=NOW)
        one_category = await broadcasts.create_draft(conn, admin_channel="telegram",
                                                     admin_id="1", text="y", photo=None,
                                                     photo_channel=None, now=NOW)
        # Active chats: 1, 2, 4 (digest), 5 (paused), 6, -100; paused left out by default.
        assert await outbox.enqueue_broadcast(conn, everyone, now=NOW) == 5
        assert await outbox.enqueue_broadcast(conn, everyone, now=NOW) == 0
        assert await outbox.enqueue_broadcast(conn, one_category, now=NOW, category_id=a,
                                              include_paused=True) == 5  # 1, 2, 4, 5, -100
        digest = await digests.create(conn, tg(4), "digest", period_start=0, period_end=1,
                                      now=NOW)
        digest_row = await outbox.enqueue_digest(conn, digest, tg(4), now=NOW)
        assert await outbox.cancel_broadcast(conn, one_category, now=NOW) == 5
    kinds = {r.id: r.kind
             for r in await outbox.next_new(db, channels=TG, after_id=0, limit=100)}
    assert kinds[digest_row] == "digest"
    assert sorted(kinds.values()).count("broadcast") == 5
    assert (await outbox.counts(db, broadcast_id=one_category)).cancelled == 5
    assert await outbox.broadcast_message(db, everyone) == outbox.StoredBroadcast(
        "x", None, None, "draft")


@pytest.mark.postgres
async def test_two_processes_claim_disjoint_rows_and_a_dead_ones_return(
        db: Database, database_target: object) -> None:
    """PostgreSQL: claims are leases. Two processes (two pools) claiming at the same time never
    get the same row; the rows of a live process that stops renewing come back after its
    lease, those of a process that is gone at once; a retry gives its claim up."""
    if db.backend != "postgres":
        pytest.skip("several processes share PostgreSQL only")
    a, _ = await _setup(db)
    async with db.transaction() as conn:
        await bulk.add_subscribers(conn, list(range(1000, 1300)), a, now=NOW)
        article = await _article(conn, "a9", "Thời sự")
        assert await outbox.enqueue_article(conn, article, now=NOW) == 303
    other = await open_database(database_target)  # type: ignore[arg-type]
    assert await db.lead("alive:p1")
    assert await other.lead("alive:p0")
    try:
        async def claim(database: Database, who: str, now: int, limit: int = 100) -> list[int]:
            async with database.transaction() as conn:
                rows = await outbox.next_new(conn, after_id=0, limit=limit, channels=TG,
                                             claim=outbox.Claim(who, now, now + 30))
            return [r.id for r in rows]

        results = await asyncio.gather(*[
            claim(db if n % 2 else other, f"p{n % 2}", NOW) for n in range(6)])
        claimed = [i for ids in results for i in ids]
        # Six claims of 100 at once: every row once, none twice, nothing left to claim.
        assert len(claimed) == len(set(claimed)) == 303
        assert set(claimed) == set(await outbox.all_pending_ids(db))
        assert await claim(db, "p1", NOW) == []
        p0 = set(results[0] + results[2] + results[4])
        p1 = set(claimed) - p0
        # p0 stops renewing but lives: its rows return after the lease; p1's renewed ones not.
        async with db.transaction() as conn:
            await outbox.renew_claims(conn, sorted(p1), outbox.Claim("p1", NOW + 20, NOW + 50))
        assert await other.lead("alive:p2")
        assert await claim(other, "p2", NOW + 29, limit=400) == []
        back = await claim(other, "p2", NOW + 31, limit=400)
        assert set(back) == p0
        # p2 is gone (its session ended): its rows return at once, leases running.
        await other.resign("alive:p2")
        assert set(await claim(db, "p1", NOW + 32, limit=400)) == p0
        # A retry gives its claim up: due again, anyone takes it.
        (first, *_) = sorted(p1)
        async with db.transaction() as conn:
            await outbox.record_outcomes(conn, [Outcome(first, "pending", 1,
                                                        not_before=NOW + 40)], now=NOW + 32)
            again = await outbox.due_retries(conn, now=NOW + 41, limit=10, channels=TG,
                                             claim=outbox.Claim("p2", NOW + 41, NOW + 71))
        assert [r.id for r in again] == [first]
    finally:
        await other.close()
