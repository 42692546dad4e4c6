"""The Zalo channel's storage on both backends: numbered choices per chat, /stats counted per
channel; and (PostgreSQL, several processes) the throttled rate shared by every process sending
on one Zalo account, and the Throttle following it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.delivery.pacing import Pacer
from bot.delivery.shared_rate import DatabaseThrottle
from bot.message import ChatRef
from bot.zalo.throttle import Throttle
from storage import broadcasts, chats, choices, stats, throttles
from storage.db import Database, open_database
from storage.throttles import Rule
from tests.conftest import drop_postgres_database, new_postgres_database

Z1, Z2, T1, T2 = (ChatRef("zalo", "z1"), ChatRef("zalo", "z2"), ChatRef("telegram", "1"),
                  ChatRef("telegram", "2"))


async def test_numbered_choices_per_chat(db: Database) -> None:
    async with db.transaction() as tx:
        await choices.remember(tx, Z1, "m1", ["sub:1", "open:7"], now=5)
        await choices.remember(tx, Z2, None, ["lang:vi"], now=5)
        # The latest list replaces the previous one (its numbers only are valid).
        await choices.remember(tx, Z1, "m2", ["like:7", "sp:ab:2", "Tiếng Việt"], now=6)
    found = await choices.get(db, Z1)
    assert found is not None
    assert (found.message_id, found.actions, found.created_at) == (
        "m2", ("like:7", "sp:ab:2", "Tiếng Việt"), 6)
    other = await choices.get(db, Z2)
    assert other is not None
    assert (other.message_id, other.actions) == (None, ("lang:vi",))
    assert await choices.get(db, ChatRef("telegram", "z1")) is None  # another channel's chat
    async with db.transaction() as tx:
        await choices.forget(tx, Z1)
    assert await choices.get(db, Z1) is None
    assert await choices.get(db, Z2) is not None


async def test_a_damaged_list_of_choices_is_no_list(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO chat_choices(channel, chat_id, message_id, actions, "
                         "created_at) VALUES ('zalo', 'z1', NULL, 'not json', 1)")
        await tx.execute("INSERT INTO chat_choices(channel, chat_id, message_id, actions, "
                         "created_at) VALUES ('zalo', 'z2', NULL, '{\"a\": 1}', 1)")
    assert await choices.get(db, Z1) is None
    assert await choices.get(db, Z2) is None


async def test_stats_count_readers_and_deliveries_per_channel(db: Database) -> None:
    async with db.transaction() as tx:
        for chat in (Z1, Z2, T1, T2):
            await chats.ensure(tx, chat, "private", "vi", now=1)
        await chats.mark_inactive(tx, Z2, "blocked")
        notice = await broadcasts.create_draft(
            tx, admin_channel="zalo", admin_id="a", text='[["x"]]', photo=None,
            photo_channel=None, now=1)
        for number, (chat, status) in enumerate(
                ((Z1, "sent"), (Z2, "failed"), (T1, "sent"), (T2, "sent")), start=1):
            await tx.execute(
                "INSERT INTO deliveries(channel, chat_id, broadcast_id, status, created_at, "
                "finished_at) VALUES (?, ?, ?, ?, 1, ?)",
                (chat.channel, chat.id, notice, status, 100 + number))
    figures = await stats.chat_figures(db)
    assert figures.by_channel == (("telegram", 2, 0), ("zalo", 1, 1))
    assert (figures.active, figures.inactive) == (3, 1)
    assert await stats.deliveries_by_channel_since(db, 0) == {
        "telegram": {"sent": 2}, "zalo": {"sent": 1, "failed": 1}}
    assert await stats.deliveries_by_channel_since(db, 103) == {"telegram": {"sent": 2}}


# --- several processes: the shared throttled rate (PostgreSQL) ------------------------------

RULE = Rule(configured=10.0, floor=1.0, decrease=0.7, gap=3600.0, quiet=0.0, every=0.0,
            step=1.0)


@pytest.fixture
async def pg_url(postgres_server: str) -> AsyncIterator[str]:
    """A PostgreSQL database (the shared throttle is PostgreSQL's: SQLite has one process)."""
    url = await new_postgres_database(postgres_server)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.mark.postgres
async def test_a_cut_is_shared_once_per_burst_and_recovery_is_stepwise(pg_url: str) -> None:
    one, two = await _two_processes(pg_url)
    try:
        account = "zalo:42"
        # Never cut: the configured rate.
        assert await throttles.recover(one, account, RULE) == 10.0
        # Both processes see the same burst of 429s: one cut (within the gap).
        assert await throttles.cut(one, account, RULE) == pytest.approx(7.0)
        assert await throttles.cut(two, account, RULE) == pytest.approx(7.0)
        # Another account is not touched.
        assert await throttles.recover(two, "zalo:43", RULE) == 10.0
        # A gap of 0: every 429 is a new congestion; the floor holds.
        eager = Rule(**{**_fields(RULE), "gap": 0.0})
        rates = [await throttles.cut(two, account, eager) for _ in range(12)]
        assert rates[0] == pytest.approx(4.9)
        assert rates[-1] == 1.0
        # Quiet: each step up is one step, whichever process asks; never above the setting.
        steps = [await throttles.recover(p, account, RULE) for p in (one, two) * 6]
        assert steps[:3] == [2.0, 3.0, 4.0]
        assert steps[-1] == 10.0
        # Not quiet yet (the last cut was just now): no step.
        await throttles.cut(one, account, eager)
        patient = Rule(**{**_fields(RULE), "quiet": 3600.0})
        assert await throttles.recover(two, account, patient) == pytest.approx(7.0)
        # A lowered setting caps the stored rate at once.
        lowered = Rule(**{**_fields(RULE), "configured": 5.0})
        assert await throttles.recover(one, account, lowered) == 5.0
    finally:
        await one.close()
        await two.close()


@pytest.mark.postgres
async def test_throttles_of_two_processes_follow_one_rate(pg_url: str) -> None:
    one, two = await _two_processes(pg_url)
    try:
        pacers = [Pacer(global_rate=None, private_interval=0, group_per_minute=0)
                  for _ in range(2)]
        first, second = (
            Throttle(pacer, 10.0, shared=DatabaseThrottle(db, "zalo:7"), sync_every=0.0,
                     recover_after=3600.0)
            for pacer, db in zip(pacers, (one, two), strict=True))
        await first.load()
        await second.load()
        assert first.rate == second.rate == 10.0
        first.on_quota_exceeded()  # a 429 answered to the first process
        assert first.rate == pytest.approx(7.0)  # at once, locally
        await first.aclose()
        second.on_success()  # the second learns it at its next sync
        await second.aclose()
        assert second.rate == pytest.approx(7.0)
        assert pacers[1].global_rate == pytest.approx(7.0)
        # A restart starts at the account's rate, not at the setting.
        third = Throttle(Pacer(global_rate=None, private_interval=0, group_per_minute=0),
                         10.0, shared=DatabaseThrottle(one, "zalo:7"))
        await third.load()
        assert third.rate == pytest.approx(7.0)
    finally:
        await one.close()
        await two.close()


async def _two_processes(target: str) -> tuple[Database, Database]:
    """Two handles on one database, as two processes have (their own connections)."""
    one, two = await asyncio.gather(open_database(target), open_database(target))
    return one, two


def _fields(rule: Rule) -> dict[str, float]:
    return {name: getattr(rule, name) for name in Rule.__dataclass_fields__}


@pytest.mark.postgres
async def test_copy_db_carries_numbered_choices_and_a_broadcasts_channel(
        tmp_path: Path, postgres_server: str) -> None:
    from storage.copy import copy_database

    source = tmp_path / "bot.db"
    lite = await open_database(source)
    try:
        async with lite.transaction() as tx:
            await choices.remember(tx, Z1, "m2", ["sub:1", "open:7"], now=6)
            draft = await broadcasts.create_draft(
                tx, admin_channel="zalo", admin_id="zalo-admin-1", text='[["x"]]', photo=None,
                photo_channel=None, now=1)
            assert await broadcasts.set_audience_channel(tx, draft, "zalo")
    finally:
        await lite.close()
    target = await new_postgres_database(postgres_server, empty=True)
    try:
        report = await copy_database(source, target)
        assert report.counts["chat_choices"] == 1
        copy = await open_database(target)
        try:
            found = await choices.get(copy, Z1)
            assert found is not None
            assert (found.message_id, found.actions) == ("m2", ("sub:1", "open:7"))
            copied = await broadcasts.get(copy, draft)
            assert copied is not None
            assert (copied.audience_channel, copied.admin_id) == ("zalo", "zalo-admin-1")
        finally:
            await copy.close()
    finally:
        await drop_postgres_database(target)


async def test_zalo_admins_text_ids_are_kept_by_every_admin_column(db: Database) -> None:
    """Zalo user ids are text ("6ede9afa66b8", or all digits, kept as the admin typed them
    on PostgreSQL): a broadcast's admin and canceller, an admin's cluster answer, the admin a
    cluster question was asked of."""
    from bot.message import UserRef
    from storage import cluster_facts, cluster_review
    from storage.cluster_facts import NewFact

    admin = "6ede9afa66b8"
    async with db.transaction() as tx:
        sent = await broadcasts.create_draft(
            tx, admin_channel="zalo", admin_id=admin, text='[["x"]]', photo=None,
            photo_channel=None, now=1)
        assert await broadcasts.start(tx, sent, category_id=None, audience=None, now=2,
                                      left_out=0)
        assert await broadcasts.cancel(tx, sent, admin_id=admin, now=3)
        await cluster_facts.set_admin(
            tx, NewFact("so 1", "số 1", 2024, "leader", "Hội Nông dân", "hoi nong dan"),
            admin_id=admin, now=4)
        await cluster_review.record_ask(tx, UserRef("zalo", admin), 1, now=5)
    stored = await broadcasts.get(db, sent)
    assert stored is not None
    assert (stored.admin_channel, stored.admin_id, stored.cancelled_by) == ("zalo", admin, admin)
    (fact,) = await cluster_facts.of_year(db, 2024)
    assert fact.admin_id == admin
    ask = await cluster_review.last_ask(db, UserRef("zalo", admin))
    assert ask is not None
    assert await cluster_review.last_ask(db, UserRef("telegram", admin)) is None
