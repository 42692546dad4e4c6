"""Building a large newsbot database fast, for benchmarks: articles, chats, subscriptions.

The schema comes from the real migrations (open_database); rows are bulk-inserted with plain
sqlite3 and recursive CTEs, which is far faster than going through the app for a million rows.
A built database is cached by its parameters under the given folder and reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from pathlib import Path

from storage.db import open_database
from storage.migrations import migrations

CATEGORIES = (
    "Hoạt động MTTQ thành phố", "An sinh xã hội", "Tin tức - Sự kiện", "Cụm thi đua",
    "Giám sát, phản biện xã hội", "Dân tộc - Tôn giáo", "Đại đoàn kết", "Văn hóa - Xã hội",
    "Kinh tế", "Quốc phòng - An ninh",
)
PLACES = ("Hải Phòng", "Đà Nẵng", "Hà Nội", "Cần Thơ", "Thành phố Hồ Chí Minh", "Quảng Ninh",
          "Thái Bình", "Nghệ An", "Huế", "Lâm Đồng")


def build(folder: Path, *, articles: int, subscribers: int, log: bool = True) -> Path:
    """A database with `articles` articles over 10 categories and `subscribers` private chats
    subscribed to 1-3 categories each. Cached as bench-<articles>-<subscribers>-<schema>.db."""
    # The schema is part of the name: a cache built before a migration changed is not reused.
    schema = hashlib.sha256("".join(migrations()).encode()).hexdigest()[:8]
    path = folder / f"bench-{articles}-{subscribers}-{schema}.db"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()

    async def migrate() -> None:
        db = await open_database(tmp)
        await db.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO categories(id, name, folded) VALUES (?, ?, ?)",
            [(i + 1, name, _fold(name)) for i, name in enumerate(CATEGORIES)],
        )
        conn.execute("INSERT INTO sources(name, kind, location) VALUES ('bench', 'rss', 'x')")
        places = "'" + "','".join(PLACES) + "'"
        # One article a minute back from 2025-06-01; text varies with the id so search and
        # clustering see realistic spread.
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
            p(k, place) AS (SELECT row_number() OVER () - 1, value
                            FROM json_each(json_array({places})))
            INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published,
                                 fetched_at, summary, body, image, image_caption, author)
            SELECT i, 'url:https://tin.example.vn/bai-' || i, 'bench',
                   'https://tin.example.vn/bai-' || i || '.html',
                   'Ủy ban MTTQ Việt Nam thành phố ' || p.place || ' tổ chức hội nghị số ' || i,
                   1 + (i % 10), 1748736000 - (? - i) * 60, 1748736000,
                   'Sáng nay, Ủy ban MTTQ Việt Nam thành phố ' || p.place
                       || ' tổ chức hội nghị. Các đại biểu thảo luận nhiều nội dung quan trọng.',
                   'Hội nghị số ' || i || ' tại ' || p.place || ' đánh giá kết quả công tác '
                       || 'vận động, an sinh xã hội và phong trào thi đua của Mặt trận các cấp.',
                   'https://tin.example.vn/anh/' || i || '.jpg', NULL, 'PV'
            FROM n JOIN p ON p.k = i % 10
            """,
            (articles, articles),
        )
        conn.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO chats(channel, id, type, language, created_at)
            SELECT 'telegram', CAST(10000000 + i AS TEXT), 'private',
                   CASE WHEN i % 10 = 0 THEN 'en' ELSE 'vi' END, 1748736000 FROM n
            """,
            (subscribers,),
        )
        conn.execute(
            """
            WITH c(channel, id, n) AS (SELECT channel, id, CAST(id AS INTEGER) FROM chats)
            INSERT OR IGNORE INTO subscriptions(channel, chat_id, category_id, created_at)
            SELECT channel, id, 1 + (n % 10), 0 FROM c
            UNION ALL SELECT channel, id, 1 + ((n / 10) % 10), 0 FROM c WHERE n % 2 = 0
            UNION ALL SELECT channel, id, 1 + ((n / 100) % 10), 0 FROM c WHERE n % 3 = 0
            """
        )
    conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)
    if log:
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def _fold(text: str) -> str:
    from bot.text.fold import fold

    return fold(text)
