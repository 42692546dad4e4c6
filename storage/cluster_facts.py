"""Emulation-cluster leadership facts: extracted from articles or set by an admin.

A fact is one unit holding one role (leader/deputy) in one cluster for one year. Several facts
may answer the same (cluster, year, role); `leadership` picks the winner in SQL:
1. an admin's fact (/setcluster) always wins (an empty unit: the admin says "nobody");
2. else the fact from the most recently published article (ties: the later stored article),
   because a later article corrects or confirms an earlier one.

The scanner's watermark and its reading of articles are storage/cluster_scan.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from storage.db import POSTGRES, Conn, Row

Role = Literal["leader", "deputy"]
Origin = Literal["extracted", "admin"]


@dataclass(frozen=True, slots=True)
class NewFact:
    """A fact to store, as the extractor (or an admin) states it."""

    cluster_key: str
    cluster: str
    year: int
    role: Role
    unit: str
    unit_key: str
    sentence: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """A stored fact, with what the reply needs of its source article."""

    id: int
    cluster_key: str
    cluster: str
    year: int
    role: Role
    unit: str  # "" when an admin set "nobody"
    origin: Origin
    article_id: int | None
    published: datetime | None
    sentence: str | None
    admin_id: int | str | None
    created_at: datetime
    article_title: str | None
    article_url: str | None


# --- writing facts --------------------------------------------------------------------------


async def replace_extracted(conn: Conn, article_ids: Sequence[int],
                            facts: Sequence[tuple[int, int, NewFact]], *, now: int) -> None:
    """Make the extracted facts of `article_ids` exactly `facts` ((article id, published, fact)).

    Re-running with the same input changes nothing: the scan is idempotent.
    """
    await conn.executemany(
        "DELETE FROM cluster_facts WHERE origin = 'extracted' AND article_id = ?",
        [(i,) for i in article_ids],
    )
    await conn.executemany(
        """INSERT INTO cluster_facts(cluster_key, cluster, year, role, unit, unit_key,
               origin, article_id, published, sentence, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'extracted', ?, ?, ?, ?)
           ON CONFLICT DO NOTHING""",
        [
            (f.cluster_key, f.cluster, f.year, f.role, f.unit, f.unit_key, article_id,
             published, f.sentence, now)
            for article_id, published, f in facts
        ],
    )


async def set_admin(conn: Conn, fact: NewFact, *, admin_id: int | str, now: int
                    ) -> None:
    """An admin's answer for (cluster, year, role), replacing the admin's earlier one."""
    await conn.execute(
        """INSERT INTO cluster_facts(cluster_key, cluster, year, role, unit, unit_key, origin,
               admin_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'admin', ?, ?)
           ON CONFLICT(cluster_key, year, role) WHERE origin = 'admin' DO UPDATE SET
               cluster = excluded.cluster, unit = excluded.unit, unit_key = excluded.unit_key,
               admin_id = excluded.admin_id, created_at = excluded.created_at""",
        (fact.cluster_key, fact.cluster, fact.year, fact.role, fact.unit, fact.unit_key,
         str(admin_id), now),
    )


# --- reading --------------------------------------------------------------------------------

# For each chosen (cluster, year) and each role, the winner is one seek in cluster_facts_pick;
# only the winners are read in full and joined to their article.
_COLUMNS = """f.id, f.cluster_key, f.cluster, f.year, f.role, f.unit, f.origin, f.article_id,
           f.published, f.sentence, f.admin_id, f.created_at, a.title AS article_title,
           a.url AS article_url"""
_WINNER_ORDER = "ORDER BY f.cluster_key, f.year DESC, f.role = 'leader' DESC"
_WINNERS_SQLITE = f"""
    , picked AS (
        SELECT (SELECT f.id FROM cluster_facts f INDEXED BY cluster_facts_pick
                WHERE f.cluster_key = c.cluster_key AND f.year = c.year AND f.role = r.role
                ORDER BY f.origin, f.published DESC, f.article_id DESC, f.id DESC
                LIMIT 1) AS id
        FROM chosen c CROSS JOIN (SELECT 'leader' AS role UNION ALL SELECT 'deputy') r
    )
    SELECT {_COLUMNS}
    FROM picked p JOIN cluster_facts f ON f.id = p.id
    LEFT JOIN articles a ON a.id = f.article_id
    {_WINNER_ORDER}
"""
# PostgreSQL cannot estimate how few ids `picked` gives, and joined it by hashing every fact
# (a sequential scan: 40-60 ms at 10,000 facts); a LATERAL subquery (which SQLite lacks) makes
# each winner the one index seek it is (5-8 ms, measured on bench/commands.py's database).
_WINNERS_POSTGRES = f"""
    SELECT {_COLUMNS}
    FROM chosen c CROSS JOIN (VALUES ('leader'), ('deputy')) AS r(role)
    CROSS JOIN LATERAL (
        SELECT * FROM cluster_facts w
        WHERE w.cluster_key = c.cluster_key AND w.year = c.year AND w.role = r.role
        ORDER BY w.origin, w.published DESC, w.article_id DESC, w.id DESC
        LIMIT 1) f
    LEFT JOIN articles a ON a.id = f.article_id
    {_WINNER_ORDER}
"""


def user_id(value: object) -> int | str | None:
    """An admin's user id as stored: SQLite's column keeps a numeric id as an integer,
    PostgreSQL's (text: ids of other channels are text) as text; the same value on both."""
    if value is None or isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def _fact(row: Row) -> Fact:
    published = row["published"]
    return Fact(
        id=row["id"], cluster_key=row["cluster_key"], cluster=row["cluster"], year=row["year"],
        role=row["role"], unit=row["unit"], origin=row["origin"], article_id=row["article_id"],
        published=datetime.fromtimestamp(published, UTC) if published is not None else None,
        sentence=row["sentence"], admin_id=user_id(row["admin_id"]),
        created_at=datetime.fromtimestamp(row["created_at"], UTC),
        article_title=row["article_title"], article_url=row["article_url"],
    )


async def _winners(conn: Conn, chosen: str, params: Sequence[object]
                   ) -> list[Fact]:
    winners = _WINNERS_POSTGRES if conn.backend == POSTGRES else _WINNERS_SQLITE
    async with conn.execute(f"WITH chosen AS ({chosen}) {winners}", tuple(params)) as cur:
        return [_fact(r) for r in await cur.fetchall()]


async def latest(conn: Conn) -> list[Fact]:
    """For every cluster, the winning facts of its latest year."""
    return await _winners(conn, _LATEST_YEARS, ())


async def of_year(conn: Conn, year: int) -> list[Fact]:
    """For every cluster with facts for `year`, the winning facts of that year."""
    return await _winners(conn, _OF_YEAR, (year,))


async def of_clusters(conn: Conn, keys: Sequence[str], year: int | None = None
                      ) -> list[Fact]:
    """The winning facts of the clusters `keys`: every year, or only `year`."""
    if not keys:
        return []
    sql, params = _of_clusters(keys, year)
    return await _winners(conn, sql, params)


# --- the same a few (cluster, year) pairs at a time -----------------------------------------
# /cluster shows as many (cluster, year) blocks as one message holds (about 15 of 60 at the
# latest year): it lists the pairs first, then reads the winners of the pairs it drafts.

Pair = tuple[str, int]  # (cluster key, year)


async def latest_pairs(conn: Conn) -> list[Pair]:
    """Every cluster with its latest year (the pairs `latest` reads)."""
    return await _pairs(conn, _LATEST_YEARS, ())


async def pairs_of_year(conn: Conn, year: int) -> list[Pair]:
    """The pairs `of_year` reads."""
    return await _pairs(conn, _OF_YEAR, (year,))


async def pairs_of_clusters(conn: Conn, keys: Sequence[str], year: int | None = None
                            ) -> list[Pair]:
    """The pairs `of_clusters` reads."""
    if not keys:
        return []
    sql, params = _of_clusters(keys, year)
    return await _pairs(conn, sql, params)


async def winners(conn: Conn, pairs: Sequence[Pair]) -> list[Fact]:
    """The winning facts of the (cluster, year) `pairs` (leader first in each)."""
    if not pairs:
        return []
    # Typed, for PostgreSQL to know what the parameters are.
    chosen = " UNION ALL ".join(
        ["SELECT CAST(? AS TEXT) AS cluster_key, CAST(? AS INTEGER) AS year"] * len(pairs))
    return await _winners(conn, chosen, [value for pair in pairs for value in pair])


async def _pairs(conn: Conn, chosen: str, params: Sequence[object]) -> list[Pair]:
    async with conn.execute(chosen, tuple(params)) as cur:
        return [(r[0], int(r[1])) for r in await cur.fetchall()]


# A skip scan (two index seeks per cluster) instead of GROUP BY over every fact.
_LATEST_YEARS = """
    WITH RECURSIVE keys(k) AS (
        SELECT (SELECT min(cluster_key) FROM cluster_facts)
        UNION ALL
        SELECT (SELECT min(cluster_key) FROM cluster_facts WHERE cluster_key > keys.k)
        FROM keys WHERE k IS NOT NULL
    )
    SELECT k AS cluster_key, (SELECT max(year) FROM cluster_facts WHERE cluster_key = k) AS year
    FROM keys WHERE k IS NOT NULL
"""
_OF_YEAR = "SELECT DISTINCT cluster_key, year FROM cluster_facts WHERE year = ?"


def _of_clusters(keys: Sequence[str], year: int | None) -> tuple[str, list[object]]:
    marks = ",".join("?" * len(keys))
    sql = f"SELECT DISTINCT cluster_key, year FROM cluster_facts WHERE cluster_key IN ({marks})"
    params: list[object] = list(keys)
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    return sql, params


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_keys(conn: Conn, key: str, *, unit_key: str | None = None, limit: int = 20
                    ) -> list[str]:
    """Cluster keys a user's words mean: the exact key, else keys containing the words, else
    (given `unit_key`, the folded words) the clusters of the units whose folded name contains
    them (`keys_with_unit`). One round trip, over the (cluster, unit) pairs of cluster_units:
    a few hundred rows where cluster_facts has one per fact."""
    marks = [(1, "cluster_key = ?", key), (2, "cluster_key LIKE ? ESCAPE '\\'", _like_pattern(key))]
    if unit_key is not None:
        marks.append((3, "unit_key LIKE ? ESCAPE '\\'", _like_pattern(unit_key)))
    # Each kind of match is its own ordered, limited subquery; the best kind found wins.
    sql = " UNION ALL ".join(
        f"SELECT * FROM (SELECT DISTINCT {rank} AS rank, cluster_key FROM cluster_units "
        f"WHERE {where} ORDER BY cluster_key LIMIT ?) m{rank}"
        for rank, where, _ in marks)
    params: list[object] = []
    for _, _, value in marks:
        params += [value, limit]
    async with conn.execute(sql, params) as cur:
        found = [(r[0], r[1]) for r in await cur.fetchall()]
    best = min((rank for rank, _ in found), default=None)
    return sorted(k for rank, k in found if rank == best)


async def keys_with_unit(conn: Conn, unit_key: str, *, limit: int = 20
                         ) -> list[str]:
    """Clusters in which a unit whose folded name contains `unit_key` holds or held a role."""
    async with conn.execute(
        "SELECT DISTINCT cluster_key FROM cluster_units "
        "WHERE unit_key LIKE ? ESCAPE '\\' ORDER BY cluster_key LIMIT ?",
        (_like_pattern(unit_key), limit),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def cluster_name(conn: Conn, key: str) -> str | None:
    """The display name last used for a cluster key."""
    async with conn.execute(
        "SELECT cluster FROM cluster_facts WHERE cluster_key = ? ORDER BY id DESC LIMIT 1", (key,)
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None


async def count(conn: Conn, origin: Origin | None = None) -> int:
    sql = "SELECT count(*) FROM cluster_facts"
    params: tuple[str, ...] = ()
    if origin is not None:
        sql += " WHERE origin = ?"
        params = (origin,)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


# --- what an admin may pick from (the /setcluster dialog) -----------------------------------


async def known_clusters(conn: Conn) -> list[tuple[str, str]]:
    """Every cluster with a fact, as (key, the display name last used), in key order."""
    async with conn.execute(
        """SELECT f.cluster_key, f.cluster FROM cluster_facts f
           JOIN (SELECT max(id) AS id FROM cluster_facts GROUP BY cluster_key) m ON m.id = f.id
           ORDER BY f.cluster_key"""
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def known_units(conn: Conn, cluster_key: str | None = None, *,
                      limit: int = 2000) -> list[str]:
    """Unit names facts use (of one cluster, or of all), the most used first."""
    sql = "SELECT unit, count(*) AS n FROM cluster_facts WHERE unit != ''"
    params: list[object] = []
    if cluster_key is not None:
        sql += " AND cluster_key = ?"
        params.append(cluster_key)
    sql += " GROUP BY unit ORDER BY n DESC, unit LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as cur:
        return [r[0] for r in await cur.fetchall()]
