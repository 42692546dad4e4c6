"""Two `newsbot run` processes on one PostgreSQL database and one sandbox (SPEC 14).

The scenario (also run, smaller, by tests/test_postgres_e2e.py):
1. two real `python -m bot run` processes (long polling, an archive source polled every
   second) start on one PostgreSQL database and one sandbox (limits off);
2. N readers each send `/subscribe thoi su`: every one must be answered exactly once (one
   process polls at a time: the other stands by);
3. a new article is written into the archive: the process leading the jobs ingests it and
   queues N deliveries, both processes claim and send them; when about a third of the cards
   are out, one process is killed with SIGKILL;
4. every reader must get the card, and at most 64 twice (the messages that were sent but whose
   result was not yet written when the process died: the worker's bound, concurrency + 32).
Printed: the answers, the cards, the duplicates, who sent how many, and the time the survivor
took to finish.

Usage: python bench/twoprocs.py [--readers 1500] [--url postgresql://...]
Without --url (or NEWSBOT_TEST_POSTGRES_URL) a throwaway server is started from the machine's
PostgreSQL binaries (tests/pgserver.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bot.sandbox import Sandbox  # noqa: E402

TOKEN = "123456:two-processes-on-postgresql"
CATEGORY = "Thời sự"
MAX_DUPLICATES = 64


@dataclass
class Outcome:
    readers: int
    answers: Counter[int] = field(default_factory=Counter)  # chat -> /subscribe answers
    cards: Counter[int] = field(default_factory=Counter)  # chat -> cards of the new article
    cards_at_kill: int = 0
    killed: bool = False
    finish_seconds: float = 0.0
    push_seconds: float = 0.0

    @property
    def answered_once(self) -> bool:
        return len(self.answers) == self.readers and set(self.answers.values()) == {1}

    @property
    def everyone_got_the_card(self) -> bool:
        return len(self.cards) == self.readers and min(self.cards.values()) >= 1

    @property
    def duplicates(self) -> int:
        return sum(self.cards.values()) - len(self.cards)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _article(folder: Path, stem: str, title: str) -> None:
    data = {"title": title, "url": f"https://mattran.example.vn/tin/{stem}.html",
            "category": CATEGORY, "published": "2024-05-20T08:30:00+07:00",
            "summary": "Tóm tắt ngắn của bài viết.", "body": "Nội dung chi tiết của bài viết."}
    (folder / f"{stem}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


async def _start(url: str, sandbox: Sandbox, work: Path, n: int, extra: dict[str, str]
                 ) -> asyncio.subprocess.Process:
    env = {**os.environ, "NEWSBOT_TELEGRAM_API_URL": sandbox.base_url,
           "NEWSBOT_BOT_TOKEN": TOKEN, "NEWSBOT_DATABASE": url,
           "NEWSBOT_SOURCES_FILE": str(work / "sources.toml"), "NEWSBOT_POLL_INTERVAL": "1",
           "NEWSBOT_ARCHIVE_SETTLE_SECONDS": "0.2", "NEWSBOT_UPDATES": "polling",
           "NEWSBOT_WEB_PORT": str(_free_port()), "NEWSBOT_DELIVERY_RATE": "300",
           "NEWSBOT_DELIVERY_LEASE": "10", "NEWSBOT_LOG_LEVEL": "INFO", **extra}
    log = (work / f"bot{n}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=work, env=env, stdout=log, stderr=log)


async def _until(check: Any, what: str, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not in time: {what}")
        await asyncio.sleep(0.1)


def _cards(sandbox: Sandbox, title: str) -> Counter[int]:
    found: Counter[int] = Counter()
    for record in sandbox.state.sent_records():
        if record.method in ("sendPhoto", "sendMessage"):
            data = record.to_dict()
            text = str(data.get("caption") or data.get("text") or "")
            if title in text:
                found[int(data["chat_id"])] += 1
    return found


async def scenario(url: str, work: Path, readers: int, *, kill: bool = True,
                   extra_env: dict[str, str] | None = None, wait_limit: float = 120.0) -> Outcome:
    """Run the scenario against the (empty, or new) PostgreSQL database `url`."""
    archive = work / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    (work / "sources.toml").write_text(
        '[[source]]\nname = "luu-tru"\nkind = "archive"\npath = "archive"\n', encoding="utf-8")
    _article(archive, "first", "Bài đầu tiên")  # makes the category exist before /subscribe
    outcome = Outcome(readers)
    sandbox = Sandbox()
    await sandbox.start()
    procs: list[asyncio.subprocess.Process] = []
    try:
        for n in range(2):
            procs.append(await _start(url, sandbox, work, n, extra_env or {}))
        await _until(lambda: sandbox.state.calls.get("getUpdates", 0) > 0, "a poller", 60)
        await _until(lambda: _cards(sandbox, "Bài đầu tiên") == Counter()  # nobody follows yet
                     and (archive / "first.json").exists(), "start", 5)
        await asyncio.sleep(2.0)  # the first article ingested (pushed to nobody)
        chats = list(range(10_000, 10_000 + readers))
        async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as control:
            for chat in chats:
                (await control.post("/sandbox/messages", json={
                    "user_id": chat, "text": "/subscribe thoi su"})).raise_for_status()

        def answers() -> Counter[int]:
            found: Counter[int] = Counter()
            for record in sandbox.state.sent_records():
                data = record.to_dict()
                if record.method == "sendMessage" and "Thời sự" in str(data.get("text")):
                    found[int(data["chat_id"])] += 1
            return found

        await _until(lambda: len(answers()) >= readers, "every /subscribe answered", wait_limit)
        await asyncio.sleep(2.0)  # a second answer to anyone would show up by now
        outcome.answers = answers()

        title = "Bài mới cho mọi người"
        started = time.monotonic()
        _article(archive, "second", title)
        if kill:
            await _until(lambda: sum(_cards(sandbox, title).values()) >= readers // 3,
                         "a third of the cards", wait_limit)
            outcome.cards_at_kill = sum(_cards(sandbox, title).values())
            procs[0].send_signal(signal.SIGKILL)
            await procs[0].wait()
            outcome.killed = True
        killed_at = time.monotonic()
        await _until(lambda: len(_cards(sandbox, title)) >= readers, "every card", wait_limit)
        await asyncio.sleep(2.0)
        outcome.finish_seconds = time.monotonic() - killed_at
        outcome.push_seconds = time.monotonic() - started - 2.0
        outcome.cards = _cards(sandbox, title)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), 30)
            if proc.returncode is None:
                proc.kill()
        await sandbox.stop()
    return outcome


async def _main(args: argparse.Namespace) -> int:
    from tests import pgserver

    url = args.url or os.environ.get(pgserver.ENV_URL)
    folder: Path | None = None
    with tempfile.TemporaryDirectory(prefix="newsbot-twoprocs-") as tmp:
        if not url:
            folder = Path(tmp) / "pg"
            url = pgserver.start(folder)
        try:
            await asyncio.to_thread(pgserver.wait_ready, url)
            target = await _fresh_database(url)
            outcome = await scenario(target, Path(tmp) / "work", args.readers)
        finally:
            if folder is not None:
                pgserver.stop(folder)
    print(f"readers: {outcome.readers}")
    print(f"/subscribe answered exactly once: {outcome.answered_once} "
          f"({sum(outcome.answers.values())} answers to {len(outcome.answers)} readers)")
    print(f"cards sent when one process was killed (SIGKILL): {outcome.cards_at_kill}")
    print(f"every reader got the card: {outcome.everyone_got_the_card} "
          f"({len(outcome.cards)} readers, {sum(outcome.cards.values())} cards)")
    print(f"readers who got it twice: {outcome.duplicates} (target <= {MAX_DUPLICATES})")
    print(f"the survivor finished the push {outcome.finish_seconds:.1f} s after the kill")
    ok = (outcome.answered_once and outcome.everyone_got_the_card
          and outcome.duplicates <= MAX_DUPLICATES)
    return 0 if ok else 1


async def _fresh_database(server_url: str) -> str:
    import asyncpg

    name = f"twoprocs_{os.getpid()}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=1500)
    parser.add_argument("--url", help="a PostgreSQL server URL (a database is created beside)")
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
