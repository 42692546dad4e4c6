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
people's work), which caps what a second process can add. So the CPU time each bot process
used during the push is printed too (from /proc): messages per CPU-second of the bots says
whether a second process costs more per message (coordination) or only lacks a free core.

Usage: python bench/broadcast_pg.py [--subscribers 20000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import time
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def push(server_url: str, sandbox_url: str, work: Path, processes: int,
               subscribers: int) -> tuple[float, float]:
    """(messages/s, messages per CPU-second of the bot processes) of one push to
    `subscribers` chats by `processes` bot processes."""
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
        env = {**os.environ, "NEWSBOT_TELEGRAM_API_URL": f"{sandbox_url}/bot",
               "NEWSBOT_BOT_TOKEN": TOKEN, "NEWSBOT_DATABASE": url,
               "NEWSBOT_SOURCES_FILE": str(sources), "NEWSBOT_POLL_INTERVAL": "1",
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
            cpu_before = sum(_cpu_seconds(p.pid) for p in procs)
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
            cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu_before
            # The sustained rate: from 5% to 95% of the push (start-up and tail excluded).
            low = next(t for t, d in samples if d >= subscribers * 0.05)
            high = next(t for t, d in samples if d >= subscribers * 0.95)
            return subscribers * 0.9 / (high - low), subscribers / max(cpu, 1e-3)
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
            folder = Path(tmp) / "pg"
            url = pgserver.start(folder)
        port = _free_port()
        sandbox = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", "--port", str(port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            await asyncio.to_thread(pgserver.wait_ready, url)
            await asyncio.sleep(1.0)
            sandbox_url = f"http://127.0.0.1:{port}"
            one, one_cpu = await push(url, sandbox_url, Path(tmp), 1, args.subscribers)
            print(f"one process:   {one:7.0f} messages/s, {one_cpu:6.0f} messages per CPU-second"
                  " (also the elected-sender design's rate: only one process sends)",
                  flush=True)
            two, two_cpu = await push(url, sandbox_url, Path(tmp), 2, args.subscribers)
            print(f"two processes: {two:7.0f} messages/s, {two_cpu:6.0f} messages per CPU-second"
                  f" of both = {two / one:.2f} x one's rate (target >= 1.6 x; limit 1,000/s)")
            print(f"per message, two processes cost {one_cpu / two_cpu:.2f} x one's CPU: with a "
                  f"free core each, two would send {2 * two_cpu / one_cpu:.2f} x one")
        finally:
            sandbox.terminate()
            await sandbox.wait()
            if folder is not None:
                pgserver.stop(folder)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--url", help="a PostgreSQL server URL (databases are created beside)")
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
