"""Numbered choices per chat (channels without buttons: Zalo): the actions of the latest message
that offered choices in a chat, so that "2" means that message's second choice, also after a
restart. The caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn


@dataclass(frozen=True, slots=True)
class ChatChoices:
    """The choices a chat may answer by number: choice n is `actions[n - 1]`, offered by the
    message `message_id` (None when unknown)."""

    chat: ChatRef
    message_id: str | None
    actions: tuple[str, ...]
    created_at: int


async def remember(conn: Conn, chat: ChatRef, message_id: str | None,
                   actions: Sequence[str], *, now: int) -> None:
    """`actions` are now the chat's choices (replacing the previous ones)."""
    await conn.execute(
        """INSERT INTO chat_choices(channel, chat_id, message_id, actions, created_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(channel, chat_id) DO UPDATE SET message_id = excluded.message_id,
               actions = excluded.actions, created_at = excluded.created_at""",
        (chat.channel, chat.id, message_id, json.dumps(list(actions), ensure_ascii=False), now),
    )


async def get(conn: Conn, chat: ChatRef) -> ChatChoices | None:
    """The chat's current choices, None when it has none."""
    async with conn.execute(
        """SELECT message_id, actions, created_at FROM chat_choices
           WHERE channel = ? AND chat_id = ?""",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    try:
        actions = json.loads(row[1])
    except ValueError:
        return None
    if not isinstance(actions, list):
        return None
    return ChatChoices(chat, row[0], tuple(str(a) for a in actions), int(row[2]))


async def forget(conn: Conn, chat: ChatRef) -> None:
    """The chat's choices are gone (/stop deletes what is stored about a chat)."""
    await conn.execute("DELETE FROM chat_choices WHERE channel = ? AND chat_id = ?",
                       (chat.channel, chat.id))
