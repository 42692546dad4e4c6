"""Open /setcluster dialogs, one per chat: the step asked now and what was chosen so far.

A dialog survives a restart (it is a row). `get` returns it whatever its age: the chat core
decides when one has timed out. The caller owns the transaction of `save` and `delete`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.message import ChatRef
from storage.cluster_facts import Role
from storage.db import Conn

Step = Literal["year", "cluster", "role", "unit", "confirm"]


@dataclass(frozen=True, slots=True)
class Dialog:
    """A chat's dialog. `unit` "" means "nobody", None not chosen yet; `candidate_id`: the
    candidate this dialog corrects (None: a plain /setcluster)."""

    chat: ChatRef
    user_id: str
    step: Step
    updated_at: int
    year: int | None = None
    cluster_key: str | None = None
    cluster: str | None = None
    role: Role | None = None
    unit: str | None = None
    candidate_id: int | None = None


async def get(conn: Conn, chat: ChatRef) -> Dialog | None:
    async with conn.execute(
        """SELECT user_id, step, year, cluster_key, cluster, role, unit, candidate_id, updated_at
           FROM cluster_dialogs WHERE channel = ? AND chat_id = ?""",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Dialog(chat=chat, user_id=row["user_id"], step=row["step"],
                  updated_at=row["updated_at"], year=row["year"],
                  cluster_key=row["cluster_key"], cluster=row["cluster"], role=row["role"],
                  unit=row["unit"], candidate_id=row["candidate_id"])


async def save(conn: Conn, dialog: Dialog) -> None:
    """Store `dialog` as the chat's (replacing the one it had)."""
    d = dialog
    await conn.execute(
        """INSERT INTO cluster_dialogs(channel, chat_id, user_id, step, year, cluster_key,
               cluster, role, unit, candidate_id, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(channel, chat_id) DO UPDATE SET
               user_id = excluded.user_id, step = excluded.step, year = excluded.year,
               cluster_key = excluded.cluster_key, cluster = excluded.cluster,
               role = excluded.role, unit = excluded.unit,
               candidate_id = excluded.candidate_id, updated_at = excluded.updated_at""",
        (d.chat.channel, d.chat.id, d.user_id, d.step, d.year, d.cluster_key, d.cluster, d.role,
         d.unit, d.candidate_id, d.updated_at),
    )


async def delete(conn: Conn, chat: ChatRef) -> bool:
    """End the chat's dialog; False when it had none."""
    cur = await conn.execute("DELETE FROM cluster_dialogs WHERE channel = ? AND chat_id = ?",
                             (chat.channel, chat.id))
    return cur.rowcount > 0
