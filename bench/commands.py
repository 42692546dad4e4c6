"""Command latency over a large database: 1,000,000 articles and 100,000 subscribers (and
10,000,000 reader interactions and 10,000 cluster facts, bench/popular_data.py; the full-text
index, bench/search_data.py).

Two figures per command, both as p50/p95/p99 over many samples, next to baselines measured in
the same run:
1. handler time: the core function the Telegram handler calls (what SPEC section 11 bounds:
   p99 <= 20 ms), next to a bare aiosqlite `SELECT 1` round trip;
2. reply latency: a user's message posted to the sandbox until the bot's reply is recorded, with
   the real python-telegram-bot polling over HTTP, next to /help (no database work).

New commands add their scenarios in `handler_scenarios` (and `E2E_COMMANDS`).

`--backend postgres` measures the same on PostgreSQL: the SQLite database built above is
copied once with `newsbot copy-db` into a database of the server at `--url` (or
NEWSBOT_TEST_POSTGRES_URL, or a throwaway server from the machine's binaries) and kept there
for the next runs.

Usage: python bench/commands.py [--articles 1000000] [--subscribers 100000] [--samples 300]
                                [--backend sqlite|postgres] [--url postgresql://...]
       python bench/commands.py --quick      (100,000 articles, 10,000 subscribers,
                                              1,000,000 interactions)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import gettempdir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bigdb import CATEGORIES, build  # noqa: E402
from bench.popular_data import NOW, describe, with_popularity  # noqa: E402
from bench.search_data import QUERIES, with_search  # noqa: E402
from bot.chat.cluster import ClusterCommands  # noqa: E402
from bot.chat.common import Admins, Common  # noqa: E402
from bot.chat.popular import Popular  # noqa: E402
from bot.chat.reader import Reader  # noqa: E402
from bot.chat.search import Search, parse_button  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.message import ChatRef, Who  # noqa: E402
from bot.render.telegram import LIMITS  # noqa: E402
from storage.db import Database, open_database  # noqa: E402

Scenario = Callable[[Who], Awaitable[object]]


def handler_scenarios(db: Database, reader: Reader) -> dict[str, Scenario]:
    """Each command's core call, as its handler makes it."""

    async def baseline(who: Who) -> object:
        async with db.execute("SELECT 1") as cur:
            return await cur.fetchone()

    async def subscribe_unsubscribe(who: Who) -> object:
        await reader.subscribe(who, "kinh te")
        return await reader.unsubscribe(who, "kinh te")

    return {
        "[baseline] SELECT 1 round trip": baseline,
        "/latest": lambda who: reader.latest(who, ""),
        "/latest <category> 10": lambda who: reader.latest(who, "an sinh xa hoi 10"),
        "/categories": reader.categories,
        "/start": lambda who: reader.start(who, None),
        "/start a_<id> (deep link)": lambda who: reader.start(
            who, f"a_{random.randint(1, 1000)}"),
        "/subscribe + /unsubscribe": subscribe_unsubscribe,
        "/settings": reader.settings,
        **popular_cluster_scenarios(reader),
        **search_scenarios(reader),
    }


def popular_cluster_scenarios(reader: Reader) -> dict[str, Scenario]:
    """/popular, the card's 👍 and "Xem thêm" (writes), /cluster (issue 5)."""
    popular = Popular(reader)
    cluster = ClusterCommands(reader)
    return {
        "/popular": lambda who: popular.popular(who, ""),
        "/popular <category>": lambda who: popular.popular(who, "an sinh xa hoi"),
        "like button (toggle, write)": lambda who: popular.like(who, random.randint(1, 1000)),
        "Xem thêm button (write)": lambda who: popular.more(who, random.randint(1, 1000)),
        "/cluster": lambda who: cluster.show(who, ""),
        "/cluster 2023": lambda who: cluster.show(who, "2023"),
        "/cluster <words>": lambda who: cluster.show(who, "khu vuc so 17"),
        "/cluster <member unit>": lambda who: cluster.show(who, "khanh hoa 2024"),
    }


def search_scenarios(reader: Reader) -> dict[str, Scenario]:
    """/search (issue 7): one row per kind of query (bench/search_data.py), the mix of all,
    a page button and a result open (a write)."""
    search = Search(reader)
    asker = Who(chat=ChatRef("telegram", "10000001"), chat_type="private", user_id="1")
    pages: list[str] = []  # the session of one search, made on first use

    async def page(who: Who) -> object:
        del who  # a page is shown only to the chat that searched
        if not pages:
            first = await search.search(asker, "hoi nghi")
            button = parse_button(first.choices[-1][-1].action)
            assert button is not None
            pages.append(button.session)
        return await search.page(asker, pages[0], random.randint(1, 10))

    rows: dict[str, Scenario] = {
        "/search hoi nghi (in every article)": lambda who: search.search(who, QUERIES[0]),
        "/search hai phong (1 in 10)": lambda who: search.search(who, QUERIES[2]),
        "/search Đà Nẵng (accents)": lambda who: search.search(who, QUERIES[3]),
        "/search <7 common words>": lambda who: search.search(who, QUERIES[5]),
        "/search <rare number>": lambda who: search.search(who, QUERIES[7]),
        "/search <nothing found>": lambda who: search.search(who, QUERIES[9]),
        "/search <FTS5 syntax>": lambda who: search.search(who, QUERIES[10]),
        "/search <1,000 characters>": lambda who: search.search(who, QUERIES[11]),
        "/search (mix of 12 queries)": lambda who: search.search(who, random.choice(QUERIES)),
        "/search next page button": page,
        "/search result open (write)": lambda who: search.open(who, random.randint(1, 1000)),
    }
    return rows


E2E_COMMANDS = ("/help", "/latest", "/latest an sinh 10", "/categories", "/start", "/cluster",
                "/cluster 2023", "/search hai phong")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return pick(0.50), pick(0.95), pick(0.99)


def row(label: str, samples: list[float], target_ms: float | None = None) -> str:
    p50, p95, p99 = (x * 1000 for x in percentiles(samples))
    verdict = ""
    if target_ms is not None:
        verdict = "ok" if p99 <= target_ms else "OVER"
    return f"{label:<34}{p50:>9.2f}{p95:>9.2f}{p99:>9.2f}  {verdict}"


async def measure_handlers(path: Path | str, subscribers: int, samples: int) -> None:
    db = await open_database(path)
    # "Now" is the newest article's date, so /popular's 7-day window has articles.
    reader = Reader(Common(db, default_language="vi", tz=Settings().tz,  # type: ignore[call-arg]
                           limits={"telegram": LIMITS}, admins=Admins.of([1]),
                           clock=lambda: NOW))
    print("\nhandler time (ms)                       p50      p95      p99   (target p99 <= 20)")
    for label, scenario in handler_scenarios(db, reader).items():
        times: list[float] = []
        for _ in range(samples):
            who = Who(chat=ChatRef("telegram", str(10_000_000 + random.randint(1, subscribers))),
                      chat_type="private", user_id="1")
            start = time.perf_counter()
            await scenario(who)
            times.append(time.perf_counter() - start)
        print(row(label, times, None if label.startswith("[") else 20.0))
    await db.close()


async def measure_end_to_end(path: Path | str, subscribers: int, samples: int) -> None:
    from pydantic import SecretStr

    from bot.sandbox import Sandbox
    from bot.telegram.app import build_application, running

    sandbox = Sandbox()
    await sandbox.start()
    settings = Settings(  # type: ignore[call-arg]
        telegram_api_url=sandbox.base_url, bot_token=SecretStr("123456:bench-token-commands"),
        database=path, sources_file=Path(gettempdir()) / "newsbot-bench-none.toml")
    app = build_application(settings, schedule_ingestion=False)
    state = sandbox.state
    print("\nreply latency through the sandbox (ms)  p50      p95      p99")
    async with running(app, poll_timeout=1):
        for command in E2E_COMMANDS:
            times: list[float] = []
            for _ in range(samples):
                user = 10_000_000 + random.randint(1, subscribers)
                after = state.last_seq
                start = time.perf_counter()
                state.post_message(user, command)
                replies = await state.wait_sent(after, 10.0)
                if not replies:
                    raise RuntimeError(f"no reply to {command}")
                times.append(time.perf_counter() - start)
            label = f"{command} [baseline: no DB]" if command == "/help" else command
            print(row(label, times))
    await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="100,000 articles, 10,000 chats")
    parser.add_argument("--cache", type=Path, default=Path(gettempdir()) / "newsbot-bench")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL server URL (a database is created beside)")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.subscribers, args.interactions = 100_000, 10_000, 1_000_000
    random.seed(7)
    path = build(args.cache, articles=args.articles, subscribers=args.subscribers)
    path = with_popularity(path, interactions=args.interactions)
    path = with_search(path)
    print(f"database: {args.articles:,} articles in {len(CATEGORIES)} categories, "
          f"{args.subscribers:,} subscribers ({path.stat().st_size / 1e6:.0f} MB)")
    print(f"          {describe(path)}")
    target: Path | str = path
    server: Path | None = None
    if args.backend == "postgres":
        target, server = on_postgres(path, args.url)
        print(f"on PostgreSQL: {target}")
    try:
        asyncio.run(measure_handlers(target, args.subscribers, args.samples))
        if not args.skip_e2e:
            asyncio.run(measure_end_to_end(target, args.subscribers,
                                           max(50, args.samples // 3)))
    finally:
        if server is not None:
            from tests import pgserver

            pgserver.stop(server)


def on_postgres(path: Path, url: str | None) -> tuple[str, Path | None]:
    """The SQLite bench database copied into PostgreSQL (once: kept under its name)."""
    import os

    import asyncpg

    from storage.copy import copy_database
    from tests import pgserver

    server: Path | None = None
    url = url or os.environ.get(pgserver.ENV_URL)
    if not url:
        server = Path(gettempdir()) / "newsbot-bench-pg"
        url = pgserver.start(server)
    pgserver.wait_ready(url)
    name = path.stem.replace("-", "_").replace(".", "_")
    target = url.rsplit("/", 1)[0] + "/" + name

    async def prepare() -> None:
        conn = await asyncpg.connect(url)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        db = await open_database(target)
        try:
            async with db.execute("SELECT count(*) FROM articles") as cur:
                row = await cur.fetchone()
        finally:
            await db.close()
        if row is None or not row[0]:
            started = time.perf_counter()
            report = await copy_database(path, target, force=True,
                                         progress=lambda line: print(line, flush=True))
            print(f"copied {report.total:,} rows in {time.perf_counter() - started:.0f} s")
            conn = await asyncpg.connect(target)
            try:
                await conn.execute("VACUUM ANALYZE")
            finally:
                await conn.close()

    asyncio.run(prepare())
    return target, server


if __name__ == "__main__":
    main()
