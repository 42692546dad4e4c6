"""Pacing of everything one bot account sends, within the platform's rate limits, by priority.

This module owns *when* a message may be sent; it never sends anything itself. One `Pacer` per bot
token counts every message of that bot: replies, button answers, edits, pushes, broadcasts,
digests and admin alerts. Telegram's limits
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
- about 30 messages per second overall (up to 1000/s for paid broadcasts,
  https://core.telegram.org/bots/api#paid-broadcasts);
- at most 1 message per second to one chat;
- at most 20 messages per minute to one group (a chat whose stored type is a group, supergroup
  or channel: the caller says which, the pacer never guesses from the id);
- on 429 the answer carries `retry_after`: the bot must wait that long before sending again.

Why not python-telegram-bot's `AIORateLimiter` (22.8): it has no per-private-chat limit, no
priorities, and a second RetryAfter can end a running pause early. Here a pause is only extended.

Design:
- Priorities (`Priority`): answers to a person who just wrote come first, in the order they
  arrived; then admin progress edits and alerts; then pushes, broadcasts and digests. The global
  line is a queue of waiters ordered by (priority, order); the head takes the next slot when it
  is due, so a reply arriving during a push waits for one slot (1/30 s), not behind the push.
- Slots are evenly spaced (a token bucket of capacity 1): even spacing of 1/rate never puts more
  than `rate` sends in any 1 s window, also when the receiver measures windows a little short.
  A slot taken a few milliseconds late (the event loop's wake-up) does not delay the next ones.
- A chat's own limit is waited for *before* joining the global queue, so a chat that is not ready
  never holds the line; the delivery worker asks `ready_in` and picks chats that are ready. Each
  chat has at most one acquirer between its own wait and its slot (later ones queue behind it,
  in order), and a waiter of higher priority lends its priority to the one holding the chat.
- A global pause (`pause`, on RetryAfter) holds every slot not yet taken.
- Replies in arrival order, also when handlers take different times: the channel adapter calls
  `expect(order)` as each update arrives (synchronously, in the platform's order) and
  `settle(order)` when its handling ends; a reply joins the line only once every earlier
  expected reply has joined it (its first `acquire` settles it) or ended without one, or after
  `reply_hold` seconds (a slow handler holds the others back that long at most). The line is
  never blocked: pushes take the slots meanwhile.
- Per-chat state is forgotten as soon as it cannot constrain anything any more (a private chat
  after its interval, a group after its 60 s window), so a push to 100,000 chats stays small.
  `acquire` does not yield at all when nothing has to wait.

- Several processes on one account (PostgreSQL): the global rate is shared through the
  database (`SharedSchedule`, bot/delivery/shared_rate.py). The line's head reserves a short run
  of slots of the account's one schedule before it takes a slot; runs never overlap, so the
  processes together keep the rate. A run is sized by what the process used of its previous
  one (doubled when it used them all, up to `SHARED_RUN` seconds' worth; the slots it used,
  and a quarter more, when some went unused): a process that sends less than its share (its
  CPU is the limit) reserves only what it sends, so the schedule does not run ahead of the
  clock on slots nobody uses, and the others take the rest. A slot may be taken a little late
  (at most `SHARED_GRACE` of a run after the run's end: the event loop is busy), so the shared
  schedule is spaced that much wider and a late slot never lifts the rate over the limit in
  any 1 s window. A pause (429) is shared too. Per-chat limits stay per process.

`clock` and `sleep` are injectable so tests run on a fake clock without real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable
from enum import IntEnum
from typing import Protocol

log = logging.getLogger(__name__)

GROUP_WINDOW = 60.0  # seconds: the window of the per-group limit
# Slots are spaced a hair wider than 1/rate so that float rounding can never fit rate + 1 sends
# into one window; 1 µs per send costs nothing measurable.
_SPACING_EPSILON = 1e-6
# A waiter that takes its slot at most this late (the event loop woke it a little after the slot
# was due) keeps the schedule: the next slot follows the due one, not the late one. Without this
# every wake-up delay would push every later slot back (a few percent of the rate under load).
# The sends themselves stay at least 1/rate - this apart, which never puts rate + 1 of them in
# a 1 s window (nor in the 0.95 s window the sandbox measures).
_CATCH_UP = 0.010
# Several processes: each reserves this many seconds' worth of the shared schedule at a time
# (one database round trip per run), and may take a run's slots this share of a run late.
SHARED_RUN = 0.1
SHARED_GRACE = 0.5
# The longest a reply waits for an earlier arrival's reply to join the line (see `expect`).
REPLY_HOLD = 1.0


class SharedSchedule(Protocol):
    """The global schedule of a bot account, shared by every process sending on it."""

    async def reserve(self, count: int, interval: float) -> float:
        """Reserve `count` slots `interval` apart; the (monotonic) time of the first."""
        ...

    async def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` from now."""
        ...


class Priority(IntEnum):
    REPLY = 0  # an answer to a person who just wrote (replies, button answers and edits)
    ADMIN = 1  # admin progress edits, error alerts
    BULK = 2  # pushes, broadcasts, digests


class _GroupState:
    """A group's recent sends (a sliding-window log of at most `group_per_minute` times)."""

    __slots__ = ("sends",)

    def __init__(self, size: int) -> None:
        self.sends: deque[float] = deque(maxlen=size)


class _Waiter:
    """One acquirer in the global queue (ordered by priority, then order, then arrival)."""

    __slots__ = ("cancelled", "key", "wake")

    def __init__(self, priority: int, order: float, seq: int) -> None:
        self.key = (priority, order, seq)
        self.wake: asyncio.Future[None] | None = None
        self.cancelled = False

    def __lt__(self, other: _Waiter) -> bool:
        return self.key < other.key


class Pacer:
    """Decides when each message may go out: global rate, per-chat limits, priorities, pauses.

    `global_rate=None` (or infinity) means no global limit; `private_interval=0` and
    `group_per_minute=0` switch the per-chat limits off. Chats are any hashable key (the core
    uses `ChatRef`); `group` says whether the chat is paced as a group.
    """

    def __init__(
        self,
        *,
        global_rate: float | None = 30.0,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
        chat_margin: float = 0.05,
        pause_margin: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedSchedule | None = None,
        reply_hold: float = REPLY_HOLD,
    ) -> None:
        if private_interval < 0 or group_per_minute < 0 or chat_margin < 0 or pause_margin < 0:
            raise ValueError("intervals, limits and margins must not be negative")
        self._clock = clock
        self._sleep = sleep
        self._interval = 0.0  # seconds between global slots; 0 = unlimited
        self.set_global_rate(global_rate)
        # The margin absorbs network jitter between our clock and the receiver's (the sandbox
        # measures 1 s windows as 0.95 s; Telegram does not document its own measurement).
        self._chat_interval = private_interval + chat_margin if private_interval > 0 else 0.0
        self._group_size = group_per_minute
        self._group_window = GROUP_WINDOW + chat_margin
        self._pause_margin = pause_margin
        self._next_slot = -math.inf  # the earliest time the next global slot may take
        self._pause_until = -math.inf
        # chat -> time of its latest send. OrderedDicts in least-recently-sent order, so
        # pruning pops stale entries from the front in O(1).
        self._private: OrderedDict[Hashable, float] = OrderedDict()
        self._groups: OrderedDict[Hashable, _GroupState] = OrderedDict()
        # The global queue, and the chats held by an acquirer between its chat wait and its slot.
        self._queue: list[_Waiter] = []
        self._held: dict[Hashable, tuple[asyncio.Future[None], _Waiter]] = {}
        self._seq = itertools.count()
        self.granted = [0, 0, 0]  # slots taken per priority (for benchmarks and tests)
        # The shared schedule (several processes): slots left in this process's current run,
        # and the last moment one of them may be taken.
        self._shared = shared
        self._run_left = 0
        self._run_size = 0  # slots in the current run
        self._next_run = 4  # slots to reserve next time
        self._run_until = -math.inf
        self._background: set[asyncio.Task[None]] = set()
        self._reserving: asyncio.Lock | None = None
        # Replies expected (arrived, not yet in the line): order -> the time it stops holding
        # later replies back; a heap of the orders to find the earliest; replies waiting on them.
        self._reply_hold = reply_hold
        self._expected: dict[float, float] = {}
        self._expected_orders: list[float] = []
        self._gated: list[asyncio.Future[None]] = []

    # --- configuration and pauses ---------------------------------------------------------

    def set_global_rate(self, rate: float | None) -> None:
        """Messages per second overall; None or infinity = unlimited (slots already taken stay)."""
        if rate is None or math.isinf(rate):
            self._interval = 0.0
        elif rate > 0:
            self._interval = 1.0 / rate + _SPACING_EPSILON
        else:
            raise ValueError("the global rate must be positive (None = unlimited)")

    @property
    def global_rate(self) -> float | None:
        """The configured messages per second overall, None when unlimited."""
        return 1.0 / (self._interval - _SPACING_EPSILON) if self._interval else None

    def pause(self, seconds: float) -> None:
        """Stop all sending for `seconds` (+ a margin), as Telegram's RetryAfter demands.

        A pause is extended, never shortened: several RetryAfters arriving together (one per
        in-flight request) must not let a shorter, later one end the pause early.
        """
        until = self._clock() + max(seconds, 0.0) + self._pause_margin
        self._pause_until = max(self._pause_until, until)
        self._run_left = 0  # slots reserved before the pause are not used after it
        if self._shared is not None:
            task = asyncio.get_running_loop().create_task(
                self._shared.pause(max(seconds, 0.0) + self._pause_margin))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        self._wake_head()

    def paused_for(self) -> float:
        """Seconds until a running global pause ends (0 when not paused)."""
        return max(0.0, self._pause_until - self._clock())

    # --- per chat -------------------------------------------------------------------------

    def ready_in(self, chat: Hashable, *, group: bool = False) -> float:
        """Seconds until `chat`'s own limits allow a send (0 = now); ignores the global line.

        A chat another acquirer holds is not ready (it will send first)."""
        if chat in self._held:
            return max(self._chat_interval, 0.05)
        return max(0.0, self._chat_ready_at(chat, group) - self._clock())

    @property
    def tracked_chats(self) -> int:
        """How many chats still have state (for tests and /stats)."""
        return len(self._private) + len(self._groups)

    @property
    def waiting(self) -> int:
        """Acquirers in the global queue."""
        return sum(1 for w in self._queue if not w.cancelled)

    # --- replies in arrival order ---------------------------------------------------------

    def expect(self, order: float) -> None:
        """An update with this arrival `order` came in: its reply, if any, goes before those of
        later arrivals (for at most `reply_hold` seconds). Call synchronously as it arrives."""
        if order not in self._expected:
            self._expected[order] = self._clock() + self._reply_hold
            heapq.heappush(self._expected_orders, order)

    def settle(self, order: float) -> None:
        """The update `order` was handled, or its reply joined the line: stop holding later
        replies back for it."""
        if self._expected.pop(order, None) is not None:
            gated, self._gated = self._gated, []
            for future in gated:
                if not future.done():
                    future.set_result(None)

    @property
    def expected_replies(self) -> int:
        """Updates announced and not yet settled (for tests and /stats)."""
        return len(self._expected)

    def _earliest_expected(self) -> tuple[float, float] | None:
        """(order, hold until) of the earliest expected reply still holding others back."""
        orders, expected, now = self._expected_orders, self._expected, self._clock()
        while orders:
            order = orders[0]
            until = expected.get(order)
            if until is not None and until > now:
                return order, until
            heapq.heappop(orders)
            if until is not None:  # held long enough: later replies go without it
                del expected[order]
                log.debug("pacing: update %s has not replied within %.1f s; later replies go",
                          order, self._reply_hold)
        return None

    def _earlier_expected(self, order: float) -> bool:
        earliest = self._earliest_expected()
        return earliest is not None and earliest[0] < order

    async def _wait_for_earlier(self, order: float) -> None:
        """Wait until no reply expected before `order` holds it back any more."""
        while (earliest := self._earliest_expected()) is not None and earliest[0] < order:
            future = asyncio.get_running_loop().create_future()
            self._gated.append(future)
            timer = asyncio.ensure_future(self._sleep(max(0.0, earliest[1] - self._clock())))
            try:
                await asyncio.wait((future, timer), return_when=asyncio.FIRST_COMPLETED)
            finally:
                timer.cancel()
                if not future.done():
                    future.cancel()

    # --- acquiring ------------------------------------------------------------------------

    async def acquire(self, chat: Hashable | None, *, group: bool = False,
                      priority: int = Priority.BULK, order: float | None = None) -> None:
        """Wait until a message to `chat` may be sent, and count it as sent at that moment.

        Call right before the API request. `chat` None is a request that is no message in a
        chat (a button's answer): it takes a global slot only. `order` sorts waiters of one
        priority (replies pass their arrival order); by default, first come first served.
        """
        clock = self._clock
        gated = priority == Priority.REPLY and order is not None and bool(self._expected)
        if gated:
            assert order is not None
            self.settle(order)  # this reply is here: later ones need not wait for it
            if self._earlier_expected(order):
                await self._wait_for_earlier(order)
        now = clock()
        # Fast path: nothing queued, the chat free and ready, a slot due now.
        if (not self._queue and (chat is None or chat not in self._held)
                and now >= self._next_slot and now >= self._pause_until
                and self._has_slots(now)
                and (chat is None or self._chat_ready_at(chat, group) <= now)):
            self._take(chat, group, now, priority)
            return
        waiter = _Waiter(priority, next(self._seq) if order is None else order, next(self._seq))
        held: asyncio.Future[None] | None = None
        try:
            if chat is not None:
                # 1. Hold the chat (one acquirer at a time), then wait for its own limit.
                while (current := self._held.get(chat)) is not None:
                    other = current[1]
                    if waiter.key < other.key:  # lend our priority to the chat's holder
                        other.key = (waiter.key[0], waiter.key[1], other.key[2])
                        heapq.heapify(self._queue)
                        self._wake_head()
                    await asyncio.shield(current[0])
                held = asyncio.get_running_loop().create_future()
                self._held[chat] = (held, waiter)
                while (wait := self._chat_ready_at(chat, group) - clock()) > 0:
                    await self._sleep(wait)
            # 2. The global line: wait to be the head, then for the slot.
            heapq.heappush(self._queue, waiter)
            self._wake_head()
            while True:
                head = self._head()
                if head is not waiter:
                    waiter.wake = asyncio.get_running_loop().create_future()
                    await waiter.wake
                    continue
                now = clock()
                due = max(self._next_slot, self._pause_until)
                if now >= due and not self._has_slots(now):
                    await self._reserve_run()
                    continue
                if now >= due:
                    heapq.heappop(self._queue)
                    self._take(chat, group, now, waiter.key[0])
                    self._wake_head()
                    return
                await self._sleep(due - now)
        except BaseException:
            waiter.cancelled = True
            self._wake_head()
            raise
        finally:
            if held is not None:
                del self._held[chat]
                held.set_result(None)

    def _has_slots(self, now: float) -> bool:
        """A global slot is ours to take now (always, without a shared schedule)."""
        if self._shared is None or not self._interval:
            return True
        return self._run_left > 0 and now <= self._run_until

    async def _reserve_run(self) -> None:
        """Reserve the next run of the shared schedule (the line's head does, the others wait)."""
        assert self._shared is not None
        if self._reserving is None:
            self._reserving = asyncio.Lock()
        async with self._reserving:  # a new head arriving meanwhile waits for this run
            if not self._has_slots(self._clock()):
                await self._reserve(self._shared)

    async def _reserve(self, shared: SharedSchedule) -> None:
        # Spaced wider by the grace, so that slots taken late never exceed the rate.
        spacing = self._interval * (1 + SHARED_GRACE * SHARED_RUN)
        largest = max(1, round(SHARED_RUN / spacing))
        if self._run_size:  # size this run by the use of the previous one
            used = self._run_size - max(self._run_left, 0)
            self._next_run = (self._run_size * 2 if self._run_left <= 0
                              else math.ceil(used * 1.25) + 1)
        count = max(1, min(largest, self._next_run))
        try:
            start = await shared.reserve(count, spacing)
        except Exception:
            # The database is unreachable: this process paces alone meanwhile (everything
            # else it does needs the database too, so this is short-lived).
            log.warning("pacing: the shared schedule cannot be reached; pacing locally",
                        exc_info=True)
            start = self._clock()
        self._run_left = self._run_size = count
        self._run_until = start + count * spacing + SHARED_GRACE * SHARED_RUN
        self._next_slot = max(self._next_slot, start)

    def _head(self) -> _Waiter | None:
        queue = self._queue
        while queue and queue[0].cancelled:
            heapq.heappop(queue)
        return queue[0] if queue else None

    def _wake_head(self) -> None:
        """Let the queue's head look again (it may have changed, or a pause began)."""
        head = self._head()
        if head is not None and head.wake is not None and not head.wake.done():
            head.wake.set_result(None)

    def _take(self, chat: Hashable | None, group: bool, now: float, priority: int) -> None:
        due = self._next_slot
        self._next_slot = (due if due <= now <= due + _CATCH_UP else max(now, due)) \
            + self._interval
        self._run_left -= 1
        self.granted[min(int(priority), 2)] += 1
        if chat is not None:
            self._record(chat, group, now)
            self._prune(now)

    def _chat_ready_at(self, chat: Hashable, group: bool) -> float:
        if not group:
            last = self._private.get(chat)
            return -math.inf if last is None else last + self._chat_interval
        state = self._groups.get(chat)
        if state is None or not state.sends:
            return -math.inf
        ready_at = state.sends[-1] + self._chat_interval
        if self._group_size and len(state.sends) == self._group_size:
            # The oldest of the last N sends must leave the window before another may go.
            ready_at = max(ready_at, state.sends[0] + self._group_window)
        return ready_at

    def _record(self, chat: Hashable, group: bool, at: float) -> None:
        """Note a send to `chat` at `at`."""
        if not group:
            if self._chat_interval:
                self._private[chat] = at
                self._private.move_to_end(chat)
            return
        if not (self._chat_interval or self._group_size):
            return
        state = self._groups.get(chat)
        if state is None:
            state = self._groups[chat] = _GroupState(max(self._group_size, 1))
        else:
            self._groups.move_to_end(chat)
        state.sends.append(at)

    def _prune(self, now: float) -> None:
        """Forget chats whose last send can no longer constrain anything (amortised O(1))."""
        private = self._private
        horizon = now - self._chat_interval
        while private:
            chat, last = next(iter(private.items()))
            if last > horizon:
                break
            del private[chat]
        groups = self._groups
        horizon = now - max(self._group_window, self._chat_interval)
        while groups:
            chat, state = next(iter(groups.items()))
            if state.sends and state.sends[-1] > horizon:
                break
            del groups[chat]
