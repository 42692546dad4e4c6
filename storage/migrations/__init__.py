"""The schema, as append-only series of SQL files: SQLite's here (versioned with PRAGMA
user_version), PostgreSQL's in postgres/ (versioned in the `newsbot_schema` table).

`NNNN_name.sql` brings a database from version NNNN-1 to NNNN. Never edit a file that has
shipped: add the next one. Numbers must be contiguous from 0001 (checked when the list is read).
The two series are numbered on their own: PostgreSQL's 0001 is the whole schema of SQLite's
version 11; a later change adds one file to each series, in the dialect of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@cache
def migrations() -> tuple[str, ...]:
    """Every migration's SQL, in order (index 0 is version 1)."""
    files = resources.files(__name__).iterdir()
    return ordered((entry.name, entry.read_text(encoding="utf-8")) for entry in files
                   if _NAME.match(entry.name))


@cache
def postgres_migrations() -> tuple[str, ...]:
    """Every PostgreSQL migration's SQL, in order (index 0 is version 1)."""
    files = resources.files(__name__).joinpath("postgres").iterdir()
    return ordered((entry.name, entry.read_text(encoding="utf-8")) for entry in files
                   if _NAME.match(entry.name))


def ordered(files: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The SQL of (file name, SQL) pairs in version order; numbers must run 1.. without gaps
    or repeats (two branches may each add "the next" migration: never pick one silently)."""
    found: dict[int, str] = {}
    for name, sql in files:
        match = _NAME.match(name)
        if match is None:
            raise RuntimeError(f"not a migration file name: {name}")
        number = int(match.group(1))
        if number in found:
            raise RuntimeError(f"two migrations are numbered {number:04d}")
        found[number] = sql
    numbers = sorted(found)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {numbers}")
    return tuple(found[n] for n in numbers)


def schema_version() -> int:
    return len(migrations())
