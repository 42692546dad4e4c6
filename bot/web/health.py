"""Is the bot alive? What "stuck" means, the /healthz answer, and telling the admins once.

Stuck (SPEC section 12; "silent stops" noticed weeks later are what this is for):
- deliveries: messages are pending and nothing was sent successfully for `stuck_after` seconds
  (counted from the later of the last successful send and the moment this process first saw
  the queue non-empty, so a push queued after a quiet week is not "stuck" at once, and a
  restart gives the worker `stuck_after` seconds to show it works);
- sources: every configured, unpaused source failed its latest poll, and none has succeeded for
  `stuck_after` seconds (counted from this process's start when none ever did);
- the database does not answer.

`assess` is pure (figures in, problems out). `HealthMonitor` reads the figures (for /healthz on
each request, and every `interval` seconds on its own) and calls `alert` once when the bot
becomes stuck and `recovered` once when it is well again; an alert that could not be delivered
is tried again at the next check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from storage import health as figures_store
from storage import sources as sources_store
from storage.db import Database

log = logging.getLogger(__name__)

DATABASE = "database"
DELIVERIES_STUCK = "deliveries_stuck"
SOURCES_FAILING = "sources_failing"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    ok: bool  # its latest poll worked
    paused: bool
    last_success_at: int | None


@dataclass(frozen=True, slots=True)
class HealthFigures:
    """What the database says right now (`database_ok` False: nothing else could be read)."""

    database_ok: bool
    queue: int = 0
    last_push_at: int | None = None
    sources: tuple[SourceHealth, ...] = ()

    @property
    def last_ingest_at(self) -> int | None:
        times = [s.last_success_at for s in self.sources if s.last_success_at is not None]
        return max(times) if times else None


@dataclass(frozen=True, slots=True)
class HealthReport:
    figures: HealthFigures
    problems: tuple[str, ...]
    checked_at: float
    stuck_since: dict[str, float | None] = field(default_factory=dict)  # problem -> since when

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The /healthz body: small, nothing private (no chats, no users)."""
        f = self.figures
        return {
            "status": "ok" if self.ok else "stuck",
            "problems": list(self.problems),
            "database": f.database_ok,
            "queue": f.queue,
            "last_push": _iso(f.last_push_at),
            "last_ingest": _iso(f.last_ingest_at),
            "sources": {"total": len(f.sources),
                        "failing": sum(1 for s in f.sources if not s.ok and not s.paused),
                        "paused": sum(1 for s in f.sources if s.paused)},
            "checked_at": _iso(self.checked_at),
        }


def assess(figures: HealthFigures, *, now: float, stuck_after: float,
           queue_seen_since: float | None, started_at: float) -> tuple[tuple[str, ...],
                                                                    dict[str, float | None]]:
    """(problems, since when each is known: the last success it is counted from)."""
    if not figures.database_ok:
        return (DATABASE,), {DATABASE: None}
    problems: list[str] = []
    since: dict[str, float | None] = {}
    if figures.queue > 0:
        waiting_from = max(figures.last_push_at or 0, queue_seen_since or now)
        if now - waiting_from >= stuck_after:
            problems.append(DELIVERIES_STUCK)
            since[DELIVERIES_STUCK] = figures.last_push_at
    active = [s for s in figures.sources if not s.paused]
    if active and not any(s.ok for s in active):
        newest = max((s.last_success_at or 0 for s in active), default=0)
        if now - max(newest, started_at) >= stuck_after:
            problems.append(SOURCES_FAILING)
            since[SOURCES_FAILING] = newest or None
    return tuple(problems), since


async def read_figures(db: Database, source_names: frozenset[str] | None = None,
                       timeout: float = 5.0) -> HealthFigures:  # noqa: ASYNC109
    """The figures, or `database_ok=False` when the database does not answer in `timeout` s.

    `source_names`: the configured sources (rows of sources removed from the file are ignored).
    """
    try:
        async with asyncio.timeout(timeout):
            conn = db
            await figures_store.ping(conn)
            queue = await figures_store.pending_deliveries(conn)
            last_push = await figures_store.last_sent_at(conn)
            states = await sources_store.list_all(conn)
    except Exception as exc:
        log.warning("health: the database does not answer: %s: %s", type(exc).__name__, exc)
        return HealthFigures(database_ok=False)
    return HealthFigures(
        database_ok=True, queue=queue, last_push_at=last_push,
        sources=tuple(SourceHealth(s.name, s.consecutive_failures == 0, s.paused,
                                   s.last_success_at)
                      for s in states if source_names is None or s.name in source_names))


Notify = Callable[[HealthReport], Awaitable[bool]]


class HealthMonitor:
    """Checks on demand (/healthz) and every `interval` seconds; alerts once per episode."""

    def __init__(self, db: Database, *, stuck_after: float, interval: float = 30.0,
                 source_names: frozenset[str] | None = None, alert: Notify | None = None,
                 recovered: Notify | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.stuck_after = stuck_after
        self.interval = interval
        self.source_names = source_names
        self.alert = alert
        self.recovered = recovered
        self.clock = clock
        self.started_at = clock()
        self.fresh_for = min(1.0, interval)
        self.alerted = False  # the admins know about the current episode
        self.alerts_sent = 0
        self._queue_seen_since: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.last: HealthReport | None = None

    async def check(self) -> HealthReport:
        """Read the figures and judge them; a report younger than `fresh_for` is reused, so a
        flood of probes costs the database at most one read per `fresh_for` seconds."""
        last = self.last
        if last is not None and 0 <= self.clock() - last.checked_at < self.fresh_for:
            return last
        figures = await read_figures(self.db, self.source_names)
        now = self.clock()
        if figures.database_ok:
            if figures.queue == 0:
                self._queue_seen_since = None
            elif self._queue_seen_since is None:
                self._queue_seen_since = now
        problems, since = assess(figures, now=now, stuck_after=self.stuck_after,
                                 queue_seen_since=self._queue_seen_since,
                                 started_at=self.started_at)
        report = HealthReport(figures, problems, now, since)
        if problems and (self.last is None or self.last.problems != problems):
            log.warning("health: stuck: %s (queue %d)", ", ".join(problems), figures.queue)
        elif not problems and self.last is not None and self.last.problems:
            log.warning("health: well again")
        self.last = report
        return report

    async def tick(self) -> HealthReport:
        """One check, and the alert or all-clear it calls for."""
        report = await self.check()
        if report.problems and not self.alerted and self.alert is not None:
            self.alerted = await self._notify(self.alert, report)
            self.alerts_sent += int(self.alerted)
        elif not report.problems and self.alerted:
            self.alerted = False
            if self.recovered is not None:
                await self._notify(self.recovered, report)
        return report

    async def _notify(self, notify: Notify, report: HealthReport) -> bool:
        try:
            return await notify(report)
        except Exception as exc:  # tried again at the next check
            log.warning("health: could not tell the admins: %s: %s", type(exc).__name__, exc)
            return False

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="health")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a bug here must not end the checks
                log.exception("health: the check failed")
            await asyncio.sleep(self.interval)


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")
