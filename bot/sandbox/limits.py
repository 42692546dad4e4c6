"""Telegram's message rates: sliding windows, the peak rates for /sandbox/stats, flood control.

Telegram's documented limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about 30 messages per second overall, 1 per second in one private chat, 20 per minute in a group.

The sandbox counts arrival times of accepted messages (sendMessage, sendPhoto and the edits) in
sliding windows kept as deques, so each call costs O(1) amortised work. The same windows serve
both jobs: with ``flood_limits`` on, a message that would push a window over its limit is refused
with 429 and ``retry_after``; always, the largest count a window ever held is the "highest rate
seen" in the stats. Sharing them means a sender that got no 429 also sees stats within the limits.

Grace: a sender pacing exactly at the limit (one message every 1.000 s to a chat, every 33.3 ms
overall, every 3 s to a group) still has its requests arrive with a few milliseconds of jitter,
and a strict 1 s window would then sometimes see two messages 0.998 s apart and punish a correct
sender. The windows are therefore slightly shorter than the nominal period: 0.95 s instead of
1 s and 59 s instead of 60 s. 30 messages at exactly 30/s span 0.967 s, so a 0.95 s window holds
at most 30 of them even with ±15 ms jitter; a sender that really bursts is still caught at once.

Memory: the per-chat windows are keyed by chat id and a chat with one recent message costs one
float, not a deque, because a benchmark pushes to 100,000 chats that each get one message.
"""

from __future__ import annotations

import math
from collections import deque

OVERALL_LIMIT = 30
OVERALL_WINDOW = 0.95
CHAT_LIMIT = 1
CHAT_WINDOW = 0.95
GROUP_LIMIT = 20
GROUP_WINDOW = 59.0


class Window:
    """Arrival times within the last `span` seconds of one counter."""

    __slots__ = ("span", "times")

    def __init__(self, span: float) -> None:
        self.span = span
        self.times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        times = self.times
        horizon = now - self.span
        while times and times[0] <= horizon:
            times.popleft()

    def count(self, now: float) -> int:
        """Arrivals in the window ending at `now`."""
        self._prune(now)
        return len(self.times)

    def wait_for_room(self, now: float, limit: int) -> float:
        """Seconds until one more arrival fits under `limit` (0 when it fits now)."""
        self._prune(now)
        times = self.times
        if len(times) < limit:
            return 0.0
        # The arrival that must leave the window to make room for one more.
        return times[len(times) - limit] + self.span - now

    def add(self, now: float) -> int:
        """Record an arrival; returns the window's count including it."""
        self._prune(now)
        self.times.append(now)
        return len(self.times)


class KeyedWindows:
    """Sliding windows of the same span for many keys (chat ids).

    A key holds a float while its window has one arrival and becomes a deque only when a
    second one arrives within the span, which keeps 100,000 one-message chats cheap.
    """

    __slots__ = ("_times", "span")

    def __init__(self, span: float) -> None:
        self.span = span
        self._times: dict[int, float | deque[float]] = {}

    def _pruned(self, key: int, now: float) -> float | deque[float] | None:
        value = self._times.get(key)
        if value is None:
            return None
        horizon = now - self.span
        if isinstance(value, float):
            return value if value > horizon else None
        while value and value[0] <= horizon:
            value.popleft()
        if not value:
            return None
        if len(value) == 1:
            # Back to the compact form once the burst has left the window.
            single = value[0]
            self._times[key] = single
            return single
        return value

    def wait_for_room(self, key: int, now: float, limit: int) -> float:
        """Seconds until one more arrival for `key` fits under `limit` (0 when it fits now)."""
        value = self._pruned(key, now)
        if value is None:
            return 0.0
        if isinstance(value, float):
            return 0.0 if limit > 1 else value + self.span - now
        if len(value) < limit:
            return 0.0
        return value[len(value) - limit] + self.span - now

    def add(self, key: int, now: float) -> int:
        """Record an arrival for `key`; returns that key's count including it."""
        value = self._pruned(key, now)
        if value is None:
            self._times[key] = now
            return 1
        if isinstance(value, float):
            self._times[key] = deque((value, now))
            return 2
        value.append(now)
        return len(value)

    def clear(self) -> None:
        """Forget every key."""
        self._times.clear()


class RateTracker:
    """Accepted messages in Telegram's three windows, their peaks, and flood control."""

    def __init__(self) -> None:
        self.overall = Window(OVERALL_WINDOW)
        self.chats = KeyedWindows(CHAT_WINDOW)
        self.groups = KeyedWindows(GROUP_WINDOW)
        self.total = 0
        self.max_overall = 0
        self.max_chat = 0
        self.max_chat_id: int | None = None
        self.max_group = 0
        self.max_group_id: int | None = None

    def retry_after(self, chat_id: int, now: float) -> int | None:
        """Whole seconds to wait before a message to `chat_id` fits every limit; None if it fits.

        Telegram's ``retry_after`` is a whole number of seconds, at least 1.
        """
        wait = self.overall.wait_for_room(now, OVERALL_LIMIT)
        if chat_id > 0:
            wait = max(wait, self.chats.wait_for_room(chat_id, now, CHAT_LIMIT))
        else:
            wait = max(wait, self.groups.wait_for_room(chat_id, now, GROUP_LIMIT))
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))

    def record(self, chat_id: int, now: float) -> None:
        """Count one accepted message to `chat_id` arriving at `now`."""
        self.total += 1
        overall = self.overall.add(now)
        if overall > self.max_overall:
            self.max_overall = overall
        if chat_id > 0:
            count = self.chats.add(chat_id, now)
            if count > self.max_chat:
                self.max_chat, self.max_chat_id = count, chat_id
        else:
            count = self.groups.add(chat_id, now)
            if count > self.max_group:
                self.max_group, self.max_group_id = count, chat_id

    def stats(self) -> dict[str, object]:
        """The peaks, for /sandbox/stats."""
        return {
            "messages_total": self.total,
            "max_per_second_overall": self.max_overall,
            "max_per_second_chat": self.max_chat,
            "max_per_second_chat_id": self.max_chat_id,
            "max_per_minute_group": self.max_group,
            "max_per_minute_group_id": self.max_group_id,
            "windows": {
                "overall_seconds": OVERALL_WINDOW,
                "chat_seconds": CHAT_WINDOW,
                "group_seconds": GROUP_WINDOW,
            },
            "limits": {
                "overall_per_second": OVERALL_LIMIT,
                "chat_per_second": CHAT_LIMIT,
                "group_per_minute": GROUP_LIMIT,
            },
        }
