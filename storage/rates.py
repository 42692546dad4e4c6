"""The send rate shared by every process sending on one bot account (PostgreSQL only).

`send_rate` holds, per account, the next free slot of the account's schedule in the server's
clock (epoch seconds). A process reserves a run of `count` slots `interval` apart in one
statement: the run starts at the next free slot or now, whichever is later, and the next free
slot moves past it. Two processes therefore never get overlapping runs, and together they
never send faster than the schedule allows (bot/delivery/shared_rate.py turns the answer into
the process's own clock). A flood-control pause (429) pushes the next free slot past it for
everyone. SQLite has one process and no such table: its pacer is local.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn

# The statement's start: one moment for the whole statement.
_NOW = "extract(epoch from statement_timestamp())"


@dataclass(frozen=True, slots=True)
class Run:
    """Slots reserved: the first at `start`, while the server's clock said `server_now`."""

    start: float
    server_now: float


async def reserve(conn: Conn, account: str, count: int, interval: float) -> Run:
    async with conn.execute(
        f"""INSERT INTO send_rate(account, next_slot) VALUES (?, {_NOW} + ?)
            ON CONFLICT (account) DO UPDATE SET
                next_slot = greatest(send_rate.next_slot, {_NOW}) + ?
            RETURNING next_slot - ? AS start, {_NOW} AS server_now""",
        (account, count * interval, count * interval, count * interval),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return Run(float(row["start"]), float(row["server_now"]))


async def pause(conn: Conn, account: str, seconds: float) -> None:
    """Nobody sends on `account` for `seconds` from now (slots already reserved excepted)."""
    await conn.execute(
        f"""INSERT INTO send_rate(account, next_slot) VALUES (?, {_NOW} + ?)
            ON CONFLICT (account) DO UPDATE SET
                next_slot = greatest(send_rate.next_slot, excluded.next_slot)""",
        (account, seconds),
    )
