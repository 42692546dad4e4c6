"""Source health: conditional-GET validators, last success/error, back-off, pause."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn, Row


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    kind: str
    location: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    last_success_at: int | None
    last_error: str | None
    last_error_at: int | None
    consecutive_failures: int
    backoff_until: int | None
    paused: bool
    articles_total: int
    errors_total: int


_COLUMNS = (
    "name, kind, location, etag, last_modified, content_hash, last_success_at, last_error, "
    "last_error_at, consecutive_failures, backoff_until, paused, articles_total, errors_total"
)


def _row(row: Row) -> SourceState:
    return SourceState(
        name=row["name"],
        kind=row["kind"],
        location=row["location"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        consecutive_failures=row["consecutive_failures"],
        backoff_until=row["backoff_until"],
        paused=bool(row["paused"]),
        articles_total=row["articles_total"],
        errors_total=row["errors_total"],
    )


async def upsert(conn: Conn, name: str, kind: str, location: str) -> None:
    """Register a configured source; a changed location forgets the old validators."""
    await conn.execute(
        """
        INSERT INTO sources(name, kind, location) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET
            etag = CASE WHEN sources.location = excluded.location THEN sources.etag END,
            last_modified = CASE WHEN sources.location = excluded.location
                                 THEN sources.last_modified END,
            content_hash = CASE WHEN sources.location = excluded.location
                                THEN sources.content_hash END,
            kind = excluded.kind, location = excluded.location
        """,
        (name, kind, location),
    )


async def get(conn: Conn, name: str) -> SourceState | None:
    async with conn.execute(f"SELECT {_COLUMNS} FROM sources WHERE name = ?", (name,)) as cur:
        row = await cur.fetchone()
    return _row(row) if row else None


async def list_all(conn: Conn) -> list[SourceState]:
    async with conn.execute(f"SELECT {_COLUMNS} FROM sources ORDER BY name") as cur:
        return [_row(r) for r in await cur.fetchall()]


async def record_success(
    conn: Conn,
    name: str,
    *,
    now: int,
    new_articles: int,
    etag: str | None = None,
    last_modified: str | None = None,
    content_hash: str | None = None,
    keep_validators: bool = False,
) -> None:
    """A poll worked: clear the failure streak and back-off, remember the validators."""
    if keep_validators:
        await conn.execute(
            """UPDATE sources SET last_success_at = ?, consecutive_failures = 0,
               backoff_until = NULL, articles_total = articles_total + ? WHERE name = ?""",
            (now, new_articles, name),
        )
        return
    await conn.execute(
        """UPDATE sources SET last_success_at = ?, consecutive_failures = 0, backoff_until = NULL,
           articles_total = articles_total + ?, etag = ?, last_modified = ?, content_hash = ?
           WHERE name = ?""",
        (now, new_articles, etag, last_modified, content_hash, name),
    )


async def record_failure(
    conn: Conn, name: str, *, now: int, reason: str, backoff_until: int | None
) -> None:
    """A poll failed: remember why, count it, and set when to try again."""
    await conn.execute(
        """UPDATE sources SET last_error = ?, last_error_at = ?,
           consecutive_failures = consecutive_failures + 1, errors_total = errors_total + 1,
           backoff_until = ? WHERE name = ?""",
        (reason, now, backoff_until, name),
    )


async def record_file_errors(conn: Conn, name: str, *, now: int, reason: str,
                             count: int) -> None:
    """Some files of an archive could not be read; the source itself still works."""
    await conn.execute(
        """UPDATE sources SET last_error = ?, last_error_at = ?, errors_total = errors_total + ?
           WHERE name = ?""",
        (reason, now, count, name),
    )


async def set_paused(conn: Conn, name: str, paused: bool) -> None:
    await conn.execute("UPDATE sources SET paused = ? WHERE name = ?", (int(paused), name))
