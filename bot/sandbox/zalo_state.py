"""The sandbox's Zalo dialect: what the fake Zalo Bot Platform remembers (SPEC 5a and 9).

Zalo's API is Telegram-like, but its own: `POST /zalo/bot<token>/<method>` answers
`{"ok", "result", "error_code", "description"}`; getUpdates hands out one update per call and
forgets it (no offset), 408 when nothing arrived; chat and message ids are strings; text and
captions hold 1-2,000 characters; photos are https URLs; 429 "Quota exceeded" says slow down.
This module keeps the state and the in-process control API; `zalo_api` implements the methods,
`zalo_webhook` posts updates to a webhook, `zalo_control` is the JSON control API's Zalo side.

A token is a bot: every bot (keyed by the id before the token's ":"; a second secret for a known
id is refused with 401, as a revoked token would be) has its own updates, webhook, chats (a user
blocks one bot, not another) and quota window, so several bots never disturb each other. The
control API names a bot with "bot" (its id); without it, it means the only bot there is, or,
before any bot called, the first bot that will (a user may write before the bot starts).

Deliberate leniency, as on the Telegram side: sending to a chat id never seen creates it (so a
benchmark can push to 10,000 made-up readers). Nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.limits import Window
from bot.sandbox.state import ControlError

MAX_TEXT = 2000
MAX_POLL_TIMEOUT = 60.0
DEFAULT_POLL_TIMEOUT = 30.0
# The window the sandbox measures rates (and a quota) in: a little shorter than a second, so a
# sender pacing exactly at N/s with a few milliseconds of jitter is never counted N + 1 (the
# Telegram side's reasoning, bot/sandbox/limits.py).
RATE_WINDOW = 0.95
TEXT_EVENT = "message.text.received"


class ZaloApiError(Exception):
    """A Zalo API call the fake platform refuses: its error code and description."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.code, "description": self.description}


@dataclass(slots=True)
class ZaloRecord:
    """One message the bot sent (or a user's message, `from_user` set, not in the sent log)."""

    seq: int
    bot_id: str
    method: str
    chat_id: str
    message_id: str
    date: int  # milliseconds, as Zalo's dates
    text: str | None = None
    caption: str | None = None
    photo: str | None = None
    action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "channel": "zalo", "bot_id": self.bot_id,
                "message_id": self.message_id, "chat_id": self.chat_id,
                "method": self.method, "text": self.text, "caption": self.caption,
                "photo": self.photo, "date": self.date}


@dataclass(slots=True)
class ZaloFault:
    """An injected failure for the next `times` matching calls."""

    id: int
    method: str  # lower case, or "*"
    status: int  # 0: no answer at all
    description: str
    times: int
    chat_id: str | None
    delay: float
    bot_id: str | None

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "channel": "zalo", "method": self.method, "status": self.status,
                "description": self.description, "times": self.times, "chat_id": self.chat_id,
                "delay": self.delay, "bot": self.bot_id}


@dataclass(slots=True)
class ZaloHook:
    url: str
    secret_token: str
    updated_at: int
    last_error: str | None = None
    last_error_at: int | None = None


@dataclass
class ZaloBot:
    """One bot (token): its updates, webhook, chats and rate window."""

    id: str | None
    token: str | None = None
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    hook: ZaloHook | None = None
    blocked: set[str] = field(default_factory=set)  # chat ids that blocked this bot
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    window: Window = field(default_factory=lambda: Window(RATE_WINDOW))
    max_per_second: int = 0
    sent_total: int = 0
    webhook_posts: int = 0
    webhook_failures: int = 0
    changed: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake everyone waiting for a change (updates, webhook, closing)."""
        if self.changed is not None:
            self.changed.set()
            self.changed = None

    def waiter(self) -> asyncio.Event:
        """An event set at the next change (a fresh one after each change)."""
        if self.changed is None:
            self.changed = asyncio.Event()
        return self.changed


def bot_id_of(token: str) -> str:
    return token.split(":", 1)[0]


class ZaloState:
    """The fake Zalo Bot Platform's memory, for every bot that uses the sandbox."""

    def __init__(self, *, quota: float | None = None) -> None:
        # Messages per second (per bot) beyond which sends answer 429 "Quota exceeded".
        self.quota = quota
        self._message_ids = itertools.count(1)
        self._fault_ids = itertools.count(1)
        self._next_seq = 1
        self._closing = False
        self._sent_event: asyncio.Event | None = None
        self._clear()

    def _clear(self) -> None:
        self.bots: dict[str, ZaloBot] = {}
        self._unclaimed: ZaloBot | None = None  # the bot a user wrote to before any bot called
        self._sent: list[ZaloRecord] = []
        self._sent_base = self._next_seq - 1
        self._by_chat: dict[tuple[str, str], list[ZaloRecord]] = {}
        self.faults: list[ZaloFault] = []
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def reset(self) -> None:
        """Forget every bot, message, update, fault and figure (counters go on)."""
        for bot in self._all_bots():  # their webhook deliveries end
            bot.hook = None
            bot.notify()
        self._clear()

    def close(self) -> None:
        self._closing = True
        for bot in self._all_bots():
            bot.notify()
        if self._sent_event is not None:
            self._sent_event.set()

    def open(self) -> None:
        self._closing = False

    @property
    def closing(self) -> bool:
        return self._closing

    def _all_bots(self) -> list[ZaloBot]:
        found = list(self.bots.values())
        if self._unclaimed is not None:
            found.append(self._unclaimed)
        return found

    # -- bots -----------------------------------------------------------------------------------

    def bot_for_token(self, token: str) -> ZaloBot:
        """The bot a token stands for (registered on its first call); 401 for a second secret
        of a known bot id."""
        bot_id = bot_id_of(token)
        bot = self.bots.get(bot_id)
        if bot is not None:
            if bot.token is None:
                bot.token = token
            elif bot.token != token:
                raise ZaloApiError(401, "Unauthorized: invalid token")
            return bot
        if self._unclaimed is not None:
            bot, self._unclaimed = self._unclaimed, None
            bot.id = bot_id
        else:
            bot = ZaloBot(bot_id)
        bot.token = token
        self.bots[bot_id] = bot
        return bot

    def bot_for_control(self, bot_id: str | None) -> ZaloBot:
        """The bot a control call means (see the module docstring)."""
        if bot_id is not None:
            bot = self.bots.get(bot_id)
            if bot is None:
                bot = self.bots[bot_id] = ZaloBot(bot_id)
            return bot
        if self.bots:
            return next(iter(self.bots.values()))  # the first bot that called
        if self._unclaimed is None:
            self._unclaimed = ZaloBot(None)
        return self._unclaimed

    def next_message_id(self) -> str:
        return f"zm{next(self._message_ids)}"

    # -- control: users act ---------------------------------------------------------------------

    def post_message(self, user_id: str, text: str, *, chat_id: str | None = None,
                     display_name: str | None = None, bot: str | None = None,
                     chat_type: str = "PRIVATE", event_name: str = TEXT_EVENT
                     ) -> tuple[str, str | None]:
        """A Zalo user writes to the bot; returns (message id, bot id). Writing unblocks."""
        if not user_id:
            raise ControlError('"user_id" is required (a string)')
        if not text and event_name == TEXT_EVENT:
            raise ControlError("text is empty")
        target = self.bot_for_control(bot)
        chat = chat_id or user_id
        name = display_name or target.names.get(user_id) or f"Người dùng {user_id}"
        target.names[user_id] = name
        if chat_type == "PRIVATE":
            target.blocked.discard(chat)
        message_id = self.next_message_id()
        message: dict[str, Any] = {
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat, "chat_type": chat_type},
            "message_id": message_id,
            "date": int(time.time() * 1000),
        }
        if event_name == TEXT_EVENT:
            message["text"] = text
        target.updates.append({"event_name": event_name, "message": message})
        target.notify()
        return message_id, target.id

    def set_chat(self, chat_id: str, *, blocked: bool | None = None, bot: str | None = None
                 ) -> dict[str, Any]:
        target = self.bot_for_control(bot)
        if blocked is True:
            target.blocked.add(chat_id)
        elif blocked is False:
            target.blocked.discard(chat_id)
        return {"id": chat_id, "channel": "zalo", "bot": target.id,
                "blocked": chat_id in target.blocked}

    def add_fault(self, method: str, status: int, description: str | None = None, *,
                  times: int = 1, chat_id: str | None = None, delay: float = 0.0,
                  bot: str | None = None) -> int:
        """Make the next `times` calls of `method` ("*": any) fail with `status` (0: no
        answer); returns the fault's id."""
        if times < 1:
            raise ControlError("times must be at least 1")
        if status != 0 and not 200 <= status <= 599:
            raise ControlError("status must be 0 or an HTTP status")
        if delay < 0:
            raise ControlError("delay must not be negative")
        fault = ZaloFault(next(self._fault_ids), method.lower(), status,
                          description or default_description(status), times, chat_id, delay,
                          bot)
        self.faults.append(fault)
        return fault.id

    def take_fault(self, bot: ZaloBot, method: str, chat_id: object) -> ZaloFault | None:
        if not self.faults:
            return None
        lowered = method.lower()
        for fault in self.faults:
            if fault.method not in ("*", lowered):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.bot_id is not None and fault.bot_id != bot.id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    # -- the API's side -------------------------------------------------------------------------

    def check_quota(self, bot: ZaloBot, now: float) -> None:
        """429 "Quota exceeded" when the bot sends beyond the quota."""
        if self.quota is not None and bot.window.count(now) >= self.quota:
            raise ZaloApiError(429, "Quota exceeded")

    def record(self, bot: ZaloBot, method: str, chat_id: str, *, text: str | None = None,
               caption: str | None = None, photo: str | None = None,
               action: str | None = None, now: float) -> ZaloRecord:
        record = ZaloRecord(self._next_seq, bot.id or "", method, chat_id,
                            self.next_message_id(), int(time.time() * 1000), text, caption,
                            photo, action)
        self._next_seq += 1
        self._sent.append(record)
        self._by_chat.setdefault((record.bot_id, chat_id), []).append(record)
        if method != "sendChatAction":
            count = bot.window.add(now)
            bot.max_per_second = max(bot.max_per_second, count)
            bot.sent_total += 1
        if self._sent_event is not None:
            self._sent_event.set()
            self._sent_event = None
        return record

    async def next_update(self, bot: ZaloBot, wait: float) -> dict[str, Any] | None:
        """The oldest update of `bot` (taken: Zalo has no offset), or None after `wait` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(wait, 0.0), MAX_POLL_TIMEOUT)
        while True:
            if bot.hook is not None:
                raise ZaloApiError(409, "Conflict: a webhook is set; call deleteWebhook "
                                        "before getUpdates")
            if bot.updates:
                return bot.updates.popleft()
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return None
            event = bot.waiter()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return None

    # -- control: reading -----------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def sent_records(self, *, chat_id: str | None = None, after: int = 0,
                     bot: str | None = None, method: str | None = None) -> list[ZaloRecord]:
        if chat_id is not None:
            bots = [bot] if bot is not None else list(self.bots) or [""]
            records: list[ZaloRecord] = []
            for bot_id in bots:
                found = self._by_chat.get((bot_id, chat_id), [])
                start = bisect.bisect_right(found, after, key=lambda r: r.seq)
                records.extend(found[start:])
            records.sort(key=lambda r: r.seq)
        else:
            records = self._sent[max(0, after - self._sent_base):]
            if bot is not None:
                records = [r for r in records if r.bot_id == bot]
        if method is not None:
            records = [r for r in records if r.method.lower() == method.lower()]
        return records

    def sent(self, **query: Any) -> list[dict[str, Any]]:
        return [record.to_dict() for record in self.sent_records(**query)]

    # The demo's API takes a deadline and returns [] on expiry, not a cancel scope.
    async def wait_sent(self, after_seq: int, timeout: float,  # noqa: ASYNC109
                        chat_id: str | None = None) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            found = self.sent(chat_id=chat_id, after=after_seq)
            if found:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            if self._sent_event is None:
                self._sent_event = asyncio.Event()
            try:
                await asyncio.wait_for(self._sent_event.wait(), remaining)
            except TimeoutError:
                return []

    def stats(self) -> dict[str, Any]:
        return {
            "channel": "zalo",
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "errors_total": sum(self.errors.values()),
            "sent_total": len(self._sent),
            "quota_per_second": self.quota,
            "bots": {
                bot_id: {
                    "messages_total": bot.sent_total,
                    "max_per_second": bot.max_per_second,
                    "pending_updates": len(bot.updates),
                    "webhook": bot.hook.url if bot.hook else None,
                    "webhook_posts": bot.webhook_posts,
                    "webhook_failures": bot.webhook_failures,
                    "blocked_chats": len(bot.blocked),
                }
                for bot_id, bot in self.bots.items()
            },
            "windows": {"rate_seconds": RATE_WINDOW},
            "faults_pending": [fault.summary() for fault in self.faults],
        }


def default_description(status: int) -> str:
    """What Zalo says for a status, when a fault gives only the status."""
    return {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            408: "Request timeout", 429: "Quota exceeded", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}.get(status, f"Error {status}")
