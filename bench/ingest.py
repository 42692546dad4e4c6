"""Ingestion benchmark: a generated 10,000-entry feed, our pipeline next to bare feedparser.

Prints, from one run on the same bytes:
- bare `feedparser.parse(bytes)`: entries/s (the baseline);
- our parse stage (`parse_feed`: feedparser + cleaning, summaries, dates, images): entries/s;
- our whole pipeline (served over HTTP, fetched, parsed off the loop, deduped, stored in SQLite):
  entries/s, and its ratio to the baseline (SPEC section 11 target: >= 50%);
- the re-poll of the unchanged feed (conditional GET answered 304; and a server that ignores
  conditional GET, where the content hash saves the parse): time and entries parsed (target 0).

Usage: python bench/ingest.py [--entries 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings, SourceConfig  # noqa: E402
from bot.ingest import feeds  # noqa: E402
from bot.ingest.fetch import make_client  # noqa: E402
from bot.ingest.pipeline import Ingestor  # noqa: E402
from storage.db import open_database  # noqa: E402


def make_feed(n: int) -> bytes:
    """An RSS 2.0 feed shaped like Vietnamese news feeds: CDATA descriptions with <img>."""
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        items.append(
            f"<item><title><![CDATA[Hội nghị tổng kết công tác Mặt trận số {i} "
            f"&amp; phong trào thi đua năm 2024]]></title>"
            f"<link>https://tin.example.vn/bai-viet-{i}.html</link>"
            f"<guid>https://tin.example.vn/bai-viet-{i}.html</guid>"
            f"<pubDate>{format_datetime(t0 + timedelta(minutes=i))}</pubDate>"
            f"<category>Hoạt động MTTQ thành phố</category>"
            f'<description><![CDATA[<a href="https://tin.example.vn/bai-viet-{i}.html">'
            f'<img width="480" height="300" src="https://tin.example.vn/anh/{i}.jpg"></a>'
            f"</br>Sáng {1 + i % 28}/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết "
            f"công tác năm. Các đại biểu đã thảo luận, đánh giá kết quả và đề ra phương hướng "
            f"nhiệm vụ năm tới.]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Tin tức</title><link>https://tin.example.vn</link><description>Tin</description>"
        + "".join(items) + "</channel></rss>"
    ).encode()


def best_of(repeat: int, func: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


async def pipeline_run(body: bytes, honour_conditional: bool) -> dict[str, float]:
    etag = '"bench-v1"'

    async def handle(request: web.Request) -> web.Response:
        if honour_conditional and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=body, headers={"ETag": etag,
                                                "Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/rss", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database=Path(tmp) / "bench.db",  # type: ignore[call-arg]
                            max_feed_bytes=64 * 1024 * 1024)
        db = await open_database(settings.database)
        src = SourceConfig(name="bench", kind="rss", url=f"http://127.0.0.1:{port}/rss",
                           hosts=("tin.example.vn",))
        async with make_client(30) as http:
            ingestor = Ingestor(db, [src], settings, http)
            await ingestor.register_sources()
            start = time.perf_counter()
            first = await ingestor.run_once()
            results["first"] = time.perf_counter() - start
            results["stored"] = first.new_total
            start = time.perf_counter()
            again = await ingestor.run_once(respect_backoff=False)
            results["repoll"] = time.perf_counter() - start
            results["repoll_new"] = again.new_total
            results["repoll_parsed"] = 0 if again.sources[0].unchanged else 1
        await db.close()
    await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.entries
    body = make_feed(n)
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    print(f"feed: {n} entries, {len(body) / 1e6:.1f} MB")

    bare = best_of(args.repeat, lambda: feedparser.parse(body))
    parsed = len(feeds.parse_feed(body, source="bench", tz=tz))
    ours_parse = best_of(args.repeat, lambda: feeds.parse_feed(body, source="bench", tz=tz))
    runs = [asyncio.run(pipeline_run(body, honour_conditional=True)) for _ in range(args.repeat)]
    full = min(r["first"] for r in runs)
    ignoring = asyncio.run(pipeline_run(body, honour_conditional=False))

    rate = lambda seconds: n / seconds  # noqa: E731
    print(f"{'stage':<46}{'seconds':>10}{'entries/s':>12}{'vs bare':>9}")
    rows = [
        ("bare feedparser.parse(bytes) [baseline]", bare),
        ("our parse stage (parse_feed)", ours_parse),
        ("our pipeline: fetch+parse+dedupe+store (HTTP)", full),
    ]
    for label, seconds in rows:
        print(f"{label:<46}{seconds:>10.3f}{rate(seconds):>12,.0f}{bare / seconds:>8.0%}")
    print(f"entries parsed: {parsed}, stored on first poll: {int(runs[0]['stored'])}")
    repoll = statistics.median(r["repoll"] for r in runs)
    print(f"re-poll, server answers 304: {repoll * 1000:.1f} ms, "
          f"new {int(runs[0]['repoll_new'])}, parsed {int(runs[0]['repoll_parsed'])} entries")
    print(f"re-poll, server ignores conditional GET (content hash): "
          f"{ignoring['repoll'] * 1000:.1f} ms, new {int(ignoring['repoll_new'])}, "
          f"parsed {int(ignoring['repoll_parsed'])} entries")
    target = "met" if bare / full >= 0.5 else "NOT met"
    print(f"SPEC target (pipeline >= 50% of bare feedparser): {bare / full:.0%} -> {target}")


if __name__ == "__main__":
    main()
