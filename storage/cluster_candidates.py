"""Cluster leadership the reader is unsure about: questions for the admins (SPEC 13).

A candidate is one claim (cluster, year, role, unit) read from one article's sentence with a
confidence below what readers are shown. It waits as 'pending' until an admin answers:
- `confirm`: the claim becomes an admin fact (storage/cluster_facts.py `set_admin`), 'confirmed';
- `correct`: an admin fact with the admin's values replaces it, 'corrected';
- `reject`: 'rejected', and the claim is never asked again, from any article.
An answer covers every pending copy of the same claim (several articles may restate it).
`pending` lists what is still worth asking: not yet decided anywhere, not already settled by an
admin fact for that cluster, year and role, and not already shown as an extracted fact.
The caller owns the transaction (`confirm`, `correct` and `reject` write two tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from storage import cluster_facts
from storage.cluster_facts import NewFact, Role
from storage.db import Conn, Row

Status = Literal["pending", "confirmed", "corrected", "rejected"]


@dataclass(frozen=True, slots=True)
class NewCandidate:
    """A claim to store as the reader states it."""

    cluster_key: str
    cluster: str
    year: int
    role: Role
    unit: str
    unit_key: str
    sentence: str
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored claim with its status and what a question needs of its article."""

    id: int
    article_id: int
    article_title: str
    article_url: str | None
    published: datetime
    sentence: str
    cluster_key: str
    cluster: str
    year: int
    role: Role
    unit: str
    unit_key: str
    confidence: float
    reasons: tuple[str, ...]
    status: Status
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | str | None

    def as_fact(self) -> NewFact:
        """The claim as a fact to store (what `confirm` makes of it)."""
        return NewFact(self.cluster_key, self.cluster, self.year, self.role, self.unit,
                       self.unit_key)


_SELECT = """
    SELECT c.id, c.article_id, a.title AS article_title, a.url AS article_url, a.published,
           c.sentence, c.cluster_key, c.cluster, c.year, c.role, c.unit, c.unit_key,
           c.confidence, c.reasons, c.status, c.created_at, c.decided_at, c.decided_by
    FROM cluster_candidates c JOIN articles a ON a.id = c.article_id
"""
_CHUNK = 500  # article ids per IN (...) list
# The same claim (from any article) is the same question.
_SAME_CLAIM = ("d.cluster_key = c.cluster_key AND d.year = c.year AND d.role = c.role "
               "AND d.unit_key = c.unit_key")


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _candidate(row: Row) -> Candidate:
    return Candidate(
        id=row["id"], article_id=row["article_id"], article_title=row["article_title"],
        article_url=row["article_url"], published=datetime.fromtimestamp(row["published"], UTC),
        sentence=row["sentence"], cluster_key=row["cluster_key"], cluster=row["cluster"],
        year=row["year"], role=row["role"], unit=row["unit"], unit_key=row["unit_key"],
        confidence=row["confidence"], reasons=tuple(row["reasons"].split()),
        status=row["status"], created_at=datetime.fromtimestamp(row["created_at"], UTC),
        decided_at=_time(row["decided_at"]), decided_by=cluster_facts.user_id(row["decided_by"]),
    )


# --- writing (the scanner) ------------------------------------------------------------------


async def replace_candidates(conn: Conn, article_ids: Sequence[int],
                             found: Sequence[tuple[int, NewCandidate]], *, now: int) -> None:
    """Make the pending candidates of `article_ids` exactly `found` ((article id, candidate)).

    A claim found again keeps its row (and id: a question already put to the admins stays
    answerable, and is not announced as new) with the reader's latest sentence and confidence.
    A decided candidate is kept as it is, even when the reader no longer finds it, so that an
    admin's answer survives every re-scan. Re-running with the same input changes nothing.
    """
    wanted = {(article_id, c.cluster_key, c.year, c.role, c.unit_key) for article_id, c in found}
    stale: list[tuple[int]] = []
    for start in range(0, len(article_ids), _CHUNK):
        chunk = list(article_ids[start:start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        async with conn.execute(
            f"""SELECT id, article_id, cluster_key, year, role, unit_key FROM cluster_candidates
                WHERE status = 'pending' AND article_id IN ({marks})""", chunk) as cur:
            stale.extend((r["id"],) for r in await cur.fetchall()
                         if (r["article_id"], r["cluster_key"], r["year"], r["role"],
                             r["unit_key"]) not in wanted)
    await conn.executemany("DELETE FROM cluster_candidates WHERE id = ?", stale)
    await conn.executemany(
        """INSERT INTO cluster_candidates(article_id, sentence, cluster_key, cluster, year,
               role, unit, unit_key, confidence, reasons, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(article_id, cluster_key, year, role, unit_key) DO UPDATE SET
               sentence = excluded.sentence, cluster = excluded.cluster, unit = excluded.unit,
               confidence = excluded.confidence, reasons = excluded.reasons
           WHERE cluster_candidates.status = 'pending'""",
        [
            (article_id, c.sentence, c.cluster_key, c.cluster, c.year, c.role, c.unit,
             c.unit_key, c.confidence, " ".join(c.reasons), now)
            for article_id, c in found
        ],
    )


# --- reading --------------------------------------------------------------------------------


async def candidate(conn: Conn, candidate_id: int) -> Candidate | None:
    async with conn.execute(f"{_SELECT} WHERE c.id = ?", (candidate_id,)) as cur:
        row = await cur.fetchone()
    return _candidate(row) if row is not None else None


# What is still worth asking: pending, the first copy of its claim, not decided in any copy,
# not settled by an admin fact for its cluster, year and role, nor already shown as a fact.
_ASKABLE = f"""
    c.status = 'pending'
    AND NOT EXISTS (SELECT 1 FROM cluster_candidates d
                    WHERE {_SAME_CLAIM} AND (d.status != 'pending' OR d.id < c.id))
    AND NOT EXISTS (SELECT 1 FROM cluster_facts f
                    WHERE f.cluster_key = c.cluster_key AND f.year = c.year
                      AND f.role = c.role
                      AND (f.origin = 'admin' OR f.unit_key = c.unit_key))
"""


async def pending(conn: Conn, *, limit: int = 20, after_id: int = 0
                  ) -> list[Candidate]:
    """Questions still worth asking, oldest first, one per claim (its first article's)."""
    sql = f"{_SELECT} WHERE c.id > ? AND {_ASKABLE} ORDER BY c.id LIMIT ?"
    async with conn.execute(sql, (after_id, limit)) as cur:
        return [_candidate(r) for r in await cur.fetchall()]


async def pending_count(conn: Conn, *, after_id: int = 0) -> int:
    """How many questions are still worth asking (with an id after `after_id`)."""
    sql = f"SELECT count(*) FROM cluster_candidates c WHERE c.id > ? AND {_ASKABLE}"
    async with conn.execute(sql, (after_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def newest_pending_id(conn: Conn) -> int:
    """The id of the newest pending candidate (0 when none): whether anything new came in."""
    async with conn.execute(
            "SELECT max(id) FROM cluster_candidates WHERE status = 'pending'") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def count(conn: Conn, status: Status | None = None) -> int:
    sql = "SELECT count(*) FROM cluster_candidates"
    params: tuple[str, ...] = ()
    if status is not None:
        sql += " WHERE status = ?"
        params = (status,)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


# --- answers (the admins) -------------------------------------------------------------------


async def confirm(conn: Conn, candidate_id: int, *, admin_id: int | str,
                  now: int) -> Candidate | None:
    """The admin says yes: the claim becomes an admin fact. None if not pending (any more)."""
    found = await _decide(conn, candidate_id, "confirmed", admin_id=admin_id, now=now)
    if found is not None:
        await cluster_facts.set_admin(conn, found.as_fact(), admin_id=admin_id, now=now)
    return found


async def correct(conn: Conn, candidate_id: int, fact: NewFact, *,
                  admin_id: int | str, now: int) -> Candidate | None:
    """The admin gives the right values: they become an admin fact; the claim as read is not
    asked again. None if not pending (any more)."""
    found = await _decide(conn, candidate_id, "corrected", admin_id=admin_id, now=now)
    if found is not None:
        await cluster_facts.set_admin(conn, fact, admin_id=admin_id, now=now)
    return found


async def reject(conn: Conn, candidate_id: int, *, admin_id: int | str,
                 now: int) -> Candidate | None:
    """The admin says no: the claim is never asked again. None if not pending (any more)."""
    return await _decide(conn, candidate_id, "rejected", admin_id=admin_id, now=now)


async def _decide(conn: Conn, candidate_id: int, status: Status, *,
                  admin_id: int | str, now: int) -> Candidate | None:
    found = await candidate(conn, candidate_id)
    if found is None or found.status != "pending":
        return None
    # Every pending copy of the claim gets the same answer, so none of them is asked again.
    await conn.execute(
        """UPDATE cluster_candidates SET status = ?, decided_at = ?, decided_by = ?
           WHERE status = 'pending' AND cluster_key = ? AND year = ? AND role = ?
             AND unit_key = ?""",
        (status, now, str(admin_id), found.cluster_key, found.year, found.role, found.unit_key),
    )
    return await candidate(conn, candidate_id)
