"""Crash safety (SPEC section 6 and 11): the real `python -m bot run` pushing one article to 2,000
chats through the sandbox, killed with SIGKILL at 3 random points and restarted each time.

Every chat must end up with the article, and a chat may get it twice only when its message was in
flight at a crash: sent but not yet recorded as sent. The worker bounds those messages (a permit
per message, given back once "sent" is committed), so the duplicates of one crash are at most
`WorkerConfig.unconfirmed_limit`. The counts are printed (pytest -s shows them).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

from bot.delivery.worker import WorkerConfig
from bot.sandbox import Sandbox
from storage import bulk, categories
from storage import deliveries as outbox
from storage.db import open_database
from tests.bothelper import TOKEN
from tests.pushhelper import push_source, write_article

REPO = Path(__file__).resolve().parents[1]
CHATS = 2000
CONCURRENCY = 16
RATE = 400  # messages/s: the push lasts ~5 s, long enough to kill it three times
START_TIMEOUT = 30.0  # generous bounds for slow machines, not speed assertions
DONE_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, sandbox: Sandbox, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({
        "PYTHONPATH": str(REPO),
        "NEWSBOT_BOT_TOKEN": TOKEN,
        "NEWSBOT_TELEGRAM_API_URL": sandbox.base_url,
        "NEWSBOT_DATABASE": str(tmp_path / "bot.db"),
        "NEWSBOT_SOURCES_FILE": str(sources),
        "NEWSBOT_POLL_INTERVAL": "1",
        "NEWSBOT_DELIVERY_RATE": str(RATE),
        "NEWSBOT_DELIVERY_CONCURRENCY": str(CONCURRENCY),
        "NEWSBOT_LOG_LEVEL": "WARNING",
        "NEWSBOT_WEB_PORT": str(_free_port()),  # the bot's web server: never a fixed port
    })
    return env


def _start(env: dict[str, str], log: IO[str]) -> subprocess.Popen[bytes]:
    """`python -m bot run` (start-up takes ~1 s; waiting for it is the caller's job)."""
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


async def _reap(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int:  # noqa: ASYNC109
    """The exit code, waited for without blocking the event loop (killed after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while proc.poll() is None:
        if loop.time() > deadline:
            proc.kill()
        await asyncio.sleep(0.02)
    return proc.returncode


async def _wait_for(predicate: object, timeout: float, what: str) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def _in_flight(db_path: Path, received: set[int]) -> set[int]:
    """Chats whose delivery is still pending although this run sent them the message: the
    messages in flight at the crash (sent, not yet recorded as sent)."""
    db = await open_database(db_path)
    try:
        rows = await outbox.by_chat(db, article_id=1)
    finally:
        await db.close()
    return {int(chat.id) for chat, d in rows.items()
            if d.status == "pending" and int(chat.id) in received}


async def test_kill_9_three_times_during_a_push(tmp_path: Path) -> None:
    sources, archive = push_source(tmp_path)
    chat_ids = list(range(100_001, 100_001 + CHATS))
    db = await open_database(tmp_path / "bot.db")
    async with db.transaction() as conn:
        category = await categories.ensure(conn, "Thời sự")
        await bulk.add_subscribers(conn, chat_ids, category.id, now=int(time.time()))
    await db.close()
    write_article(archive, "crash", title="Tin khẩn", category="Thời sự",
                  image="https://photos.example.org/crash.jpg")
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    kill_at = sorted(rng.sample(range(50, CHATS - 50), 3))
    print(f"\ncrash test: seed {seed}, SIGKILL after {kill_at} accepted messages")

    sandbox = Sandbox()
    await sandbox.start()
    state = sandbox.state
    log = (tmp_path / "bot.log").open("w")
    env = _env(tmp_path, sandbox, sources)
    in_flight: list[set[int]] = []
    try:
        for target in kill_at:
            run_started = state.last_seq
            proc = _start(env, log)
            try:
                await _wait_for(lambda target=target: state.last_seq >= target,  # type: ignore[misc]
                                START_TIMEOUT + DONE_TIMEOUT, f"{target} messages")
            finally:
                proc.send_signal(signal.SIGKILL)
                await _reap(proc)
            # Requests written to the socket before the kill are still accepted: let the
            # sandbox (this event loop) read them before looking.
            await asyncio.sleep(0.5)
            received = {r.chat_id for r in state.sent_records(after=run_started,
                                                              method="sendPhoto")}
            in_flight.append(await _in_flight(tmp_path / "bot.db", received))
        # The last run finishes the push, then stops gracefully.
        proc = _start(env, log)
        try:
            await _wait_for(
                lambda: len({r.chat_id for r in state.sent_records(method="sendPhoto")})
                >= CHATS, START_TIMEOUT + DONE_TIMEOUT, "every chat to have the article")
            await asyncio.sleep(0.5)  # the last results are recorded
        finally:
            proc.send_signal(signal.SIGTERM)
            # The sandbox runs on this event loop: wait without blocking it (a graceful stop
            # still talks to the Bot API).
            code = await _reap(proc)
        assert code == 0
    finally:
        log.close()
        await sandbox.stop()

    records = state.sent_records(method="sendPhoto")
    per_chat = Counter(r.chat_id for r in records)
    assert set(per_chat) == set(chat_ids)
    duplicates = sum(n - 1 for n in per_chat.values())
    twice = {chat_id for chat_id, n in per_chat.items() if n > 1}
    bound = WorkerConfig(concurrency=CONCURRENCY).unconfirmed_limit
    print(f"crash test: {len(records)} messages to {len(per_chat)} chats, {duplicates} "
          f"duplicate(s); in flight at each crash {[len(f) for f in in_flight]} "
          f"(bound {bound} per crash)")
    # Exactly the messages in flight at a crash went out again (once per crash they were in
    # flight at: a resent message can be in flight at the next crash too).
    assert twice == set().union(*in_flight)
    assert duplicates == sum(len(f) for f in in_flight)
    assert all(len(f) <= bound for f in in_flight)

    db = await open_database(tmp_path / "bot.db")
    try:
        counts = await outbox.counts(db, article_id=1)
    finally:
        await db.close()
    assert (counts.sent, counts.pending) == (CHATS, 0)
