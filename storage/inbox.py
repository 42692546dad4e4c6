"""The inbox: incoming updates of every channel, stored before they are acknowledged.

Writers and readers, the caller owning the transaction (`Database.transaction()`):
- `add`: store one update; a second copy of the same (channel, update_key) is ignored and
  reported as a duplicate;
- `claim`: take unhandled rows in arrival order under a lease (`claimed_by`, `claimed_until`);
  rows leased by another live consumer are left alone, rows of a lease that ran out (a consumer
  that died) or leased by the same consumer name (this consumer before a restart) are taken;
  on PostgreSQL, where several processes share the inbox (webhooks may reach any of them), the
  claim is one ``UPDATE ... (SELECT ... FOR UPDATE SKIP LOCKED)``, so two processes claiming
  at the same moment never take the same update;
- `mark_handled`: the update was fed to the bot;
- `prune`: forget handled rows older than a cut-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import POSTGRES, Conn
from storage.postgres_sql import dead_claim


@dataclass(frozen=True, slots=True)
class InboxUpdate:
    """One stored update: `payload` is the JSON text exactly as received."""

    id: int
    channel: str
    update_key: str
    payload: str
    attempts: int


async def add(conn: Conn, channel: str, update_key: str, payload: str, *,
              now: int) -> int | None:
    """Store an update; its inbox id, or None when this update was stored before."""
    async with conn.execute(
        """INSERT INTO inbox(channel, update_key, payload, received_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(channel, update_key) DO NOTHING RETURNING id""",
        (channel, update_key, payload, now),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def claim(conn: Conn, channel: str, *, consumer: str, now: int,
                lease: int, limit: int, exclude: Sequence[int] = ()) -> list[InboxUpdate]:
    """Lease up to `limit` unhandled updates of `channel` to `consumer`, oldest first.

    `exclude`: ids this consumer is handling right now (leased by it, not to be taken twice).
    """
    # "NOT IN (NULL)" would be unknown for every row: no clause when nothing is excluded.
    skip = f"AND id NOT IN ({','.join('?' * len(exclude))})" if exclude else ""
    if conn.backend == POSTGRES:
        async with conn.execute(
            f"""WITH picked AS (
                    SELECT id FROM inbox
                    WHERE channel = ? AND handled_at IS NULL
                      AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?
                           OR {dead_claim("claimed_by")})
                      {skip}
                    ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
                UPDATE inbox i SET claimed_by = ?, claimed_until = ?, attempts = i.attempts + 1
                FROM picked WHERE i.id = picked.id
                RETURNING i.id, i.channel, i.update_key, i.payload, i.attempts""",
            (channel, now, consumer, *exclude, limit, consumer, now + lease),
        ) as cur:
            claimed = sorted(await cur.fetchall(), key=lambda r: int(r[0]))
        return [InboxUpdate(r[0], r[1], r[2], r[3], r[4]) for r in claimed]
    async with conn.execute(
        f"""SELECT id, channel, update_key, payload, attempts FROM inbox
            WHERE channel = ? AND handled_at IS NULL
              AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)
              {skip}
            ORDER BY id LIMIT ?""",
        (channel, now, consumer, *exclude, limit),
    ) as cur:
        rows = await cur.fetchall()
    found = [InboxUpdate(r[0], r[1], r[2], r[3], r[4] + 1) for r in rows]
    if found:
        await conn.executemany(
            """UPDATE inbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
               WHERE id = ?""",
            [(consumer, now + lease, u.id) for u in found],
        )
    return found


async def mark_handled(conn: Conn, ids: Sequence[int], *, now: int) -> None:
    await conn.executemany(
        "UPDATE inbox SET handled_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
        [(now, i) for i in ids],
    )


async def prune(conn: Conn, *, handled_before: int) -> int:
    """Delete handled updates older than `handled_before`; how many."""
    cur = await conn.execute(
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (handled_before,))
    return cur.rowcount


async def unhandled_by_channel(conn: Conn) -> dict[str, int]:
    """Updates stored and not handled yet, per channel (channels with none left out)."""
    async with conn.execute(
        "SELECT channel, count(*) FROM inbox WHERE handled_at IS NULL GROUP BY channel"
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}
