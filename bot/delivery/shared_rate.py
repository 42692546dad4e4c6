"""The global send rate of one bot account, shared through the database by every process that
sends on it (PostgreSQL; bot/delivery/pacing.py `SharedSchedule`), and the rate a throttled
account (Zalo) has come down to (bot/zalo/throttle.py `SharedThrottle`).

Each reservation is one statement (storage/rates.py) answered in the server's clock; the
difference with this process's monotonic clock is measured at each answer, so processes on
machines whose clocks disagree still share one schedule (the server's).
"""

from __future__ import annotations

import time

from storage import rates, throttles
from storage.db import Database
from storage.throttles import Rule


class DatabaseSchedule:
    """`SharedSchedule` of `account` ("telegram:<bot id>": never a token) in `db`."""

    def __init__(self, db: Database, account: str) -> None:
        self.db = db
        self.account = account
        self.reservations = 0  # for benchmarks and tests

    async def reserve(self, count: int, interval: float) -> float:
        async with self.db.transaction() as tx:
            run = await rates.reserve(tx, self.account, count, interval)
        self.reservations += 1
        # The server's "now" is this moment (give or take half a round trip).
        return time.monotonic() + (run.start - run.server_now)

    async def pause(self, seconds: float) -> None:
        async with self.db.transaction() as tx:
            await rates.pause(tx, self.account, seconds)


class DatabaseThrottle:
    """`SharedThrottle` of `account` ("zalo:<bot id>": never a token) in `db`."""

    def __init__(self, db: Database, account: str) -> None:
        self.db = db
        self.account = account

    async def cut(self, rule: Rule) -> float:
        async with self.db.transaction() as tx:
            return await throttles.cut(tx, self.account, rule)

    async def recover(self, rule: Rule) -> float:
        async with self.db.transaction() as tx:
            return await throttles.recover(tx, self.account, rule)
