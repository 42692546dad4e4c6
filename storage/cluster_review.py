"""The admins' review of cluster candidates: what they have been told and asked (SPEC 13).

- the announcement mark (`cluster_review`): every pending candidate with an id up to it has been
  announced to the admins; `advance_announced` moves it only from the value the caller read, so
  of several processes sharing the database exactly one announces each batch;
- each admin's last question (`cluster_review_asks`): which candidate, and when it was put to
  them, so that an admin with an unanswered question is not flooded with announcements.
Admins are (channel, the channel's user id) pairs, ids as text. The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import UserRef
from storage.db import Conn


@dataclass(frozen=True, slots=True)
class Ask:
    """The question last put to an admin."""

    candidate_id: int
    asked_at: int


async def announced(conn: Conn) -> int:
    """Every pending candidate with an id up to this one has been announced."""
    async with conn.execute("SELECT announced_id FROM cluster_review WHERE id = 1") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def advance_announced(conn: Conn, seen: int, to: int) -> bool:
    """Move the mark from `seen` (what the caller read) to `to`; False when another process
    moved it first (that process announces)."""
    cur = await conn.execute(
        "UPDATE cluster_review SET announced_id = ? WHERE id = 1 AND announced_id = ?",
        (to, seen),
    )
    return cur.rowcount == 1


async def last_ask(conn: Conn, admin: UserRef) -> Ask | None:
    async with conn.execute(
        "SELECT candidate_id, asked_at FROM cluster_review_asks WHERE channel = ? AND user_id = ?",
        (admin.channel, admin.id),
    ) as cur:
        row = await cur.fetchone()
    return Ask(row["candidate_id"], row["asked_at"]) if row else None


async def record_ask(conn: Conn, admin: UserRef, candidate_id: int, *, now: int
                     ) -> None:
    """The question `candidate_id` was just put to `admin`."""
    await conn.execute(
        """INSERT INTO cluster_review_asks(channel, user_id, candidate_id, asked_at)
           VALUES (?, ?, ?, ?)
           ON CONFLICT(channel, user_id) DO UPDATE SET
               candidate_id = excluded.candidate_id, asked_at = excluded.asked_at""",
        (admin.channel, admin.id, candidate_id, now),
    )


async def forget_ask(conn: Conn, admin: UserRef) -> None:
    """`admin` has no question waiting (they answered the last one, and none is left)."""
    await conn.execute("DELETE FROM cluster_review_asks WHERE channel = ? AND user_id = ?",
                       (admin.channel, admin.id))
