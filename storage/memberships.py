"""The chats the bot has been added to or removed from, as the platform reported it (Telegram's
`my_chat_member` updates): the bot's own status there, and whether it may post.

What admins may link from a private chat (/channels) comes from here; a chat's subscriptions and
settings stay in `chats` / `subscriptions` (a membership is not a reader until it is linked).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn, Row

# The bot's statuses in which it is in the chat (and may post, rights permitting).
PRESENT = ("creator", "administrator", "member", "restricted")


@dataclass(frozen=True, slots=True)
class Membership:
    id: int
    chat: ChatRef
    chat_type: str  # "group", "supergroup", "channel" (or "private": a user's chat)
    title: str
    status: str  # the bot's: creator, administrator, member, restricted, left, kicked
    can_post: bool
    updated_at: int

    @property
    def present(self) -> bool:
        return self.status in PRESENT


_COLUMNS = "id, channel, chat_id, chat_type, title, status, can_post, updated_at"


def _membership(row: Row) -> Membership:
    return Membership(row["id"], ChatRef(row["channel"], row["chat_id"]), row["chat_type"],
                      row["title"], row["status"], bool(row["can_post"]), row["updated_at"])


async def record(conn: Conn, chat: ChatRef, *, chat_type: str, title: str,
                 status: str, can_post: bool, now: int) -> Membership:
    """Store what the platform says about the bot in `chat` (the latest report wins)."""
    await conn.execute(
        """INSERT INTO memberships(channel, chat_id, chat_type, title, status, can_post,
                                   updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (channel, chat_id) DO UPDATE SET chat_type = excluded.chat_type,
               title = excluded.title, status = excluded.status,
               can_post = excluded.can_post, updated_at = excluded.updated_at""",
        (chat.channel, chat.id, chat_type, title, status, int(can_post), now),
    )
    found = await get(conn, chat)
    assert found is not None
    return found


async def get(conn: Conn, chat: ChatRef) -> Membership | None:
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM memberships WHERE channel = ? AND chat_id = ?",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    return _membership(row) if row else None


async def by_id(conn: Conn, membership_id: int) -> Membership | None:
    async with conn.execute(f"SELECT {_COLUMNS} FROM memberships WHERE id = ?",
                            (membership_id,)) as cur:
        row = await cur.fetchone()
    return _membership(row) if row else None


async def present(conn: Conn, *, types: tuple[str, ...]) -> list[Membership]:
    """The chats of `types` the bot is in now, channels first, then by title."""
    kinds = ",".join("?" * len(types))
    states = ",".join("?" * len(PRESENT))
    async with conn.execute(
        f"""SELECT {_COLUMNS} FROM memberships
            WHERE chat_type IN ({kinds}) AND status IN ({states})
            ORDER BY CASE WHEN chat_type = 'channel' THEN 0 ELSE 1 END, title, id""",
        (*types, *PRESENT),
    ) as cur:
        return [_membership(r) for r in await cur.fetchall()]
