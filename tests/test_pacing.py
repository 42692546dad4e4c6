"""The pacer, on a fake clock: global rate, per-chat limits, global pauses, bounded state.

No real waiting and no wall-clock asserts: `FakeTime` is a tiny virtual-time scheduler. Its
`sleep` parks the caller until the driver advances the fake clock to the caller's wake-up time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.delivery.pacing import Pacer, Priority

# Test chats follow Telegram's ids: negative ones are groups. The pacer itself never guesses:
# each call says whether the chat is paced as a group.
PRIVATE = 1001
GROUP = -100123


class FakeTime:
    """A virtual clock with a sleep that waits for the clock, not for the wall."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *coros: Awaitable[Any]) -> list[Any]:
        """Run `coros` concurrently, advancing the clock whenever all of them are asleep."""
        tasks = [asyncio.ensure_future(coro) for coro in coros]
        while not all(task.done() for task in tasks):
            for _ in range(10):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._waiters:
                when, _, future = heapq.heappop(self._waiters)
                if future.done():  # its sleeper was cancelled
                    continue
                self.now = max(self.now, when)
                future.set_result(None)
            elif not all(task.done() for task in tasks):
                raise AssertionError("deadlock: tasks pending but nobody sleeps")
        return [task.result() for task in tasks]


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def make_pacer(fake: FakeTime, **options: Any) -> Pacer:
    return Pacer(clock=fake.clock, sleep=fake.sleep, **options)


def sender(
    pacer: Pacer, fake: FakeTime, log: list[tuple[float, int]]
) -> Callable[[int], Awaitable[None]]:
    async def send(chat_id: int) -> None:
        await pacer.acquire(chat_id, group=chat_id < 0)
        log.append((fake.now, chat_id))

    return send


def most_in_window(times: list[float], window: float) -> int:
    """The most sends in any half-open window [t, t + window)."""
    times = sorted(times)
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_global_rate_spaces_sends_evenly(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=30)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)

    await fake.run(*(send(chat_id) for chat_id in range(1, 301)))

    times = [moment for moment, _ in log]
    assert len(times) == 300
    assert max(times) >= 299 / 30
    assert most_in_window(times, 1.0) <= 30
    # Saturated: not much slower than the limit either.
    assert max(times) < 299 / 30 + 0.01


async def test_sequential_sends_respect_the_global_rate(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=30)
    times = []

    async def loop() -> None:
        for chat_id in range(1, 91):
            await pacer.acquire(chat_id, group=chat_id < 0)
            times.append(fake.now)

    await fake.run(loop())

    assert times[-1] >= 89 / 30
    assert most_in_window(times, 1.0) <= 30


async def test_private_chat_gets_at_most_one_message_per_second(fake: FakeTime) -> None:
    pacer = make_pacer(fake)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)

    await fake.run(*(send(PRIVATE) for _ in range(5)))

    times = [moment for moment, _ in log]
    assert len(times) == 5
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))


async def test_group_gets_at_most_20_per_minute(fake: FakeTime) -> None:
    pacer = make_pacer(fake)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)

    await fake.run(*(send(GROUP) for _ in range(50)))

    times = [moment for moment, _ in log]
    assert len(times) == 50
    assert most_in_window(times, 60.0) <= 20
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert times[20] >= 60.0


async def test_a_waiting_chat_does_not_hold_up_the_others(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=30)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)
    await fake.run(send(PRIVATE))

    await fake.run(send(PRIVATE), *(send(chat_id) for chat_id in range(1, 11)))

    others = [moment for moment, chat_id in log if chat_id != PRIVATE]
    assert max(others) < 0.5  # ten sends at 30/s, not stuck behind the private chat's second
    assert log[-1][1] == PRIVATE
    assert log[-1][0] >= 1.0


async def test_ready_in_reports_the_chats_own_wait(fake: FakeTime) -> None:
    pacer = make_pacer(fake)
    await fake.run(pacer.acquire(PRIVATE, group=False))

    assert 1.0 <= pacer.ready_in(PRIVATE, group=False) <= 1.1
    assert pacer.ready_in(PRIVATE + 1) == 0.0
    fake.now = 0.5
    assert 0.5 <= pacer.ready_in(PRIVATE, group=False) <= 0.6
    fake.now = 2.0
    assert pacer.ready_in(PRIVATE, group=False) == 0.0


async def test_pause_stops_everyone_and_a_shorter_later_pause_does_not_shorten_it(
    fake: FakeTime,
) -> None:
    pacer = make_pacer(fake, global_rate=30, pause_margin=0.0)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)

    async def telegram_says_retry_after() -> None:
        await fake.sleep(0.5)
        pacer.pause(2)  # until 2.5
        await fake.sleep(0.5)
        pacer.pause(1)  # until 2.0: must not end the first pause early

    await fake.run(telegram_says_retry_after(), *(send(chat_id) for chat_id in range(1, 121)))

    times = sorted(moment for moment, _ in log)
    assert len(times) == 120
    assert not [moment for moment in times if 0.5 < moment < 2.5]
    assert min(moment for moment in times if moment > 0.5) >= 2.5
    # Senders that had reserved a slot inside the pause do not burst out when it ends.
    assert most_in_window(times, 1.0) <= 30


async def test_pause_is_extended_by_a_longer_one(fake: FakeTime) -> None:
    pacer = make_pacer(fake, pause_margin=0.0)

    pacer.pause(2)
    fake.now = 1.0
    pacer.pause(1)
    assert pacer.paused_for() == pytest.approx(1.0)
    pacer.pause(5)
    assert pacer.paused_for() == pytest.approx(5.0)

    log: list[tuple[float, int]] = []
    await fake.run(sender(pacer, fake, log)(PRIVATE))
    assert log[0][0] >= 6.0


async def test_pause_adds_a_margin(fake: FakeTime) -> None:
    pacer = make_pacer(fake, pause_margin=0.5)

    pacer.pause(1)

    assert pacer.paused_for() == pytest.approx(1.5)


async def test_pause_during_a_chat_wait_also_applies(fake: FakeTime) -> None:
    pacer = make_pacer(fake, pause_margin=0.0)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)
    await fake.run(send(PRIVATE))

    async def pause_soon() -> None:
        await fake.sleep(0.2)
        pacer.pause(3)

    await fake.run(pause_soon(), send(PRIVATE))

    assert log[-1][0] >= 3.2


@pytest.mark.parametrize("rate", [None, float("inf")])
async def test_unlimited_rate_does_not_wait(fake: FakeTime, rate: float | None) -> None:
    pacer = make_pacer(fake, global_rate=rate)

    for chat_id in range(1, 10_001):
        await pacer.acquire(chat_id, group=chat_id < 0)
        await pacer.acquire(-chat_id, group=-chat_id < 0)

    assert fake.sleeps == 0
    assert fake.now == 0.0
    assert pacer.global_rate is None


async def test_set_global_rate_changes_the_spacing(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=None)
    pacer.set_global_rate(1000)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)

    await fake.run(*(send(chat_id) for chat_id in range(1, 2001)))

    times = [moment for moment, _ in log]
    assert max(times) >= 1999 / 1000
    assert most_in_window(times, 1.0) <= 1000
    assert pacer.global_rate == pytest.approx(1000)
    with pytest.raises(ValueError, match="positive"):
        pacer.set_global_rate(0)


async def test_idle_chat_state_is_pruned(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=None)
    for chat_id in range(1, 1001):
        await pacer.acquire(chat_id, group=chat_id < 0)
        await pacer.acquire(-chat_id, group=-chat_id < 0)
    assert pacer.tracked_chats == 2000

    fake.now = 61.0
    await pacer.acquire(PRIVATE, group=False)

    assert pacer.tracked_chats == 1
    # Forgetting is safe: the pruned chats are ready anyway.
    assert pacer.ready_in(1, group=False) == 0.0
    assert pacer.ready_in(-1, group=True) == 0.0


async def test_private_state_is_dropped_soon_after_its_interval(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=None)
    for chat_id in range(1, 1001):
        await pacer.acquire(chat_id, group=chat_id < 0)

    fake.now = 1.1
    await pacer.acquire(PRIVATE, group=False)

    assert pacer.tracked_chats == 1


async def test_per_chat_limits_can_be_switched_off(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=None, private_interval=0, group_per_minute=0)

    for _ in range(100):
        await pacer.acquire(PRIVATE, group=False)
        await pacer.acquire(GROUP, group=True)

    assert fake.sleeps == 0
    assert pacer.tracked_chats == 0


# --- priorities: one pacer for everything a bot sends ----------------------------------------


async def test_replies_go_before_a_waiting_push(fake: FakeTime) -> None:
    """A push keeps the line busy; replies arriving meanwhile take the next slots, in the
    order their requests arrived, and the push continues after them."""
    pacer = make_pacer(fake, global_rate=10.0)
    log: list[tuple[float, str]] = []

    async def push(n: int) -> None:
        await pacer.acquire(10_000 + n, priority=Priority.BULK)
        log.append((fake.now, f"push {n}"))

    async def reply(arrival: int, chat_id: int) -> None:
        await fake.sleep(0.25)  # they arrive while the push waits for its slots
        await pacer.acquire(chat_id, priority=Priority.REPLY, order=arrival)
        log.append((fake.now, f"reply {arrival}"))

    await fake.run(*(push(n) for n in range(6)), reply(2, 501), reply(1, 502), reply(3, 503))
    order = [what for _, what in log]
    assert order[:3] == ["push 0", "push 1", "push 2"]  # before the replies came (at 0.25 s)
    assert order[3:6] == ["reply 1", "reply 2", "reply 3"]
    assert order[6:] == ["push 3", "push 4", "push 5"]
    times = [when for when, _ in log]
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert pacer.granted == [3, 0, 6]


async def test_replies_leave_in_arrival_order_when_handlers_take_different_times(
        fake: FakeTime) -> None:
    """Three updates arrive in order (expected by the adapter); their handlers finish in the
    opposite order, with the line empty: still the first arrival's reply goes first. Nothing
    waits for the reply hold: each reply joining the line releases the next."""
    pacer = make_pacer(fake, global_rate=None, private_interval=0)
    log: list[int] = []
    for arrival in (1, 2, 3):
        pacer.expect(arrival)

    async def handle(arrival: int, takes: float) -> None:
        await fake.sleep(takes)  # the handler's own work (database, rendering)
        await pacer.acquire(500 + arrival, priority=Priority.REPLY, order=arrival)
        log.append(arrival)

    await fake.run(handle(3, 0.01), handle(2, 0.02), handle(1, 0.03))
    assert log == [1, 2, 3]
    assert fake.now == pytest.approx(0.03)  # nobody held longer than the slowest handler


async def test_an_update_without_reply_holds_the_next_until_settled_or_the_hold(
        fake: FakeTime) -> None:
    """An update that ends without replying is settled by the adapter: the next reply goes at
    once; one whose handler never settles holds later replies for `reply_hold` at most; and a
    push is never held by the gate."""
    pacer = make_pacer(fake, global_rate=None, private_interval=0, reply_hold=1.0)
    log: list[tuple[float, str]] = []
    for arrival in (1, 2, 3):
        pacer.expect(arrival)

    async def settles_without_reply() -> None:
        await fake.sleep(0.2)
        pacer.settle(1)

    async def reply(arrival: int) -> None:
        await pacer.acquire(600 + arrival, priority=Priority.REPLY, order=arrival)
        log.append((fake.now, f"reply {arrival}"))

    async def push() -> None:
        await pacer.acquire(9_999, priority=Priority.BULK)
        log.append((fake.now, "push"))

    # Update 1 never replies (settled at 0.2 s), update 2 never settles, 3 replies at once.
    await fake.run(settles_without_reply(), reply(3), push())
    assert log[0] == (0.0, "push")  # the gate holds replies only
    assert log[1][1] == "reply 3"
    assert log[1][0] == pytest.approx(1.0)  # 1 settled at 0.2 s, 2 held until its hold ran out
    assert pacer.granted == [1, 0, 1]


async def test_a_reply_lends_its_priority_to_a_push_holding_its_chat(fake: FakeTime) -> None:
    """The push to chat 7 waits in the line behind others; a reply to chat 7 must follow it
    (one message at a time per chat), so the push moves up instead of the reply waiting for
    every other push."""
    pacer = make_pacer(fake, global_rate=10.0, private_interval=0)
    log: list[str] = []

    async def send(chat_id: int, what: str, priority: Priority, delay: float = 0.0) -> None:
        await fake.sleep(delay)
        await pacer.acquire(chat_id, priority=priority, order=0 if delay else None)
        log.append(what)

    await fake.run(*(send(100 + n, f"push {n}", Priority.BULK) for n in range(5)),
                   send(7, "push to 7", Priority.BULK),
                   send(7, "reply to 7", Priority.REPLY, delay=0.05))
    assert log.index("push to 7") < log.index("reply to 7") <= 3


async def test_answers_take_a_slot_but_no_chat(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=10.0)
    log: list[float] = []

    async def answer() -> None:
        await pacer.acquire(None, priority=Priority.REPLY)
        log.append(fake.now)

    await fake.run(*(answer() for _ in range(3)))
    assert log == pytest.approx([0.0, 0.1, 0.2], abs=1e-4)
    assert pacer.tracked_chats == 0


async def test_a_cancelled_waiter_leaves_the_line(fake: FakeTime) -> None:
    pacer = make_pacer(fake, global_rate=10.0)
    log: list[str] = []

    async def send(chat_id: int) -> None:
        await pacer.acquire(chat_id)
        log.append(str(chat_id))

    async def scenario() -> None:
        first = asyncio.ensure_future(send(1))
        second = asyncio.ensure_future(send(2))
        third = asyncio.ensure_future(send(3))
        await asyncio.sleep(0)
        second.cancel()
        await asyncio.gather(first, third)
        with pytest.raises(asyncio.CancelledError):
            await second

    await fake.run(scenario())
    assert log == ["1", "3"]
    assert pacer.waiting == 0


async def test_a_late_wake_up_does_not_slow_the_rate(fake: FakeTime) -> None:
    """The event loop wakes a sleeper a few milliseconds late: the slots keep their schedule
    (a late slot does not push every later one back), and still no second has 11 sends."""

    async def late_sleep(seconds: float) -> None:
        await fake.sleep(seconds + 0.004)

    pacer = Pacer(global_rate=10.0, private_interval=0, clock=fake.clock, sleep=late_sleep)
    log: list[tuple[float, int]] = []
    send = sender(pacer, fake, log)
    await fake.run(*(send(n) for n in range(1, 52)))
    times = [when for when, _ in log]
    assert times[-1] == pytest.approx(5.0, abs=0.01)  # 50 slots of 0.1 s, not of 0.104 s
    assert most_in_window(times, 1.0) <= 10


# --- several processes: one schedule shared through the database ------------------------------


class FakeSharedSchedule:
    """What storage/rates.py does in PostgreSQL, in memory: runs of slots never overlap."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.next_slot = 0.0
        self.runs = 0

    async def reserve(self, count: int, interval: float) -> float:
        start = max(self.next_slot, self.time.now)
        self.next_slot = start + count * interval
        self.runs += 1
        return start

    async def pause(self, seconds: float) -> None:
        self.next_slot = max(self.next_slot, self.time.now + seconds)


async def test_two_processes_sharing_the_schedule_keep_the_rate_together() -> None:
    """Two pacers (two processes) on one account at 30/s, both pushing as fast as they may:
    together never more than 30 in any 1 s window, and each gets a fair part."""
    time = FakeTime()
    shared = FakeSharedSchedule(time)
    pacers = [Pacer(global_rate=30, private_interval=0, clock=time.clock, sleep=time.sleep,
                    shared=shared) for _ in range(2)]
    sends: list[tuple[float, int]] = []

    async def push(n: int) -> None:
        for chat in range(200):
            await pacers[n].acquire(chat * 2 + n)
            sends.append((time.now, n))

    await time.run(push(0), push(1))
    times = sorted(t for t, _ in sends)
    assert len(times) == 400
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:i + 31] if t < start + 1.0) <= 30
    total = times[-1] - times[0]
    assert 400 / total > 0.9 * 30  # the processes together use the rate, not half of it
    assert shared.runs < 400  # runs of several slots, not a round trip per message
    first_half = [n for t, n in sends if t < times[0] + total / 2]
    assert 0.3 < first_half.count(0) / len(first_half) < 0.7


async def test_a_pause_of_one_process_holds_the_other() -> None:
    time = FakeTime()
    shared = FakeSharedSchedule(time)
    one, two = (Pacer(global_rate=30, private_interval=0, clock=time.clock, sleep=time.sleep,
                      shared=shared) for _ in range(2))

    async def flood_control() -> float:
        await one.acquire(1)
        one.pause(10)  # a 429 seen by the first process
        await asyncio.sleep(0)
        await two.acquire(2)  # the second process's next run starts after the pause
        return time.now

    (when,) = await time.run(flood_control())
    assert when >= 10
