"""Something that must run in one process at a time, whichever process it is: a bot account's
long poller (Telegram's getUpdates, Zalo's getUpdates). Two pollers of one account would fight
over its updates (Telegram answers the second getUpdates with 409 Conflict; Zalo hands each
update to whichever call asks first, so each process would see only some of a chat's messages).

`LeaderOnly` runs it in the process that leads `name` (`Database.lead`: a PostgreSQL advisory
lock, released by the server when the process dies; always this process on SQLite). The others
stand by and look again every `CHECK_EVERY` seconds, so when the leader dies another one takes
over. A process that loses the leadership (its database connection broke) stops it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.db import POSTGRES, Database

log = logging.getLogger(__name__)


class LeaderOnly:
    """Starts `start()` while this process leads `name`, `stop()` when it no longer does;
    `running()` says whether it runs now."""

    CHECK_EVERY = 2.0

    def __init__(self, db: Database, name: str, *, start: Callable[[], Awaitable[None]],
                 stop: Callable[[], Awaitable[None]], running: Callable[[], bool],
                 what: str = "polling") -> None:
        self.db = db
        self.name = name
        self.what = what
        self._start = start
        self._stop = stop
        self._running = running
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._step()  # on SQLite (or a free leadership) it starts right here
        if self.db.backend == POSTGRES:
            self._task = asyncio.create_task(self._watch(), name=f"election-{self.name}")

    async def _step(self) -> None:
        leading = await self.db.lead(self.name)
        if leading and not self._running():
            log.info("%s: this process receives the updates (%s)", self.what, self.name)
            await self._start()
        elif not leading and self._running():
            log.warning("%s: leadership lost, another process receives the updates", self.what)
            await self._stop()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.CHECK_EVERY)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: the election failed; looking again shortly", self.what)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._running():
            await self._stop()
        await self.db.resign(self.name)
