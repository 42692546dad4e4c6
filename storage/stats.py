"""Read-only figures for the admins' /stats: subscribers, articles, deliveries, the push queue."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn


@dataclass(frozen=True, slots=True)
class ChatFigures:
    active: int
    inactive: int
    by_language: tuple[tuple[str, int], ...]  # active chats per language, most first
    by_type: tuple[tuple[str, int], ...]  # active chats per chat type, most first
    # (channel, active, inactive) per channel (Telegram, Zalo), by channel name
    by_channel: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """The outbox now: pending deliveries per kind, how many wait for a retry, the oldest."""

    articles: int
    broadcasts: int
    digests: int
    retrying: int  # pending with attempts > 0
    oldest_created_at: int | None

    @property
    def total(self) -> int:
        return self.articles + self.broadcasts + self.digests


async def chat_figures(conn: Conn) -> ChatFigures:
    async with conn.execute("SELECT active, count(*) FROM chats GROUP BY active") as cur:
        by_active = {bool(r[0]): r[1] for r in await cur.fetchall()}
    async with conn.execute(
        "SELECT language, count(*) AS n FROM chats WHERE active = 1 GROUP BY 1 ORDER BY n DESC, 1"
    ) as cur:
        languages = tuple((r[0], r[1]) for r in await cur.fetchall())
    async with conn.execute(
        "SELECT type, count(*) AS n FROM chats WHERE active = 1 GROUP BY 1 ORDER BY n DESC, 1"
    ) as cur:
        types = tuple((r[0], r[1]) for r in await cur.fetchall())
    async with conn.execute(
        """SELECT channel, sum(CASE WHEN active = 1 THEN 1 ELSE 0 END),
                  sum(CASE WHEN active = 1 THEN 0 ELSE 1 END)
           FROM chats GROUP BY channel ORDER BY channel"""
    ) as cur:
        channels = tuple((r[0], int(r[1]), int(r[2])) for r in await cur.fetchall())
    return ChatFigures(by_active.get(True, 0), by_active.get(False, 0), languages, types,
                       channels)


async def subscribers_per_category(conn: Conn) -> list[tuple[str, int]]:
    """Every category with its active readers (0 included; those following every category
    count in each), most first."""
    async with conn.execute(
        """SELECT g.name, count(c.id) AS n FROM categories g
           LEFT JOIN (
               SELECT channel, chat_id, thread_id, category_id FROM subscriptions
               UNION
               SELECT a.channel, a.chat_id, a.thread_id, k.id FROM subscriptions_all a
               CROSS JOIN categories k
           ) s ON s.category_id = g.id
           LEFT JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id AND c.active = 1
           GROUP BY g.id, g.name ORDER BY n DESC, g.name"""
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def articles_per_source(conn: Conn) -> list[tuple[str, int]]:
    async with conn.execute(
        "SELECT source, count(*) AS n FROM articles GROUP BY source ORDER BY n DESC, source"
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def articles_per_category(conn: Conn) -> list[tuple[str, int]]:
    async with conn.execute(
        """SELECT g.name, count(*) AS n FROM articles a JOIN categories g ON g.id = a.category_id
           GROUP BY g.id ORDER BY n DESC, g.name"""
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def deliveries_since(conn: Conn, since: int) -> dict[str, int]:
    """Deliveries that ended since `since` (unix time), per final status."""
    async with conn.execute(
        """SELECT status, count(*) FROM deliveries
           WHERE finished_at IS NOT NULL AND finished_at >= ? GROUP BY status""",
        (since,),
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def deliveries_by_channel_since(conn: Conn, since: int) -> dict[str, dict[str, int]]:
    """Deliveries that ended since `since`, per channel and final status."""
    async with conn.execute(
        """SELECT channel, status, count(*) FROM deliveries
           WHERE finished_at IS NOT NULL AND finished_at >= ? GROUP BY channel, status
           ORDER BY channel""",
        (since,),
    ) as cur:
        found: dict[str, dict[str, int]] = {}
        for channel, status, count in await cur.fetchall():
            found.setdefault(channel, {})[status] = count
        return found


async def failure_reasons_since(conn: Conn, since: int, limit: int = 3
                                ) -> list[tuple[str, int]]:
    async with conn.execute(
        """SELECT coalesce(reason, ''), count(*) AS n FROM deliveries
           WHERE finished_at IS NOT NULL AND finished_at >= ? AND status = 'failed'
           GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?""",
        (since, limit),
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def queue(conn: Conn) -> QueueFigures:
    async with conn.execute(
        """SELECT count(article_id), count(broadcast_id), count(digest_id),
                  CAST(coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0)
                       AS BIGINT), min(created_at)
           FROM deliveries WHERE status = 'pending'"""
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return QueueFigures(row[0], row[1], row[2], row[3], row[4])
