"""The flood rule's cost when articles are queued (storage/deliveries.py `enqueue_articles`).

Prints, from one run on the same generated database (real SQLite file):
- one article to 100,000 subscribers: the flood rule (each subscriber's recent cards counted)
  next to the plain per-article statement (the baseline: one card per subscriber);
- a flood of 2,000 articles of one category to 1,000 subscribers (10,000 with --flood 10000:
  the baseline then takes minutes): the flood rule (5 cards and one summary per chat) next to
  one card per article and subscriber (the baseline, as before the rule): time and rows
  written.

Usage: python bench/flood.py [--subscribers 100000] [--flood 2000] [--flood-subscribers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import articles, bulk, categories  # noqa: E402
from storage import deliveries as outbox  # noqa: E402
from storage.articles import NewArticle  # noqa: E402
from storage.db import Database, open_database  # noqa: E402

NOW = 1_700_000_000


async def _articles(db: Database, prefix: str, category: str, count: int) -> list[tuple[int, str]]:
    items = [NewArticle(
        dedupe_key=f"{prefix}{n}", source="bench", url=f"https://x.vn/{prefix}/{n}",
        title=f"Bài {prefix} số {n}", category=category,
        published=datetime.fromtimestamp(NOW, UTC), summary="Tóm tắt.", body="Nội dung.",
        image=None, image_caption=None, author=None) for n in range(count)]
    async with db.transaction() as conn:
        stored = await articles.insert_new(conn, items, fetched_at=NOW)
    return [(a.id, a.category) for a in stored]


async def _timed(db: Database, batch: list[tuple[int, str]], limit: int | None,
                 now: int) -> tuple[float, int]:
    started = time.perf_counter()
    async with db.transaction() as conn:
        queued = await outbox.enqueue_articles(conn, batch, now=now, limit=limit, window=600)
    return time.perf_counter() - started, queued.cards + queued.summaries


async def main(subscribers: int, flood: int, flood_subscribers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.db")
        try:
            async with db.transaction() as conn:
                wide = (await categories.ensure(conn, "Rộng")).id
                narrow = (await categories.ensure(conn, "Hẹp")).id
                await bulk.add_subscribers(conn, list(range(1, subscribers + 1)), wide, now=NOW)
                await bulk.add_subscribers(conn, list(range(1, flood_subscribers + 1)), narrow,
                                           now=NOW)
            print(f"one article to {subscribers:,} subscribers")
            one = await _articles(db, "w-base", "Rộng", 1)
            base, rows = await _timed(db, one, None, NOW)
            print(f"  one card each (baseline) : {base * 1000:8.0f} ms  {rows:>10,} rows")
            # A later article (outside the window of the first), so both write a card each.
            one = await _articles(db, "w-rule", "Rộng", 1)
            rule, rows = await _timed(db, one, 5, NOW + 3600)
            print(f"  with the flood rule      : {rule * 1000:8.0f} ms  {rows:>10,} rows"
                  f"  ({rule / base:.2f}x the baseline)")

            print(f"a flood of {flood:,} articles to {flood_subscribers:,} subscribers")
            batch = await _articles(db, "n-base", "Hẹp", flood)
            base, base_rows = await _timed(db, batch, None, NOW + 7200)
            print(f"  one card each (baseline) : {base * 1000:8.0f} ms  {base_rows:>10,} rows")
            batch = await _articles(db, "n-rule", "Hẹp", flood)
            rule, rows = await _timed(db, batch, 5, NOW + 3 * 3600)
            print(f"  with the flood rule      : {rule * 1000:8.0f} ms  {rows:>10,} rows"
                  f"  ({base / rule:.0f}x faster, {base_rows // max(rows, 1)}x fewer rows; "
                  f"each reader: 5 cards + 1 summary instead of {flood:,} cards)")
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--flood", type=int, default=2_000)
    parser.add_argument("--flood-subscribers", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.subscribers, args.flood, args.flood_subscribers))
