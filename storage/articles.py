"""Articles: storing new ones exactly once (by dedupe key) and reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.models import Article
from storage import categories

# SQLite's default limit on host parameters is 32766 since 3.32; stay far below it.
_CHUNK = 500

_SELECT = """
    SELECT a.id, a.source, a.url, a.title, c.name AS category, a.published, a.summary, a.body,
           a.image, a.image_caption, a.author
    FROM articles a JOIN categories c ON c.id = a.category_id
"""


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article ready to store: its dedupe key decided, its category and time resolved."""

    dedupe_key: str
    source: str
    url: str
    title: str
    category: str
    published: datetime
    summary: str
    body: str
    image: str | None
    image_caption: str | None
    author: str | None


def _article(row: aiosqlite.Row) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        url=row["url"],
        title=row["title"],
        category=row["category"],
        published=datetime.fromtimestamp(row["published"], UTC),
        summary=row["summary"],
        body=row["body"],
        image=row["image"],
        image_caption=row["image_caption"],
        author=row["author"],
    )


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def existing_keys(conn: aiosqlite.Connection, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored already."""
    found: set[str] = set()
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT dedupe_key FROM articles WHERE dedupe_key IN ({marks})"
        async with conn.execute(sql, tuple(chunk)) as cur:
            found.update(r[0] for r in await cur.fetchall())
    return found


async def insert_new(
    conn: aiosqlite.Connection, items: Sequence[NewArticle], *, fetched_at: int
) -> list[Article]:
    """Store the items not stored yet (by dedupe key); return only those, oldest first."""
    known = await existing_keys(conn, [i.dedupe_key for i in items])
    fresh: dict[str, NewArticle] = {}
    for item in items:
        if item.dedupe_key not in known and item.dedupe_key not in fresh:
            fresh[item.dedupe_key] = item
    if not fresh:
        return []
    category_ids: dict[str, int] = {}
    for item in fresh.values():
        if item.category not in category_ids:
            category_ids[item.category] = (await categories.ensure(conn, item.category)).id
    await conn.executemany(
        """INSERT INTO articles(dedupe_key, source, url, title, category_id, published, fetched_at,
               summary, body, image, image_caption, author)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                i.dedupe_key, i.source, i.url, i.title, category_ids[i.category],
                int(i.published.timestamp()), fetched_at, i.summary, i.body, i.image,
                i.image_caption, i.author,
            )
            for i in fresh.values()
        ],
    )
    stored: list[Article] = []
    for chunk in _chunks(list(fresh)):
        marks = ",".join("?" * len(chunk))
        async with conn.execute(f"{_SELECT} WHERE a.dedupe_key IN ({marks})", tuple(chunk)) as cur:
            stored.extend(_article(r) for r in await cur.fetchall())
    stored.sort(key=lambda a: (a.published, a.id))
    return stored


async def get(conn: aiosqlite.Connection, article_id: int) -> Article | None:
    async with conn.execute(f"{_SELECT} WHERE a.id = ?", (article_id,)) as cur:
        row = await cur.fetchone()
    return _article(row) if row else None


async def get_many(conn: aiosqlite.Connection, article_ids: Sequence[int]) -> list[Article]:
    """The stored articles among `article_ids`, in that order (missing ones left out)."""
    found: dict[int, Article] = {}
    for start in range(0, len(article_ids), _CHUNK):
        chunk = tuple(article_ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        async with conn.execute(f"{_SELECT} WHERE a.id IN ({marks})", chunk) as cur:
            found.update((r["id"], _article(r)) for r in await cur.fetchall())
    return [found[i] for i in article_ids if i in found]


async def latest(
    conn: aiosqlite.Connection, *, limit: int, category_id: int | None = None
) -> list[Article]:
    """The newest articles, of one category when given."""
    if category_id is None:
        sql = f"{_SELECT} ORDER BY a.published DESC, a.id DESC LIMIT ?"
        params: tuple[int, ...] = (limit,)
    else:
        sql = f"{_SELECT} WHERE a.category_id = ? ORDER BY a.published DESC, a.id DESC LIMIT ?"
        params = (category_id, limit)
    async with conn.execute(sql, params) as cur:
        return [_article(r) for r in await cur.fetchall()]


async def count(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT count(*) FROM articles") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def count_by_source(conn: aiosqlite.Connection) -> dict[str, int]:
    async with conn.execute("SELECT source, count(*) FROM articles GROUP BY source") as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}
