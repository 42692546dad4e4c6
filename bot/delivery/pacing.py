"""Pacing of outgoing messages within Telegram's rate limits.

This module owns *when* a message may be sent; it never sends anything itself. Telegram's limits
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
- about 30 messages per second overall (up to 1000/s for paid broadcasts,
  https://core.telegram.org/bots/api#paid-broadcasts);
- at most 1 message per second to one chat;
- at most 20 messages per minute to one group (negative chat ids: groups, supergroups, channels);
- on 429 the answer carries `retry_after`: the bot must wait that long before sending again.

Why not python-telegram-bot's `AIORateLimiter` (22.8): it has no per-private-chat limit, and a
second RetryAfter can end a running pause early. Here a pause is only ever extended.

Design, for a delivery worker with many concurrent senders:
- The global line is a chain of evenly spaced slots (a token bucket of capacity 1): each `acquire`
  reserves the next slot synchronously, then sleeps until it. Even spacing of 1/rate never puts more
  than `rate` sends in any 1 s window, also when the receiver measures windows a little short.
- A chat's own limit is waited for *before* a global slot is reserved, so a chat that is not ready
  never holds a global slot; the worker asks `ready_in` and prefers chats that are ready, which
  keeps the global line saturated.
- A global pause (`pause`, on RetryAfter) moves every not-yet-used slot behind it: a sender that
  wakes inside a pause takes a new slot after the pause.
- Per-chat state is forgotten as soon as it cannot constrain anything any more (a private chat
  after its interval, a group after its 60 s window), so a push to 100,000 chats stays small.
  Every operation is O(1) (amortised) and `acquire` does not yield at all when nothing has to wait.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

GROUP_WINDOW = 60.0  # seconds: the window of the per-group limit
# Slots are spaced a hair wider than 1/rate so that float rounding can never fit rate + 1 sends
# into one window; 1 µs per send costs nothing measurable.
_SPACING_EPSILON = 1e-6


class _GroupState:
    """A group's recent sends (a sliding-window log of at most `group_per_minute` times)."""

    __slots__ = ("sends",)

    def __init__(self, size: int) -> None:
        self.sends: deque[float] = deque(maxlen=size)


class Pacer:
    """Decides when each message may go out: global rate, per-chat limits and global pauses.

    `clock` and `sleep` are injectable so tests run on a fake clock without real waiting.
    `global_rate=None` (or infinity) means no global limit; `private_interval=0` and
    `group_per_minute=0` switch the per-chat limits off.
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
        # chat id -> time of its latest (possibly still future, reserved) send. OrderedDicts in
        # least-recently-sent order, so pruning pops stale entries from the front in O(1).
        self._private: OrderedDict[int, float] = OrderedDict()
        self._groups: OrderedDict[int, _GroupState] = OrderedDict()

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

    def paused_for(self) -> float:
        """Seconds until a running global pause ends (0 when not paused)."""
        return max(0.0, self._pause_until - self._clock())

    # --- per chat -------------------------------------------------------------------------

    def ready_in(self, chat_id: int) -> float:
        """Seconds until `chat_id`'s own limits allow a send (0 = now); ignores the global line."""
        return max(0.0, self._chat_ready_at(chat_id) - self._clock())

    @property
    def tracked_chats(self) -> int:
        """How many chats still have state (for tests and /stats)."""
        return len(self._private) + len(self._groups)

    # --- acquiring ------------------------------------------------------------------------

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may be sent, and count it as sent at that moment.

        Call right before the API request. Concurrent calls are safe: each one reserves its own
        global slot and its chat's next send synchronously, before any await.
        """
        clock = self._clock
        now = clock()
        # 1. The chat's own limit, without holding a global slot.
        ready_at = self._chat_ready_at(chat_id)
        while now < ready_at:
            await self._sleep(ready_at - now)
            now = clock()
            # Another sender to the same chat may have reserved in the meantime.
            ready_at = self._chat_ready_at(chat_id)
        # 2. A global slot, then wait for it; a pause that starts meanwhile moves the slot.
        slot = self._reserve_slot(now)
        self._record(chat_id, slot, replace=False)
        self._prune(now)
        while True:
            if now < slot:
                await self._sleep(slot - now)
                now = clock()
            elif now < self._pause_until:
                slot = self._reserve_slot(now)
                self._record(chat_id, slot, replace=True)
            else:
                return

    def _reserve_slot(self, now: float) -> float:
        slot = max(now, self._next_slot, self._pause_until)
        self._next_slot = slot + self._interval
        return slot

    def _chat_ready_at(self, chat_id: int) -> float:
        if chat_id >= 0:
            last = self._private.get(chat_id)
            return -math.inf if last is None else last + self._chat_interval
        group = self._groups.get(chat_id)
        if group is None or not group.sends:
            return -math.inf
        ready_at = group.sends[-1] + self._chat_interval
        if self._group_size and len(group.sends) == self._group_size:
            # The oldest of the last N sends must leave the window before another may go.
            ready_at = max(ready_at, group.sends[0] + self._group_window)
        return ready_at

    def _record(self, chat_id: int, at: float, *, replace: bool) -> None:
        """Note a (reserved) send to `chat_id` at `at`; `replace` moves the latest reservation.

        Replacing is safe: while a reservation is pending, the chat is not ready for anyone
        else (its ready time is after the reservation), so the pending one is still the latest.
        """
        if chat_id >= 0:
            if self._chat_interval:
                self._private[chat_id] = at
                self._private.move_to_end(chat_id)
            return
        if not (self._chat_interval or self._group_size):
            return
        group = self._groups.get(chat_id)
        if group is None:
            group = self._groups[chat_id] = _GroupState(max(self._group_size, 1))
        else:
            self._groups.move_to_end(chat_id)
        if replace and group.sends:
            group.sends[-1] = at
        else:
            group.sends.append(at)

    def _prune(self, now: float) -> None:
        """Forget chats whose last send can no longer constrain anything (amortised O(1))."""
        private = self._private
        horizon = now - self._chat_interval
        while private:
            chat_id, last = next(iter(private.items()))
            if last > horizon:
                break
            del private[chat_id]
        groups = self._groups
        horizon = now - max(self._group_window, self._chat_interval)
        while groups:
            chat_id, group = next(iter(groups.items()))
            if group.sends and group.sends[-1] > horizon:
                break
            del groups[chat_id]
