"""Interactions, per-article counters and the decayed ranking, on real SQLite files."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot import popularity
from bot.popularity import WINDOW_DAYS, Ranked, record_interaction, toggle_like
from storage import articles, categories, interactions
from storage.articles import NewArticle
from storage.db import Database
from storage.interactions import Counts
from tests.conftest import tg_user

NOW = 1_750_000_000.0
HOUR = 3600
DAY = 86400


async def _article(db: Database, key: str, *, age: float, category: str = "Tin tức") -> int:
    item = NewArticle(
        dedupe_key=key, source="s", url=f"https://x.vn/{key}", title=f"Bài {key}",
        category=category, published=datetime.fromtimestamp(NOW - age, UTC),
        summary="Tóm tắt.", body="Nội dung.", image=None, image_caption=None, author=None,
    )
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [item], fetched_at=int(NOW))
    return stored.id


async def _counts(db: Database, article_id: int) -> Counts | None:
    return await interactions.counts(db, article_id)


async def _top(db: Database, **kwargs: object) -> list[Ranked]:
    return await popularity.top(db, limit=10, now=NOW, **kwargs)  # type: ignore[arg-type]


async def test_each_reader_counts_once_per_article_and_kind(db: Database) -> None:
    a = await _article(db, "a", age=HOUR)
    assert await record_interaction(db, article_id=a, user=tg_user(1), kind="open", now=NOW)
    assert not await record_interaction(db, article_id=a, user=tg_user(1), kind="open", now=NOW + 5)
    assert await record_interaction(db, article_id=a, user=tg_user(1), kind="more", now=NOW)
    assert await record_interaction(db, article_id=a, user=tg_user(2), kind="open", now=NOW)
    assert await record_interaction(db, article_id=a, user=tg_user(2), kind="search_open", now=NOW)
    counts = await _counts(db, a)
    assert counts is not None
    assert (counts.opens, counts.mores, counts.search_opens, counts.likes) == (2, 1, 1, 0)
    # Stored with time, one row per reader and kind.
    async with db.execute("SELECT count(*), min(created_at) FROM interactions") as cur:
        assert tuple(await cur.fetchone()) == (4, int(NOW))  # type: ignore[arg-type]


async def test_like_toggles_and_unlike_removes_the_count(db: Database) -> None:
    a = await _article(db, "a", age=HOUR)
    assert await toggle_like(db, article_id=a, user=tg_user(7), now=NOW) is True
    assert await toggle_like(db, article_id=a, user=tg_user(8), now=NOW) is True
    assert (await _counts(db, a)).likes == 2  # type: ignore[union-attr]
    assert await toggle_like(db, article_id=a, user=tg_user(7), now=NOW) is False
    assert (await _counts(db, a)).likes == 1  # type: ignore[union-attr]
    assert await toggle_like(db, article_id=a, user=tg_user(8), now=NOW) is False
    assert (await _counts(db, a)).likes == 0  # type: ignore[union-attr]
    # Nothing counts any more: the article leaves the ranking.
    assert await _top(db) == []
    assert await toggle_like(db, article_id=a, user=tg_user(7), now=NOW) is True
    assert [r.counts.article_id for r in await _top(db)] == [a]


async def test_a_missing_article_counts_nothing(db: Database) -> None:
    assert await toggle_like(db, article_id=404, user=tg_user(1), now=NOW) is None
    assert not await record_interaction(db, article_id=404, user=tg_user(1), kind="more", now=NOW)
    async with db.execute("SELECT count(*) FROM interactions") as cur:
        assert (await cur.fetchone())[0] == 0  # type: ignore[index]


async def test_like_must_go_through_the_toggle(db: Database) -> None:
    a = await _article(db, "a", age=HOUR)
    with pytest.raises(ValueError, match="toggle_like"):
        await record_interaction(db, article_id=a, user=tg_user(1), kind="like", now=NOW)


def test_score_formula() -> None:
    counts = Counts(1, int(NOW), likes=2, mores=1, opens=3, search_opens=1)
    assert popularity.weight(counts) == 3 * 2 + 2 * 1 + 3 + 1
    assert popularity.score(counts, NOW) == 12
    assert popularity.score(counts, NOW + 48 * HOUR) == pytest.approx(6)
    assert popularity.score(counts, NOW + 96 * HOUR) == pytest.approx(3)
    # A date in the future is not a bonus.
    future = Counts(1, int(NOW + DAY), likes=1)
    assert popularity.score(future, NOW) == 3
    assert popularity.rank_key(Counts(1, int(NOW)), NOW) is None


async def test_ranking_decays_with_age(db: Database) -> None:
    fresh = await _article(db, "fresh", age=2 * HOUR)  # 1 like: weight 3
    old = await _article(db, "old", age=5 * DAY)  # 4 likes: weight 12, five days old
    middle = await _article(db, "middle", age=DAY)  # 2 likes: weight 6, one day old
    await toggle_like(db, article_id=fresh, user=tg_user(1), now=NOW)
    for user in range(4):
        await toggle_like(db, article_id=old, user=tg_user(user), now=NOW)
    for user in range(2):
        await toggle_like(db, article_id=middle, user=tg_user(user), now=NOW)
    ranked = await _top(db)
    # Scores now: middle 6·2^(-0.5) ≈ 4.24, fresh 3·2^(-1/24) ≈ 2.91, old 12·2^(-2.5) ≈ 2.12.
    assert [r.counts.article_id for r in ranked] == [middle, fresh, old]
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert ranked[0].score == pytest.approx(6 * 2 ** -0.5)
    # The order stored by rank_key is the order of the scores at any later moment too.
    later = await popularity.top(db, limit=10, now=NOW + 2 * HOUR)
    assert [r.counts.article_id for r in later] == [middle, fresh, old]


async def test_only_the_last_seven_days_and_one_category(db: Database) -> None:
    recent = await _article(db, "recent", age=6 * DAY, category="An sinh xã hội")
    other = await _article(db, "other", age=HOUR, category="Tin tức")
    stale = await _article(db, "stale", age=(WINDOW_DAYS + 1) * DAY)
    for aid in (recent, other, stale):
        await record_interaction(db, article_id=aid, user=tg_user(1), kind="open", now=NOW)
    for user in range(50):  # however popular, an article older than the window is out
        await toggle_like(db, article_id=stale, user=tg_user(user), now=NOW)
    assert [r.counts.article_id for r in await _top(db)] == [other, recent]
    category = await categories.find(db, "an sinh")
    assert category is not None
    assert [r.counts.article_id for r in await _top(db, category_id=category.id)] == [recent]


@pytest.mark.parametrize("category", [False, True])
async def test_ranking_walks_the_counter_index(sqlite_db: Database, category: bool) -> None:
    """The statement /popular runs reads article_stats through its rank index, in rank order:
    no scan of `interactions`, no sort of the whole window (only of ties on rank_key)."""
    db = sqlite_db
    statements: list[str] = []
    await db.raw.set_trace_callback(statements.append)
    await interactions.top(db, since=0, min_key=0.0, limit=10,
                           category_id=1 if category else None)
    await db.raw.set_trace_callback(None)
    (sql,) = [s for s in statements if "article_stats" in s]
    async with db.execute(f"EXPLAIN QUERY PLAN {sql}") as cur:
        plan = [str(r[3]) for r in await cur.fetchall()]
    index = "article_stats_category_rank" if category else "article_stats_rank"
    assert re.match(rf"SEARCH article_stats USING (COVERING )?INDEX {index} ", plan[0]), plan
    assert not any("interactions" in step for step in plan)
    assert all(step.startswith("SEARCH") or "RIGHT PART OF ORDER BY" in step for step in plan)


async def test_deleting_an_article_removes_its_interactions_and_counters(db: Database) -> None:
    a = await _article(db, "a", age=HOUR)
    await toggle_like(db, article_id=a, user=tg_user(1), now=NOW)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM articles WHERE id = ?", (a,))
    assert await _counts(db, a) is None
    async with db.execute("SELECT count(*) FROM interactions") as cur:
        assert (await cur.fetchone())[0] == 0  # type: ignore[index]


async def test_forgetting_a_reader_takes_their_interactions_off_the_counters(db: Database
                                                                            ) -> None:
    a = await _article(db, "a", age=HOUR)
    b = await _article(db, "b", age=HOUR)
    await toggle_like(db, article_id=a, user=tg_user(1), now=NOW)
    await record_interaction(db, article_id=a, user=tg_user(1), kind="open", now=NOW)
    await record_interaction(db, article_id=b, user=tg_user(1), kind="more", now=NOW)
    await toggle_like(db, article_id=b, user=tg_user(2), now=NOW)
    assert await popularity.forget_reader(db, tg_user(1), now=NOW) == 3
    counts_a, counts_b = await _counts(db, a), await _counts(db, b)
    assert counts_a is not None
    assert counts_b is not None
    assert (counts_a.likes, counts_a.opens) == (0, 0)
    assert (counts_b.likes, counts_b.mores) == (1, 0)
    assert [r.counts.article_id for r in await _top(db)] == [b]
    assert await popularity.forget_reader(db, tg_user(1), now=NOW) == 0
