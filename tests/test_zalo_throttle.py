"""Zalo's pacing (bot/zalo/throttle.py) on a fake clock: a 429 cuts the pacer's rate (once per
burst of answers), never below the floor, and successes bring it back to the configured rate."""

from __future__ import annotations

from bot.delivery.pacing import Pacer
from bot.zalo.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_quota_exceeded_slows_down_and_success_recovers() -> None:
    clock = Clock()
    pacer = Pacer(global_rate=None, private_interval=0, group_per_minute=0)
    throttle = Throttle(pacer, 10.0, clock=clock)
    assert pacer.global_rate is not None
    assert round(pacer.global_rate, 6) == 10.0

    # Twenty requests in flight answer 429 together: one cut, the same short wait for all.
    waits = {throttle.on_quota_exceeded() for _ in range(20)}
    assert waits == {1.0}
    assert throttle.rate == 7.0
    assert throttle.quota_exceeded == 20
    assert round(pacer.global_rate or 0, 6) == 7.0

    # More 429s later keep cutting, down to the floor (a tenth of the configured rate).
    for _ in range(20):
        clock.now += 1.5
        throttle.on_quota_exceeded()
    assert throttle.rate == throttle.floor == 1.0
    assert throttle.lowest == 1.0

    # Successes right after a 429 change nothing; after a quiet while the rate creeps back.
    throttle.on_success()
    assert throttle.rate == 1.0
    steps = []
    for _ in range(40):
        clock.now += 2.5
        throttle.on_success()
        steps.append(throttle.rate)
    assert steps[0] == 1.0  # 2.5 s after the last 429: still waiting for a quiet 5 s
    assert steps[1] == 2.0  # then +10% of the configured rate per step
    assert steps[-1] == 10.0  # and never above it
    assert max(steps) == 10.0


def test_a_configured_rate_below_the_floor_is_kept() -> None:
    pacer = Pacer(global_rate=None, private_interval=0, group_per_minute=0)
    throttle = Throttle(pacer, 0.2, clock=Clock())
    throttle.on_quota_exceeded()
    assert throttle.rate == 0.2  # the floor never raises a rate
