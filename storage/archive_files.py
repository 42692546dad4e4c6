"""Which archive files were read already, so an unchanged folder is not parsed again."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn


@dataclass(frozen=True, slots=True)
class FileStamp:
    relpath: str
    mtime_ns: int
    size: int


async def stamps(conn: Conn, source: str) -> dict[str, FileStamp]:
    """The last seen (mtime, size) of every file of `source`."""
    async with conn.execute(
        "SELECT relpath, mtime_ns, size FROM archive_files WHERE source = ?", (source,)
    ) as cur:
        return {r[0]: FileStamp(r[0], r[1], r[2]) for r in await cur.fetchall()}


async def remember(
    conn: Conn, source: str, stamp: FileStamp, error: str | None
) -> None:
    await conn.execute(
        """INSERT INTO archive_files(source, relpath, mtime_ns, size, error) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(source, relpath) DO UPDATE SET
               mtime_ns = excluded.mtime_ns, size = excluded.size, error = excluded.error""",
        (source, stamp.relpath, stamp.mtime_ns, stamp.size, error),
    )
