"""Bulk loading of chats and their subscriptions: benchmarks, end-to-end tests and imports.

Going through `chats.ensure` and `subscriptions.add` costs two round trips per chat; a push to
100,000 subscribers needs them loaded in a second, with one ``executemany`` per table.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite


async def add_subscribers(conn: aiosqlite.Connection, chat_ids: Sequence[int], category_id: int,
                          *, now: int, language: str = "vi") -> None:
    """Make `chat_ids` active instant-mode chats subscribed to `category_id`.

    A chat's type follows Telegram's id ranges (positive: private, -100...: supergroup, other
    negative ids: group); chats that exist keep their settings.
    """
    await conn.executemany(
        "INSERT OR IGNORE INTO chats(id, type, language, created_at) VALUES (?, ?, ?, ?)",
        ((cid, _chat_type(cid), language, now) for cid in chat_ids),
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO subscriptions(chat_id, category_id, created_at) VALUES (?, ?, ?)",
        ((cid, category_id, now) for cid in chat_ids),
    )


def _chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"
