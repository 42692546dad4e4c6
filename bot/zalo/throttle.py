"""Zalo's pacing: a configured rate that every 429 slows down and that recovers by itself.

Zalo publishes no rate limit (SPEC 5a); it answers 429 "Quota exceeded" when the bot sends too
fast, without saying how long to wait. So the account's `Pacer` starts at NEWSBOT_ZALO_RATE
messages per second, and:
- a 429 cuts the rate by 30% (at most once per `cut_gap` seconds: the requests already in flight
  answer 429 together, and that is one signal, not twenty) down to `floor` (a tenth of the
  configured rate, at least 0.5/s), and asks everyone to wait `first_pause` (1 s; Zalo gives no
  retry_after, and the lower rate is what adapts; `max_pause` > `first_pause` doubles the pause
  while 429s keep coming); the message itself is sent again after the pause, so nothing is
  dropped;
- after `recover_after` seconds without a 429, each success may raise the rate by a tenth of the
  configured rate, once per `recover_every` seconds, back up to the configured rate.
This is additive increase / multiplicative decrease, the rule TCP uses for the same problem (an
unknown capacity that signals only "too much"); 0.7 is the decrease of TCP CUBIC (RFC 8312),
gentler than halving, so a rate just above Zalo's quota is not cut to far below it.

The throttle only changes the pacer's global rate; the delivery worker and the outbound path
already wait out a `RETRY_AFTER` and send the same message again.

Several processes on one Zalo account (PostgreSQL): the pacer's schedule is shared (the
configured rate holds for all of them together, and a pause is everyone's: bot/delivery/pacing.py
`SharedSchedule`), and so is the throttled rate (`shared`, storage/throttles.py): a 429 answered
to any process cuts the one rate of the account (once per `cut_gap` whoever saw it), the rate
climbs back one step per `recover_every` seconds whichever process asks, and each process's
pacer follows that rate. A process reacts to its own 429 at once (locally) and learns the
others' within `sync_every` seconds of sending; the database calls run beside the sends and
never delay one (when the database cannot be reached, the process goes on alone).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.delivery.pacing import Pacer
from storage.throttles import Rule

log = logging.getLogger(__name__)


class SharedThrottle(Protocol):
    """The throttled rate of one account, shared by every process sending on it."""

    async def cut(self, rule: Rule) -> float:
        """A 429 (cut unless the rate was cut less than `rule.gap` ago); the rate now."""
        ...

    async def recover(self, rule: Rule) -> float:
        """A step back up when due; the rate now."""
        ...


class Throttle:
    """Adjusts `pacer`'s global rate from Zalo's answers (see the module docstring)."""

    def __init__(self, pacer: Pacer, rate: float, *, floor: float | None = None,
                 decrease: float = 0.7, cut_gap: float = 1.0, first_pause: float = 1.0,
                 max_pause: float = 1.0,
                 recover_after: float = 5.0, recover_every: float = 2.0, step: float = 0.1,
                 shared: SharedThrottle | None = None, sync_every: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pacer = pacer
        self.configured = rate
        self.rate = rate
        self.floor = min(max(0.5, rate / 10) if floor is None else floor, rate)
        self.decrease = decrease
        self.cut_gap = cut_gap
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.recover_after = recover_after
        self.recover_every = recover_every
        self.step = step
        self._clock = clock
        self._pause = first_pause
        self._last_429 = -float("inf")
        self._last_change = -float("inf")
        self.quota_exceeded = 0  # 429 answers seen (tests, benchmarks, /stats)
        self.lowest = rate  # the lowest rate it came down to
        self.shared = shared
        self.sync_every = sync_every
        self.rule = Rule(configured=rate, floor=self.floor, decrease=decrease, gap=cut_gap,
                         quiet=recover_after, every=recover_every, step=rate * step)
        self._last_sync = -float("inf")
        self._background: set[asyncio.Task[None]] = set()
        pacer.set_global_rate(rate)

    def on_quota_exceeded(self) -> float:
        """A 429: slow down; returns the seconds everyone should wait before sending again."""
        now = self._clock()
        self.quota_exceeded += 1
        if now - self._last_429 < self.cut_gap:
            return self._pause  # the same congestion, answered by several requests at once
        streak = now - self._last_429 < self.recover_after
        self._pause = min(self.max_pause, self._pause * 2) if streak else self.first_pause
        self._last_429 = now
        new_rate = max(self.floor, self.rate * self.decrease)
        if new_rate < self.rate:
            self._set(new_rate, now)
            log.warning("zalo: quota exceeded (429): slowing down to %.2f messages/s, "
                        "everyone waits %.0f s", self.rate, self._pause)
        if self.shared is not None:
            self._beside(self._shared_cut(self.shared))
        return self._pause

    def on_success(self) -> None:
        """A message went through: creep back towards the configured rate."""
        if self.shared is not None:
            self._sync(self.shared)
            return
        if self.rate >= self.configured:
            return
        now = self._clock()
        if (now - self._last_429 < self.recover_after
                or now - self._last_change < self.recover_every):
            return
        self._set(min(self.configured, self.rate + self.configured * self.step), now)
        if self.rate >= self.configured:
            self._pause = self.first_pause
            log.info("zalo: back at the configured %.2f messages/s", self.rate)

    def _set(self, rate: float, now: float) -> None:
        self.rate = rate
        self.lowest = min(self.lowest, rate)
        self._last_change = now
        self.pacer.set_global_rate(rate)

    # -- several processes ------------------------------------------------------------------------

    async def load(self) -> None:
        """Start at the account's shared rate (a restart does not forget a cut)."""
        if self.shared is not None:
            await self._shared_recover(self.shared)

    async def aclose(self) -> None:
        """Wait for the database calls running beside the sends."""
        await asyncio.gather(*self._background, return_exceptions=True)

    def _sync(self, shared: SharedThrottle) -> None:
        """Follow the shared rate (and step it up when due), at most once per `sync_every`."""
        now = self._clock()
        # One call at a time: an answer read before a cut in flight must not undo the cut.
        if now - self._last_sync < self.sync_every or self._background:
            return
        self._last_sync = now
        self._beside(self._shared_recover(shared))

    def _beside(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _shared_cut(self, shared: SharedThrottle) -> None:
        try:
            self._follow(await shared.cut(self.rule))
        except Exception:
            log.warning("zalo: the shared rate cannot be reached; throttling alone",
                        exc_info=True)

    async def _shared_recover(self, shared: SharedThrottle) -> None:
        try:
            self._follow(await shared.recover(self.rule))
        except Exception:
            log.warning("zalo: the shared rate cannot be reached; throttling alone",
                        exc_info=True)

    def _follow(self, rate: float) -> None:
        if abs(rate - self.rate) < 1e-9:
            return
        rising = rate > self.rate
        self._set(rate, self._clock())
        if rising and self.rate >= self.configured:
            self._pause = self.first_pause
            log.info("zalo: back at the configured %.2f messages/s", self.rate)
        elif not rising:
            log.info("zalo: the account's rate is %.2f messages/s (slowed down)", self.rate)
