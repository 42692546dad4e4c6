"""The inbox (bot/inbox.py, storage/inbox.py) on real SQLite files: each update stored once,
handled once, replayed after a stop or a crash, shared safely between consumers."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.inbox import Inbox, InboxConfig
from storage import inbox as store
from storage.db import Database, open_database
from storage.migrations import migrations

WAIT = 10.0  # an upper bound for slow machines, not a speed assertion


class Recorder:
    """A channel's handler that records what it was given (optionally slow or failing)."""

    def __init__(self, *, delay: float = 0.0, fail_on: str | None = None) -> None:
        self.seen: list[str] = []
        self.delay = delay
        self.fail_on = fail_on
        self.started = asyncio.Event()

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if payload["text"] == self.fail_on:
            raise RuntimeError("handler bug")
        self.seen.append(payload["text"])


async def until(condition: Any) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.01)


async def marked(db: Database) -> tuple[int, int]:
    async with db.execute("SELECT count(*), count(handled_at) FROM inbox") as cur:
        row = await cur.fetchone()
    assert row is not None
    return row[0], row[1]


def body(text: str) -> str:
    return json.dumps({"text": text})


async def test_each_update_is_stored_and_handled_once(db: Database) -> None:
    handler = Recorder()
    inbox = Inbox(db, "telegram", handler)
    await inbox.start()
    try:
        assert await inbox.receive("1", body("a"))
        assert not await inbox.receive("1", body("a"))  # the platform retried
        assert await inbox.receive("2", body("b"))
        await until(lambda: len(handler.seen) == 2)
        await asyncio.sleep(0.2)
    finally:
        await inbox.stop()
    assert sorted(handler.seen) == ["a", "b"]
    assert (inbox.received, inbox.duplicates, inbox.handled) == (2, 1, 2)
    assert await marked(db) == (2, 2)


async def test_same_key_on_two_channels_are_two_updates(db: Database) -> None:
    async with db.transaction() as conn:
        assert await store.add(conn, "telegram", "7", body("t"), now=0)
        assert await store.add(conn, "zalo", "7", body("z"), now=0)
        assert await store.add(conn, "zalo", "7", body("z"), now=0) is None
    assert await store.unhandled_by_channel(db) == {"telegram": 1, "zalo": 1}


async def test_stored_updates_are_replayed_on_start(db: Database) -> None:
    async with db.transaction() as conn:
        for n in range(5):
            await store.add(conn, "telegram", str(n), body(f"m{n}"), now=0)
    handler = Recorder()
    inbox = Inbox(db, "telegram", handler)
    await inbox.start()
    await until(lambda: len(handler.seen) == 5)
    await inbox.stop()
    assert handler.seen == ["m0", "m1", "m2", "m3", "m4"]  # arrival order
    second = Recorder()
    again = Inbox(db, "telegram", second)
    await again.start()
    await asyncio.sleep(0.3)
    await again.stop()
    assert second.seen == []  # nothing is handled twice


async def test_stop_waits_for_updates_being_handled(db: Database) -> None:
    handler = Recorder(delay=0.5)
    inbox = Inbox(db, "telegram", handler)
    await inbox.start()
    await inbox.receive("1", body("slow"))
    await asyncio.wait_for(handler.started.wait(), WAIT)
    await inbox.stop(grace=WAIT)
    assert handler.seen == ["slow"]
    assert await marked(db) == (1, 1)


async def test_an_update_cut_off_by_stopping_is_handled_after_the_restart(db: Database) -> None:
    handler = Recorder(delay=30)
    inbox = Inbox(db, "telegram", handler)
    await inbox.start()
    await inbox.receive("1", body("cut"))
    await asyncio.wait_for(handler.started.wait(), WAIT)
    await inbox.stop(grace=0.1)
    assert await marked(db) == (1, 0)
    after = Recorder()
    restarted = Inbox(db, "telegram", after)
    await restarted.start()
    await until(lambda: after.seen == ["cut"])
    await restarted.stop()


async def test_a_failing_handler_does_not_bring_the_update_back(db: Database,
                                                                caplog: pytest.LogCaptureFixture
                                                                ) -> None:
    handler = Recorder(fail_on="poison")
    inbox = Inbox(db, "telegram", handler)
    await inbox.start()
    await inbox.receive("1", body("poison"))
    await inbox.receive("2", "not json")
    await inbox.receive("3", body("fine"))
    await until(lambda: inbox.handled == 3)
    await inbox.stop()
    assert handler.seen == ["fine"]
    assert await marked(db) == (3, 3)
    assert "update 1 could not be handled" in caplog.text


async def test_a_live_lease_of_another_consumer_is_respected(db: Database) -> None:
    await db.lead("alive:p1")  # p1 is a live process (PostgreSQL checks; SQLite has one)
    async with db.transaction() as conn:
        await store.add(conn, "telegram", "1", body("a"), now=100)
        taken = await store.claim(conn, "telegram", consumer="p1", now=100, lease=60, limit=10)
        assert [u.update_key for u in taken] == ["1"]
        assert await store.claim(conn, "telegram", consumer="p2", now=159, lease=60,
                                 limit=10) == []
        # p1 restarted under the same name takes its own rows back at once...
        assert len(await store.claim(conn, "telegram", consumer="p1", now=120, lease=60,
                                     limit=10)) == 1
        # ...and anyone takes them once the lease ran out (p1 died).
        late = await store.claim(conn, "telegram", consumer="p2", now=181, lease=60, limit=10)
        assert [(u.update_key, u.attempts) for u in late] == [("1", 3)]


async def test_handled_updates_are_pruned_after_a_while(db: Database) -> None:
    async with db.transaction() as conn:
        old = await store.add(conn, "telegram", "1", body("old"), now=0)
        new = await store.add(conn, "telegram", "2", body("new"), now=0)
        await store.add(conn, "telegram", "3", body("unhandled"), now=0)
        assert old
        assert new
        await store.mark_handled(conn, [old], now=1000)
        await store.mark_handled(conn, [new], now=5000)
        assert await store.prune(conn, handled_before=2000) == 1
    assert await marked(db) == (2, 1)


async def test_a_database_of_the_previous_version_is_migrated_with_every_row(
        tmp_path: Path) -> None:
    steps = migrations()
    mine = next(i for i, sql in enumerate(steps) if "CREATE TABLE inbox" in sql)
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for number, sql in enumerate(steps[:mine], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Tin tức', 'tin tuc')")
    raw.execute(
        "INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published, "
        "fetched_at, summary, body) VALUES (1, 'k', 's', 'https://x.vn/k', 'T', 1, 1, 0, '', '')")
    raw.execute("INSERT INTO chats(id, type, created_at) VALUES (5, 'private', 0)")
    raw.execute("INSERT INTO subscriptions(chat_id, category_id, created_at) VALUES (5, 1, 0)")
    raw.execute("INSERT INTO deliveries(chat_id, article_id, created_at) VALUES (5, 1, 0)")
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        for table, count in (("articles", 1), ("chats", 1), ("subscriptions", 1),
                             ("deliveries", 1), ("inbox", 0)):
            async with db.execute(f"SELECT count(*) FROM {table}") as cur:
                assert (await cur.fetchone())[0] == count, table  # type: ignore[index]
        handler = Recorder()
        inbox = Inbox(db, "telegram", handler, config=InboxConfig(idle_check=0.1))
        await inbox.start()
        await inbox.receive("1", body("after the upgrade"))
        await until(lambda: handler.seen == ["after the upgrade"])
        await inbox.stop()
    finally:
        await db.close()
