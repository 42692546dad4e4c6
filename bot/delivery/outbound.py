"""The one outbound path of a bot account: its `Sender`, its `Pacer`, and how an interactive
message is retried until it is sent.

Channel-neutral. A channel adapter provides the `Sender` (`bot/telegram/sender.py`); everything
the bot sends on that account goes through one `Outbound`, so one pacer counts all of it:
- replies, answers to pressed choices and edits (`send`, `edit`, `answer`, usually through a
  `Conversation`): paced with `Priority.REPLY` in the order the requests arrived, kept in memory
  and retried until sent: on 429 everyone waits `retry_after` and the same message goes again; a
  migrated group gets it at its new id; a photo the platform cannot use gives way to the text;
  timeouts and 5xx are retried with back-off. A reply is only given up when its chat is gone
  (blocked, deleted: `None`), when the platform refuses the message itself (`Undelivered`),
  after `max_attempts` temporary failures in a row that were about its chat, or when the API
  stayed down for longer than `outage_wait` (`Undelivered`);
- admin progress edits and error alerts: the same, with `Priority.ADMIN`;
- pushes, broadcasts and digests: persisted in the outbox and sent by the delivery worker
  (`bot/delivery/worker.py`), which uses this `pacer` and `sender` with `Priority.BULK`.

The account's `OutageGuard` (`bot/delivery/outage.py`) sees every request of every path: when the
API itself is down, everything waits for it (no attempt is counted), and a temporary failure
counts against a message only when the API answers others.

A pressed choice's answer (the pop-up) is worth something only for a few seconds: an answer the
platform calls expired ("query is too old") is normal, and one that fails for a temporary reason
is dropped with a log line (the rest of the answer, the edit and the new message, still goes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

from bot.delivery.observer import NULL_OBSERVER, DeliveryObserver
from bot.delivery.outage import OutageGuard
from bot.delivery.pacing import Pacer, Priority
from bot.message import ChatRef, Message, MessageRef, Notice, Text

log = logging.getLogger(__name__)

# One message waits out at most this many 429s in a row before it counts as a failure.
_MAX_FLOOD_WAITS = 20
# An interactive message (a reply, an edit, an alert) waits at most this long for an API that is
# down: after that, the answer is stale and its handler gives up (logged).
OUTAGE_WAIT = 900.0
_MAX_REDIRECTIONS = 8  # photo fallbacks and chat migrations of one message


class Status(Enum):
    SENT = "sent"
    CHAT_GONE = "chat_gone"  # blocked, deactivated, kicked, not found: never send there again
    THREAD_GONE = "thread_gone"  # the forum topic was deleted: that reader is gone, not its chat
    RETRY_AFTER = "retry_after"  # flood control: everyone waits `retry_after`, then the same
    MIGRATED = "migrated"  # the group became the supergroup `new_chat_id`
    PHOTO_REJECTED = "photo_rejected"  # the platform cannot use this photo (for anyone)
    NO_PHOTO_HERE = "no_photo_here"  # this chat does not accept photos: send it text
    TEMPORARY = "temporary"  # timeout, 5xx, network: try again later
    PERMANENT = "permanent"  # this message can never go to this chat
    EXPIRED = "expired"  # a pressed choice answered too late (or unknown): nothing to do


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of one request, in channel-neutral terms."""

    status: Status
    reason: str = ""
    message_id: str | None = None
    photo_file_id: str | None = None  # the platform's id for the photo just uploaded/fetched
    retry_after: float = 0.0
    new_chat_id: str | None = None
    maybe_delivered: bool = False  # a timeout after the request was sent
    shown: str | None = None  # what the sent message shows, as the channel reads it back


class Sender(Protocol):
    """A chat platform's way to send, edit and answer. Must not raise for per-recipient errors:
    every answer of the platform becomes a `SendOutcome`."""

    channel: str

    async def send(self, chat: ChatRef, message: Message, priority: Priority) -> SendOutcome: ...

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority) -> SendOutcome: ...

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome: ...

    async def probe(self) -> bool:
        """Whether the platform's API answers a request that concerns no chat (Telegram:
        getMe); used to tell an outage of the API from a failure about one recipient."""
        ...


class Undelivered(Exception):
    """An interactive message could not be delivered (the reason says why)."""


Migrated = Callable[[ChatRef, ChatRef], Awaitable[None]]


class Outbound:
    """Everything one bot account sends (see the module docstring)."""

    def __init__(self, sender: Sender, pacer: Pacer, *, on_migrated: Migrated | None = None,
                 max_attempts: int = 8, retry_base: float = 1.0, retry_cap: float = 30.0,
                 outage: OutageGuard | None = None, outage_wait: float = OUTAGE_WAIT,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.sender = sender
        self.pacer = pacer
        self.on_migrated = on_migrated
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        # One guard per account; without a probe of its own only many failing chats in a row
        # tell an outage.
        self.outage = outage or OutageGuard(getattr(sender, "probe", None), name=sender.channel)
        self.outage_wait = outage_wait  # how long an interactive message waits for the API
        self._sleep = sleep
        self.flood_waits = 0  # RetryAfter answers to interactive messages (for tests, /stats)
        self.uncertain = 0  # interactive sends that timed out after the request was sent
        self.observer: DeliveryObserver = NULL_OBSERVER  # metrics (bot/web) plug in here

    @property
    def channel(self) -> str:
        return self.sender.channel

    async def send(self, chat: ChatRef, message: Message, *, group: bool,
                   priority: Priority = Priority.REPLY, order: float | None = None
                   ) -> MessageRef | None:
        """Send `message` to `chat`, retrying until it is sent; None when the chat is gone."""
        target = chat

        async def attempt(current: Message) -> SendOutcome:
            return await self.sender.send(target, current, priority)

        def moved(new: ChatRef) -> None:
            nonlocal target
            target = new

        outcome = await self._deliver(lambda: target, attempt, moved, message, group=group,
                                      priority=priority, order=order, what="message")
        if outcome is None:
            return None
        return MessageRef(target, outcome.message_id or "", outcome.shown)

    async def edit(self, target: MessageRef, message: Message, *, group: bool,
                   priority: Priority = Priority.REPLY, order: float | None = None
                   ) -> MessageRef | None:
        """Show `message` in place of `target`; None when the chat is gone."""

        async def attempt(current: Message) -> SendOutcome:
            return await self.sender.edit(target, current, priority)

        outcome = await self._deliver(lambda: target.chat, attempt, None, message, group=group,
                                      priority=priority, order=order, what="edit")
        if outcome is None:
            return None
        return MessageRef(target.chat, target.id, outcome.shown)

    async def answer(self, callback: str, text: Text, *, alert: bool = False,
                     order: float | None = None) -> None:
        """Answer a pressed choice (a pop-up, or nothing): a global slot, no chat's."""
        flood = 0
        while True:
            if self.outage.down:
                log.info("outbound: the API is down; a pressed choice's pop-up is dropped")
                return
            await self.pacer.acquire(None, priority=Priority.REPLY, order=order)
            outcome = await self.sender.answer(callback, text, alert)
            status = outcome.status
            if status is Status.RETRY_AFTER and flood < _MAX_FLOOD_WAITS:
                flood += 1
                self._flood(outcome)
                continue
            if status is Status.SENT:
                self.outage.sent()
                return
            if status in (Status.CHAT_GONE, Status.EXPIRED):
                log.info("outbound: a pressed choice could not be answered (%s)",
                         outcome.reason or status.value)
                return
            if status is Status.TEMPORARY:
                # Only worth it within seconds: not retried, but the guard learns of it.
                await self.outage.failed(None, outcome.reason)
                log.info("outbound: a pressed choice's pop-up was not delivered (%s)",
                         outcome.reason)
                return
            raise Undelivered(f"answer: {outcome.reason or status.value}")

    def _flood(self, outcome: SendOutcome) -> None:
        self.flood_waits += 1
        self.pacer.pause(outcome.retry_after)
        log.warning("outbound: flood control, everyone waits %.0f s", outcome.retry_after)

    async def _deliver(self, chat: Callable[[], ChatRef],
                       attempt: Callable[[Message], Awaitable[SendOutcome]],
                       moved: Callable[[ChatRef], None] | None, message: Message, *,
                       group: bool, priority: Priority, order: float | None, what: str
                       ) -> SendOutcome | None:
        failures = flood = redirections = 0
        current = message
        deadline = time.monotonic() + self.outage_wait  # for waiting on the API only
        while True:
            await self._wait_for_api(deadline, chat(), what)
            # Paced per chat: a group's 20 a minute cover all its forum topics.
            await self.pacer.acquire(chat().base, group=group, priority=priority, order=order)
            started = time.monotonic()
            outcome = await attempt(current)
            self.observer.on_send(outcome.status.value, time.monotonic() - started)
            status = outcome.status
            if status is Status.SENT:
                self.outage.sent()
                return outcome
            if status is Status.RETRY_AFTER and flood < _MAX_FLOOD_WAITS:
                flood += 1
                self._flood(outcome)
                continue  # the same message again, first in line
            if status in (Status.CHAT_GONE, Status.THREAD_GONE):
                log.info("outbound: chat=%s is gone (%s); %s not sent", chat(), outcome.reason,
                         what)
                return None
            if redirections < _MAX_REDIRECTIONS:
                if status is Status.MIGRATED and outcome.new_chat_id and moved is not None:
                    redirections += 1
                    old = chat()
                    new = ChatRef(old.channel, outcome.new_chat_id, old.thread)
                    moved(new)
                    if self.on_migrated is not None:
                        await self.on_migrated(old, new)
                    continue
                if status in (Status.PHOTO_REJECTED, Status.NO_PHOTO_HERE) and current.photo:
                    redirections += 1
                    log.info("outbound: chat=%s photo not usable (%s), sending text", chat(),
                             outcome.reason)
                    current = replace(current, photo=None)
                    continue
            if status is Status.TEMPORARY:
                if outcome.maybe_delivered:
                    self.uncertain += 1
                if await self.outage.failed(chat(), outcome.reason):
                    continue  # the API is down: the same message once it answers, no attempt
            if status is Status.TEMPORARY and failures + 1 < self.max_attempts:
                failures += 1
                delay = min(self.retry_base * 2 ** (failures - 1), self.retry_cap)
                log.info("outbound: chat=%s %s failed (%s); retry %d in %.0f s", chat(), what,
                         outcome.reason, failures, delay)
                await self._sleep(delay)
                continue
            raise Undelivered(f"{what} to chat={chat()}: {outcome.reason or status.value}")

    async def _wait_for_api(self, deadline: float, chat: ChatRef, what: str) -> None:
        """Wait while the API is down, at most until `deadline` (then `Undelivered`); a stop
        ends the wait too (a handler must not hold the bot's shutdown for minutes)."""
        if not self.outage.down:
            return
        if await self.outage.wait_up(max(0.0, deadline - time.monotonic()), until_closed=True):
            return
        if self.outage.closed:
            raise Undelivered(f"{what} to chat={chat}: the bot stopped while the API was down")
        raise Undelivered(f"{what} to chat={chat}: the API did not answer for "
                          f"{self.outage_wait:.0f} s")

    async def close(self) -> None:
        """Stop watching the API (shutting down): whatever waits for it gives up."""
        await self.outage.close()


class Conversation:
    """The outbound path as one incoming message or pressed choice sees it: what is sent back
    goes to its chat, in order, ahead of any push (`arrival` orders the replies of different
    people: first come, first served)."""

    def __init__(self, outbound: Outbound, chat: ChatRef, *, group: bool, arrival: float,
                 callback: str | None = None, pressed: MessageRef | None = None) -> None:
        self.outbound = outbound
        self.chat = chat
        self.group = group
        self.arrival = arrival
        self.callback = callback  # the pressed choice's id on the platform, when there is one
        self.pressed = pressed  # the message whose choice was pressed

    async def reply(self, *messages: Message) -> list[MessageRef | None]:
        """Send `messages` to the chat, one after the other."""
        sent = []
        for message in messages:
            sent.append(await self.outbound.send(self.chat, message, group=self.group,
                                                 order=self.arrival))
        return sent

    async def edit(self, target: MessageRef, message: Message) -> MessageRef | None:
        return await self.outbound.edit(target, message, group=self.group, order=self.arrival)

    async def answer(self, text: Text | None = None, *, alert: bool = False) -> None:
        """Answer the pressed choice (required by some platforms even without a pop-up)."""
        if self.callback is not None:
            await self.outbound.answer(self.callback, text or Text(), alert=alert,
                                       order=self.arrival)

    async def notice(self, notice: Notice) -> MessageRef | None:
        """Answer a pressed choice with the core's `Notice`: the pop-up, then the new version of
        the pressed message, then a new message (whose reference is returned)."""
        await self.answer(notice.text, alert=notice.alert)
        if notice.edit is not None and self.pressed is not None:
            edited = await self.edit(self.pressed, notice.edit)
            if edited is not None:
                self.pressed = edited
        if notice.send is not None:
            (sent,) = await self.reply(notice.send)
            return sent
        return None
