"""Reader interactions and cluster facts for the benchmark database (issue 5).

`with_popularity(base, interactions=10_000_000)` copies a database built by bench/bigdb.py and
adds, with plain sqlite3 and recursive CTEs:
- `interactions` rows skewed to recent articles like real reading (the last week's articles get
  ~225 each, older ones ~8), in article order so the WITHOUT ROWID table fills sequentially;
- `article_stats` counters and rank keys computed from them, exactly as the app keeps them;
- `cluster_facts`: 60 clusters x 10 years of extracted facts (10,000 rows, one article in a
  hundred), plus a few admin overrides.
The result is cached next to the base as <base>-pop<interactions>.db.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import sqlite3
import time
from pathlib import Path

from bot.popularity import HALF_LIFE_HOURS, WEIGHTS
from storage.db import open_database
from storage.migrations import migrations

# bench/bigdb.py dates its newest article 2025-06-01 00:00 UTC: the benchmark's "now".
NOW = 1748736000
_WEEK = 7 * 24 * 60  # articles are one minute apart
_USERS = 300_000
_CLUSTERS = 60
_PLACES = ("Hải Phòng", "Đà Nẵng", "Hà Nội", "Cần Thơ", "Quảng Ninh", "Thái Bình", "Nghệ An",
           "Thừa Thiên Huế", "Lâm Đồng", "Khánh Hòa")


def with_popularity(base: Path, *, interactions: int, log: bool = True) -> Path:
    path = base.with_name(f"{base.stem}-pop{interactions}.db")
    if path.exists():
        return path
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    shutil.copyfile(base, tmp)

    async def migrate() -> None:  # a base built before this feature lacks its tables
        db = await open_database(tmp)
        await db.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(tmp)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'interactions'").fetchone() is None:
        # Built while migration 0004 was still an empty placeholder: apply its tables now.
        conn.executescript(migrations()[3])
    conn.create_function("log2", 1, math.log2, deterministic=True)  # older SQLite builds
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    (articles,) = conn.execute("SELECT max(id) FROM articles").fetchone()
    recent = min(_WEEK, articles)
    old = articles - recent
    # Per article: the last week's ~225 readers-with-a-kind, older ones 7 or 8, scaled so the
    # total is `interactions`.
    recent_share = min(recent * 225, interactions // 4)
    old_each = (interactions - recent_share) / max(old, 1)
    base_old, frac_old = int(old_each), old_each - int(old_each)
    recent_each = recent_share // max(recent, 1)
    with conn:
        conn.execute(
            f"""
            WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?)
            INSERT OR IGNORE INTO interactions(article_id, channel, user_id, kind, created_at)
            SELECT a.id, 'telegram', CAST(1 + (k.n * 7919 + a.id) % {_USERS} AS TEXT),
                   CASE k.n % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'more' WHEN 2 THEN 'like'
                                ELSE 'search_open' END,
                   a.published + k.n * 60
            FROM articles a JOIN k ON k.n <= CASE
                WHEN a.id > ? THEN ? + (a.id % 50) - 25
                ELSE ? + (CASE WHEN (a.id % 1000) < ? THEN 1 ELSE 0 END) END
            ORDER BY a.id
            """,
            (recent_each + 25, old, recent_each, base_old, int(frac_old * 1000)),
        )
        half_life = HALF_LIFE_HOURS * 3600
        conn.execute(
            f"""
            INSERT INTO article_stats(article_id, category_id, published, likes, mores, opens,
                                      search_opens, rank_key)
            SELECT s.article_id, a.category_id, a.published, s.likes, s.mores, s.opens, s.so,
                   log2({WEIGHTS['like']} * s.likes + {WEIGHTS['more']} * s.mores
                        + {WEIGHTS['open']} * s.opens + {WEIGHTS['search_open']} * s.so)
                   + min(a.published, ?) / {half_life}.0
            FROM (SELECT article_id, sum(kind = 'like') AS likes, sum(kind = 'more') AS mores,
                         sum(kind = 'open') AS opens, sum(kind = 'search_open') AS so
                  FROM interactions GROUP BY article_id) s
            JOIN articles a ON a.id = s.article_id
            """,
            (NOW,),
        )
        places = "'" + "','".join(_PLACES) + "'"
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
            p(k, place) AS (SELECT row_number() OVER () - 1, value
                            FROM json_each(json_array({places})))
            INSERT OR IGNORE INTO cluster_facts(cluster_key, cluster, year, role, unit,
                unit_key, origin, article_id, published, sentence, created_at)
            SELECT 'khu vuc so ' || (i % {_CLUSTERS}), 'khu vực số ' || (i % {_CLUSTERS}),
                   2016 + (i / {_CLUSTERS}) % 10,
                   CASE WHEN (i / 600) % 2 = 0 THEN 'leader' ELSE 'deputy' END,
                   'Ủy ban MTTQ Việt Nam tỉnh ' || p.place || ' ' || (i % 7),
                   'uy ban mttq viet nam tinh ' || lower(p.place) || ' ' || (i % 7),
                   'extracted', a.id, a.published,
                   'Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh ' || p.place
                       || ' làm Cụm trưởng Cụm thi đua khu vực số ' || (i % {_CLUSTERS}) || '.',
                   ?
            FROM n JOIN p ON p.k = i % 10 JOIN articles a ON a.id = i * 100
            """,
            (min(10_000, articles // 100), NOW),
        )
        conn.execute(
            """INSERT INTO cluster_facts(cluster_key, cluster, year, role, unit, unit_key,
                   origin, admin_id, created_at)
               SELECT cluster_key, cluster, 2025, 'leader', 'Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa',
                      'uy ban mttq viet nam tinh khanh hoa', 'admin', 1, ?
               FROM cluster_facts WHERE origin = 'extracted' GROUP BY cluster_key LIMIT 5""",
            (NOW,),
        )
        conn.execute("UPDATE cluster_scan SET last_article_id = ?", (articles,))
    conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)
    if log:
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def describe(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        (interactions,) = conn.execute("SELECT count(*) FROM interactions").fetchone()
        (stats,) = conn.execute("SELECT count(*) FROM article_stats").fetchone()
        (week,) = conn.execute("SELECT count(*) FROM article_stats WHERE published >= ?",
                               (NOW - 7 * 86400,)).fetchone()
        (facts,) = conn.execute("SELECT count(*) FROM cluster_facts").fetchone()
    finally:
        conn.close()
    return (f"{interactions:,} interactions, {stats:,} articles with counters "
            f"({week:,} in the last 7 days), {facts:,} cluster facts")
