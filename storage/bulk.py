"""Bulk loading of chats and their subscriptions: benchmarks, end-to-end tests and imports.

Going through `chats.ensure` and `subscriptions.add` costs two round trips per chat; a push to
100,000 subscribers needs them loaded in a second, with one ``executemany`` per table.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.message import TELEGRAM
from storage.db import Conn


async def add_subscribers(conn: Conn, chat_ids: Sequence[int | str],
                          category_id: int, *, now: int, language: str = "vi",
                          channel: str = TELEGRAM, chat_type: str | None = None) -> None:
    """Make `chat_ids` (of `channel`) active instant-mode chats subscribed to `category_id`.

    Without `chat_type`, a Telegram chat's type follows Telegram's id ranges (positive: private,
    -100...: supergroup, other negative ids: group) and any other channel's chat is private;
    chats that exist keep their settings.
    """
    rows = [(str(cid), chat_type or _chat_type(channel, cid)) for cid in chat_ids]
    await conn.executemany(
        """INSERT INTO chats(channel, id, type, language, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        ((channel, cid, kind, language, now) for cid, kind in rows),
    )
    await conn.executemany(
        """INSERT INTO subscriptions(channel, chat_id, category_id, created_at)
           VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        ((channel, cid, category_id, now) for cid, _ in rows),
    )


def _chat_type(channel: str, chat_id: int | str) -> str:
    if channel != TELEGRAM:
        return "private"
    number = int(chat_id)
    if number > 0:
        return "private"
    return "supergroup" if number <= -1_000_000_000_000 else "group"
