"""Reader interactions with articles and the per-article counters they feed (popularity).

`interactions` holds one row per (article, reader, kind), a reader being a (channel, user id);
`article_stats` the counters, changed in the same transaction as the row so they always agree.
The ranking reads `article_stats` only, through its `rank_key` index (see bot/popularity.py for
what the key means).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.message import UserRef
from storage.db import Conn, Row

Kind = Literal["more", "like", "open", "search_open"]
KINDS: tuple[Kind, ...] = ("more", "like", "open", "search_open")
_COUNTER: dict[str, str] = {
    "more": "mores", "like": "likes", "open": "opens", "search_open": "search_opens",
}


@dataclass(frozen=True, slots=True)
class Counts:
    """An article's counters: distinct readers per kind."""

    article_id: int
    published: int
    likes: int = 0
    mores: int = 0
    opens: int = 0
    search_opens: int = 0


# Counts -> rank_key (None: nothing counts). Passed in so storage holds no scoring policy.
RankKey = Callable[[Counts], float | None]


def _counts(row: Row) -> Counts:
    return Counts(row["article_id"], row["published"], row["likes"], row["mores"], row["opens"],
                  row["search_opens"])


async def has(conn: Conn, article_id: int, user: UserRef, kind: Kind) -> bool:
    async with conn.execute(
        """SELECT 1 FROM interactions
           WHERE article_id = ? AND channel = ? AND user_id = ? AND kind = ?""",
        (article_id, user.channel, user.id, kind),
    ) as cur:
        return await cur.fetchone() is not None


async def add(conn: Conn, article_id: int, user: UserRef, kind: Kind, *,
              now: int, rank_key: RankKey) -> Counts | None:
    """Count the reader once; the new counters, or None when they had counted already or the
    article does not exist (a forged or stale button)."""
    cur = await conn.execute(
        "INSERT INTO interactions(article_id, channel, user_id, kind, created_at) "
        "SELECT id, ?, ?, ?, ? FROM articles WHERE id = ? ON CONFLICT DO NOTHING",
        (user.channel, user.id, kind, now, article_id),
    )
    if cur.rowcount != 1:
        return None
    return await _bump(conn, article_id, kind, +1, rank_key)


async def remove(conn: Conn, article_id: int, user: UserRef, kind: Kind, *,
                 rank_key: RankKey) -> Counts | None:
    """Take the reader's interaction back (un-like); the new counters, or None if there was none."""
    cur = await conn.execute(
        """DELETE FROM interactions
           WHERE article_id = ? AND channel = ? AND user_id = ? AND kind = ?""",
        (article_id, user.channel, user.id, kind),
    )
    if cur.rowcount != 1:
        return None
    return await _bump(conn, article_id, kind, -1, rank_key)


async def remove_user(conn: Conn, user: UserRef, *, rank_key: RankKey) -> int:
    """Forget every interaction of a reader, taking each off its article's counters."""
    async with conn.execute(
        "SELECT article_id, kind FROM interactions WHERE channel = ? AND user_id = ?",
        (user.channel, user.id),
    ) as cur:
        rows = [(r[0], r[1]) for r in await cur.fetchall()]
    await conn.execute("DELETE FROM interactions WHERE channel = ? AND user_id = ?",
                       (user.channel, user.id))
    for article_id, kind in rows:
        await _bump(conn, article_id, kind, -1, rank_key)
    return len(rows)


async def _bump(conn: Conn, article_id: int, kind: Kind, delta: int,
                rank_key: RankKey) -> Counts:
    column = _COUNTER[kind]  # a fixed column name from our own table, never user input
    # "WHERE true"-style filter before ON CONFLICT: SQLite needs it to parse an upsert whose
    # source is a SELECT (https://sqlite.org/lang_upsert.html, "parsing ambiguity").
    async with conn.execute(
        f"""INSERT INTO article_stats(article_id, category_id, published, {column})
            SELECT id, category_id, published, CASE WHEN ? > 0 THEN 1 ELSE 0 END
            FROM articles WHERE id = ?
            ON CONFLICT(article_id) DO UPDATE SET
                {column} = CASE WHEN article_stats.{column} + ? > 0
                                THEN article_stats.{column} + ? ELSE 0 END
            RETURNING article_id, published, likes, mores, opens, search_opens""",
        (delta, article_id, delta, delta),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None, f"article {article_id} vanished inside the transaction"
    counts = _counts(row)
    await conn.execute("UPDATE article_stats SET rank_key = ? WHERE article_id = ?",
                       (rank_key(counts), article_id))
    return counts


async def counts(conn: Conn, article_id: int) -> Counts | None:
    async with conn.execute(
        "SELECT article_id, published, likes, mores, opens, search_opens FROM article_stats "
        "WHERE article_id = ?",
        (article_id,),
    ) as cur:
        row = await cur.fetchone()
    return _counts(row) if row else None


async def top(conn: Conn, *, since: int, min_key: float, limit: int,
              category_id: int | None = None) -> list[Counts]:
    """The best-ranked articles published at or after `since`, best first.

    Walks the rank_key index from the top and stops after `limit` rows in the window, or at
    `min_key`, the lowest key an article of the window can have: the cost depends on the
    window's articles with counts (and older ones ranked above them), never on the number of
    interactions nor on the whole archive.
    """
    if category_id is None:
        sql = """SELECT article_id, published, likes, mores, opens, search_opens
                 FROM article_stats INDEXED BY article_stats_rank
                 WHERE rank_key IS NOT NULL AND rank_key >= ? AND published >= ?
                 ORDER BY rank_key DESC, article_id DESC LIMIT ?"""
        params: tuple[float, ...] = (min_key, since, limit)
    else:
        sql = """SELECT article_id, published, likes, mores, opens, search_opens
                 FROM article_stats INDEXED BY article_stats_category_rank
                 WHERE category_id = ? AND rank_key IS NOT NULL AND rank_key >= ?
                   AND published >= ?
                 ORDER BY rank_key DESC, article_id DESC LIMIT ?"""
        params = (category_id, min_key, since, limit)
    async with conn.execute(sql, params) as cur:
        return [_counts(r) for r in await cur.fetchall()]
