"""Push fan-out through the sandbox: our bot next to a bare python-telegram-bot loop (SPEC 11).

Figures, each with its baseline or target, all measured in this run:
1. limits off: one article to N subscribers (default 100,000). The real bot (`python -m bot run`,
   its own process, NEWSBOT_DELIVERY_CONCURRENCY as its most sends at once) ingests the
   article, enqueues the deliveries and pushes them; its messages/s are printed next to the
   *fastest* bare PTB `send_photo` loop (same caption, keyboard and photo file id; no database,
   no pacing), swept over concurrency 4/8/16/32 once before and once after ours (the machine
   may be shared: the mean of the two is each level's rate; the fastest level is the baseline:
   a bare loop gets slower with more requests in flight once it is CPU-bound, so comparing at
   one fixed concurrency flatters whoever runs fewer). CPU seconds per 1,000 messages of the
   bot (its process, /proc) and of the fastest bare loop; peak RSS (VmHWM); /start latency
   during this CPU-bound push; with `--profile`, the top of a py-spy profile of the bot.
   Targets: >= 0.80 of the fastest bare rate, <= 150 MB, /start p95 <= 1 s.
2. `--flood-limits` (the sandbox answers 429 above 30/s overall, 1/s per chat, 20/min per group):
   one article to F chats (default 10,000), plus a few "hot" private chats and groups that get
   several articles at once (so per-chat and per-group pacing matter). Printed: the sustained push
   rate (target >= 28.5/s), the 429s the sandbox answered (target 0), the highest rate the sandbox
   saw to one chat (<= 1 per second) and to one group (<= 20 per minute).
3. during that push, a new user sends /start about once a second: reply latency p50/p95 (target
   p95 <= 1 s), from posting the message to the reply appearing in the sandbox (polled every
   10 ms).

The sandbox runs in its own process (`python -m bot sandbox --port N`), as does the bot.

Usage: python bench/fanout.py [--subscribers 100000] [--baseline 30000] [--concurrency 32]
                              [--flood-chats 10000] [--skip-fanout] [--skip-flood] [--keep]
       python bench/fanout.py --quick        (a smoke run: 3,000 and 600 chats)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from storage import bulk, categories  # noqa: E402
from storage.db import open_database  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:bench-token-for-the-fanout"
PHOTO_URL = "https://photos.example.org/bench/hoi-nghi.jpg"
SUMMARY = (
    "Chiều 15/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết công tác Mặt trận năm "
    "2024, triển khai nhiệm vụ năm 2025. Hội nghị đánh giá cao kết quả cuộc vận động “Toàn dân "
    "đoàn kết xây dựng nông thôn mới, đô thị văn minh” và phong trào thi đua của các cụm."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sandbox:
    proc: subprocess.Popen[bytes]
    url: str
    http: httpx.AsyncClient

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    async def stats(self) -> dict[str, Any]:
        return dict((await self.http.get("/sandbox/stats")).json())

    async def stop(self) -> None:
        await self.http.aclose()
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def start_sandbox(flood_limits: bool) -> Sandbox:
    port = free_port()
    cmd = [sys.executable, "-m", "bot", "sandbox", "--port", str(port)]
    if flood_limits:
        cmd.append("--flood-limits")
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL,  # noqa: ASYNC220
                            stderr=subprocess.DEVNULL, env=_clean_env())
    url = f"http://127.0.0.1:{port}"
    http = httpx.AsyncClient(base_url=url, timeout=30)
    for _ in range(200):
        try:
            if (await http.get("/")).status_code == 200:
                return Sandbox(proc, url, http)
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("the sandbox did not start")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def write_article(archive: Path, stem: str, title: str, category: str) -> None:
    data = {"title": title, "url": f"https://mattran.example.vn/tin/{stem}.html",
            "category": category, "published": "2024-12-15T16:30:00+07:00", "summary": SUMMARY,
            "body": SUMMARY + "\n\nNội dung chi tiết.", "image": PHOTO_URL,
            "image_caption": "Quang cảnh hội nghị tổng kết"}
    (archive / f"{stem}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


async def prepare(folder: Path, audiences: dict[str, list[int]]) -> tuple[Path, Path, Path]:
    """A database with the subscribers, and an empty archive source: (db, sources, archive)."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a benchmark's set-up
    db_path = folder / "bot.db"
    db = await open_database(db_path)
    try:
        async with db.transaction() as conn:
            for name, chat_ids in audiences.items():
                category = await categories.ensure(conn, name)
                await bulk.add_subscribers(conn, chat_ids, category.id, now=int(time.time()))
    finally:
        await db.close()
    archive = folder / "archive"
    archive.mkdir(exist_ok=True)
    sources = folder / "sources.toml"
    sources.write_text('[[source]]\nname = "bench"\nkind = "archive"\npath = "archive"\n', "utf-8")
    return db_path, sources, archive


def start_bot(sandbox: Sandbox, db_path: Path, sources: Path, log: Path,
              **settings: object) -> subprocess.Popen[bytes]:
    env = _clean_env()
    env.update({
        "NEWSBOT_BOT_TOKEN": TOKEN,
        "NEWSBOT_TELEGRAM_API_URL": sandbox.base_url,
        "NEWSBOT_DATABASE": str(db_path),
        "NEWSBOT_SOURCES_FILE": str(sources),
        # Short, so the article is found soon after it is dropped; not 1 s: what runs on each
        # tick (the poll and the scheduled jobs, a few queries) would then run a hundred times
        # during the push it is not part of (the default is 300 s).
        "NEWSBOT_POLL_INTERVAL": "5",
        "NEWSBOT_LOG_LEVEL": "INFO",
        # The bot's web server: a free port (others may run on this machine).
        "NEWSBOT_WEB_PORT": str(free_port()),
    })
    env.update({f"NEWSBOT_{k.upper()}": str(v) for k, v in settings.items()})
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db_path.parent, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop_bot(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_summary(log: Path) -> str:
    """The delivery worker's last "outbox done" line of the bot's log."""
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if "delivery: outbox done" in line]
    return lines[-1].split("outbox done for now ", 1)[-1] if lines else "(no summary logged)"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class StartProbe:
    """New users send /start about once a second; the time until the bot's reply is recorded."""

    def __init__(self, sandbox: Sandbox, first_user: int) -> None:
        self.sandbox = sandbox
        self.next_user = first_user
        self.latencies: list[float] = []
        self.unanswered = 0

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            await self.once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval * random.uniform(0.7, 1.3))

    async def once(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        user = self.next_user
        self.next_user += 1
        http = self.sandbox.http
        started = time.perf_counter()
        await http.post("/sandbox/messages", json={"user_id": user, "text": "/start"})
        while time.perf_counter() - started < timeout:
            sent = (await http.get("/sandbox/sent", params={"chat_id": user})).json()["sent"]
            if sent:
                self.latencies.append(time.perf_counter() - started)
                return
            await asyncio.sleep(0.01)
        self.unanswered += 1

    def line(self) -> str:
        if not self.latencies:
            return "no samples"
        p50, p95 = (percentile(self.latencies, q) * 1000 for q in (0.5, 0.95))
        extra = f", {self.unanswered} unanswered" if self.unanswered else ""
        return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(self.latencies)} samples{extra}"


async def wait_pushed(sandbox: Sandbox, total: int, *,
                      timeout: float = 7200) -> list[tuple[float, int]]:  # noqa: ASYNC109
    """Follow the sandbox's counters until `total` photos were sent; (time, sent so far)
    samples, taken every 0.1 s from the first photo on. The counters, not the sent messages
    themselves: serialising those would cost the sandbox CPU during our push only (the bare
    loop is never watched), which would make the comparison unfair."""
    samples: list[tuple[float, int]] = []
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        accepted = int((await sandbox.stats())["calls"].get("sendPhoto", 0))
        now = time.perf_counter()
        if accepted:
            samples.append((now, accepted))
        if accepted >= total:
            return samples
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the push did not finish in {timeout} s")


def rate_between(samples: list[tuple[float, int]], low: float, high: float) -> float:
    """Messages per second between the samples where `low` and `high` of the total were in."""
    total = samples[-1][1]
    start = next(s for s in samples if s[1] >= low * total)
    end = next(s for s in samples if s[1] >= high * total)
    return (end[1] - start[1]) / (end[0] - start[0]) if end[0] > start[0] else float("nan")


# --- 1. limits off ------------------------------------------------------------------------


@dataclass
class BareRun:
    """One bare-loop run: its rate and the CPU time it used per 1,000 messages."""

    concurrency: int
    rate: float
    cpu_per_1000: float


async def bare_loop(sandbox: Sandbox, chats: int, concurrency: int) -> BareRun:
    """A bare PTB send_photo loop at `concurrency` (in this process): its rate and CPU cost."""
    bot = Bot(TOKEN, base_url=sandbox.base_url,
              request=HTTPXRequest(connection_pool_size=concurrency + 4))
    await bot.initialize()
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton("Đọc bài gốc", url="https://mattran.example.vn/tin/bench.html")],
        [InlineKeyboardButton("Xem thêm", callback_data="more:1"),
         InlineKeyboardButton("👍", callback_data="like:1")],
    ])
    caption = (f"<b>Hội nghị tổng kết công tác Mặt trận năm 2024</b>\n\n{SUMMARY}\n\n"
               "<i>Quang cảnh hội nghị tổng kết</i>\n\nThời sự · 15/12/2024 16:30")
    first = await bot.send_photo(1, PHOTO_URL, caption=caption, parse_mode="HTML",
                                 reply_markup=markup)
    file_id = first.photo[-1].file_id
    ids = iter(range(2, chats + 1))

    async def worker() -> None:
        for chat_id in ids:
            await bot.send_photo(chat_id, file_id, caption=caption, parse_mode="HTML",
                                 reply_markup=markup)

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    await bot.shutdown()
    return BareRun(concurrency, (chats - 1) / elapsed, cpu / (chats - 1) * 1000)


async def bare_sweep(sandbox: Sandbox, chats: int, levels: list[int]) -> dict[int, BareRun]:
    """The bare loop at each concurrency level (the sandbox's log reset between runs)."""
    runs = {}
    for level in levels:
        await sandbox.http.post("/sandbox/reset")
        runs[level] = await bare_loop(sandbox, chats, level)
    await sandbox.http.post("/sandbox/reset")
    return runs


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the bot process (its 'raw' collapsed stacks), when py-spy is installed."""
    import shutil

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("   (py-spy is not installed: pip install py-spy; no profile)")
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                             "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top_of_profile(raw: Path, count: int = 15) -> list[str]:
    """The functions with the most samples anywhere on the stack (inclusive) and at the top of
    it (self), from py-spy's collapsed stacks: the lines printed after the push."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        n = int(samples)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    if not total:
        return ["(no samples)"]
    lines = ["self:"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in
              sorted(own.items(), key=lambda kv: -kv[1])[:count]]
    lines.append("inclusive (project code):")
    ours = [(f, n) for f, n in inclusive.items() if "(bot/" in f or "(storage/" in f]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in
              sorted(ours, key=lambda kv: -kv[1])[:count]]
    return lines


async def fanout(args: argparse.Namespace, folder: Path) -> None:
    levels = sorted(set(args.sweep))
    print(f"\n1. one article to {args.subscribers:,} subscribers, sandbox limits off; the bot at "
          f"its concurrency {args.concurrency}, the bare loop swept over {levels}")
    sandbox = await start_sandbox(flood_limits=False)
    try:
        before = await bare_sweep(sandbox, args.baseline, levels)
        chat_ids = list(range(1, args.subscribers + 1))
        db_path, sources, archive = await prepare(folder / "fanout", {"Thời sự": chat_ids})
        log = folder / "fanout-bot.log"
        proc = start_bot(sandbox, db_path, sources, log, delivery_rate="inf",
                         delivery_concurrency=args.concurrency)
        profiler = None
        try:
            await asyncio.sleep(2)  # started, first (empty) poll done
            dropped = time.perf_counter()
            write_article(archive, "fanout", "Hội nghị tổng kết công tác Mặt trận năm 2024",
                          "Thời sự")
            probe = StartProbe(sandbox, 900_000_000)
            stop = asyncio.Event()
            probing = asyncio.create_task(probe.run(stop))
            first_seen = await wait_pushed(sandbox, 1)
            cpu_start = cpu_seconds(proc.pid)
            if args.profile:
                profiler = start_profiler(proc.pid, folder / "profile.raw")
            samples = first_seen + await wait_pushed(sandbox, args.subscribers)
            cpu_used = cpu_seconds(proc.pid) - cpu_start
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
            stop.set()
            await probing
            await asyncio.sleep(1.5)  # the last results are written, the worker logs its summary
            rss = peak_rss_mb(proc.pid)
        finally:
            if profiler is not None and profiler.poll() is None:
                profiler.kill()
            stop_bot(proc)
        stats = await sandbox.stats()
        after = await bare_sweep(sandbox, args.baseline, levels)
        print("   bare PTB send_photo loop (before and after ours, msg/s; CPU s per 1,000):")
        means = {}
        for level in levels:
            means[level] = (before[level].rate + after[level].rate) / 2
            cpu = (before[level].cpu_per_1000 + after[level].cpu_per_1000) / 2
            print(f"     concurrency {level:>3}: {before[level].rate:8.1f} {after[level].rate:8.1f}"
                  f"  mean {means[level]:8.1f}   CPU {cpu:5.2f} s / 1,000")
        best = max(means, key=lambda level: means[level])
        best_cpu = (before[best].cpu_per_1000 + after[best].cpu_per_1000) / 2
        first, done = samples[0][0], samples[-1][0]
        ours = (args.subscribers - 1) / (done - first)
        ours_cpu = cpu_used / (args.subscribers - 1) * 1000
        print(f"   newsbot push ({args.subscribers:,} messages):  {ours:8.1f} msg/s = "
              f"{ours / means[best]:.2f} of the fastest bare loop (concurrency {best}: "
              f"{means[best]:.1f} msg/s; target >= 0.80)")
        print(f"   CPU per 1,000 messages: newsbot {ours_cpu:.2f} s (the bot process, from /proc), "
              f"fastest bare loop {best_cpu:.2f} s (its process) = {ours_cpu / best_cpu:.2f}x")
        print(f"   article dropped -> first message: {first - dropped:.1f} s (poll, ingest, "
              f"enqueue {args.subscribers:,} deliveries); push {done - first:.0f} s")
        print(f"   peak RSS of the bot process: {rss:.0f} MB (target <= 150 MB)")
        print(f"   /start during this push: {probe.line()} (target p95 <= 1000 ms)")
        print(f"   worker: {worker_summary(log)}")
        print(f"   sandbox: {stats['calls'].get('sendPhoto', 0):,} sendPhoto, "
              f"errors {stats['errors'] or 'none'}")
        if profiler is not None and (folder / "profile.raw").exists():
            print("   profile of the bot process during the push (py-spy, share of samples):")
            for line in top_of_profile(folder / "profile.raw"):
                print(f"   {line}")
    finally:
        await sandbox.stop()


# --- 2. flood limits ----------------------------------------------------------------------


async def flood(args: argparse.Namespace, folder: Path) -> None:
    chats = args.flood_chats
    hot_private = list(range(5_000_001, 5_000_001 + args.hot_private))
    hot_groups = [-(6_000_001 + i) for i in range(args.hot_groups)]
    hot_articles, group_articles = 3, 25
    total = chats + hot_articles * len(hot_private) + group_articles * len(hot_groups)
    print(f"\n2. sandbox --flood-limits: one article to {chats:,} chats, {hot_articles} more to "
          f"{len(hot_private)} private chats, {group_articles} to {len(hot_groups)} groups "
          f"({total:,} messages)")
    sandbox = await start_sandbox(flood_limits=True)
    try:
        everyone = list(range(1, chats + 1 - len(hot_private))) + hot_private
        db_path, sources, archive = await prepare(folder / "flood", {
            "Thời sự": everyone, "Nóng": hot_private, "Nhóm": hot_groups})
        log = folder / "flood-bot.log"
        proc = start_bot(sandbox, db_path, sources, log)
        try:
            await asyncio.sleep(2)
            write_article(archive, "all", "Tin cho mọi người", "Thời sự")
            for i in range(hot_articles):
                write_article(archive, f"hot{i}", f"Tin nóng {i + 1}", "Nóng")
            for i in range(group_articles):
                write_article(archive, f"group{i}", f"Tin nhóm {i + 1}", "Nhóm")
            probe = StartProbe(sandbox, 900_000_000)
            stop = asyncio.Event()
            probing = asyncio.create_task(probe.run(stop))
            samples = await wait_pushed(sandbox, total, timeout=total / 20 + 120)
            stop.set()
            await probing
            await asyncio.sleep(1.5)
        finally:
            stop_bot(proc)
        stats = await sandbox.stats()
        first, done = samples[0][0], samples[-1][0]
        sustained = rate_between(samples, 0.10, 0.80)
        print(f"   sustained push rate: {sustained:.2f} msg/s (target >= 28.5), between 10% and "
              f"80% of the messages; {(total - 1) / (done - first):.2f} msg/s overall, "
              f"{done - first:.0f} s (the groups' last messages wait for their 20/min)")
        print(f"   429 answers: {stats['errors'].get('429', 0)} (target 0); all errors: "
              f"{stats['errors'] or 'none'}")
        print(f"   highest rate to one chat: {stats['max_per_second_chat']} per second "
              f"(limit 1), to one group: {stats['max_per_minute_group']} per minute (limit 20); "
              f"overall: {stats['max_per_second_overall']} per second (limit 30)")
        print(f"   worker: {worker_summary(log)}")
        print(f"3. /start reply latency during the push: {probe.line()} (target p95 <= 1000 ms)")
    finally:
        await sandbox.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=30_000,
                        help="messages of each bare-loop run (one before, one after ours)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="the bot's NEWSBOT_DELIVERY_CONCURRENCY")
    parser.add_argument("--sweep", type=int, nargs="+", default=[4, 8, 16, 32],
                        help="the bare loop's concurrency levels; the fastest is the baseline")
    parser.add_argument("--profile", action="store_true",
                        help="sample the bot with py-spy during the push (pip install py-spy)")
    parser.add_argument("--flood-chats", type=int, default=10_000)
    parser.add_argument("--hot-private", type=int, default=50)
    parser.add_argument("--hot-groups", type=int, default=5)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-flood", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, dbs)")
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.flood_chats, args.hot_private, args.hot_groups = 3000, 600, 20, 2
        args.baseline = 3000
    folder = Path(tempfile.mkdtemp(prefix="newsbot-fanout-"))
    print(f"newsbot fan-out benchmark (work folder {folder})")
    if not args.skip_fanout:
        await fanout(args, folder)
    if not args.skip_flood:
        await flood(args, folder)
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
