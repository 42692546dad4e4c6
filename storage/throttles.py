"""The rate of a throttled bot account (Zalo), shared by every process sending on it
(PostgreSQL only: `send_throttle`).

Zalo publishes no rate limit, so the bot finds it: every 429 cuts the account's rate, quiet
time brings it back (bot/zalo/throttle.py has the rule and its reasons). Several processes
sending on one account must slow down and recover together, or each would keep sending at its
own rate after another one was told "too much". Each decision is one statement that reads and
changes the row at once, in the server's clock, so two processes seeing the same burst of 429s
cut once (`gap`), and the rate climbs back one step per `every` seconds whoever asks.
SQLite has one process: its throttle is in memory and never comes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Conn

# The statement's start: one moment for the whole statement.
_NOW = "extract(epoch from statement_timestamp())"


@dataclass(frozen=True, slots=True)
class Rule:
    """How the rate moves (bot/zalo/throttle.py `Throttle`'s numbers)."""

    configured: float  # messages per second at most (the setting)
    floor: float  # never cut below this
    decrease: float  # a cut multiplies the rate by this
    gap: float  # seconds: 429s closer than this to the last cut are the same congestion
    quiet: float  # seconds without a cut before the rate may climb
    every: float  # seconds between two steps up
    step: float  # messages per second added per step


def _real(n: int) -> str:
    """Parameter `n`, typed (the server cannot infer the type of `$1 * $2`)."""
    return f"CAST(?{n} AS DOUBLE PRECISION)"


async def cut(conn: Conn, account: str, rule: Rule) -> float:
    """A 429: cut the account's rate (unless it was cut less than `gap` ago); the rate now."""
    configured, floor, decrease, gap = _real(2), _real(3), _real(4), _real(5)
    # The stored rate is read at most at the configured one (the setting may have been lowered
    # since), and a cut never raises it (the floor may have been raised since).
    current = f"least(send_throttle.rate, {configured})"
    due = f"send_throttle.cut_at <= {_NOW} - {gap}"
    lower = f"least({current}, greatest({floor}, {current} * {decrease}))"
    async with conn.execute(
        f"""INSERT INTO send_throttle(account, rate, cut_at, changed_at)
            VALUES (?1, least({configured}, greatest({floor}, {configured} * {decrease})),
                    {_NOW}, {_NOW})
            ON CONFLICT (account) DO UPDATE SET
                rate = CASE WHEN {due} THEN {lower} ELSE send_throttle.rate END,
                changed_at = CASE WHEN {due} THEN {_NOW} ELSE send_throttle.changed_at END,
                cut_at = CASE WHEN {due} THEN {_NOW} ELSE send_throttle.cut_at END
            RETURNING least(rate, {configured}) AS rate""",
        (account, rule.configured, rule.floor, rule.decrease, rule.gap),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return float(row["rate"])


async def recover(conn: Conn, account: str, rule: Rule) -> float:
    """One step back up when it is due (quiet for `quiet` seconds, the last change `every`
    seconds ago); the rate now (the configured one when the account was never cut)."""
    configured, step, quiet, every = _real(2), _real(3), _real(4), _real(5)
    async with conn.execute(
        f"""WITH raised AS (
                UPDATE send_throttle SET rate = least({configured}, rate + {step}),
                                         changed_at = {_NOW}
                WHERE account = ?1 AND rate < {configured} AND cut_at <= {_NOW} - {quiet}
                  AND changed_at <= {_NOW} - {every}
                RETURNING rate)
            SELECT least(coalesce((SELECT rate FROM raised),
                                  (SELECT rate FROM send_throttle WHERE account = ?1),
                                  {configured}), {configured}) AS rate""",
        (account, rule.configured, rule.step, rule.quiet, rule.every),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return float(row["rate"])
