"""Sources changed from the chat (/addsource, /removesource, `newsbot sources import`), on top
of the sources file, and /addsource previews waiting for confirmation.

How the two combine is decided in bot/ingest/source_list.py; this module only stores the
changes: one row per source name, 'added' (a feed URL and an optional forced category) or
'removed', the last change winning.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import UserRef
from storage.db import Conn, Row

ADDED, REMOVED = "added", "removed"


@dataclass(frozen=True, slots=True)
class SourceChange:
    name: str
    status: str  # ADDED or REMOVED
    url: str | None
    category: str | None
    admin: UserRef
    changed_at: int


@dataclass(frozen=True, slots=True)
class SourceDraft:
    id: int
    name: str
    url: str
    category: str | None
    admin: UserRef


def _change(row: Row) -> SourceChange:
    return SourceChange(row["name"], row["status"], row["url"], row["category"],
                        UserRef(row["admin_channel"], row["admin_id"]), int(row["changed_at"]))


async def changes(conn: Conn) -> list[SourceChange]:
    async with conn.execute(
        """SELECT name, status, url, category, admin_channel, admin_id, changed_at
           FROM chat_sources ORDER BY name"""
    ) as cur:
        return [_change(r) for r in await cur.fetchall()]


async def record(conn: Conn, name: str, status: str, *, admin: UserRef, now: int,
                 url: str | None = None, category: str | None = None) -> None:
    """The source `name` is now `status` (the previous change of that name is replaced)."""
    await conn.execute(
        """INSERT INTO chat_sources(name, status, url, category, admin_channel, admin_id,
                                    changed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET status = excluded.status, url = excluded.url,
               category = excluded.category, admin_channel = excluded.admin_channel,
               admin_id = excluded.admin_id, changed_at = excluded.changed_at""",
        (name, status, url, category, admin.channel, admin.id, now),
    )


async def add_draft(conn: Conn, name: str, url: str, category: str | None, *,
                    admin: UserRef, now: int) -> int:
    """Keep a preview for its confirmation; drafts older than a day are dropped meanwhile."""
    await conn.execute("DELETE FROM source_drafts WHERE created_at < ?", (now - 86400,))
    async with conn.execute(
        """INSERT INTO source_drafts(name, url, category, admin_channel, admin_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
        (name, url, category, admin.channel, admin.id, now),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def take_draft(conn: Conn, draft_id: int) -> SourceDraft | None:
    """The draft, deleted (confirmed or discarded once); None when it is gone."""
    async with conn.execute(
        """DELETE FROM source_drafts WHERE id = ?
           RETURNING id, name, url, category, admin_channel, admin_id""",
        (draft_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return SourceDraft(int(row["id"]), row["name"], row["url"], row["category"],
                       UserRef(row["admin_channel"], row["admin_id"]))
