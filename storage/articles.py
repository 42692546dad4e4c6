"""Articles: storing new ones exactly once (by dedupe key), corrections, and reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.models import Article
from storage import categories
from storage.db import Conn, Row

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
    content_hash: str | None = None  # what the article says (see migration 0009_hostile_sources)


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """Who stored an article under a dedupe key, and the hash of what it said then."""

    id: int
    source: str
    content_hash: str | None


# The range `datetime` can hold; a stored time outside it (written by an older version) is
# shown at the nearest end rather than failing every reply that lists the article.
_MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
_MAX_TIME = datetime(9999, 12, 30, tzinfo=UTC)


def _moment(timestamp: int) -> datetime:
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, ValueError, OSError):
        return _MAX_TIME if timestamp > 0 else _MIN_TIME


def _article(row: Row) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        url=row["url"],
        title=row["title"],
        category=row["category"],
        published=_moment(row["published"]),
        summary=row["summary"],
        body=row["body"],
        image=row["image"],
        image_caption=row["image_caption"],
        author=row["author"],
    )


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def existing_keys(conn: Conn, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored already."""
    found: set[str] = set()
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT dedupe_key FROM articles WHERE dedupe_key IN ({marks})"
        async with conn.execute(sql, tuple(chunk)) as cur:
            found.update(r[0] for r in await cur.fetchall())
    return found


async def insert_new(
    conn: Conn, items: Sequence[NewArticle], *, fetched_at: int
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
               summary, body, image, image_caption, author, content_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(dedupe_key) DO NOTHING""",
        [
            (
                i.dedupe_key, i.source, i.url, i.title, category_ids[i.category],
                int(i.published.timestamp()), fetched_at, i.summary, i.body, i.image,
                i.image_caption, i.author, i.content_hash,
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


async def versions(conn: Conn, keys: Sequence[str]) -> dict[str, StoredVersion]:
    """The stored articles among `keys`: id, source and content hash, by dedupe key."""
    found: dict[str, StoredVersion] = {}
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        sql = ("SELECT dedupe_key, id, source, content_hash FROM articles "
               f"WHERE dedupe_key IN ({marks})")
        async with conn.execute(sql, tuple(chunk)) as cur:
            for r in await cur.fetchall():
                found[r[0]] = StoredVersion(r[1], r[2], r[3])
    return found


async def set_content_hash(conn: Conn, article_id: int, digest: str) -> None:
    """Remember the hash of an article stored before hashes were kept (content unchanged)."""
    await conn.execute("UPDATE articles SET content_hash = ? WHERE id = ?", (digest, article_id))


async def correct(conn: Conn, article_id: int, item: NewArticle, *, now: int
                  ) -> Article | None:
    """Store `item` as the new content of article `article_id` (same id: not a new article).

    The publication time stays (a correction is not news). A new photo forgets the platform's
    file id and a previous failure of the old photo. The search index follows by trigger
    (migration 0005); the popularity counters' copy of the category is updated here.
    """
    category_id = (await categories.ensure(conn, item.category)).id
    await conn.execute(
        """UPDATE articles SET url = ?, title = ?, category_id = ?, summary = ?, body = ?,
               photo_file_id = CASE WHEN image = ? OR (image IS NULL AND CAST(? AS TEXT) IS NULL)
                                    THEN photo_file_id END,
               photo_failed = CASE WHEN image = ? OR (image IS NULL AND CAST(? AS TEXT) IS NULL)
                                   THEN photo_failed ELSE 0 END,
               image = ?, image_caption = ?, author = ?, content_hash = ?, updated_at = ?
           WHERE id = ?""",
        (item.url, item.title, category_id, item.summary, item.body, item.image, item.image,
         item.image, item.image, item.image, item.image_caption, item.author, item.content_hash,
         now, article_id),
    )
    await conn.execute("UPDATE article_stats SET category_id = ? WHERE article_id = ?",
                       (category_id, article_id))
    return await get(conn, article_id)


async def forget_local_images(conn: Conn, sources: Sequence[str]) -> int:
    """Drop the photo of articles of `sources` whose photo is not a web URL; returns how many.

    For feed sources: a feed never names a local file, but older versions stored what it said.
    """
    changed = 0
    for chunk in _chunks(sources):
        marks = ",".join("?" * len(chunk))
        async with conn.execute(
            f"""UPDATE articles SET image = NULL, photo_file_id = NULL
                WHERE source IN ({marks}) AND image IS NOT NULL
                  AND lower(image) NOT LIKE 'http://%' AND lower(image) NOT LIKE 'https://%'""",
            tuple(chunk),
        ) as cur:
            changed += cur.rowcount
    return changed


async def get(conn: Conn, article_id: int) -> Article | None:
    async with conn.execute(f"{_SELECT} WHERE a.id = ?", (article_id,)) as cur:
        row = await cur.fetchone()
    return _article(row) if row else None


async def get_many(conn: Conn, article_ids: Sequence[int]) -> list[Article]:
    """The stored articles among `article_ids`, in that order (missing ones left out)."""
    found: dict[int, Article] = {}
    for start in range(0, len(article_ids), _CHUNK):
        chunk = tuple(article_ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        async with conn.execute(f"{_SELECT} WHERE a.id IN ({marks})", chunk) as cur:
            found.update((r["id"], _article(r)) for r in await cur.fetchall())
    return [found[i] for i in article_ids if i in found]


async def latest(
    conn: Conn, *, limit: int, category_id: int | None = None
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


async def count(conn: Conn) -> int:
    async with conn.execute("SELECT count(*) FROM articles") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def count_by_source(conn: Conn) -> dict[str, int]:
    async with conn.execute("SELECT source, count(*) FROM articles GROUP BY source") as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def redate(conn: Conn, published: dict[int, int]) -> None:
    """Give articles new publication times (unix seconds): the demo moves its sample news
    near today so that /popular's 7 days hold some. Counters of /popular follow."""
    await conn.executemany("UPDATE articles SET published = ? WHERE id = ?",
                           [(when, article_id) for article_id, when in published.items()])
    await conn.executemany("UPDATE article_stats SET published = ? WHERE article_id = ?",
                           [(when, article_id) for article_id, when in published.items()])
