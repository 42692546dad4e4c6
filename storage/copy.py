"""`newsbot copy-db`: move an installation from its SQLite file to a PostgreSQL database.

Both are opened at this version's schema (the SQLite file is migrated first, as `newsbot run`
would). Every table is copied in dependency order, in one PostgreSQL transaction (all or
nothing), by PostgreSQL's COPY (asyncpg's binary `copy_records_to_table`, the fastest way in),
in batches read from SQLite so that memory stays flat. Values are converted to each column's
PostgreSQL type (SQLite stores loosely typed values). The full-text index is built by its
trigger as the articles arrive, and so are the tables triggers derive from others (`_DERIVED`:
not copied, compared row by row with the source's). Then the identity sequences are moved past
the copied ids, and every table's row count is compared on both sides (and the index's with
the articles'): any difference rolls everything back.

A target that holds data already is refused unless `force` (then it is emptied first, in the
same transaction).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.db import DatabaseError, is_postgres_url, open_database, without_password
from storage.postgres import PostgresDatabase
from storage.sqlite import SqliteDatabase

# Parents before children (foreign keys).
TABLES = (
    "sources", "categories", "articles", "archive_files", "chats", "subscriptions",
    "broadcasts", "digests", "deliveries", "interactions", "article_stats", "article_photos",
    "cluster_facts", "cluster_units", "cluster_scan", "digest_overflow", "cluster_candidates",
    "cluster_review", "cluster_review_asks", "cluster_dialogs", "inbox", "search_results",
    "subscriptions_all", "memberships", "chat_choices", "follows", "chat_sources",
    "source_drafts",
)
# Tables of one row that the schema itself creates: replaced by the source's row.
_SINGLETONS = ("cluster_scan", "cluster_review")
# Tables PostgreSQL's triggers fill from the rows of others as they are copied (COPY fires row
# triggers): rebuilt, not copied; small (cluster_units: a row per (cluster, unit) pair).
_DERIVED = ("cluster_units",)
# Tables whose ids PostgreSQL generates (identity columns): their sequences move past the copy.
_IDENTITY = ("categories", "articles", "broadcasts", "digests", "deliveries", "cluster_facts",
             "cluster_candidates", "inbox", "memberships", "follows", "source_drafts")
_BATCH = 5000

Progress = Callable[[str], None]


@dataclass
class CopyReport:
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows copied (verified)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _converter(pg_type: str) -> Callable[[Any], Any]:
    if pg_type in ("bigint", "integer", "smallint"):
        return lambda v: None if v is None else int(v)
    if pg_type in ("double precision", "real", "numeric"):
        return lambda v: None if v is None else float(v)
    return lambda v: None if v is None else (v if isinstance(v, str) else str(v))


async def copy_database(source: Path, target: str, *, force: bool = False,
                        progress: Progress = lambda line: None) -> CopyReport:
    if not is_postgres_url(target):
        raise DatabaseError(f"copy-db copies into PostgreSQL: {target!r} is not a "
                            "postgresql:// URL")
    if not await asyncio.to_thread(Path(source).is_file):
        raise DatabaseError(f"{source}: no such SQLite database")
    started = time.monotonic()
    src = await open_database(source)
    dst = await open_database(target)
    assert isinstance(src, SqliteDatabase)
    assert isinstance(dst, PostgresDatabase)
    shown = without_password(target)
    report = CopyReport()
    try:
        async with dst.pool.acquire() as conn, conn.transaction():
            if not force:
                for table in TABLES:
                    if table in _SINGLETONS:
                        continue
                    if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
                        raise DatabaseError(
                            f"{shown} is not empty (table {table} has rows): copy into an empty "
                            "database, or add --force to replace what it holds")
            await conn.execute(f"TRUNCATE {', '.join(TABLES)}, search_index, send_rate, "
                               "send_throttle CASCADE")
            for table in TABLES:
                if table in _DERIVED:
                    report.counts[table] = await _check_derived(src, conn, table, progress)
                    continue
                report.counts[table] = await _copy_table(src, conn, table, progress)
            for table in _IDENTITY:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce(max(id), 0) + 1, false) FROM {table}")
            progress("verifying the counts of every table")
            for table in TABLES:
                async with src.execute(f"SELECT count(*) FROM {table}") as cur:
                    row = await cur.fetchone()
                expected = int(row[0]) if row else 0
                copied = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
                if copied != expected or copied != report.counts[table]:
                    raise DatabaseError(f"{table}: {expected} rows in {source}, {copied} copied;"
                                        " nothing was kept")
            indexed = int(await conn.fetchval("SELECT count(*) FROM search_index"))
            if indexed != report.counts["articles"]:
                raise DatabaseError(f"search index: {indexed} of {report.counts['articles']} "
                                    "articles indexed; nothing was kept")
    finally:
        await src.close()
        await dst.close()
    report.seconds = time.monotonic() - started
    return report


async def _copy_table(src: SqliteDatabase, conn: Any, table: str, progress: Progress) -> int:
    targets = {r["column_name"]: r["data_type"] for r in await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1", table)}
    async with src.execute(f"PRAGMA table_info({table})") as cur:
        columns = [r[1] for r in await cur.fetchall() if r[1] in targets]
    convert = [_converter(targets[c]) for c in columns]
    async with src.execute(f"SELECT count(*) FROM {table}") as cur:
        row = await cur.fetchone()
    total = int(row[0]) if row else 0
    if table in _SINGLETONS:
        await conn.execute(f"DELETE FROM {table}")
    progress(f"copying {table}: {total} rows")
    done = 0
    shown = 0.0
    # One cursor read in batches: memory stays flat whatever the table's size.
    async with src.raw.execute(f"SELECT {', '.join(columns)} FROM {table}") as cur:
        while rows := list(await cur.fetchmany(_BATCH)):
            records = [tuple(f(v) for f, v in zip(convert, tuple(r), strict=True))
                       for r in rows]
            await conn.copy_records_to_table(table, records=records, columns=columns)
            done += len(rows)
            if total and (done == total or done / total - shown >= 0.1):
                shown = done / total
                progress(f"  {table}: {done}/{total}")
    return done


async def _check_derived(src: SqliteDatabase, conn: Any, table: str, progress: Progress) -> int:
    """The rows PostgreSQL's triggers derived for `table`, checked equal to the source's."""
    progress(f"checking {table} (rebuilt from the copied rows)")
    async with src.execute(f"SELECT * FROM {table}") as cur:
        expected = sorted(tuple(r) for r in await cur.fetchall())
    derived = sorted(tuple(r) for r in await conn.fetch(f"SELECT * FROM {table}"))
    if derived != expected:
        raise DatabaseError(f"{table}: {len(derived)} rows derived from the copy, "
                            f"{len(expected)} in the source, or they differ; nothing was kept")
    return len(derived)
