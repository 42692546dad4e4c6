"""The full-text index `search_index` (FTS5, rowid = article id): matching article ids.

The index is kept in step with `articles` by SQL triggers (migration 0005), so nothing here
writes it. `match` arguments are FTS5 expressions built by bot/search/query.py from quoted
words only; user text never reaches this module unquoted.

Why "newest first" and not FTS5's `ORDER BY rank`: bm25 needs, for every word, the number of
articles containing it, which FTS5 counts by walking the word's whole list of articles (about
13 ms per word found in 500,000 articles, measured), and `ORDER BY rank` scores every match.
`ORDER BY rowid DESC LIMIT n` instead reads the lists from the newest end and stops after `n`
matches: about a millisecond whatever the archive size (see bot/search/engine.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Signals:
    """What ranking needs about candidate articles: which match each feature expression, and
    when each was published (unix seconds)."""

    hits: tuple[frozenset[int], ...]
    published: dict[int, int]


async def newest_matches(conn: aiosqlite.Connection, match: str, *, limit: int) -> list[int]:
    """Ids of the `limit` most recently stored articles matching `match`, newest first."""
    async with conn.execute(
        "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?",
        (match, limit),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def signals(conn: aiosqlite.Connection, candidates: Sequence[int],
                  features: Sequence[str]) -> Signals:
    """For each feature expression, the candidates it matches; and the candidates' dates.

    One statement: each feature is looked up only within the candidates' id range (FTS5 seeks
    to it), which is narrow when the words are common and short when they are rare.
    """
    if not candidates:
        return Signals(tuple(frozenset() for _ in features), {})
    low, high = min(candidates), max(candidates)
    parts: list[str] = []
    params: list[object] = []
    for number, feature in enumerate(features):
        parts.append(f"SELECT rowid, {number}, NULL FROM search_index "
                     "WHERE search_index MATCH ? AND rowid BETWEEN ? AND ?")
        params.extend((feature, low, high))
    marks = ",".join("?" * len(candidates))
    # Dates come back as feature number -1.
    parts.append(f"SELECT id, -1, published FROM articles WHERE id IN ({marks})")
    params.extend(candidates)
    hits: list[set[int]] = [set() for _ in features]
    published: dict[int, int] = {}
    async with conn.execute(" UNION ALL ".join(parts), params) as cur:
        for article_id, number, when in await cur.fetchall():
            if number >= 0:
                hits[number].add(article_id)
            else:
                published[article_id] = when
    return Signals(tuple(frozenset(h) for h in hits), published)
