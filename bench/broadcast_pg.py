"""Paid-broadcast mode on PostgreSQL: one `newsbot run` process next to two (SPEC 11, 14).

One article to N subscribers (default 20,000) through the sandbox with its limits off
(`NEWSBOT_PAID_BROADCAST=true`: the account's rate is 1,000 messages/s). Measured in this run,
each on a fresh database: the push's sustained rate with one process, then with two processes
sharing the outbox (claims under leases) and the account's rate (`send_rate`). Target: two at
least 1.6 times one (the rate grows with the processes up to Telegram's 1,000/s). Also printed:
the elected-sender design's rate, which is one process's by construction (only the elected
process sends), so the shared rate is what lets a second process add anything.

The sandbox runs in its own process, as do the bots and PostgreSQL: on a 2-core machine the
bots, the sandbox and the database share the same two cores (and, on a shared machine, other
people's work), which caps what a second process can add. So the CPU time used during the push
is printed too (from /proc), per 1,000 messages, for the bots, the sandbox and PostgreSQL: the
bots' says whether a second process costs more per message (coordination) or only lacks a free
core, and all three together give the highest rate this machine's cores allow at those costs.

Usage: python bench/broadcast_pg.py [--subscribers 20000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from storage import bulk, categories  # noqa: E402
from storage.db import open_database  # noqa: E402

TOKEN = "123456:paid-broadcast-on-postgresql"
CATEGORY = "Thời sự"
FIRST_CHAT = 5_000_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _fresh_database(server_url: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name


async def _sent(http: httpx.AsyncClient) -> int:
    calls = (await http.get("/sandbox/stats")).json()["calls"]
    return int(calls.get("sendMessage", 0)) + int(calls.get("sendPhoto", 0))


def _postgres_cpu() -> float:
    """CPU time so far of every PostgreSQL server process on this machine (the bench's own
    server, or the one --url names when it runs here)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Push:
    """One push: its sustained rate and the CPU seconds per 1,000 messages of each party."""

    rate: float
    bots: float  # all bot processes together
    sandbox: float
    postgres: float

    @property
    def per_cpu_second(self) -> float:
        """Messages per CPU-second of the bot processes."""
        return 1000 / max(self.bots, 1e-6)

    @property
    def ceiling(self) -> float:
        """The rate this machine's cores allow at these costs (every party busy all the time)."""
        return (os.cpu_count() or 1) * 1000 / (self.bots + self.sandbox + self.postgres)


async def push(server_url: str, sandbox_url: str, sandbox_pid: int, work: Path, processes: int,
               subscribers: int) -> Push:
    """One push to `subscribers` chats by `processes` bot processes."""
    url = await _fresh_database(server_url, f"paid_{processes}_{os.getpid()}")
    db = await open_database(url)
    async with db.transaction() as tx:
        category = await categories.ensure(tx, CATEGORY)
        await bulk.add_subscribers(tx, range(FIRST_CHAT, FIRST_CHAT + subscribers),
                                   category.id, now=int(time.time()))
    await db.close()
    archive = work / f"archive{processes}"
    archive.mkdir(parents=True)
    sources = work / f"sources{processes}.toml"
    sources.write_text(f'[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "{archive}"\n',
                       encoding="utf-8")
    procs = []
    for n in range(processes):
        # Sources are polled every 5 s, not every second: the per-tick jobs would otherwise run
        # dozens of times during the push in every process (the product's default is 300 s),
        # as in bench/fanout.py.
        env = {**os.environ, "NEWSBOT_TELEGRAM_API_URL": f"{sandbox_url}/bot",
               "NEWSBOT_BOT_TOKEN": TOKEN, "NEWSBOT_DATABASE": url,
               "NEWSBOT_SOURCES_FILE": str(sources), "NEWSBOT_POLL_INTERVAL": "5",
               "NEWSBOT_ARCHIVE_SETTLE_SECONDS": "0.2", "NEWSBOT_UPDATES": "polling",
               "NEWSBOT_WEB_PORT": str(_free_port()), "NEWSBOT_PAID_BROADCAST": "true",
               "NEWSBOT_LOG_LEVEL": "WARNING"}
        log = (work / f"bot{processes}-{n}.log").open("wb")
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=work, env=env, stdout=log, stderr=log))
    try:
        async with httpx.AsyncClient(base_url=sandbox_url, timeout=30) as http:
            await asyncio.sleep(4.0)  # started, migrated, polling
            before = await _sent(http)
            cpu_before = (sum(_cpu_seconds(p.pid) for p in procs), _cpu_seconds(sandbox_pid),
                          _postgres_cpu())
            data = {"title": "Thông báo khẩn", "url": "https://mattran.example.vn/tin/khan.html",
                    "category": CATEGORY, "published": "2024-05-20T08:30:00+07:00",
                    "summary": "Tóm tắt.", "body": "Nội dung."}
            (archive / "khan.json").write_text(json.dumps(data, ensure_ascii=False),
                                               encoding="utf-8")
            samples: list[tuple[float, int]] = []
            while True:
                await asyncio.sleep(0.2)
                done = await _sent(http) - before
                samples.append((time.perf_counter(), done))
                if done >= subscribers:
                    break
            bots, sandbox, postgres = (
                sum(_cpu_seconds(p.pid) for p in procs) - cpu_before[0],
                _cpu_seconds(sandbox_pid) - cpu_before[1], _postgres_cpu() - cpu_before[2])
            # The sustained rate: from 5% to 95% of the push (start-up and tail excluded).
            low = next(t for t, d in samples if d >= subscribers * 0.05)
            high = next(t for t, d in samples if d >= subscribers * 0.95)
            per_1000 = 1000 / subscribers
            return Push(subscribers * 0.9 / (high - low), bots * per_1000, sandbox * per_1000,
                        postgres * per_1000)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            await proc.wait()


async def _main(args: argparse.Namespace) -> int:
    from tests import pgserver

    with tempfile.TemporaryDirectory(prefix="newsbot-paid-") as tmp:
        folder: Path | None = None
        url = args.url or os.environ.get(pgserver.ENV_URL)
        if not url:
            # Its own folder in /tmp: the server runs as the postgres user, who cannot enter
            # `tmp` (private to us).
            folder = Path(tempfile.mkdtemp(prefix="newsbot-paid-pg-"))
            url = pgserver.start(folder)
        port = _free_port()
        sandbox = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", "--port", str(port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            await asyncio.to_thread(pgserver.wait_ready, url)
            await asyncio.sleep(1.0)
            sandbox_url = f"http://127.0.0.1:{port}"
            one = await push(url, sandbox_url, sandbox.pid, Path(tmp), 1, args.subscribers)
            print(f"one process:   {one.rate:7.0f} messages/s, {one.per_cpu_second:6.0f} messages"
                  " per CPU-second (also the elected-sender design's rate: only one process"
                  " sends)", flush=True)
            two = await push(url, sandbox_url, sandbox.pid, Path(tmp), 2, args.subscribers)
            print(f"two processes: {two.rate:7.0f} messages/s, {two.per_cpu_second:6.0f} messages"
                  f" per CPU-second of both = {two.rate / one.rate:.2f} x one's rate (target"
                  " >= 1.6 x; limit 1,000/s)")
            print(f"per message, two processes cost {two.bots / one.bots:.2f} x one's CPU: with a"
                  f" free core each, two would send {2 * one.bots / two.bots:.2f} x one")
            cores = os.cpu_count() or 1
            for name, run in (("one", one), ("two", two)):
                print(f"CPU s per 1,000 messages, {name}: bots {run.bots:.2f}, sandbox "
                      f"{run.sandbox:.2f}, PostgreSQL {run.postgres:.2f}; {cores} cores at these"
                      f" costs allow at most {run.ceiling:.0f} messages/s")
        finally:
            sandbox.terminate()
            await sandbox.wait()
            if folder is not None:
                pgserver.stop(folder)
                shutil.rmtree(folder, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--url", help="a PostgreSQL server URL (databases are created beside)")
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
