"""The SQLite backend (the default): one aiosqlite connection per process, WAL, foreign keys,
migrations versioned with PRAGMA user_version (storage/migrations/NNNN_*.sql).

aiosqlite runs every statement of a connection on one thread, so two coroutines interleaving
statements would share a transaction; writes therefore go through `transaction()`, which
serialises them with a lock. Reads may run at any time on the same connection (they see what a
running transaction wrote so far: the callers that must not, take a transaction). The
connection's own `execute` already is what `storage.db.Query` describes, so reads cost nothing
more than aiosqlite's own call.

One process owns the file (SPEC 10): elections are always won.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from storage.db import SQLITE, Backend, DatabaseError, Query, WrongDatabaseError
from storage.migrations import migrations

log = logging.getLogger(__name__)


class SqliteConn:
    """A handle on the process's one connection (a read, or inside `transaction()`)."""

    backend: Backend = SQLITE

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Query:
        return cast(Query, self.raw.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


class SqliteDatabase(SqliteConn):
    """An open SQLite database: reads on the shared connection, `transaction()` for writes."""

    def __init__(self, raw: aiosqlite.Connection, path: Path) -> None:
        super().__init__(raw)
        self.path = path
        self.target = str(path)
        self._write_lock = asyncio.Lock()
        self._handle = SqliteConn(raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConn]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        async with self._write_lock:
            try:
                await self.raw.execute("BEGIN IMMEDIATE")
            except BaseException:
                # Cancelled while aiosqlite's thread runs (or is about to run) the BEGIN: it
                # may still start the transaction. The rollback is queued after it on the same
                # thread, so the connection is never left inside a transaction nobody owns.
                await self.raw.rollback()
                raise
            try:
                yield self._handle
            except BaseException:
                await self.raw.rollback()
                raise
            else:
                await self.raw.commit()

    async def lead(self, name: str) -> bool:
        return True

    async def resign(self, name: str) -> None:
        return None

    async def schema_version(self) -> int:
        async with self.raw.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self.raw.close()


async def open_sqlite(path: Path, *, migrate: bool = True) -> SqliteDatabase:
    """Open (creating if needed) and migrate the database at `path`."""
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
        if migrate:
            await migrate_sqlite(conn, path)
        else:
            await conn.execute("SELECT count(*) FROM sqlite_master")  # is it a database?
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
    return SqliteDatabase(conn, path)


async def migrate_sqlite(conn: aiosqlite.Connection, path: Path) -> None:
    """Bring the schema to the newest version; refuse a database written by a newer version.

    Foreign keys are off while migrations run, as SQLite's procedure for rebuilding a table
    requires (https://www.sqlite.org/lang_altertable.html#otheralter: dropping the old table
    must not cascade into the tables that reference it), and every migration is checked with
    PRAGMA foreign_key_check before it commits.
    """
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = int(row[0]) if row else 0
    steps = migrations()
    if version > len(steps):
        raise WrongDatabaseError(
            f"{path} has schema version {version}, newer than this newsbot knows "
            f"({len(steps)}); upgrade newsbot or use another NEWSBOT_DATABASE"
        )
    if version == len(steps):
        return
    await conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for number in range(version + 1, len(steps) + 1):
            log.info("migrating database %s to schema version %d", path, number)
            # executescript commits first; the whole migration and its version bump then run
            # in one transaction (left open for the check), so a crash leaves the previous
            # version intact.
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{steps[number - 1]}\nPRAGMA user_version = {number};"
            )
            async with conn.execute("PRAGMA foreign_key_check") as cur:
                broken = list(await cur.fetchall())
            if broken:
                await conn.rollback()
                raise DatabaseError(
                    f"{path}: migration {number} would break {len(broken)} reference(s), "
                    f"e.g. in table {broken[0][0]}; nothing was changed"
                )
            await conn.commit()
    finally:
        await conn.execute("PRAGMA foreign_keys=ON")
