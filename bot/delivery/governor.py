"""How many pushes are in flight at once: as many as make the push faster, no more.

More concurrent sends help while each send waits on the network (Telegram is far away: at a
100 ms round trip, 30 messages a second need 3 in flight, a paid broadcast's 1000 need 100). They
stop helping once this process (or the machine) is the bottleneck: then every extra send only
queues inside our own event loop and costs CPU (httpcore's pool work grows with the requests in
flight), the push gets *slower*, and command replies on the same loop wait behind it. Where that
point lies depends on the network, the machine and the load, so the limit is found while
pushing, by two rules; the lower of their two limits applies:

- Round trips (after TCP Vegas, as in Netflix's concurrency-limits `VegasLimit`): for each window
  of completed sends, the requests queued beyond the network are estimated as
  ``limit * (1 - min_rtt / mean_rtt)``, with ``min_rtt`` the shortest round trip of the last
  `memory` seconds (the cost of a send with nothing queued). Few queued: one more send at once
  (several when almost none are); many queued: one fewer. A window in which the senders did not use
  their limit (the pacer or the outbox held them back) changes nothing. A network-bound push
  climbs to the configured maximum; a CPU-bound one settles where the round trips start to grow.
- Loop lag (a safety for replies): while a timer fires more than `target` late, the limit drops
  by a quarter; while it is on time it recovers by one.

Why hand-written: the only libraries for adaptive concurrency limits are for the JVM (Netflix
concurrency-limits) or built into proxies; this is the same rule in fifty lines.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable


class SendGovernor:
    """Admits at most `limit` sends at once; `limit` moves between `minimum` and `maximum`."""

    def __init__(self, maximum: int, *, minimum: int = 2, target: float = 0.05,
                 interval: float = 0.05, start: int = 4, memory: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = maximum
        self.minimum = max(1, min(minimum, maximum))
        self.target = target
        self.interval = interval
        self.lag_limit = maximum  # the loop-lag rule's limit
        # The round-trip rule's limit: from a few sends up, so that the shortest round trip is
        # seen before the loop can be crowded.
        self.rtt_limit = max(self.minimum, min(start, maximum))
        self.active = 0
        self.lowest = self.limit  # the lowest limit reached (for benchmarks and logs)
        self.highest = self.limit
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._woken = 0  # waiters woken that have not entered yet (their places are taken)
        # The window of round trips being collected, and the shortest of each recent window.
        self._window: list[float] = []
        self._busy_samples = 0  # sends of the window that started with the limit in use
        # (when, shortest round trip) of windows of the last `memory` seconds (see below).
        self.memory = memory
        self._minima: deque[tuple[float, float]] = deque()

    @property
    def limit(self) -> int:
        return min(self.lag_limit, self.rtt_limit)

    async def run(self) -> None:
        """Measure the loop's lag every `interval` and adjust (runs until cancelled)."""
        while True:
            started = self._clock()
            await asyncio.sleep(self.interval)
            self.observe(self._clock() - started - self.interval)

    def observe(self, lag: float) -> None:
        """One lag measurement: decrease multiplicatively when late, increase by one when not."""
        if lag > self.target:
            self.lag_limit = max(self.minimum, self.lag_limit - max(1, self.lag_limit // 4))
        elif lag < self.target / 2 and self.lag_limit < self.maximum:
            self.lag_limit += 1
        self._changed()

    def observe_rtt(self, rtt: float, *, busy: bool) -> None:
        """One completed send's round trip; `busy`: the limit was in use when it started."""
        self._window.append(rtt)
        self._busy_samples += busy
        if len(self._window) < max(8, self.rtt_limit):
            return
        window, self._window = self._window, []
        busy_share, self._busy_samples = self._busy_samples / len(window), 0
        now, shortest = self._clock(), min(window)
        # The shortest of the last `memory` seconds, as a sliding-window minimum: increasing
        # round trips from front to back, so the front is the minimum.
        minima = self._minima
        while minima and minima[-1][1] >= shortest:
            minima.pop()
        minima.append((now, shortest))
        while minima[0][0] < now - self.memory:
            minima.popleft()  # the network may have changed: forget old round trips
        if busy_share < 0.5:
            return  # the senders were held back by something else: nothing learnt
        mean = sum(window) / len(window)
        base = minima[0][1]
        limit = self.rtt_limit
        queued = limit * (1 - base / mean) if mean > 0 else 0.0
        scale = math.log10(max(limit, 10))  # Vegas's thresholds grow slowly with the limit
        alpha, beta = 3 * scale, 6 * scale  # VegasLimit's defaults
        if queued < alpha / 2:
            limit += max(1, round(beta))
        elif queued < alpha:
            limit += 1
        elif queued > 2 * beta:
            limit -= max(1, limit // 4)
        elif queued > beta:
            limit -= 1
        self.rtt_limit = max(self.minimum, min(self.maximum, limit))
        self._changed()

    def _changed(self) -> None:
        limit = self.limit
        self.lowest = min(self.lowest, limit)
        self.highest = max(self.highest, limit)
        if self.active < limit:
            self._wake()

    async def enter(self) -> bool:
        """Wait until fewer than `limit` sends are in flight, then count one more; True when
        this send takes the last free place (the limit is in use).

        Waiters are woken one per free place, first come first served (not all at once: 32
        senders waking for every finished send would cost more than the sends).
        """
        if self.active + self._woken >= self.limit or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._woken -= 1  # woken and cancelled at once: pass the place on
                    self._wake()
                else:
                    self._waiters.remove(waiter)
                raise
            self._woken -= 1
        self.active += 1
        return self.active >= self.limit

    def leave(self) -> None:
        self.active -= 1
        self._wake()

    def _wake(self) -> None:
        """Wake as many waiters as there are free places (each then enters)."""
        waiters = self._waiters
        while waiters and self.active + self._woken < self.limit:
            waiters.popleft().set_result(None)
            self._woken += 1
