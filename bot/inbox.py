"""Incoming updates, channel-neutral: stored first, then fed to the bot exactly once.

A webhook (``bot.web``) calls `Inbox.receive` with the update's raw JSON; it is stored in the
`inbox` table (``storage.inbox``) and only then acknowledged, so a crash or restart after the
200 loses nothing. The consumer (`Inbox.start`) takes stored updates in arrival order, feeds
each to the channel's `handle` coroutine (Telegram: the PTB Application) and marks it handled.
On start, whatever was stored and not handled (the previous run stopped or crashed before
handling it) is handled first. The same update delivered twice (the platform retries when our
200 got lost) is stored once, so it is handled once.

A graceful stop waits for the updates being handled and records them: a restart handles
nothing twice. After a `kill -9`, the updates that were being handled at that moment are
handled again (at-least-once, like Telegram's own webhook delivery): their replies may have
gone out already, and nothing can tell. Marks are written at once, one transaction for whatever
finished while the previous one was being written (no waiting to gather a batch), so a finished
update is at risk only for the time of one small commit. At most `concurrency` updates are
being handled at any moment, which bounds the repeats of one crash.
A handler that raises still marks its update handled (after logging): a poisonous update must
not come back forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage import inbox as store
from storage.db import POSTGRES, Database

log = logging.getLogger(__name__)

Handle = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class InboxConfig:
    consumer: str = "main"  # the lease owner's name: the same after a restart (see storage.inbox)
    concurrency: int = 64  # updates handled at once
    lease: int = 300  # seconds another consumer leaves a claimed update alone
    batch: int = 100  # rows claimed per read
    idle_check: float = 5.0  # seconds between looks when nobody wakes the consumer
    keep_handled: int = 2 * 86400  # seconds handled updates are kept (to recognise repeats)
    prune_every: float = 3600.0


def inbox_config(db: Database, *, delivery_lease: float) -> InboxConfig:
    """The inbox's settings for `db`: on PostgreSQL several processes share the inbox, so each
    claims under its own name, and the updates one was handling when it died are taken back at
    once by another (it no longer holds its "alive" lock), or after the lease at the latest."""
    if db.backend != POSTGRES:
        return InboxConfig()
    from bot.delivery.worker import process_name

    return InboxConfig(consumer=process_name("inbox"), lease=max(60, int(delivery_lease * 2)))


class Inbox:
    """The inbox of one channel: `receive` stores, the consumer handles (start/stop)."""

    def __init__(self, db: Database, channel: str, handle: Handle, *,
                 config: InboxConfig | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.channel = channel
        self.handle = handle
        self.config = config or InboxConfig()
        self.clock = clock
        self.received = 0  # new updates stored by this process
        self.duplicates = 0  # updates received again (already stored)
        self.handled = 0
        self._wake = asyncio.Event()
        self._flush = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Ids in flight or handled and awaiting their mark: never claimed again meanwhile.
        self._held: set[int] = set()
        self._done: list[int] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._pruned_at = 0.0

    async def receive(self, update_key: str, payload: str) -> bool:
        """Store one update (committed when this returns); False when it was stored before."""
        async with self.db.transaction() as conn:
            new = await store.add(conn, self.channel, update_key, payload,
                                  now=int(self.clock()))
        if new is None:
            self.duplicates += 1
            log.info("inbox %s: update %s received again, ignored", self.channel, update_key)
            return False
        self.received += 1
        self._wake.set()
        return True

    async def start(self) -> None:
        """Handle what is stored (replaying what an earlier run left), then whatever arrives."""
        if self._tasks:
            raise RuntimeError("the inbox consumer is running already")
        self._stopping = False
        # Several processes (PostgreSQL): while this lock is held, our claims are ours; once
        # the process is gone, the others take them back at once (storage.inbox).
        await self.db.lead(f"alive:{self.config.consumer}")
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._claimer(), name=f"inbox-{self.channel}"),
                       loop.create_task(self._writer(), name=f"inbox-{self.channel}-writer")]
        self._wake.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking updates; let those being handled finish (up to `grace` s) and record them.

        Updates not finished in time stay unhandled in the table: the next start handles them.
        """
        if not self._tasks:
            return
        self._stopping = True
        claimer, writer = self._tasks
        # Not cancelled: it ends at its next look, never inside a transaction.
        self._wake.set()
        await asyncio.gather(claimer, return_exceptions=True)
        running = list(self._in_flight.values())
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self._flush.set()
        await asyncio.gather(writer, return_exceptions=True)
        self._tasks = []
        await self.db.resign(f"alive:{self.config.consumer}")

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def wake(self) -> None:
        self._wake.set()

    async def _claimer(self) -> None:
        cfg = self.config
        while not self._stopping:
            self._wake.clear()
            room = cfg.concurrency - len(self._in_flight)
            claimed = 0
            try:
                if room > 0:
                    claimed = self._begin(await self._claim(min(room, cfg.batch)))
                await self._maybe_prune()
            except Exception:  # the database is busy or gone: try again shortly
                log.exception("inbox %s: could not read stored updates", self.channel)
                await asyncio.sleep(1.0)
                continue
            if claimed and claimed == min(room, cfg.batch):
                continue  # there may be more right away
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), cfg.idle_check)

    async def _claim(self, limit: int) -> list[store.InboxUpdate]:
        cfg = self.config
        async with self.db.transaction() as conn:
            return await store.claim(conn, self.channel, consumer=cfg.consumer,
                                     now=int(self.clock()), lease=cfg.lease, limit=limit,
                                     exclude=sorted(self._held))

    def _begin(self, rows: list[store.InboxUpdate]) -> int:
        for row in rows:
            self._in_flight[row.id] = asyncio.get_running_loop().create_task(self._handle(row))
            self._held.add(row.id)
        return len(rows)

    async def _handle(self, row: store.InboxUpdate) -> None:
        try:
            payload = json.loads(row.payload)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
            await self.handle(payload)
        except asyncio.CancelledError:
            # Stopping and out of time: left unhandled, the next start handles it.
            self._in_flight.pop(row.id, None)
            self._held.discard(row.id)
            raise
        except Exception:
            log.exception("inbox %s: update %s could not be handled", self.channel,
                          row.update_key)
        self._in_flight.pop(row.id, None)
        self.handled += 1
        self._done.append(row.id)
        self._flush.set()
        if not self._stopping:
            self._wake.set()  # room for one more

    async def _writer(self) -> None:
        while True:
            await self._flush.wait()
            self._flush.clear()
            done, self._done = self._done, []
            if done:
                try:
                    async with self.db.transaction() as conn:
                        await store.mark_handled(conn, done, now=int(self.clock()))
                    self._held.difference_update(done)
                except Exception:
                    log.exception("inbox %s: could not record %d handled updates",
                                  self.channel, len(done))
                    self._done[:0] = done
                    if self._stopping:
                        return
                    await asyncio.sleep(1.0)
                    self._flush.set()
                    continue
            if self._stopping and not self._done:
                return

    async def _maybe_prune(self) -> None:
        now = self.clock()
        if now - self._pruned_at < self.config.prune_every:
            return
        self._pruned_at = now
        async with self.db.transaction() as conn:
            gone = await store.prune(conn, handled_before=int(now) - self.config.keep_handled)
        if gone:
            log.info("inbox %s: %d handled updates pruned", self.channel, gone)
