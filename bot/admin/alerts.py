"""Error alerts: errors anywhere in the bot reach the first admin's chat, short and aggregated.

`AdminAlertHandler` is a logging handler (level ERROR) on the root logger, so it sees what the
error handler logs for handlers and jobs and what any module logs as an error. A burst never
floods the admin's chat: the first error of a minute is forwarded at once; the others of that
minute are only counted (per logger), and one summary says how many there were and where, when
the minute is over. The full records stay in the log. Alerts never carry the token: the text
goes through `redact()` (the token and anything token-shaped) before it leaves the process.
They are sent through the outbound path (paced with everything else, after the replies).

`health_alert_text` / `health_recovered_text`: the message every admin gets once when the bot is
stuck (deliveries pending and nothing sent for a while, no source working) and once when it is
well again; `bot.web.health` decides when.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, tzinfo

from bot.i18n import t
from bot.logs import redact
from bot.message import Text
from bot.text.datefmt import format_local_datetime

log = logging.getLogger(__name__)

MAX_CHARS = 600  # of the error text in an alert (the log keeps everything)
_SUMMARY_PLACES = 3  # loggers named in a summary


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

    def window_left(self) -> float:
        """Seconds until the current window ends (0 when none is running)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.interval - self.clock())

    def drain(self) -> int:
        """The window is over: how many were held back (the summary's count), starting afresh."""
        held, self.suppressed = self.suppressed, 0
        if held:
            self._last = self.clock()  # the summary counts as this window's message
        return held


def alert_text(record: logging.LogRecord, lang: str, suppressed: int,
               secrets: Iterable[str] = ()) -> Text:
    """The alert for `record`: where, what (shortened, redacted), what was held back."""
    what = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        what += f"\n{type(error).__name__}: {error}"
    what = redact(what, secrets)
    if len(what) > MAX_CHARS:
        what = what[: MAX_CHARS - 1] + "…"
    text = t(lang, "admin.alert", where=record.name, what=what)
    if suppressed:
        text += "\n" + t(lang, "admin.alert_suppressed", count=suppressed)
    return text


class AdminAlertHandler(logging.Handler):
    """Forwards ERROR records to an admin through `send` (a coroutine taking the text)."""

    def __init__(self, send: Callable[[Text], Awaitable[object]], *,
                 loop: asyncio.AbstractEventLoop, lang: str, secrets: Iterable[str] = (),
                 limiter: AlertLimiter | None = None) -> None:
        super().__init__(level=logging.ERROR)
        self._send = send
        self._loop = loop
        self._lang = lang
        self._secrets = [s for s in secrets if s]
        self.limiter = limiter or AlertLimiter()
        self._held: Counter[str] = Counter()  # logger -> errors held back this window
        self._summary: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        # Our own failures to deliver an alert must not produce alerts (a loop).
        if record.name == __name__ or self._loop.is_closed():
            return
        try:
            suppressed = self.limiter.offer()
            if suppressed is None:
                self._loop.call_soon_threadsafe(self._hold, record.name)
                return
            text = alert_text(record, self._lang, suppressed, self._secrets)
            self._loop.call_soon_threadsafe(self._start, text)
        except Exception:  # logging must never raise into the code that logged
            self.handleError(record)

    def _hold(self, where: str) -> None:
        self._held[where] += 1
        if self._summary is None:
            self._summary = self._loop.call_later(self.limiter.window_left(), self._summarise)

    def _summarise(self) -> None:
        self._summary = None
        count = self.limiter.drain()
        held, self._held = self._held, Counter()
        if not count:
            return
        where = ", ".join(f"{name} ×{n}" for name, n in held.most_common(_SUMMARY_PLACES))
        self._start(t(self._lang, "admin.alert_summary", count=count, where=where))

    def _start(self, text: Text) -> None:
        task = self._loop.create_task(self._deliver(text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, text: Text) -> None:
        try:
            await self._send(text)
        except Exception as exc:
            log.warning("could not send an error alert to the admin: %s",
                        redact(str(exc), self._secrets))

    async def aclose(self) -> None:
        """Wait briefly for alerts being sent, then drop the rest (and any pending summary)."""
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=2)
            for task in pending:
                task.cancel()


def health_alert_text(problems: Iterable[str], lang: str, tz: tzinfo, *, queue: int,
                      checked_at: float, since: dict[str, float | None]) -> Text:
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
    return Text.join("\n", lines)


def health_recovered_text(lang: str, tz: tzinfo, *, checked_at: float) -> Text:
    return t(lang, "health.recovered", when=_local(checked_at, tz))


def _local(moment: float, tz: tzinfo) -> str:
    return format_local_datetime(datetime.fromtimestamp(moment, UTC), tz)
