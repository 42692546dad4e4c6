"""Keeping the event loop responsive while a push is CPU-bound: send concurrency follows loop lag.

Command replies run on the same event loop as the delivery worker. Against Telegram a send waits
mostly on the network and the loop stays idle; but when the process itself is the bottleneck
(a fast Bot API server, a paid broadcast at up to 1000/s, a slow machine) every extra concurrent
send only adds per-request overhead (httpcore's pool work grows with the requests in flight) and
makes each turn of the loop longer, and a reply needs a few dozen turns (database round trips,
the HTTP request). So the number of sends in flight is capped by an AIMD rule on the measured
lag of the loop: down by a quarter while a timer fires more than `target` late, up by one while
it is on time. Network-bound pushes never see lag and keep the configured concurrency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class LagGovernor:
    """Admits at most `limit` sends at once; `limit` moves between `minimum` and `maximum`."""

    def __init__(self, maximum: int, *, minimum: int = 2, target: float = 0.005,
                 interval: float = 0.05, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = maximum
        self.minimum = max(1, min(minimum, maximum))
        self.target = target
        self.interval = interval
        self.limit = maximum
        self.active = 0
        self.lowest = maximum  # the lowest limit reached (for benchmarks and logs)
        self._clock = clock
        self._room = asyncio.Event()

    async def run(self) -> None:
        """Measure the loop's lag every `interval` and adjust `limit` (runs until cancelled)."""
        while True:
            started = self._clock()
            await asyncio.sleep(self.interval)
            self.observe(self._clock() - started - self.interval)

    def observe(self, lag: float) -> None:
        """One lag measurement: decrease multiplicatively when late, increase by one when not."""
        if lag > self.target:
            self.limit = max(self.minimum, self.limit - max(1, self.limit // 4))
            self.lowest = min(self.lowest, self.limit)
        elif lag < self.target / 2 and self.limit < self.maximum:
            self.limit += 1
            self._room.set()

    async def enter(self) -> None:
        """Wait until fewer than `limit` sends are in flight, then count one more."""
        while self.active >= self.limit:
            self._room.clear()
            await self._room.wait()
        self.active += 1

    def leave(self) -> None:
        self.active -= 1
        self._room.set()
