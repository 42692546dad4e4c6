"""The PostgreSQL backend (NEWSBOT_DATABASE=postgresql://...): several bot processes on one
database.

Driver: asyncpg (the fastest asyncio driver for PostgreSQL: binary protocol, prepared
statements cached per connection, pipelined `executemany`). A pool of connections serves the
process; a read takes a connection for one statement, `transaction()` one connection for the
whole transaction (READ COMMITTED).

SQL is written once, for both backends, with `?` parameters (storage/*.py). `translate` turns
each statement into asyncpg's dialect once (cached): `?` and `?NNN` become `$n`, and SQLite's
planner hints (`INDEXED BY name`) are dropped. Whether a statement returns rows (SELECT, WITH,
RETURNING) decides between asyncpg's `fetch` and `execute` (whose status line gives the row
count).

Schema: append-only migrations in storage/migrations/postgres/ (their own series; the first is
the whole schema of SQLite version 11), versioned in `newsbot_schema`. Two processes starting
at once migrate one after the other: the migration runs under a transaction-level advisory
lock, and the second finds the work done.

Elections (`lead`): session-level advisory locks held on one dedicated connection per process
(keys computed by the server from the name: `hashtextextended`).
When the process dies, PostgreSQL closes its session and releases its locks at once, and
another process's next `lead` takes them. When that connection breaks while the process lives,
every leadership is given up and taken again (when free) on a new connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from storage.db import (
    POSTGRES,
    Backend,
    DatabaseError,
    Row,
    WrongDatabaseError,
    without_password,
)
from storage.migrations import postgres_migrations
from storage.postgres_sql import lock_key_sql

log = logging.getLogger(__name__)

POOL_SIZE = 16  # connections per process: handlers, the worker's claims and writes, jobs
_LEADER_CHECK = 2.0  # seconds between checks that the election connection is alive


# --- SQL translation -------------------------------------------------------------------------

# Quoted strings, quoted identifiers and comments are copied as they are; `?`/`?NNN` outside
# them are parameters.
_TOKENS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\?(\d+)?)""")
_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, bool]:
    """(the statement for asyncpg, whether it returns rows)."""
    counter = 0

    def mark(match: re.Match[str]) -> str:
        nonlocal counter
        token = match.group(1)
        if not token.startswith("?"):
            return token
        if match.group(2):
            return f"${int(match.group(2))}"
        counter += 1
        return f"${counter}"

    text = _INDEXED_BY.sub("", _TOKENS.sub(mark, sql))
    return text, _RETURNS_ROWS.search(sql) is not None


def _count(status: str) -> int:
    """The row count of a command status ("UPDATE 3", "INSERT 0 5", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgCursor:
    """A statement's result, fetched whole (asyncpg returns every row at once)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Row]:
        return self._rows


class PgQuery:
    """One statement, run when awaited (or entered)."""

    __slots__ = ("_params", "_runner", "_sql")

    def __init__(self, runner: Any, sql: str, params: Sequence[Any]) -> None:
        self._runner = runner
        self._sql = sql
        self._params = params

    async def _run(self) -> PgCursor:
        text, returns_rows = translate(self._sql)
        try:
            if returns_rows:
                rows = await self._runner.fetch(text, *self._params)
                return PgCursor(rows, len(rows))
            status = await self._runner.execute(text, *self._params)
            return PgCursor([], _count(status))
        except asyncpg.PostgresError as exc:
            raise type(exc)(f"{exc} [in: {' '.join(text.split())[:300]}]") from exc

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConn:
    """A handle on one connection inside a transaction."""

    backend: Backend = POSTGRES

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgQuery:
        return PgQuery(self.raw, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self.raw.executemany(translate(sql)[0], batch)


class PostgresDatabase:
    """An open PostgreSQL database: reads on pooled connections, `transaction()`, elections."""

    backend: Backend = POSTGRES

    def __init__(self, pool: Any, url: str) -> None:
        self.pool = pool
        self.url = url
        self.target = without_password(url)
        self._leader_conn: Any = None
        self._leading: set[str] = set()
        self._leader_checked = 0.0
        self._leader_lock = asyncio.Lock()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgQuery:
        return PgQuery(self.pool, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConn]:
        async with self.pool.acquire() as raw, raw.transaction():
            yield PgConn(raw)

    # -- elections ------------------------------------------------------------------------

    async def lead(self, name: str) -> bool:
        async with self._leader_lock:
            conn = await self._election_connection()
            if conn is None:
                return False
            if name in self._leading:
                return True
            try:
                won = await conn.fetchval(f"SELECT pg_try_advisory_lock({lock_key_sql('$1')})",
                                          name)
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                log.warning("elections: the connection failed; leadership given up")
                await self._drop_election_connection()
                return False
            if won:
                self._leading.add(name)
                log.info("elections: this process now leads %s", name)
            return bool(won)

    async def resign(self, name: str) -> None:
        async with self._leader_lock:
            if name not in self._leading or self._leader_conn is None:
                return
            self._leading.discard(name)
            try:
                await self._leader_conn.fetchval(
                    f"SELECT pg_advisory_unlock({lock_key_sql('$1')})", name)
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await self._drop_election_connection()

    async def _election_connection(self) -> Any:
        """The connection holding this process's locks, checked every few seconds; None when
        the server cannot be reached now."""
        conn = self._leader_conn
        now = time.monotonic()
        if conn is not None and not conn.is_closed():
            if now - self._leader_checked < _LEADER_CHECK:
                return conn
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), 5.0)
                self._leader_checked = now
                return conn
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError, TimeoutError):
                pass
        if conn is not None:
            log.warning("elections: the connection was lost; every leadership is given up")
            await self._drop_election_connection()
        try:
            self._leader_conn = await asyncpg.connect(self.url)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("elections: cannot connect to %s: %s", self.target, exc)
            return None
        self._leader_checked = now
        return self._leader_conn

    async def _drop_election_connection(self) -> None:
        self._leading.clear()
        conn, self._leader_conn = self._leader_conn, None
        if conn is not None:
            conn.terminate()

    # -- schema and closing ---------------------------------------------------------------

    async def schema_version(self) -> int:
        return await _version(self.pool)

    async def close(self) -> None:
        async with self._leader_lock:
            if self._leader_conn is not None:
                await self._leader_conn.close()
                self._leader_conn = None
                self._leading.clear()
        await self.pool.close()


async def _version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('newsbot_schema') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM newsbot_schema"))


async def _no_reset_query(conn: Any) -> None:
    """What the pool does to a connection given back, beyond asyncpg's own clean-up (which
    rolls back a transaction left open): nothing. asyncpg's default sends a reset query
    (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`) each time, a second
    round trip for every read (a read takes a connection for one statement): 0.45 ms instead
    of 0.26 for `SELECT 1`, measured with bench/commands.py's server. Nothing here leaves
    session state on a pooled connection: no SET, LISTEN, cursor outside a transaction or
    session-level advisory lock (elections hold theirs on a connection of their own); keep it
    so."""
    del conn


async def open_postgres(url: str, *, migrate: bool = True) -> PostgresDatabase:
    """Connect to `url` and bring its schema to the newest version."""
    shown = without_password(url)
    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE,
                                         command_timeout=60, reset=_no_reset_query)
    except (asyncpg.PostgresError, OSError, ValueError) as exc:
        raise DatabaseError(f"cannot connect to {shown}: {exc}") from exc
    try:
        if migrate:
            await migrate_postgres(pool, shown)
    except BaseException:
        await pool.close()
        raise
    return PostgresDatabase(pool, url)


async def migrate_postgres(pool: Any, shown: str) -> None:
    """Apply the PostgreSQL migrations not applied yet, one transaction each, under an
    advisory lock (two processes starting together: the second waits, then finds them done);
    refuse a database of a newer schema."""
    steps = postgres_migrations()
    async with pool.acquire() as conn:
        version = await _version(conn)
        if version > len(steps):
            raise WrongDatabaseError(
                f"{shown} has schema version {version}, newer than this newsbot knows "
                f"({len(steps)}); upgrade newsbot or use another NEWSBOT_DATABASE")
        if version == len(steps):
            return
        async with conn.transaction():
            await conn.execute(f"SELECT pg_advisory_xact_lock({lock_key_sql('$1')})", "migrate")
            await conn.execute("CREATE TABLE IF NOT EXISTS newsbot_schema ("
                               "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL "
                               "DEFAULT now())")
            version = await _version(conn)
        for number in range(version + 1, len(steps) + 1):
            async with conn.transaction():
                await conn.execute(f"SELECT pg_advisory_xact_lock({lock_key_sql('$1')})",
                                   "migrate")
                if await _version(conn) >= number:  # another process was quicker
                    continue
                log.info("migrating database %s to schema version %d", shown, number)
                await conn.execute(steps[number - 1])
                await conn.execute("INSERT INTO newsbot_schema(version) VALUES ($1)", number)
