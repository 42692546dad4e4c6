"""Read-only figures for the health check and the metrics (bot/web): cheap enough to read at
every probe and scrape, also with a 100,000-message push queued.

- the queue length counts the partial index ``deliveries_pending`` (no table rows are read);
- the last successful send walks ``deliveries_finished`` from the newest end and stops at the
  first sent row.
"""

from __future__ import annotations

from storage.db import Conn


async def ping(conn: Conn) -> None:
    """Raises when the database cannot answer."""
    async with conn.execute("SELECT 1") as cur:
        await cur.fetchone()


async def pending_deliveries(conn: Conn) -> int:
    async with conn.execute(
        "SELECT count(*) FROM deliveries WHERE status = 'pending'"
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def last_sent_at(conn: Conn) -> int | None:
    """Unix time of the latest successful delivery (None: never)."""
    async with conn.execute(
        """SELECT finished_at FROM deliveries
           WHERE finished_at IS NOT NULL AND status = 'sent'
           ORDER BY finished_at DESC LIMIT 1"""
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None
