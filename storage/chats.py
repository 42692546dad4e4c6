"""Chats the bot talks to: type, language, delivery mode, and whether they still accept messages.

A chat is keyed by its channel and the channel's id for it, as text (`bot.message.ChatRef`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import ChatRef, is_group
from storage.db import Conn, Row


@dataclass(frozen=True, slots=True)
class Chat:
    ref: ChatRef
    type: str  # "private", "group", "supergroup", "channel"
    language: str
    active: bool
    inactive_reason: str | None
    delivery_mode: str  # "instant", "digest", "paused"
    digest_hour: int | None

    @property
    def is_group(self) -> bool:
        return is_group(self.type)


_COLUMNS = "channel, id, type, language, active, inactive_reason, delivery_mode, digest_hour"


def _chat(row: Row) -> Chat:
    return Chat(ChatRef(row["channel"], row["id"]), row["type"], row["language"],
                bool(row["active"]), row["inactive_reason"], row["delivery_mode"],
                row["digest_hour"])


async def get(conn: Conn, chat: ChatRef) -> Chat | None:
    async with conn.execute(f"SELECT {_COLUMNS} FROM chats WHERE channel = ? AND id = ?",
                            (chat.channel, chat.id)) as cur:
        row = await cur.fetchone()
    return _chat(row) if row else None


async def language(conn: Conn, chat: ChatRef) -> str | None:
    """The chat's language, None for a chat we do not know."""
    async with conn.execute("SELECT language FROM chats WHERE channel = ? AND id = ?",
                            (chat.channel, chat.id)) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def ensure(conn: Conn, chat: ChatRef, chat_type: str, language: str, *,
                 now: int) -> Chat:
    """The chat's row, created when new; a chat that writes to us again is active again."""
    await conn.execute(
        """INSERT INTO chats(channel, id, type, language, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(channel, id) DO UPDATE SET type = excluded.type, active = 1,
               inactive_reason = NULL
           WHERE chats.active = 0 OR chats.type != excluded.type""",
        (chat.channel, chat.id, chat_type, language, now),
    )
    found = await get(conn, chat)
    assert found is not None
    return found


async def set_language(conn: Conn, chat: ChatRef, language: str) -> None:
    await conn.execute("UPDATE chats SET language = ? WHERE channel = ? AND id = ?",
                       (language, chat.channel, chat.id))


async def set_delivery_mode(conn: Conn, chat: ChatRef, mode: str,
                            digest_hour: int | None = None) -> None:
    """"instant", "digest" (at `digest_hour`) or "paused"; the digest hour is kept otherwise
    (digest bookkeeping: storage/digests.py)."""
    await conn.execute(
        """UPDATE chats SET delivery_mode = ?, digest_hour = coalesce(?, digest_hour)
           WHERE channel = ? AND id = ?""",
        (mode, digest_hour, chat.channel, chat.id),
    )


async def delete(conn: Conn, chat: ChatRef) -> bool:
    """Forget the chat and everything stored about it (subscriptions cascade)."""
    cur = await conn.execute("DELETE FROM chats WHERE channel = ? AND id = ?",
                             (chat.channel, chat.id))
    return cur.rowcount > 0


async def mark_inactive(conn: Conn, chat: ChatRef, reason: str) -> None:
    await conn.execute(
        "UPDATE chats SET active = 0, inactive_reason = ? WHERE channel = ? AND id = ?",
        (reason, chat.channel, chat.id))


async def reactivate(conn: Conn, chat: ChatRef) -> bool:
    """The chat accepts messages again (the bot was added back); False when it was not
    inactive (or is unknown)."""
    cur = await conn.execute(
        """UPDATE chats SET active = 1, inactive_reason = NULL
           WHERE channel = ? AND id = ? AND active = 0""",
        (chat.channel, chat.id))
    return cur.rowcount > 0


async def migrate(conn: Conn, old: ChatRef, new: ChatRef) -> None:
    """A group became a supergroup with a new id: move the chat (subscriptions follow)."""
    if await get(conn, new) is not None:
        await delete(conn, old)
        return
    await conn.execute(
        "UPDATE chats SET id = ?, type = 'supergroup' WHERE channel = ? AND id = ?",
        (new.id, old.channel, old.id))
