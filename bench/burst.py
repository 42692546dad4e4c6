"""A burst of people writing at once, through the sandbox with Telegram's flood limits (SPEC 11).

The sandbox (`python -m bot sandbox --flood-limits`) and the bot (`python -m bot run`) run in their
own processes, as in production. Figures, each next to its target and a baseline measured in the
same run:
1. N different people (default 1,000) send /help within about a second. Printed: how many got
   their answer, whether the answers went out in the order the people wrote, when the last one
   arrived (target: within N/30 s + 10 s), the 429s the sandbox answered (target 0); next to a
   bare python-telegram-bot loop sending N messages to N chats, paced at 1/30 s.
2. M people (default 900) subscribe (/dangky), and as soon as each has been answered an article
   is published in their category: the push's sustained rate (target >= 28.5/s, between 10% and
   80% of the messages) and its 429s (target 0). Before the one outbound path, every reply went
   around the pacer and the push then hit the per-chat limit of the people just answered.

Usage: python bench/burst.py [--people 1000] [--readers 900] [--skip-burst] [--skip-push]
       python bench/burst.py --quick        (a smoke run: 200 and 120 people)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.error import RetryAfter  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bench.fanout import (  # noqa: E402
    TOKEN,
    Sandbox,
    prepare,
    rate_between,
    start_bot,
    start_sandbox,
    stop_bot,
    wait_pushed,
    worker_summary,
    write_article,
)

POLL = 0.1  # seconds between looks at what the sandbox accepted


async def post_all(sandbox: Sandbox, users: list[int], text: str) -> list[int]:
    """Everyone writes `text` at once; the users in the order the sandbox received them.

    aiohttp's client, not httpx: posting 1,000 messages within about a second needs a client
    that costs little CPU per request (the machine also runs the bot and the sandbox).
    """
    connector = aiohttp.TCPConnector(limit=20)
    async with aiohttp.ClientSession(sandbox.url, connector=connector) as http:
        async def one(user: int) -> tuple[int, int]:
            async with http.post("/sandbox/messages",
                                 json={"user_id": user, "text": text}) as response:
                response.raise_for_status()
                return int((await response.json())["update_id"]), user

        posted = await asyncio.gather(*(one(u) for u in users))
    return [user for _, user in sorted(posted)]


async def answers(sandbox: Sandbox, users: list[int], after: int, *, timeout: float  # noqa: ASYNC109
                  ) -> tuple[list[int], dict[int, float]]:
    """Follow what the bot sent until every user has an answer: (the chats in the order their
    answers were accepted, user -> seconds since this call when it was first seen)."""
    started = time.perf_counter()
    wanted = set(users)
    order: list[int] = []
    seen: dict[int, float] = {}
    while len(seen) < len(wanted):
        if time.perf_counter() - started > timeout:
            break
        response = await sandbox.http.get("/sandbox/sent", params={"after": after})
        new = response.json()["sent"]
        now = time.perf_counter() - started
        for record in new:
            after = record["seq"]
            chat = record["chat_id"]
            if chat in wanted and record["method"] == "sendMessage":
                order.append(chat)
                seen.setdefault(chat, now)
        await asyncio.sleep(POLL)
    return order, seen


async def bot_ready(sandbox: Sandbox, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Wait until the bot answers (started, polling, its first ingest done)."""
    user = 1
    deadline = time.perf_counter() + timeout
    await sandbox.http.post("/sandbox/messages", json={"user_id": user, "text": "/help"})
    while time.perf_counter() < deadline:
        sent = (await sandbox.http.get("/sandbox/sent", params={"chat_id": user})).json()["sent"]
        if sent:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot did not start")


async def bare_paced_loop(sandbox: Sandbox, count: int) -> tuple[float, int]:
    """A bare PTB send_message loop to `count` chats, one message every 1/30 s after the
    previous one (no catching up): (seconds taken, 429s waited out)."""
    bot = Bot(TOKEN, base_url=sandbox.base_url, request=HTTPXRequest(connection_pool_size=8))
    await bot.initialize()
    floods = 0
    started = last = time.perf_counter()
    for n in range(count):
        while True:
            delay = last + 1 / 30 - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            last = time.perf_counter()
            try:
                await bot.send_message(900_000 + n, "Bot tin tức: /help")
                break
            except RetryAfter as exc:
                floods += 1
                wait = exc._retry_after  # noqa: SLF001 - the public property warns in PTB 22
                await asyncio.sleep((wait.total_seconds() if isinstance(wait, timedelta)
                                     else float(wait)) + 0.5)
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return elapsed, floods


async def burst(args: argparse.Namespace, folder: Path) -> None:
    people = args.people
    print(f"\n1. {people:,} people send /help at once, sandbox --flood-limits")
    sandbox = await start_sandbox(flood_limits=True)
    try:
        db_path, sources, _ = await prepare(folder / "burst", {"Thời sự": []})
        log = folder / "burst-bot.log"
        proc = start_bot(sandbox, db_path, sources, log)
        try:
            await bot_ready(sandbox)
            after = int((await sandbox.http.get("/sandbox/sent")).json()["sent"][-1]["seq"])
            users = list(range(800_001, 800_001 + people))
            started = time.perf_counter()
            arrival = await post_all(sandbox, users, "/help")
            posted = time.perf_counter() - started
            order, seen = await answers(sandbox, users, after,
                                        timeout=people / 30 + 120 - posted)
            last = max(seen.values(), default=float("nan")) + posted
        finally:
            stop_bot(proc)
        stats = await sandbox.stats()
        await sandbox.http.post("/sandbox/reset")
        bare, bare_floods = await bare_paced_loop(sandbox, people)
    finally:
        await sandbox.stop()
    in_order = order == arrival[:len(order)]
    inversions = sum(1 for a, b in zip(order, order[1:], strict=False)
                     if arrival.index(a) > arrival.index(b)) if not in_order else 0
    target = people / 30 + 10
    print(f"   posted in {posted:.2f} s; answered {len(seen):,} of {people:,}, each once: "
          f"{len(order) == len(seen) == people}")
    print(f"   answers in the order people wrote: {in_order}"
          + ("" if in_order else f" ({inversions} inversions)"))
    print(f"   last answer after {last:.1f} s (target <= {people:,}/30 + 10 = {target:.1f} s); "
          f"bare PTB loop paced at 30/s: {bare:.1f} s for the same number of messages "
          f"({bare_floods} 429s)")
    print(f"   429 answers: {stats['errors'].get('429', 0)} (target 0); all errors: "
          f"{stats['errors'] or 'none'}; highest rate seen: "
          f"{stats['max_per_second_overall']}/s overall (limit 30)")


async def push_after_replies(args: argparse.Namespace, folder: Path) -> None:
    readers = args.readers
    print(f"\n2. {readers:,} people subscribe (/dangky), then an article is pushed to them at "
          f"once, sandbox --flood-limits")
    sandbox = await start_sandbox(flood_limits=True)
    try:
        db_path, sources, archive = await prepare(folder / "push", {"Thời sự": []})
        log = folder / "push-bot.log"
        proc = start_bot(sandbox, db_path, sources, log)
        try:
            await bot_ready(sandbox)
            after = int((await sandbox.http.get("/sandbox/sent")).json()["sent"][-1]["seq"])
            users = list(range(810_001, 810_001 + readers))
            await post_all(sandbox, users, "/dangky thoi su")
            _, seen = await answers(sandbox, users, after, timeout=readers / 30 + 120)
            write_article(archive, "now", "Tin mới cho người vừa đăng ký", "Thời sự")
            samples = await wait_pushed(sandbox, readers, timeout=readers / 20 + 120)
            await asyncio.sleep(1.5)
        finally:
            stop_bot(proc)
        stats = await sandbox.stats()
    finally:
        await sandbox.stop()
    first, done = samples[0][0], samples[-1][0]
    sustained = rate_between(samples, 0.10, 0.80)
    print(f"   {len(seen):,} of {readers:,} answered before the push")
    print(f"   push: sustained {sustained:.2f} msg/s (target >= 28.5) between 10% and 80%; "
          f"{(readers - 1) / (done - first):.2f} msg/s overall over {done - first:.0f} s")
    print(f"   429 answers: {stats['errors'].get('429', 0)} (target 0); highest rate to one "
          f"chat: {stats['max_per_second_chat']}/s (limit 1); overall "
          f"{stats['max_per_second_overall']}/s (limit 30)")
    print(f"   worker: {worker_summary(log)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=900)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--skip-push", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, dbs)")
    args = parser.parse_args()
    if args.quick:
        args.people, args.readers = 200, 120
    folder = Path(tempfile.mkdtemp(prefix="newsbot-burst-"))
    print(f"newsbot burst benchmark (work folder {folder})")
    if not args.skip_burst:
        await burst(args, folder)
    if not args.skip_push:
        await push_after_replies(args, folder)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
