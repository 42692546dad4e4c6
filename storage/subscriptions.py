"""Which reader follows which category, and which follow them all.

A reader is a chat or one topic of a forum chat (`ChatRef.thread`; stored as `thread_id`, ''
for the chat itself). "All categories" (`subscriptions_all`) is a subscription of its own: it
covers every category, also those created after it.
"""

from __future__ import annotations

from bot.message import ChatRef
from storage.db import Conn


def thread_key(reader: ChatRef) -> str:
    """The stored form of a reader's topic ('' for the chat itself)."""
    return reader.thread or ""


def _key(reader: ChatRef) -> tuple[str, str, str]:
    return reader.channel, reader.id, thread_key(reader)


async def category_ids(conn: Conn, reader: ChatRef) -> set[int]:
    async with conn.execute(
        """SELECT category_id FROM subscriptions
           WHERE channel = ? AND chat_id = ? AND thread_id = ?""",
        _key(reader),
    ) as cur:
        return {r[0] for r in await cur.fetchall()}


async def add(conn: Conn, reader: ChatRef, category_id: int, *,
              now: int) -> bool:
    """Subscribe; False when it was subscribed already."""
    cur = await conn.execute(
        """INSERT INTO subscriptions(channel, chat_id, thread_id, category_id, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        (*_key(reader), category_id, now),
    )
    return cur.rowcount > 0


async def remove(conn: Conn, reader: ChatRef, category_id: int) -> bool:
    """Unsubscribe; False when it was not subscribed."""
    cur = await conn.execute(
        """DELETE FROM subscriptions
           WHERE channel = ? AND chat_id = ? AND thread_id = ? AND category_id = ?""",
        (*_key(reader), category_id),
    )
    return cur.rowcount > 0


async def follows_all(conn: Conn, reader: ChatRef) -> bool:
    """Whether the reader has the "all categories" subscription."""
    async with conn.execute(
        "SELECT 1 FROM subscriptions_all WHERE channel = ? AND chat_id = ? AND thread_id = ?",
        _key(reader),
    ) as cur:
        return await cur.fetchone() is not None


async def add_all(conn: Conn, reader: ChatRef, *, now: int) -> bool:
    """Subscribe to every category, present and future; False when it was already."""
    cur = await conn.execute(
        """INSERT INTO subscriptions_all(channel, chat_id, thread_id, created_at)
           VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        (*_key(reader), now),
    )
    return cur.rowcount > 0


async def remove_all_categories(conn: Conn, reader: ChatRef) -> bool:
    """Drop the "all categories" subscription (the reader's own categories stay)."""
    cur = await conn.execute(
        "DELETE FROM subscriptions_all WHERE channel = ? AND chat_id = ? AND thread_id = ?",
        _key(reader),
    )
    return cur.rowcount > 0


async def remove_all(conn: Conn, reader: ChatRef) -> int:
    """Unsubscribe the reader from everything ("all categories" included); how many
    subscriptions there were."""
    cur = await conn.execute(
        "DELETE FROM subscriptions WHERE channel = ? AND chat_id = ? AND thread_id = ?",
        _key(reader))
    count = cur.rowcount
    if await remove_all_categories(conn, reader):
        count += 1
    return count


async def count_for(conn: Conn, chat: ChatRef) -> dict[str, int]:
    """thread ('' for the chat itself) -> subscriptions ("all" counts one) of every reader of
    `chat` that has any."""
    async with conn.execute(
        """SELECT thread_id, count(*) FROM (
               SELECT thread_id FROM subscriptions WHERE channel = ? AND chat_id = ?
               UNION ALL
               SELECT thread_id FROM subscriptions_all WHERE channel = ? AND chat_id = ?
           ) r GROUP BY thread_id ORDER BY thread_id""",
        (chat.channel, chat.id, chat.channel, chat.id),
    ) as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def readers_of(conn: Conn, chat: ChatRef) -> list[ChatRef]:
    """Every reader of `chat` (the chat itself, its topics) with a subscription."""
    found = await count_for(conn, chat)
    return [chat.base.topic(thread) for thread in found]


async def count_subscribers(conn: Conn) -> dict[int, int]:
    """Active readers per category id (those following every category included)."""
    async with conn.execute(
        """SELECT r.category_id, count(*) FROM (
               SELECT channel, chat_id, thread_id, category_id FROM subscriptions
               UNION
               SELECT a.channel, a.chat_id, a.thread_id, g.id FROM subscriptions_all a
               CROSS JOIN categories g
           ) r JOIN chats c ON c.channel = r.channel AND c.id = r.chat_id
           WHERE c.active = 1 GROUP BY r.category_id"""
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}
