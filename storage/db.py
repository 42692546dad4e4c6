"""The database: one interface, two backends (SQLite, the default; PostgreSQL for several
processes), opened from NEWSBOT_DATABASE.

Storage owns its connections and transactions; the rest of the bot holds a `Database` and the
handles it gives out, never a driver's type:
- a `Database` is itself a handle for reads (each statement on its own, autocommit);
- `async with db.transaction() as tx:` is one write transaction (committed at the end, rolled
  back on error); storage functions take a handle (`Conn`) first, whichever of the two it is.
A handle runs SQL written once with `?` parameters (storage/*.py): `execute(sql, params)` is
awaitable and an async context manager (as aiosqlite's), giving a `Cursor` with `rowcount`,
`fetchone()` and `fetchall()`; rows are read by column name or position. The PostgreSQL
backend translates the `?` marks for its driver (storage/postgres.py); the few statements where
the dialects really differ (full-text search, claiming the outbox under leases) are written per
backend in their storage module, which asks `conn.backend`.

Several processes (PostgreSQL only) also need elections: `await db.lead(name)` is True while
this process holds the named leadership (a PostgreSQL advisory lock, released by the server
when the process dies); on SQLite, one process owns the file and always leads.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

Backend = Literal["sqlite", "postgres"]
SQLITE: Backend = "sqlite"
POSTGRES: Backend = "postgres"

# A row: read by column name (row["id"]) or position (row[0]), iterable over its values.
# sqlite3.Row and asyncpg.Record both are.
Row = Any


class DatabaseError(Exception):
    """The database cannot be used (newer schema, unreadable file); the message says why."""


class WrongDatabaseError(DatabaseError):
    """The file is not a database this newsbot can use: one of a newer schema, or not an SQLite
    database at all. The setting names the wrong file (the CLI exits 2), nothing is broken."""


class Cursor(Protocol):
    """The result of one statement."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Row | None: ...

    async def fetchall(self) -> Iterable[Row]: ...


class Query(Protocol):
    """A statement on its way: await it, or use it as `async with ... as cursor`."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, *exc: object) -> object: ...


class Conn(Protocol):
    """What storage functions take: the database (reads) or a transaction."""

    backend: Backend

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Query: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Database(Conn, Protocol):
    """An open database of either backend."""

    backend: Backend
    target: str  # the SQLite path or the PostgreSQL URL without its password (for logs)

    def transaction(self) -> AbstractAsyncContextManager[Conn]: ...

    async def lead(self, name: str) -> bool:
        """True while this process holds the leadership `name` (taken when free)."""
        ...

    async def resign(self, name: str) -> None:
        """Give the leadership `name` up (another process may take it at once)."""
        ...

    async def schema_version(self) -> int: ...

    async def close(self) -> None: ...


# --- where the database is -------------------------------------------------------------------

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0].lower() in (
        "postgresql", "postgres")


def check_target(target: str | Path) -> str:
    """The setting's value, or ValueError naming what is wrong: a SQLite path or a
    postgresql:// URL (any other URL is refused, never taken as a file name)."""
    text = str(target)
    if not text.strip():
        raise ValueError("expected a SQLite file path or a postgresql:// URL, got nothing")
    looks_like_url = _URL.match(text) or text.lower().startswith(("postgresql:", "postgres:"))
    if looks_like_url and not is_postgres_url(text):
        raise ValueError(
            f"expected a SQLite file path or a postgresql://user@host/dbname URL, got "
            f"{without_password(text)!r}")
    return text


def without_password(url: str) -> str:
    """The URL as it may appear in logs and messages: any password replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"://[^@/]*@", "://***@", url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def password_of(target: str | Path) -> str | None:
    """The password in a PostgreSQL URL (to keep out of every log line), None otherwise."""
    if not is_postgres_url(target):
        return None
    try:
        return urlsplit(str(target)).password
    except ValueError:
        return None


async def open_database(target: str | Path, *, migrate: bool = True) -> Database:
    """Open the database `target` names (a SQLite path, created if needed, or a postgresql://
    URL) and bring its schema to the newest version (unless `migrate` is False)."""
    if isinstance(target, str):
        check_target(target)
    if is_postgres_url(target):
        from storage.postgres import open_postgres

        return await open_postgres(str(target), migrate=migrate)
    from storage.sqlite import open_sqlite

    return await open_sqlite(Path(target), migrate=migrate)


async def migrate_database(target: str | Path) -> tuple[int, int]:
    """`newsbot migrate`: (schema version before, after)."""
    db = await open_database(target, migrate=False)
    try:
        before = await db.schema_version()
    finally:
        await db.close()
    db = await open_database(target)
    try:
        return before, await db.schema_version()
    finally:
        await db.close()
