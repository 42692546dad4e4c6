"""One article to 10,000 Zalo readers through the sandbox (SPEC 11), while Telegram readers of
the same bot process keep writing.

The sandbox (`python -m bot sandbox`) and the bot (`python -m bot run`, with a Telegram and a
Zalo token: one process, one database, one outbox) run in their own processes, as in
production. Figures, each next to its target and a baseline measured in the same run:
1. the Zalo push: how many readers got the article (target: every one, once: zero drops, zero
   duplicates), the deliveries recorded as failed or skipped (target 0), the sustained rate
   between 10% and 90% of the readers next to the configured NEWSBOT_ZALO_RATE, and the highest
   rate the sandbox saw in any 0.95 s window (target: never above the configured rate);
2. replies during the push: new Zalo users and new Telegram users each send /start about once a
   second; the reply latency p50/p95 during the Zalo push next to the same probes before it
   (baseline; target: the push does not move them: on Zalo replies go first on the account's
   pacer, so a reply waits at most one slot; Telegram has its own account and pacer);
3. with `--quota N` the sandbox answers Zalo sends beyond N per second with 429 "Quota
   exceeded": the push slows down to what Zalo accepts, and still nobody is dropped;
4. with `--backend postgres --processes N`: N bot processes on one PostgreSQL database share
   the push (the outbox), the Zalo account's rate (one schedule) and its cuts (one throttled
   rate): the same targets hold for all of them together.

Usage: python bench/zalo.py [--readers 10000] [--rate 50] [--quota N]
                            [--backend sqlite|postgres] [--processes N] [--url postgresql://...]
       python bench/zalo.py --quick        (2,000 readers)
At NEWSBOT_ZALO_RATE's default of 10/s, 10,000 readers take ~17 minutes: `--rate 10` shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import (  # noqa: E402
    PHOTO_URL,
    SUMMARY,
    Sandbox,
    StartProbe,
    free_port,
    rate_between,
    start_bot,
    start_sandbox,
    stop_bot,
)
from storage import bulk, categories  # noqa: E402
from storage import deliveries as outbox  # noqa: E402
from storage.db import open_database  # noqa: E402

ZALO_TOKEN = "8000001:bench-zalo-token-for-the-push"
CATEGORY = "Tin tức"
BASELINE_SAMPLES = 15


async def prepare(folder: Path, readers: list[str], database: Path | str
                  ) -> tuple[Path, Path]:
    """The Zalo readers subscribed, and an empty archive source: (sources, archive)."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a benchmark's set-up
    db = await open_database(database)
    try:
        async with db.transaction() as conn:
            category = await categories.ensure(conn, CATEGORY)
            await bulk.add_subscribers(conn, readers, category.id, now=int(time.time()),
                                       channel="zalo")
    finally:
        await db.close()
    archive = folder / "archive"
    archive.mkdir(exist_ok=True)
    sources = folder / "sources.toml"
    sources.write_text('[[source]]\nname = "bench"\nkind = "archive"\npath = "archive"\n', "utf-8")
    return sources, archive


def peak_over(samples: list[tuple[float, int]], span: float) -> float:
    """The highest rate over any `span` seconds of the push, from the (time, accepted) samples
    (a longer span than the sandbox's 0.95 s window: the rate the bot held, not the bunching of
    arrivals when the sandbox's process waits for the CPU)."""
    best = 0.0
    j = 0
    for i, (start, count) in enumerate(samples):
        j = max(j, i)
        while j < len(samples) and samples[j][0] - start < span:
            j += 1
        if j == len(samples):
            break
        end, later = samples[j]
        best = max(best, (later - count) / (end - start))
    return best


def peak_accepted(times: list[float], span: float) -> float:
    """The highest rate over any `span` seconds by the sandbox's own clock (the moments it
    accepted each card, sorted): not moved by how late this script looks."""
    best = 0
    j = 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] - start < span:
            j += 1
        best = max(best, j - i)
    return best / span


def write_article(archive: Path) -> None:
    data = {"title": "Hội nghị tổng kết công tác Mặt trận năm 2024",
            "url": "https://mattran.example.vn/tin/tong-ket-2024.html", "category": CATEGORY,
            "published": "2024-12-15T16:30:00+07:00", "summary": SUMMARY,
            "body": SUMMARY + "\n\nNội dung chi tiết.", "image": PHOTO_URL,
            "image_caption": "Quang cảnh hội nghị tổng kết"}
    (archive / "tong-ket.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


class ZaloStartProbe(StartProbe):
    """New Zalo users send /start; the time until the bot's reply on Zalo is recorded."""

    async def once(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        user = f"probe{self.next_user}"
        self.next_user += 1
        http = self.sandbox.http
        started = time.perf_counter()
        await http.post("/sandbox/messages", json={"channel": "zalo", "user_id": user,
                                                   "text": "/start"})
        while time.perf_counter() - started < timeout:
            sent = (await http.get("/sandbox/sent", params={"channel": "zalo",
                                                            "chat_id": user})).json()["sent"]
            if sent:
                self.latencies.append(time.perf_counter() - started)
                return
            await asyncio.sleep(0.01)
        self.unanswered += 1


async def zalo_stats(sandbox: Sandbox) -> dict[str, Any]:
    response = await sandbox.http.get("/sandbox/stats", params={"channel": "zalo"})
    return dict(response.json())


async def wait_for_bot(sandbox: Sandbox, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Until the bot polls both channels (its first getUpdates on each)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        telegram = (await sandbox.stats())["calls"].get("getUpdates", 0)
        zalo = (await zalo_stats(sandbox))["calls"].get("getUpdates", 0)
        if telegram and zalo:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot did not start polling both channels")


async def follow_push(sandbox: Sandbox, total: int, *, timeout: float = 7200  # noqa: ASYNC109
                      ) -> tuple[list[tuple[float, int]], list[str]]:
    """Follow the Zalo sends until `total` messages were accepted: (time, accepted) samples every
    0.1 s from the first one, and every chat id in the order they were accepted."""
    samples: list[tuple[float, int]] = []
    chats: list[str] = []
    after = 0
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        response = await sandbox.http.get("/sandbox/sent", params={
            "channel": "zalo", "after": after, "method": "sendPhoto"})
        new = response.json()["sent"]
        now = time.perf_counter()
        if new:
            chats.extend(r["chat_id"] for r in new)
            after = new[-1]["seq"]
        if chats:
            samples.append((now, len(chats)))
        if len(chats) >= total:
            return samples, chats
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the push did not finish in {timeout} s ({len(chats)} of {total})")


async def run(args: argparse.Namespace, folder: Path, database: Path | str) -> None:
    readers = [f"zr{n:06d}" for n in range(args.readers)]
    sources, archive = await prepare(folder, readers, database)
    sandbox = await start_sandbox(flood_limits=False)
    bots: list[Any] = []
    db_path = folder / "bot.db"  # the bot processes' working folder is its folder
    try:
        if args.quota:
            await sandbox.http.post("/sandbox/zalo/quota", json={"per_second": args.quota})
        for number in range(args.processes):
            bots.append(start_bot(sandbox, db_path, sources, folder / f"bot{number}.log",
                                  zalo_bot_token=ZALO_TOKEN,
                                  zalo_api_url=f"{sandbox.url}/zalo/bot", zalo_rate=args.rate,
                                  web_port=free_port(), log_level="WARNING",
                                  database=database))
        await wait_for_bot(sandbox)
        probe = StartProbe(sandbox, first_user=1)
        zalo_probe = ZaloStartProbe(sandbox, first_user=1)
        for _ in range(BASELINE_SAMPLES):  # replies while nothing else runs
            await probe.once()
            await zalo_probe.once()
            await asyncio.sleep(0.5)
        baseline, zalo_baseline = probe.line(), zalo_probe.line()

        during = StartProbe(sandbox, first_user=100_000)
        zalo_during = ZaloStartProbe(sandbox, first_user=100_000)
        stop = asyncio.Event()
        probing = asyncio.gather(during.run(stop), zalo_during.run(stop))
        started = time.perf_counter()
        write_article(archive)  # the bot polls its sources every second
        samples, chats = await follow_push(sandbox, len(readers))
        took = time.perf_counter() - started
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await probing
        await asyncio.sleep(2.0)  # anything sent twice would show up now
        every = (await sandbox.http.get("/sandbox/sent", params={
            "channel": "zalo", "method": "sendPhoto"})).json()["sent"]
        chats = [r["chat_id"] for r in every if r["chat_id"].startswith("zr")]
        accepted = sorted(r["date"] / 1000 for r in every if r["chat_id"].startswith("zr"))
        stats = await zalo_stats(sandbox)
    finally:
        for bot in bots:
            stop_bot(bot)
        await sandbox.stop()

    db = await open_database(database)
    try:
        async with db.execute("SELECT id FROM articles") as cur:
            (article_id,) = await cur.fetchone()  # type: ignore[misc]
        counts = await outbox.counts(db, article_id=article_id)
    finally:
        await db.close()

    bot_stats = stats["bots"].get(ZALO_TOKEN.split(":")[0], {})
    distinct = len(set(chats))
    sustained = rate_between(samples, 0.1, 0.9)
    where = ("SQLite, one process" if args.backend == "sqlite" else
             f"PostgreSQL, {args.processes} process{'es' if args.processes > 1 else ''}")
    print(f"Zalo push: {len(readers):,} readers, NEWSBOT_ZALO_RATE={args.rate:g}/s"
          + (f", sandbox quota {args.quota:g}/s" if args.quota else "") + f" ({where})")
    print(f"  readers who got it: {distinct:,} of {len(readers):,} (target: all); duplicates: "
          f"{len(chats) - distinct} (target 0)")
    print(f"  deliveries: sent {counts.sent:,}, failed {counts.failed}, skipped {counts.skipped}, "
          f"pending {counts.pending} (target: failed = skipped = pending = 0)")
    limit = min(args.rate, args.quota) if args.quota else args.rate
    print(f"  sustained rate (10%-90%): {sustained:.2f}/s next to the configured {args.rate:g}/s"
          f" ({sustained / limit:.0%} of {limit:g}/s); whole push {len(readers) / took:.2f}/s "
          f"in {took:.0f} s")
    print(f"  highest rate over any 5 s: {peak_accepted(accepted, 5.0):.2f}/s by the sandbox's "
          f"clock (target <= {args.rate:g}; {peak_over(samples, 5.0):.2f}/s as this script saw "
          f"it); the sandbox's highest count in a 0.95 s window: {bot_stats.get('max_per_second')}"
          " (arrivals bunch when the sandbox waits for the CPU)")
    print(f"  429 answers: {stats['errors'].get('429', 0)}")
    print(f"Zalo /start reply latency: baseline {zalo_baseline}")
    print(f"                during the Zalo push {zalo_during.line()}")
    same = "same process" if args.processes == 1 else "same processes"
    print(f"Telegram /start reply latency, {same}: baseline {baseline}")
    print(f"                                   during the Zalo push {during.line()}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="NEWSBOT_ZALO_RATE for the run (default 50/s)")
    parser.add_argument("--quota", type=float, default=None,
                        help="the sandbox answers 429 beyond this many Zalo sends per second")
    parser.add_argument("--quick", action="store_true", help="2,000 readers")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--processes", type=int, default=1,
                        help="bot processes (PostgreSQL only; default 1)")
    parser.add_argument("--url", help="PostgreSQL server URL (a database is created beside; "
                                      "default: a throwaway server, tests/pgserver.py)")
    args = parser.parse_args()
    if args.quick:
        args.readers = min(args.readers, 2000)
    if args.processes > 1 and args.backend != "postgres":
        parser.error("several processes need --backend postgres")
    folder = Path(tempfile.mkdtemp(prefix="newsbot-bench-zalo-"))
    server: Path | None = None
    database: Path | str = folder / "bot.db"
    try:
        if args.backend == "postgres":
            database, server = await on_postgres(args.url)
        await run(args, folder, database)
    finally:
        if isinstance(database, str):
            from tests.conftest import drop_postgres_database

            await drop_postgres_database(database)
        if server is not None:
            from tests import pgserver

            pgserver.stop(server)
            shutil.rmtree(server, ignore_errors=True)
        if args.keep:
            print(f"work folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


async def on_postgres(url: str | None) -> tuple[str, Path | None]:
    """A new database for this run: on the server at `url` (or NEWSBOT_TEST_POSTGRES_URL), else
    on a throwaway server; (its URL, the throwaway server's folder)."""
    import os

    import asyncpg

    from tests import pgserver

    server: Path | None = None
    url = url or os.environ.get(pgserver.ENV_URL)
    if not url:
        # A folder of its own: the server's user cannot enter the work folder (mode 0700).
        server = Path(tempfile.mkdtemp(prefix="newsbot-bench-pg-"))
        url = await asyncio.to_thread(pgserver.start, server)
    await asyncio.to_thread(pgserver.wait_ready, url)
    name = f"newsbot_bench_zalo_{os.getpid()}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return url.rsplit("/", 1)[0] + "/" + name, server


if __name__ == "__main__":
    asyncio.run(main())
