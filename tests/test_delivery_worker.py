"""The channel-neutral delivery worker with a plain in-memory `Sender` (what a Zalo adapter will
implement): the bound on messages sent but not yet recorded, ready-first scheduling, quiet hours,
and the send governor. The Telegram side is tested end to end in test_delivery_e2e.py."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.governor import SendGovernor
from bot.delivery.outbound import Outbound, SendOutcome, Status
from bot.delivery.pacing import Pacer, Priority
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.message import ChatRef, Message, MessageRef, Text
from storage import bulk, categories
from storage import deliveries as outbox
from storage.db import Database
from storage.deliveries import Pending
from tests.test_deliveries import _article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class RecordingSender:
    """Accepts everything at once and remembers the order."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, chat: ChatRef, message: Message, priority: Priority) -> SendOutcome:
        self.sent.append(int(chat.id))
        return SendOutcome(Status.SENT, message_id=str(len(self.sent)))

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority) -> SendOutcome:
        return SendOutcome(Status.SENT, message_id=target.id)

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome:
        return SendOutcome(Status.SENT)


class PlainText:
    """Every delivery says the same text."""

    async def message(self, item: Pending) -> Message | str:
        return Message(Text(f"{item.kind} {item.ref_id}"))

    async def text_message(self, item: Pending) -> Message | str:
        return await self.message(item)

    async def after_send(self, item: Pending, message: Message, outcome: SendOutcome) -> None:
        pass

    def done(self, item: Pending) -> None:
        pass

    def forget_broadcast(self, broadcast_id: int) -> None:
        pass


def worker_of(db: Database, sender: RecordingSender, pacer: Pacer, **options: object
              ) -> DeliveryWorker:
    return DeliveryWorker(db, {"telegram": Outbound(sender, pacer)}, PlainText(), tz=TZ,
                          **options)  # type: ignore[arg-type]


async def _push(db: Database, audiences: list[list[int]]) -> list[int]:
    """One article per audience (in this order); returns the article ids."""
    ids = []
    async with db.transaction() as conn:
        for n, chat_ids in enumerate(audiences):
            other = await categories.ensure(conn, f"Mục {n}")
            await bulk.add_subscribers(conn, chat_ids, other.id, now=1)
            article = await _article(conn, f"k{n}", other.name)
            await outbox.enqueue_article(conn, article, now=1)
            ids.append(article)
    return ids


async def _until(predicate: object, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_sent_but_unrecorded_messages_are_bounded(db: Database) -> None:
    """What a crash could duplicate: never more than `max_unconfirmed` messages."""
    (article,) = await _push(db, [list(range(1, 51))])
    sender = RecordingSender()
    # Results are never written while the worker runs (a huge batch, a long interval).
    config = WorkerConfig(concurrency=8, flush_size=1000, flush_interval=60, max_unconfirmed=5)
    worker = worker_of(db, sender, Pacer(global_rate=None), config=config)
    await worker.start()
    try:
        await _until(lambda: len(sender.sent) >= 5)
        await asyncio.sleep(0.3)
        assert len(sender.sent) == 5  # the sixth waits for the first results to be recorded
    finally:
        await worker.stop()
    counts = await outbox.counts(db, article_id=article)
    assert (counts.sent, counts.pending) == (5, 45)


async def test_a_chat_that_must_wait_does_not_hold_the_line(db: Database) -> None:
    """Three articles for chat 7 first, then one for 30 other chats, with ONE sender: chat 7's
    second and third messages wait for its 1 message per interval, the others go meanwhile."""
    await _push(db, [[7], [7], [7], list(range(1000, 1030))])
    sender = RecordingSender()
    pacer = Pacer(global_rate=None, private_interval=0.5)
    worker = worker_of(db, sender, pacer, config=WorkerConfig(concurrency=1))
    await worker.start()
    try:
        await _until(lambda: len(sender.sent) == 33)
    finally:
        await worker.stop()
    assert sender.sent == [7, *range(1000, 1030), 7, 7]


@pytest.mark.parametrize(("hour", "minute", "quiet"), [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (5, 59, True), (6, 0, False),
    (12, 0, False),
])
async def test_quiet_hours(db: Database, hour: int, minute: int, quiet: bool) -> None:
    worker = worker_of(db, RecordingSender(), Pacer(global_rate=None))
    moment = datetime(2024, 12, 15, hour, minute, tzinfo=TZ).timestamp()
    assert worker.is_quiet(moment) is quiet


async def test_the_governor_follows_loop_lag() -> None:
    governor = SendGovernor(32, minimum=2, target=0.01, start=32)
    for _ in range(20):
        governor.observe(0.2)  # the loop is late: fewer sends at once
    assert governor.limit == 2
    for _ in range(10):
        governor.observe(0.0)  # on time again: one more each time
    assert governor.limit == 12
    entered = 0

    async def one() -> None:
        nonlocal entered
        await governor.enter()
        entered += 1

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert entered == 12
    assert governor.active == 12
    governor.leave()
    await asyncio.sleep(0.01)
    assert entered == 13
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _feed(governor: SendGovernor, rtt: float, sends: int, *, busy: bool = True) -> None:
    for _ in range(sends):
        governor.observe_rtt(rtt, busy=busy)


def test_the_governor_climbs_while_round_trips_stay_short() -> None:
    # A network-bound push: the round trip does not grow with the sends in flight.
    governor = SendGovernor(64, start=4)
    assert governor.limit == 4
    for _ in range(40):
        _feed(governor, 0.1, governor.limit)
    assert governor.limit == 64


def test_the_governor_settles_where_round_trips_start_to_grow() -> None:
    # A CPU-bound push: beyond 6 sends at once, each one only queues (the round trip grows
    # in proportion, the rate stays). The limit must stay near 6 (with the few queued sends
    # the rule allows), never climb to 32.
    governor = SendGovernor(32, start=4)

    def rtt(limit: int) -> float:
        return 0.004 * max(1.0, limit / 6)

    seen = []
    for _ in range(200):
        _feed(governor, rtt(governor.limit), max(8, governor.limit))
        seen.append(governor.limit)
    assert min(seen[-50:]) >= 4
    assert max(seen[-50:]) <= 14
    assert governor.highest < 32


def test_the_governor_learns_nothing_from_windows_it_did_not_fill() -> None:
    # Sends held back by the pacer (limits on): the limit in use is not what limits them.
    governor = SendGovernor(32, start=4)
    for _ in range(50):
        _feed(governor, 0.5, 8, busy=False)  # long round trips, but the limit was not in use
    assert governor.limit == 4


def test_the_lower_of_the_two_rules_applies() -> None:
    governor = SendGovernor(32, minimum=2, target=0.01, start=32)
    assert governor.limit == 32
    governor.observe(0.2)
    assert governor.limit == 24
    assert governor.rtt_limit == 32
