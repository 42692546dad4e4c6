"""PostgreSQL SQL shared by storage modules (without the driver): advisory-lock keys computed by
the server, and whether the process that claimed a row is still alive."""

from __future__ import annotations

# An advisory lock's 64-bit key for a name, computed by the server (so that SQL can compute
# the key of any name too: see `dead_claim`).
_KEY = "hashtextextended('newsbot:' || {}, 0)"


def lock_key_sql(name_sql: str) -> str:
    return _KEY.format(name_sql)


def dead_claim(owner_column: str) -> str:
    """SQL that is true when the process named in `owner_column` is gone: it held the lock
    "alive:<its name>" (`PostgresDatabase.lead`) for as long as it lived, and the server
    released it when the process (its session) ended. So a dead process's claims are taken
    back at once, not only when their lease runs out."""
    key = lock_key_sql(f"'alive:' || {owner_column}")
    return (f"{key} NOT IN (SELECT (l.classid::bigint << 32) | l.objid::bigint "
            "FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted)")
