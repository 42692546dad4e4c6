"""`newsbot copy-db` of a generated database (bench/bigdb.py: articles, subscribers, reader
interactions): the time of the whole move, rows/s, every table's count verified by copy-db
itself, then the same answers from both databases (/latest, /search, /popular's counters) as
a check of the content, next to a plain `SELECT count(*)` of every table as the baseline read.

Usage: python bench/copydb.py [--articles 100000] [--subscribers 10000]
                              [--interactions 1000000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from tempfile import gettempdir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bigdb import build  # noqa: E402
from bench.popular_data import with_popularity  # noqa: E402
from bench.search_data import with_search  # noqa: E402
from bot.search.engine import search  # noqa: E402
from bot.search.query import parse_query  # noqa: E402
from storage import articles  # noqa: E402
from storage.copy import TABLES, copy_database  # noqa: E402
from storage.db import open_database  # noqa: E402


async def _fresh(server: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return server.rsplit("/", 1)[0] + "/" + name


async def compare(source: Path, target: str) -> None:
    one, two = await open_database(source), await open_database(target)
    try:
        started = time.perf_counter()
        for table in TABLES:
            async with one.execute(f"SELECT count(*) FROM {table}") as cur:
                await cur.fetchone()
        print(f"[baseline] count(*) of every table in SQLite: "
              f"{time.perf_counter() - started:.2f} s")
        latest = [a.id for a in await articles.latest(one, limit=20)]
        assert latest == [a.id for a in await articles.latest(two, limit=20)], "latest"
        for words in ("hoi nghi", "hai phong", "Đà Nẵng", "dai doan ket toan dan"):
            a = await search(one, parse_query(words), now=1.75e9)
            b = await search(two, parse_query(words), now=1.75e9)
            assert a.ids == b.ids, words
        print("same answers from both: /latest, /search (4 queries)")
    finally:
        await one.close()
        await two.close()


def _source(args: argparse.Namespace) -> Path:
    """The generated SQLite database (cached); built before the event loop starts, because the
    builders run their own (asyncio.run)."""
    cache = Path(gettempdir()) / "newsbot-bench"
    path = build(cache, articles=args.articles, subscribers=args.subscribers)
    path = with_popularity(path, interactions=args.interactions)
    return with_search(path)


async def _main(args: argparse.Namespace, path: Path) -> int:
    from tests import pgserver

    size = (await asyncio.to_thread(path.stat)).st_size
    print(f"source: {path} ({size / 1e6:.0f} MB)")
    with tempfile.TemporaryDirectory(prefix="newsbot-copydb-") as tmp:
        folder: Path | None = None
        url = args.url or os.environ.get(pgserver.ENV_URL)
        if not url:
            folder = Path(tmp) / "pg"
            url = pgserver.start(folder)
        try:
            await asyncio.to_thread(pgserver.wait_ready, url)
            target = await _fresh(url, f"copydb_{os.getpid()}")
            started = time.perf_counter()
            report = await copy_database(path, target,
                                         progress=lambda line: print(line, flush=True))
            took = time.perf_counter() - started
            for table, count in report.counts.items():
                print(f"  {table:<20}{count:>12,}")
            print(f"copied {report.total:,} rows in {took:.1f} s ({report.total / took:,.0f} "
                  f"rows/s; {report.counts['articles'] / took:,.0f} articles/s with their "
                  "search index), every count verified")
            await compare(path, target)
        finally:
            if folder is not None:
                pgserver.stop(folder)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--url")
    args = parser.parse_args()
    return asyncio.run(_main(args, _source(args)))


if __name__ == "__main__":
    raise SystemExit(main())
