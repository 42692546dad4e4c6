"""Command latency over a large database: 1,000,000 articles and 100,000 subscribers.

Two figures per command, both as p50/p95/p99 over many samples, next to baselines measured in
the same run:
1. handler time: the core function the Telegram handler calls (what SPEC section 11 bounds:
   p99 <= 20 ms), next to a bare aiosqlite `SELECT 1` round trip;
2. reply latency: a user's message posted to the sandbox until the bot's reply is recorded, with
   the real python-telegram-bot polling over HTTP, next to /help (no database work).

New commands add their scenarios in `handler_scenarios` (and `E2E_COMMANDS`).

Usage: python bench/commands.py [--articles 1000000] [--subscribers 100000] [--samples 300]
       python bench/commands.py --quick      (100,000 articles, 10,000 subscribers)
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
from bot.chat.reader import Reader, ReaderConfig  # noqa: E402
from bot.chat.reply import Who  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage.db import Database, open_database  # noqa: E402

Scenario = Callable[[Who], Awaitable[object]]


def handler_scenarios(db: Database, reader: Reader) -> dict[str, Scenario]:
    """Each command's core call, as its handler makes it."""

    async def baseline(who: Who) -> object:
        async with db.conn.execute("SELECT 1") as cur:
            return await cur.fetchone()

    async def subscribe_unsubscribe(who: Who) -> object:
        await reader.subscribe(who, "kinh te")
        return await reader.unsubscribe(who, "kinh te")

    return {
        "[baseline] aiosqlite SELECT 1": baseline,
        "/latest": lambda who: reader.latest(who, ""),
        "/latest <category> 10": lambda who: reader.latest(who, "an sinh xa hoi 10"),
        "/categories": reader.categories,
        "/start": lambda who: reader.start(who, None),
        "/start a_<id> (deep link)": lambda who: reader.start(
            who, f"a_{random.randint(1, 1000)}"),
        "/subscribe + /unsubscribe": subscribe_unsubscribe,
        "/settings": reader.settings,
    }


E2E_COMMANDS = ("/help", "/latest", "/latest an sinh 10", "/categories", "/start")


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


async def measure_handlers(path: Path, subscribers: int, samples: int) -> None:
    db = await open_database(path)
    reader = Reader(db, ReaderConfig("vi", Settings().tz))  # type: ignore[call-arg]
    print("\nhandler time (ms)                       p50      p95      p99   (target p99 <= 20)")
    for label, scenario in handler_scenarios(db, reader).items():
        times: list[float] = []
        for _ in range(samples):
            who = Who(chat_id=10_000_000 + random.randint(1, subscribers), chat_type="private",
                      user_id=1)
            start = time.perf_counter()
            await scenario(who)
            times.append(time.perf_counter() - start)
        print(row(label, times, None if label.startswith("[") else 20.0))
    await db.close()


async def measure_end_to_end(path: Path, subscribers: int, samples: int) -> None:
    from pydantic import SecretStr

    from bot.app import build_application, running
    from bot.sandbox import Sandbox

    sandbox = Sandbox()
    await sandbox.start()
    settings = Settings(  # type: ignore[call-arg]
        telegram_api_url=sandbox.base_url, bot_token=SecretStr("123456:bench-token-commands"),
        database=path, sources_file=path.with_suffix(".none.toml"))
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
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="100,000 articles, 10,000 chats")
    parser.add_argument("--cache", type=Path, default=Path(gettempdir()) / "newsbot-bench")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.subscribers = 100_000, 10_000
    random.seed(7)
    path = build(args.cache, articles=args.articles, subscribers=args.subscribers)
    print(f"database: {args.articles:,} articles in {len(CATEGORIES)} categories, "
          f"{args.subscribers:,} subscribers ({path.stat().st_size / 1e6:.0f} MB)")
    asyncio.run(measure_handlers(path, args.subscribers, args.samples))
    if not args.skip_e2e:
        asyncio.run(measure_end_to_end(path, args.subscribers, max(50, args.samples // 3)))


if __name__ == "__main__":
    main()
