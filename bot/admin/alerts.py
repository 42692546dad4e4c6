"""Error alerts: errors anywhere in the bot reach the first admin's chat, short and rate-limited.

`AdminAlertHandler` is a logging handler (level ERROR) on the root logger, so it sees what the
error handler logs for handlers and jobs and what any module logs as an error. It forwards one
alert per `interval` (default a minute) and counts the rest, which the next alert mentions; the
full record stays in the log. Alerts never carry the token: the text goes through `redact()`
(the token and anything token-shaped) before it leaves the process.

`health_alert_text` / `health_recovered_text`: the message every admin gets once when the bot is
stuck (deliveries pending and nothing sent for a while, no source working) and once when it is
well again; `bot.web.health` decides when.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, tzinfo

from bot.i18n import t
from bot.logs import redact
from bot.text.datefmt import format_local_datetime

log = logging.getLogger(__name__)

MAX_CHARS = 600  # of the error text in an alert (the log keeps everything)


class AlertLimiter:
    """At most one alert per `interval` seconds; counts what it holds back."""

    def __init__(self, interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self.suppressed = 0

    def offer(self) -> int | None:
        """None: hold this one back; else send it, with the number held back since the last."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.suppressed += 1
            return None
        self._last = now
        held, self.suppressed = self.suppressed, 0
        return held


def alert_text(record: logging.LogRecord, lang: str, suppressed: int,
               secrets: Iterable[str] = ()) -> str:
    """The alert for `record`: where, what (shortened, redacted, escaped), what was held back."""
    what = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        what += f"\n{type(error).__name__}: {error}"
    what = redact(what, secrets)
    if len(what) > MAX_CHARS:
        what = what[: MAX_CHARS - 1] + "…"
    text = t(lang, "admin.alert", where=html.escape(record.name), what=html.escape(what))
    if suppressed:
        text += "\n" + t(lang, "admin.alert_suppressed", count=suppressed)
    return text


class AdminAlertHandler(logging.Handler):
    """Forwards ERROR records to an admin through `send` (a coroutine taking the HTML text)."""

    def __init__(self, send: Callable[[str], Awaitable[object]], *,
                 loop: asyncio.AbstractEventLoop, lang: str, secrets: Iterable[str] = (),
                 limiter: AlertLimiter | None = None) -> None:
        super().__init__(level=logging.ERROR)
        self._send = send
        self._loop = loop
        self._lang = lang
        self._secrets = [s for s in secrets if s]
        self.limiter = limiter or AlertLimiter()
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        # Our own failures to deliver an alert must not produce alerts (a loop).
        if record.name == __name__ or self._loop.is_closed():
            return
        try:
            suppressed = self.limiter.offer()
            if suppressed is None:
                return
            text = alert_text(record, self._lang, suppressed, self._secrets)
            self._loop.call_soon_threadsafe(self._start, text)
        except Exception:  # logging must never raise into the code that logged
            self.handleError(record)

    def _start(self, text: str) -> None:
        task = self._loop.create_task(self._deliver(text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, text: str) -> None:
        try:
            await self._send(text)
        except Exception as exc:
            log.warning("could not send an error alert to the admin: %s",
                        redact(str(exc), self._secrets))

    async def aclose(self) -> None:
        """Wait briefly for alerts being sent, then drop the rest."""
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=2)
            for task in pending:
                task.cancel()


def health_alert_text(problems: Iterable[str], lang: str, tz: tzinfo, *, queue: int,
                      checked_at: float, since: dict[str, float | None]) -> str:
    """The admins' message when the bot is stuck (bot/web/health.py decides when)."""
    lines = [t(lang, "health.stuck", when=_local(checked_at, tz))]
    for problem in problems:
        moment = since.get(problem)
        if problem == "deliveries_stuck":
            key = "health.deliveries_stuck" if moment else "health.deliveries_stuck_never"
            lines.append(t(lang, key, queue=queue, since=_local(moment, tz) if moment else ""))
        elif problem == "sources_failing":
            key = "health.sources_failing" if moment else "health.sources_failing_never"
            lines.append(t(lang, key, since=_local(moment, tz) if moment else ""))
        elif problem == "database":
            lines.append(t(lang, "health.database"))
    return "\n".join(lines)


def health_recovered_text(lang: str, tz: tzinfo, *, checked_at: float) -> str:
    return t(lang, "health.recovered", when=_local(checked_at, tz))


def _local(moment: float, tz: tzinfo) -> str:
    return format_local_datetime(datetime.fromtimestamp(moment, UTC), tz)
