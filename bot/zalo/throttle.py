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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.delivery.pacing import Pacer

log = logging.getLogger(__name__)


class Throttle:
    """Adjusts `pacer`'s global rate from Zalo's answers (see the module docstring)."""

    def __init__(self, pacer: Pacer, rate: float, *, floor: float | None = None,
                 decrease: float = 0.7, cut_gap: float = 1.0, first_pause: float = 1.0,
                 max_pause: float = 1.0,
                 recover_after: float = 5.0, recover_every: float = 2.0, step: float = 0.1,
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
        return self._pause

    def on_success(self) -> None:
        """A message went through: creep back towards the configured rate."""
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
