"""The schema, as an append-only series of SQL files versioned with PRAGMA user_version.

`NNNN_name.sql` brings a database from version NNNN-1 to NNNN. Never edit a file that has
shipped: add the next one. Numbers must be contiguous from 0001 (checked at import of the list).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@cache
def migrations() -> tuple[str, ...]:
    """Every migration's SQL, in order (index 0 is version 1)."""
    found: dict[int, str] = {}
    for entry in resources.files(__name__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            number = int(match.group(1))
            # Two branches may each add "the next" migration: refuse to pick one silently.
            if number in found:
                raise RuntimeError(f"two migrations are numbered {number:04d}")
            found[number] = entry.read_text(encoding="utf-8")
    numbers = sorted(found)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {numbers}")
    return tuple(found[n] for n in numbers)


def schema_version() -> int:
    return len(migrations())
