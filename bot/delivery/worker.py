"""The delivery worker: sends the outbox's pending deliveries, paced, and records every outcome.

Channel-neutral: it sends through each channel's `Outbound` (`bot.delivery.outbound`: the
account's `Sender` and the `Pacer` that also paces its replies), taking only rows of the channels
it has, with `Priority.BULK`: a reply to a person who just wrote always goes first.

How a delivery moves (SPEC section 6):
- A claimer reads pending rows in bounded batches (`storage.deliveries.next_new` by id cursor,
  `due_retries` by due time) into a small in-memory buffer; a push to 100,000 chats never has more
  than ``batch`` rows in memory.
- ``concurrency`` senders take rows *ready first*: a row whose chat must still wait (1/s per
  private chat, 20/min per group, by the chat's stored type; also a chat that a reply is about
  to reach) is parked on a timer and the sender takes another, so a chat's
  own wait never holds the global line. One chat has at most one message in flight, so a chat's
  messages keep their order. At most ``concurrency`` sends are in flight, fewer when more would
  not make the push faster (the round trips grow: this process or the machine is the
  bottleneck) or while the event loop lags, so command replies on the same loop stay fast
  (`bot.delivery.governor`).
- Each result goes to a writer that records results in batches (one transaction per
  ``flush_size`` results or ``flush_interval`` seconds).
- A delivery is for a reader: a chat, or one topic of a forum chat (`ChatRef.thread`: sent with
  that topic's id, so it appears in that topic only). Pacing, "one message in flight" and
  whether the chat still accepts messages are the chat's (`ChatRef.base`): a group's 20 a
  minute cover all its topics.
- Errors, per recipient: the chat is gone (blocked, deactivated, kicked, not found) -> the chat is
  marked inactive, this and its other pending deliveries skipped (its topics' too); a forum
  topic was deleted -> that topic's subscriptions are removed and its pending deliveries
  skipped; flood control -> the pacer pauses everyone for ``retry_after`` and the same message
  is retried (not counted as an attempt); a migrated group -> the chat's id is updated and the
  message resent there; a photo the platform cannot use -> the article goes out as text to
  everyone from then on, this recipient at once; timeouts, 5xx and network errors -> first the
  account's `OutageGuard` judges them: when the API itself is down (many chats failing in a
  row, or its probe failing too) every sender waits until it answers and then sends the same
  message again, without counting an attempt (an outage longer than all retries together loses
  nothing); otherwise the failure is the recipient's: retried
  with exponential back-off (``not_before``), failed after ``max_attempts``; anything else ->
  failed with the platform's reason.

Several processes (PostgreSQL): each claim is a lease (`storage.deliveries`: `FOR UPDATE SKIP
LOCKED`, ``claimed_by``/``claimed_until``), renewed every third of `lease` while the rows are in
memory, so no two processes send the same row; the rows of a process that died return to the
queue when their lease runs out and the others send them. The global rate of the account is
shared by its pacer (`bot.delivery.pacing`), not by the worker.

Crash safety and the in-flight window: a row stays ``pending`` in the database until its result is
committed, so after a crash (even ``kill -9``) it is sent again. The messages that can arrive
twice are therefore those *sent but not yet committed*; a semaphore bounds them to
``max_unconfirmed`` (a permit is taken before the request and given back only once the "sent"
result is committed, or at once when nothing was sent). That number is the worst case of
duplicates per crash; in practice it is the requests in the air plus the results waiting for the
next flush (a few dozen at full speed, one or two at Telegram's 30/s).

A read timeout is ambiguous: the request reached the platform, which may have sent the message.
SPEC section 6 asks for timeouts to be retried, so such a message is retried like any timeout
(at-least-once: the recipient may see it twice) and counted: in ``stats.uncertain`` and, per
delivery, in the outbox (``deliveries.uncertain``, shown by /stats). The window is kept small: a
text send has a short timeout, only uploads a longer one (bot/telegram/sender.py), and once the
API is found down no further request goes out until it answers, so a frozen API costs at most
the requests in flight when it froze.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import os
import secrets
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Protocol

from bot.delivery.governor import SendGovernor
from bot.delivery.observer import NULL_OBSERVER, DeliveryObserver
from bot.delivery.outbound import Outbound, SendOutcome, Status
from bot.delivery.pacing import Priority
from bot.message import ChatRef, Message
from bot.models import Article
from storage import chats, subscriptions
from storage import deliveries as outbox
from storage.db import POSTGRES, Conn, Database
from storage.deliveries import CANCELLED, FAILED, PENDING, SENT, SKIPPED, Claim, Outcome, Pending

log = logging.getLogger(__name__)

# One delivery follows at most this many photo fallbacks and chat migrations...
_MAX_REDIRECTIONS = 8
# ...and waits out this many 429s in a row before it backs off like a temporary error.
_MAX_FLOOD_WAITS = 20
# Composed messages whose quiet-hours variant is kept (a push has one; a few are in flight).
_VARIANTS = 64

class MessageSource(Protocol):
    """What turns a delivery into a message (`bot.delivery.compose.Composer`)."""

    async def message(self, item: Pending) -> Message | str:
        """The message for `item`, or the reason it cannot be sent (then it is cancelled)."""
        ...

    async def after_send(self, item: Pending, message: Message, outcome: SendOutcome) -> None:
        """Learn from an attempt (photo file ids, rejected photos); called after every send."""
        ...

    async def text_message(self, item: Pending) -> Message | str:
        """The text-only message for `item` (a chat that does not accept photos)."""
        ...

    def done(self, item: Pending) -> None:
        """`item` is finished with, however it ended (releases what it held, e.g. a probe)."""
        ...

    def forget_broadcast(self, broadcast_id: int) -> None:
        """The broadcast changed (an admin stopped it): read it again before the next send."""
        ...


# --- configuration and figures -------------------------------------------------------------------


def process_name(role: str) -> str:
    """A name no other process has, now or after a restart (host, pid, a random part)."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"



@dataclass(frozen=True, slots=True)
class WorkerConfig:
    concurrency: int = 32
    batch: int = 256  # rows claimed per read
    flush_size: int = 16  # results per write transaction at most
    flush_interval: float = 0.05  # seconds a result may wait for its transaction
    max_attempts: int = 5
    retry_base: float = 2.0  # back-off: retry_base * 2^(attempts-1) seconds, at most retry_cap
    retry_cap: float = 600.0
    # Seconds between outbox checks when nobody wakes the worker (code that enqueues should
    # call `wake()`; this catches anything that does not, e.g. another process).
    idle_check: float = 2.0
    quiet_hours: tuple[int, int] = (22, 6)  # local hours of silent pushes: [start, end)
    max_unconfirmed: int | None = None  # default: concurrency + 2 * flush_size
    # The flood rule: at most `flood_limit` cards per chat within `flood_window` seconds; the
    # rest of a batch of new articles goes as one summary (storage.deliveries). None: no rule.
    flood_limit: int | None = 5
    flood_window: int = 600
    # PostgreSQL: seconds a claim lasts (renewed while held); this process's unique name.
    lease: float = 30.0
    consumer: str = field(default_factory=lambda: process_name("delivery"))

    @property
    def unconfirmed_limit(self) -> int:
        if self.max_unconfirmed is not None:
            return self.max_unconfirmed
        return self.concurrency + 2 * self.flush_size


@dataclass
class WorkerStats:
    """What this process's worker did since it started (for logs, /stats and benchmarks)."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0
    retried: int = 0  # deliveries rescheduled after a temporary error
    uncertain: int = 0  # timeouts after the request was sent (the message may have arrived)
    outage_waits: int = 0  # failures judged an outage of the API (waited out, not counted)
    flood_waits: int = 0  # RetryAfter answers
    migrations: int = 0
    photo_fallbacks: int = 0  # messages sent as text because the photo could not be used
    silent: int = 0
    chats_gone: int = 0
    flushes: int = 0


@dataclass(order=True, slots=True)
class _Timed:
    at: float
    seq: int
    item: _Item = field(compare=False)


@dataclass(slots=True)
class _Item:
    row: Pending
    claimed_at: float  # monotonic time of the claim that read the row


# --- the worker ----------------------------------------------------------------------------------


class DeliveryWorker:
    """Sends pending deliveries until stopped; `wake()` after enqueueing new ones."""

    def __init__(
        self,
        db: Database,
        outbounds: Mapping[str, Outbound],
        source: MessageSource,
        *,
        tz: tzinfo,
        config: WorkerConfig | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        # channel -> its account's outbound path; rows of other channels stay in the outbox.
        self.outbounds = outbounds
        self.source = source
        self.tz = tz
        self.config = config or WorkerConfig()
        # Wall-clock unix time: back-off times, finished_at, quiet hours. Replaceable in tests
        # (e.g. `lambda: time.time() + offset` to make it night).
        self.clock = clock
        self.stats = WorkerStats()
        self.observer: DeliveryObserver = NULL_OBSERVER  # metrics (bot/web) plug in here
        self.governor = SendGovernor(self.config.concurrency)
        self._mono = time.monotonic
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._in_request: set[asyncio.Task[object] | None] = set()  # senders mid-request
        # Work in memory: rows claimed and not yet recorded (buffered, in flight, or written
        # soon). `_held` has their ids so that a claim never reads one twice.
        self._held: set[int] = set()
        self._ready: deque[_Item] = deque()
        self._due: deque[_Item] = deque()  # parked rows whose chat became ready: served first
        self._parked: list[_Timed] = []  # heap: rows waiting for their chat's pacing
        self._order = itertools.count()
        # Chats with a message in flight, and more rows of a busy chat. Keyed by the chat itself
        # (`ChatRef.base`): a forum's topics share their chat's pacing.
        self._busy_chats: set[ChatRef] = set()
        self._chat_backlog: dict[ChatRef, deque[_Item]] = {}
        self._buffered = 0  # rows in _ready, _due, _parked and _chat_backlog
        self._cursor = 0  # id cursor of never-tried rows
        self._released_while_claiming: set[int] | None = None
        self._wake = asyncio.Event()
        self._work = asyncio.Event()
        # Results waiting for their transaction, and what to do once it commits.
        self._results: list[Outcome] = []
        self._result_ids: list[int] = []
        self._permits_held = 0  # "sent" results whose permit is given back after the commit
        self._gone_pending: dict[ChatRef, str] = {}  # chat -> reason, to mark inactive
        self._topics_gone: dict[ChatRef, str] = {}  # deleted forum topic -> reason, to forget
        self._results_ready = asyncio.Event()
        self._flush_now = asyncio.Event()
        self._unconfirmed = asyncio.Semaphore(self.config.unconfirmed_limit)
        # Chats found gone: chat -> monotonic time their inactivity was committed (inf until
        # then). Rows of such a chat claimed before that moment are skipped without sending.
        self._gone: dict[ChatRef, float] = {}
        self._migrated: dict[ChatRef, ChatRef] = {}  # old group -> supergroup
        self._idle_logged = True
        self._renewed_at = time.monotonic()
        # A composed message -> itself with the other `silent` (see `_silenced`).
        self._variants: OrderedDict[int, tuple[Message, Message]] = OrderedDict()
        self._quiet_minute: tuple[int, bool] = (-1, False)  # (unix minute, quiet then)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the claimer, the senders and the writer (resuming whatever is pending)."""
        if self._tasks:
            raise RuntimeError("the delivery worker is running already")
        self._stopping = False
        # Several processes (PostgreSQL): while this lock is held our claims are ours; when
        # the process is gone, the others take its rows back at once (storage.deliveries).
        await self.db.lead(self._alive)
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._claimer(), name="delivery-claimer"))
        self._tasks.append(loop.create_task(self._writer(), name="delivery-writer"))
        self._tasks.append(loop.create_task(self.governor.run(), name="delivery-governor"))
        for n in range(self.config.concurrency):
            self._tasks.append(loop.create_task(self._sender_loop(), name=f"delivery-sender-{n}"))
        self.wake()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop: let messages in flight finish (up to `grace` s), record every result.

        Rows still buffered stay pending in the database and go out after the next start.
        """
        if not self._tasks:
            return
        self._stopping = True
        self._wake.set()
        self._work.set()
        claimer, writer, governor, *senders = self._tasks
        claimer.cancel()
        governor.cancel()
        for task in senders:
            if task not in self._in_request:  # waiting (pacing, permits): nothing to finish
                task.cancel()
        if senders:
            _, late = await asyncio.wait(senders, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
        self._flush_now.set()
        self._results_ready.set()
        try:
            await asyncio.wait_for(writer, timeout=max(grace, 1.0))
        except (TimeoutError, asyncio.CancelledError):
            log.warning("delivery: the last results could not be recorded in time")
        await asyncio.gather(claimer, governor, return_exceptions=True)
        self._tasks = []
        await self.db.resign(self._alive)

    def wake(self) -> None:
        """New deliveries were committed (or are about to be): look at the outbox now."""
        self._wake.set()

    def forget_broadcast(self, broadcast_id: int) -> None:
        """An admin stopped the broadcast: no more of it is composed from what was read."""
        self.source.forget_broadcast(broadcast_id)

    @property
    def channels(self) -> list[str]:
        return list(self.outbounds)

    async def enqueue_articles(self, conn: Conn, stored: list[Article]) -> None:
        """The ingestion's after_store hook: queue each new article's push to its subscribers
        (a flood of articles as a few cards and one summary per chat: the flood rule).

        Runs inside the transaction that stores the articles, so an article is never stored
        without its deliveries. The worker is woken at once and claims after the commit (its
        claims take the same write lock).
        """
        cfg = self.config
        queued = await outbox.enqueue_articles(
            conn, [(a.id, a.category) for a in stored], now=int(self.clock()),
            limit=cfg.flood_limit, window=cfg.flood_window)
        if queued.cards or queued.summaries:
            first, last = min(a.id for a in stored), max(a.id for a in stored)
            log.info("delivery: article_id=%s..%s (%d) queued: %d card(s), %d summary(ies) "
                     "(flood rule: %s per %d s)", first, last, len(stored), queued.cards,
                     queued.summaries, cfg.flood_limit, cfg.flood_window)
            self.wake()

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not self._stopping

    @property
    def in_memory(self) -> int:
        """Rows held in memory (buffered, in flight, awaiting their write): for tests."""
        return len(self._held)

    def is_quiet(self, now: float | None = None) -> bool:
        """True between the quiet hours (default 22:00-06:00) in the configured time zone."""
        at = self.clock() if now is None else now
        minute = int(at // 60)
        if self._quiet_minute[0] == minute:
            return self._quiet_minute[1]  # asked once per message: worked out once a minute
        quiet = self._quiet_at(datetime.fromtimestamp(at, self.tz))
        self._quiet_minute = (minute, quiet)
        return quiet

    def _quiet_at(self, moment: datetime) -> bool:
        start, end = self.config.quiet_hours
        if start <= end:
            return start <= moment.hour < end
        return moment.hour >= start or moment.hour < end

    # -- claiming -------------------------------------------------------------------------------

    async def _claimer(self) -> None:
        cfg = self.config
        low_water = max(cfg.batch // 2, cfg.concurrency)
        while not self._stopping:
            self._wake.clear()
            claimed = 0
            await self._renew_claims()
            if self._buffered < low_water:
                try:
                    claimed = await self._claim(cfg.batch)
                except Exception:
                    log.exception("delivery: reading the outbox failed; retrying in 5 s")
                    await self._sleep_or_wake(5.0)
                    continue
            if claimed and self._buffered < low_water:
                continue  # more may be waiting right behind
            if claimed == 0 and not self._held:
                self._forget_gone()
                if not self._idle_logged:
                    self._idle_logged = True
                    log.info("delivery: outbox done for now (%s)", self._summary())
            await self._sleep_or_wake(await self._idle_wait())

    async def _idle_wait(self) -> float:
        """Seconds until the claimer must look again without being woken."""
        if self._buffered:
            return 0.2  # running: top up the buffer soon
        try:
            due = await outbox.next_retry_at(self.db, self.channels)
        except Exception:
            return 5.0
        if due is None:
            return self.config.idle_check
        return min(self.config.idle_check, max(0.2, due - self.clock() + 0.05))

    async def _sleep_or_wake(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _claim(self, limit: int) -> int:
        """Read up to `limit` due rows into the buffer; returns how many were new to memory."""
        started = self._mono()
        extra = len(self._held)  # rows in memory may come back from the queries: skip them
        # A row whose result is committed while the queries run may still come back as pending
        # (read before the commit) although it left `_held` meanwhile: remember those too.
        released: set[int] = set()
        self._released_while_claiming = released
        try:
            # In a write transaction although it only reads: the connection is shared, and a
            # transaction in progress on it (the ingestion storing an article with its
            # deliveries) must be committed before its rows may be sent.
            async with self.db.transaction() as conn:
                retries, fresh, asked = await self._read_due(conn, limit, extra)
        finally:
            self._released_while_claiming = None
        held = self._held
        rows = [r for r in retries if r.id not in held and r.id not in released][:limit]
        room = limit - len(rows)
        if room > 0:
            taken = {r.id for r in rows}
            kept = 0
            for row in fresh:
                if kept == room:
                    break
                self._cursor = row.id
                if row.id not in held and row.id not in taken and row.id not in released:
                    rows.append(row)
                    kept += 1
            if len(fresh) < asked and kept < room:
                # The end of the new rows: start from the beginning next time, in case ids
                # were reused (rowids can be, after the newest rows are deleted).
                self._cursor = 0
        for row in rows:
            self._held.add(row.id)
            self._ready.append(_Item(row, started))
        self._buffered += len(rows)
        if rows:
            self._idle_logged = False
            self._work.set()
        return len(rows)

    @property
    def _alive(self) -> str:
        return f"alive:{self.config.consumer}"

    def _claim_now(self) -> Claim:
        now = int(self.clock())
        return Claim(self.config.consumer, now, now + math.ceil(self.config.lease))

    async def _renew_claims(self) -> None:
        """Extend the leases of the rows held in memory (PostgreSQL), every third of a lease."""
        if self.db.backend != POSTGRES or not self._held:
            return
        if self._mono() - self._renewed_at < self.config.lease / 3:
            return
        try:
            await self.db.lead(self._alive)  # taken again if its connection was lost
            async with self.db.transaction() as conn:
                await outbox.renew_claims(conn, sorted(self._held), self._claim_now())
            self._renewed_at = self._mono()
        except Exception:
            log.exception("delivery: renewing the claims failed; retrying")

    async def _read_due(self, conn: Conn, limit: int, extra: int
                        ) -> tuple[list[Pending], list[Pending], int]:
        """(due retries, new rows from the cursor, how many new rows were asked for)."""
        channels = self.channels
        if self.db.backend == POSTGRES:
            # Claims: rows held here or by another live process are never returned, so no
            # cursor and no extra rows are needed.
            # Every row claimed is kept in memory (one not kept would wait for its lease).
            claim = self._claim_now()
            retries = await outbox.due_retries(conn, now=claim.now, limit=limit,
                                               channels=channels, claim=claim)
            fresh = []
            if len(retries) < limit:
                fresh = await outbox.next_new(conn, after_id=0, limit=limit - len(retries),
                                              channels=channels, claim=claim)
            self._cursor = 0
            return retries, fresh, limit
        retries = await outbox.due_retries(conn, now=int(self.clock()), limit=limit + extra,
                                           channels=channels)
        # Rows in memory are behind the cursor, unless it went back to the start.
        asked = limit + (extra if self._cursor == 0 else 0)
        fresh = await outbox.next_new(conn, after_id=self._cursor, limit=asked, channels=channels)
        return retries, fresh, asked

    def _forget_gone(self) -> None:
        # Nothing is in memory: every later claim reads rows after the inactivity commits.
        committed = [chat for chat, at in self._gone.items() if not math.isinf(at)]
        for chat in committed:
            del self._gone[chat]
        if len(self._migrated) > 10_000:
            self._migrated.clear()

    # -- choosing the next row ------------------------------------------------------------------

    async def _take(self) -> _Item | None:
        """The next row whose chat may be sent to now (ready first); None when stopping."""
        while not self._stopping:
            now = self._mono()
            parked = self._parked
            while parked and parked[0].at <= now:
                self._due.append(heapq.heappop(parked).item)
            for queue in (self._due, self._ready):
                while queue:
                    item = queue.popleft()
                    chat = item.row.chat.base
                    if chat in self._busy_chats:
                        self._chat_backlog.setdefault(chat, deque()).append(item)
                        continue
                    wait = self._ready_in(item.row)
                    if wait > 0:
                        heapq.heappush(parked, _Timed(now + wait, next(self._order), item))
                        continue
                    self._buffered -= 1
                    self._busy_chats.add(chat)
                    if self._buffered < self.config.batch // 2:
                        self._wake.set()
                    return item
            self._work.clear()
            timeout = parked[0].at - now if parked else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout)
        return None

    def _ready_in(self, row: Pending) -> float:
        outbound = self.outbounds.get(row.chat.channel)
        if outbound is None:
            return 0.0  # the channel went away: the row is dealt with at once (see _deliver)
        chat = row.chat.base
        return outbound.pacer.ready_in(self._migrated.get(chat, chat), group=row.group)

    def _release_chat(self, chat: ChatRef) -> None:
        self._busy_chats.discard(chat)
        backlog = self._chat_backlog.get(chat)
        if backlog:
            self._due.appendleft(backlog.popleft())
            if not backlog:
                del self._chat_backlog[chat]
            self._work.set()

    # -- sending --------------------------------------------------------------------------------

    async def _sender_loop(self) -> None:
        while True:
            item = await self._take()
            if item is None:
                return
            try:
                await self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug: log it, never lose the row
                log.exception("delivery id=%s chat=%s: unexpected error", item.row.id,
                              item.row.chat)
                self._retry_or_fail(item.row, f"{type(exc).__name__}: {exc}")
            finally:
                self.source.done(item.row)
                self._release_chat(item.row.chat.base)

    async def _deliver(self, item: _Item) -> None:
        row = item.row
        if not row.chat_active or item.claimed_at < self._gone.get(row.chat.base, -math.inf):
            self._finish(Outcome(row.id, SKIPPED, row.attempts, reason="chat inactive"))
            return
        outbound = self.outbounds.get(row.chat.channel)
        if outbound is None:  # cannot happen for rows claimed by channel; kept for safety
            self._retry_or_fail(row, f"no sender for channel {row.chat.channel}")
            return
        if row.kind in ("article", "summary") and row.delivery_mode != "instant":
            self._finish(Outcome(row.id, SKIPPED, row.attempts,
                                 reason=f"delivery mode {row.delivery_mode}"))
            return
        composed = await self.source.message(row)
        if isinstance(composed, str):
            self._finish(Outcome(row.id, CANCELLED, row.attempts, reason=composed))
            return
        silent = row.silent or self.is_quiet()
        chat = self._target(row)
        if chat != row.chat and not await outbox.exists(self.db, row.id):
            # Merged into the supergroup's own delivery of the same message (see _migrate).
            self._result_ids.append(row.id)
            self._results_ready.set()
            return
        message = composed
        redirections = flood_waits = uncertain = 0
        while redirections < _MAX_REDIRECTIONS:
            if silent != message.silent:
                message = self._silenced(message, silent)
            outcome = await self._attempt(outbound, chat, message, row, silent, uncertain)
            await self.source.after_send(row, message, outcome)
            status = outcome.status
            if status is Status.SENT:
                return
            if status is Status.RETRY_AFTER:
                self.stats.flood_waits += 1
                outbound.pacer.pause(outcome.retry_after)
                log.warning("delivery: flood control, everyone waits %.0f s", outcome.retry_after)
                flood_waits += 1
                if flood_waits >= _MAX_FLOOD_WAITS:  # something is wrong: back off instead
                    self._retry_or_fail(row, f"flood control {flood_waits} times in a row")
                    return
                continue  # the same message again, not counted as an attempt
            if status is Status.TEMPORARY:
                if outcome.maybe_delivered:
                    self.stats.uncertain += 1
                    uncertain += 1
                if await outbound.outage.failed(chat.base, outcome.reason):
                    # The API is down, not this reader: the next attempt waits until it
                    # answers, and this one does not count.
                    self.stats.outage_waits += 1
                    continue
            redirections += 1
            if status is Status.MIGRATED and outcome.new_chat_id is not None:
                new = ChatRef(chat.channel, outcome.new_chat_id, chat.thread)
                if not await self._migrate(chat, new, row):
                    return
                chat = new
                continue
            if status in (Status.PHOTO_REJECTED, Status.NO_PHOTO_HERE) and message.photo:
                self.stats.photo_fallbacks += 1
                log.info("delivery id=%s chat=%s: photo not usable (%s), sending text",
                         row.id, chat, outcome.reason)
                fallback = (await self.source.message(row) if status is Status.PHOTO_REJECTED
                            else await self.source.text_message(row))
                if isinstance(fallback, str):
                    self._finish(Outcome(row.id, CANCELLED, row.attempts, reason=fallback))
                    return
                if status is Status.NO_PHOTO_HERE and fallback.photo is not None:
                    fallback = replace(fallback, photo=None, silent=silent)
                message = fallback
                continue
            if status is Status.CHAT_GONE:
                self._chat_gone(row, chat, outcome.reason or "chat gone")
                return
            if status is Status.THREAD_GONE:
                self._topic_gone(row, chat, outcome.reason or "topic deleted")
                return
            if status is Status.TEMPORARY:
                self._retry_or_fail(row, outcome.reason or "temporary error", uncertain)
                return
            self._fail(row, outcome.reason or status.value, uncertain)
            return
        self._fail(row, "too many redirections (photo fallbacks or migrations)", uncertain)

    async def _attempt(self, outbound: Outbound, chat: ChatRef, message: Message, row: Pending,
                       silent: bool, uncertain: int) -> SendOutcome:
        """One paced request; a "sent" result keeps its permit until it is committed."""
        await outbound.outage.wait_up()  # the API is down: nothing goes out until it answers
        await self._unconfirmed.acquire()
        try:
            busy = await self.governor.enter()
            task = asyncio.current_task()
            try:
                # Paced last, right before the request: the pacer counts a send at the moment
                # it allows it, so nothing may wait between the two.
                await outbound.pacer.acquire(chat.base, group=row.group, priority=Priority.BULK)
                self._in_request.add(task)
                started = self._mono()
                outcome = await outbound.sender.send(chat, message, Priority.BULK)
                took = self._mono() - started
                self.governor.observe_rtt(took, busy=busy)
                self.observer.on_send(outcome.status.value, took)
            finally:
                self._in_request.discard(task)
                self.governor.leave()
        except BaseException:
            # Cancelled mid-request (stopping): the row stays pending and is sent again later.
            self._unconfirmed.release()
            raise
        if outcome.status is Status.SENT:
            outbound.outage.sent()
            if silent:
                self.stats.silent += 1
            self._finish(Outcome(row.id, SENT, row.attempts + 1, message_id=outcome.message_id,
                                 silent=silent, uncertain=uncertain), permit=True)
        else:
            self._unconfirmed.release()
        return outcome

    async def _migrate(self, old: ChatRef, new: ChatRef, row: Pending) -> bool:
        """Move the chat to its new id; False when this delivery merged into the new chat's."""
        self.stats.migrations += 1
        log.info("delivery: chat=%s migrated to %s", old, new)
        self._migrated[row.chat.base] = new.base
        self._migrated[old.base] = new.base
        async with self.db.transaction() as conn:
            if await chats.get(conn, new) is not None:
                # chats.migrate will delete the old chat: keep its pending deliveries.
                await outbox.move_chat(conn, old, new)
            await chats.migrate(conn, old, new)
            alive = await outbox.exists(conn, row.id)
        if not alive:
            # The new chat had this delivery already: that one is sent instead.
            self._result_ids.append(row.id)
            self._results_ready.set()
        return alive

    def _silenced(self, message: Message, silent: bool) -> Message:
        """`message` with `silent` changed: one object per composed message (not per recipient),
        so the sender renders a push's card once also in the quiet hours."""
        key = id(message)
        found = self._variants.get(key)
        if found is not None and found[0] is message and found[1].silent == silent:
            return found[1]
        variant = replace(message, silent=silent)
        self._variants[key] = (message, variant)
        if len(self._variants) > _VARIANTS:
            self._variants.popitem(last=False)
        return variant

    def _target(self, row: Pending) -> ChatRef:
        """Where `row` goes now: its reader, in the supergroup its group became, if it did."""
        moved = self._migrated.get(row.chat.base)
        return row.chat if moved is None else moved.topic(row.chat.thread)

    # -- results --------------------------------------------------------------------------------

    def _finish(self, outcome: Outcome, *, permit: bool = False) -> None:
        self._results.append(outcome)
        self._result_ids.append(outcome.delivery_id)
        if permit:
            self._permits_held += 1
        self.observer.on_result(outcome.status)
        status = outcome.status
        if status == SENT:
            self.stats.sent += 1
        elif status == SKIPPED:
            self.stats.skipped += 1
        elif status == FAILED:
            self.stats.failed += 1
        elif status == CANCELLED:
            self.stats.cancelled += 1
        else:
            self.stats.retried += 1
        self._results_ready.set()
        if len(self._results) >= self.config.flush_size:
            self._flush_now.set()

    def _fail(self, row: Pending, reason: str, uncertain: int = 0) -> None:
        log.warning("delivery id=%s chat=%s %s=%s failed: %s", row.id, row.chat, row.kind,
                    row.ref_id, reason)
        self._finish(Outcome(row.id, FAILED, row.attempts + 1, reason=reason[:200],
                             uncertain=uncertain))

    def _retry_or_fail(self, row: Pending, reason: str, uncertain: int = 0) -> None:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            self._fail(row, f"{reason} (after {attempts} attempts)", uncertain)
            return
        delay = min(self.config.retry_base * 2 ** (attempts - 1), self.config.retry_cap)
        not_before = max(1, math.ceil(self.clock() + delay))
        log.info("delivery id=%s chat=%s: %s; retry %d in %.0f s", row.id, row.chat,
                 reason, attempts, delay)
        self._finish(Outcome(row.id, PENDING, attempts, reason=reason[:200],
                             not_before=not_before, uncertain=uncertain))

    def _chat_gone(self, row: Pending, chat: ChatRef, reason: str) -> None:
        log.info("delivery: chat=%s is gone (%s): marked inactive", chat, reason)
        self.stats.chats_gone += 1
        self._gone[row.chat.base] = math.inf
        self._gone[chat.base] = math.inf
        self._gone_pending[chat.base] = reason[:200]
        self._finish(Outcome(row.id, SKIPPED, row.attempts + 1, reason=reason[:200]))

    def chat_gone(self, chat: ChatRef) -> None:
        """The chat cannot receive messages any more (the bot was removed from it), as
        committed now: rows of it claimed before are skipped without sending."""
        self._gone[chat.base] = self._mono()

    def _topic_gone(self, row: Pending, chat: ChatRef, reason: str) -> None:
        """A forum topic was deleted: that reader unsubscribes (its chat and other topics stay)."""
        log.info("delivery: topic chat=%s is gone (%s): its subscriptions are removed", chat,
                 reason)
        self._topics_gone[chat] = reason[:200]
        self._finish(Outcome(row.id, SKIPPED, row.attempts + 1, reason=reason[:200]))

    async def _writer(self) -> None:
        cfg = self.config
        while True:
            await self._results_ready.wait()
            if not self._stopping and len(self._results) < cfg.flush_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flush_now.wait(), cfg.flush_interval)
            self._results_ready.clear()
            self._flush_now.clear()
            if self._results or self._result_ids or self._gone_pending or self._topics_gone:
                await self._flush()
            elif self._stopping:
                return
            if (self._stopping and not self._results and not self._gone_pending
                    and not self._topics_gone):
                return

    async def _flush(self) -> None:
        results, self._results = self._results, []
        ids, self._result_ids = self._result_ids, []
        permits, self._permits_held = self._permits_held, 0
        gone, self._gone_pending = self._gone_pending, {}
        topics, self._topics_gone = self._topics_gone, {}
        now = int(self.clock())
        while True:
            try:
                async with self.db.transaction() as conn:
                    await outbox.record_outcomes(conn, results, now=now)
                    for chat, reason in gone.items():
                        await chats.mark_inactive(conn, chat, reason)
                        await outbox.skip_chat(conn, chat, "chat inactive", now=now)
                    for reader, reason in topics.items():
                        await subscriptions.remove_all(conn, reader)
                        await outbox.skip_reader(conn, reader, reason, now=now)
                break
            except Exception:
                if self._stopping:
                    log.exception("delivery: could not record %d results", len(results))
                    raise
                log.exception("delivery: recording %d results failed; retrying", len(results))
                await asyncio.sleep(1.0)
        self.stats.flushes += 1
        if any(o.status == PENDING for o in results):
            self._wake.set()  # the claimer must learn when the retries are due
        committed_at = self._mono()
        for chat in gone:
            self._gone[chat] = committed_at
        for _ in range(permits):
            self._unconfirmed.release()
        self._held.difference_update(ids)
        if self._released_while_claiming is not None:
            self._released_while_claiming.update(ids)
        if not self._held:
            self._wake.set()

    def _summary(self) -> str:
        s = self.stats
        return (f"sent {s.sent}, skipped {s.skipped}, failed {s.failed}, retried {s.retried}, "
                f"flood waits {s.flood_waits}, uncertain {s.uncertain}; concurrent sends now "
                f"{self.governor.limit} of {self.config.concurrency}, lowest "
                f"{self.governor.lowest}, highest {self.governor.highest}")
