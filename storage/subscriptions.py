"""Which chat follows which category."""

from __future__ import annotations

from bot.message import ChatRef
from storage.db import Conn


async def category_ids(conn: Conn, chat: ChatRef) -> set[int]:
    async with conn.execute(
        "SELECT category_id FROM subscriptions WHERE channel = ? AND chat_id = ?",
        (chat.channel, chat.id),
    ) as cur:
        return {r[0] for r in await cur.fetchall()}


async def add(conn: Conn, chat: ChatRef, category_id: int, *, now: int) -> bool:
    """Subscribe; False when it was subscribed already."""
    cur = await conn.execute(
        """INSERT INTO subscriptions(channel, chat_id, category_id, created_at)
           VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        (chat.channel, chat.id, category_id, now),
    )
    return cur.rowcount > 0


async def remove(conn: Conn, chat: ChatRef, category_id: int) -> bool:
    """Unsubscribe; False when it was not subscribed."""
    cur = await conn.execute(
        "DELETE FROM subscriptions WHERE channel = ? AND chat_id = ? AND category_id = ?",
        (chat.channel, chat.id, category_id),
    )
    return cur.rowcount > 0


async def remove_all(conn: Conn, chat: ChatRef) -> int:
    cur = await conn.execute("DELETE FROM subscriptions WHERE channel = ? AND chat_id = ?",
                             (chat.channel, chat.id))
    return cur.rowcount


async def count_subscribers(conn: Conn) -> dict[int, int]:
    """Active subscribers per category id."""
    async with conn.execute(
        """SELECT s.category_id, count(*) FROM subscriptions s
           JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id
           WHERE c.active = 1 GROUP BY s.category_id"""
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}
