"""What the cluster scanner reads and how far it has read: the `cluster_scan` watermark and
the articles in id order (bot/cluster/scanner.py runs the extractor over them)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What the scanner reads of an article."""

    id: int
    title: str
    body: str
    published: int


# --- the scan watermark and what to scan ----------------------------------------------------


async def scan_mark(conn: Conn) -> int:
    """Every article with an id up to this one has been scanned."""
    async with conn.execute("SELECT last_article_id FROM cluster_scan WHERE id = 1") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def set_scan_mark(conn: Conn, article_id: int) -> None:
    """Move the watermark forward (never back)."""
    await conn.execute(
        "UPDATE cluster_scan SET last_article_id = ? WHERE id = 1 AND last_article_id < ?",
        (article_id, article_id),
    )


async def articles_after(conn: Conn, after_id: int, limit: int
                         ) -> list[ArticleText]:
    """The next `limit` articles by id after `after_id` (the scanner's batches)."""
    async with conn.execute(
        "SELECT id, title, body, published FROM articles WHERE id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    ) as cur:
        return [ArticleText(r["id"], r["title"], r["body"], r["published"])
                for r in await cur.fetchall()]


async def article_count(conn: Conn, after_id: int = 0) -> int:
    async with conn.execute("SELECT count(*) FROM articles WHERE id > ?", (after_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
