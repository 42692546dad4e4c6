"""The full-text index for the benchmark database (issue 7), and the /search queries timed.

A database built by bench/bigdb.py after migration 0005 has its index already (the migration's
triggers index every article as it is inserted). One built while 0005 was still an empty
placeholder (same schema version number, so `open_database` will not migrate it) gets the
migration applied in place here, once: it only adds tables, triggers and indexes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from storage.migrations import migrations

# A mix of what readers type: common words (in every article of the benchmark database), a
# place (one article in ten), accents or not, a rare number, several words, nothing found, FTS5
# syntax, and a 1,000-character paste.
QUERIES = (
    "hoi nghi",
    "hội nghị",
    "hai phong",
    "Đà Nẵng",
    "DA NANG an sinh",
    "mttq viet nam thanh pho ha noi",
    "hoi nghi so 123456",
    "so 987654",
    "phong trao thi dua mat tran cac cap",
    "khongcotu xyz",
    'NEAR("hai" phong) -da* OR (',
    ("Ủy ban MTTQ Việt Nam thành phố Hải Phòng tổ chức hội nghị " * 17)[:1000],
)


def with_search(path: Path, *, log: bool = True) -> Path:
    """`path` with the search index (added in place when missing)."""
    conn = sqlite3.connect(path)
    try:
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'search_index'"
        ).fetchone() is not None:
            return path
        started = time.perf_counter()
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(migrations()[4])
        if log:
            print(f"indexed {path.name} for /search in {time.perf_counter() - started:.1f} s")
    finally:
        conn.close()
    return path
