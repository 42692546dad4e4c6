"""The SQLite connection: opening (WAL, foreign keys), migrating, and transactions.

One `Database` per process wraps one aiosqlite connection. aiosqlite runs every statement on one
thread, so two coroutines interleaving statements would share a transaction; writes therefore go
through `transaction()`, which serialises them with a lock. Reads may run at any time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrations import migrations

log = logging.getLogger(__name__)


class DatabaseError(Exception):
    """The database cannot be used (newer schema, unreadable file); the message says why."""


class WrongDatabaseError(DatabaseError):
    """The file is not a database this newsbot can use: one of a newer schema, or not an SQLite
    database at all. The setting names the wrong file (the CLI exits 2), nothing is broken."""


class Database:
    """An open database: `conn` for reads, `transaction()` for writes."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                # Cancelled while aiosqlite's thread runs (or is about to run) the BEGIN: it
                # may still start the transaction. The rollback is queued after it on the same
                # thread, so the connection is never left inside a transaction nobody owns.
                await self.conn.rollback()
                raise
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def close(self) -> None:
        await self.conn.close()


async def open_database(path: Path | str) -> Database:
    """Open (creating if needed) and migrate the database at `path`."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves (see `transaction`).
    connecting = aiosqlite.connect(path, isolation_level=None)
    try:
        conn = await connecting
    except Exception as exc:
        # aiosqlite (0.22) stops its worker thread after a failed connect, and that thread then
        # resolves a future on this loop: were the loop closed first (the CLI exits at once), the
        # thread would print a traceback after the CLI's one line. Let it finish.
        worker = getattr(connecting, "_thread", None)
        if worker is not None and worker.is_alive():
            await asyncio.to_thread(worker.join, 5)
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        await conn.close()
        # SQLITE_NOTADB: another kind of file; anything else (locked, corrupt, disk I/O) is a
        # problem with a database file, not with the setting.
        not_a_database = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB
        kind = WrongDatabaseError if not_a_database else DatabaseError
        raise kind(f"{path} is not a newsbot database: {exc}") from exc
    except BaseException:
        await conn.close()
        raise
    return Database(conn, path)


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Bring the schema to the newest version; refuse a database written by a newer version."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = int(row[0]) if row else 0
    steps = migrations()
    if version > len(steps):
        raise WrongDatabaseError(
            f"{path} has schema version {version}, newer than this newsbot knows "
            f"({len(steps)}); upgrade newsbot or use another NEWSBOT_DATABASE"
        )
    for number in range(version + 1, len(steps) + 1):
        log.info("migrating database %s to schema version %d", path, number)
        # executescript commits first; the whole migration and its version bump then run in
        # one transaction so a crash leaves the previous version intact.
        await conn.executescript(
            f"BEGIN IMMEDIATE;\n{steps[number - 1]}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
