"""Chats the bot talks to: type, language, delivery mode, and whether they still accept messages."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: str  # "private", "group", "supergroup", "channel"
    language: str
    active: bool
    inactive_reason: str | None
    delivery_mode: str  # "instant", "digest", "paused"
    digest_hour: int | None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


_COLUMNS = "id, type, language, active, inactive_reason, delivery_mode, digest_hour"


def _chat(row: aiosqlite.Row) -> Chat:
    return Chat(row["id"], row["type"], row["language"], bool(row["active"]),
                row["inactive_reason"], row["delivery_mode"], row["digest_hour"])


async def get(conn: aiosqlite.Connection, chat_id: int) -> Chat | None:
    async with conn.execute(f"SELECT {_COLUMNS} FROM chats WHERE id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return _chat(row) if row else None


async def ensure(conn: aiosqlite.Connection, chat_id: int, chat_type: str, language: str, *,
                 now: int) -> Chat:
    """The chat's row, created when new; a chat that writes to us again is active again."""
    await conn.execute(
        """INSERT INTO chats(id, type, language, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET type = excluded.type, active = 1, inactive_reason = NULL
           WHERE active = 0 OR type != excluded.type""",
        (chat_id, chat_type, language, now),
    )
    chat = await get(conn, chat_id)
    assert chat is not None
    return chat


async def set_language(conn: aiosqlite.Connection, chat_id: int, language: str) -> None:
    await conn.execute("UPDATE chats SET language = ? WHERE id = ?", (language, chat_id))


async def set_delivery_mode(conn: aiosqlite.Connection, chat_id: int, mode: str,
                            digest_hour: int | None = None) -> None:
    """"instant", "digest" (at `digest_hour`) or "paused"; the digest hour is kept otherwise
    (digest bookkeeping: storage/digests.py)."""
    await conn.execute(
        "UPDATE chats SET delivery_mode = ?, digest_hour = coalesce(?, digest_hour) WHERE id = ?",
        (mode, digest_hour, chat_id),
    )


async def delete(conn: aiosqlite.Connection, chat_id: int) -> bool:
    """Forget the chat and everything stored about it (subscriptions cascade)."""
    cur = await conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
    return cur.rowcount > 0


async def mark_inactive(conn: aiosqlite.Connection, chat_id: int, reason: str) -> None:
    await conn.execute("UPDATE chats SET active = 0, inactive_reason = ? WHERE id = ?",
                       (reason, chat_id))


async def migrate(conn: aiosqlite.Connection, old_id: int, new_id: int) -> None:
    """A group became a supergroup with a new id: move the chat (subscriptions follow)."""
    if await get(conn, new_id) is not None:
        await conn.execute("DELETE FROM chats WHERE id = ?", (old_id,))
        return
    await conn.execute("UPDATE chats SET id = ?, type = 'supergroup' WHERE id = ?",
                       (new_id, old_id))
