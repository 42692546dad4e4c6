"""/sources: each source's health, pausing and resuming it, and refreshing it on demand."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from bot.admin import callbacks as cb
from bot.admin.format import duration, number, when
from bot.chat.common import Common
from bot.chat.listing import fit_entries
from bot.i18n import t
from bot.ingest.pipeline import Ingestor
from bot.message import Choice, Message, Notice, Text, Who
from storage import sources
from storage.sources import SourceState

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 160


@dataclass(frozen=True, slots=True)
class Resolved:
    """A source button resolved: the source's name and the asker's language, or a refusal."""

    lang: str
    name: str | None = None
    notice: Notice | None = None


def health_lines(state: SourceState | None, name: str, lang: str, tz: tzinfo,
                 now: int) -> list[Text]:
    """A source's health in two or three lines (name, status, last error)."""
    quoted = name
    if state is None:
        return [t(lang, "admin.src.never", name=quoted)]
    if state.paused:
        head = t(lang, "admin.src.paused", name=quoted)
    elif state.backoff_until and state.backoff_until > now:
        head = t(lang, "admin.src.backing_off", name=quoted,
                 failures=number(state.consecutive_failures, lang),
                 wait=duration(state.backoff_until - now, lang))
    elif state.last_error_at and (state.last_success_at is None
                                  or state.last_error_at > state.last_success_at):
        head = t(lang, "admin.src.failing", name=quoted)
    else:
        head = t(lang, "admin.src.ok", name=quoted)
    success = when(state.last_success_at, tz) or t(lang, "admin.src.no_success")
    lines = [head, t(lang, "admin.src.last_success", when=success,
                     articles=number(state.articles_total, lang),
                     errors=number(state.errors_total, lang))]
    if state.last_error:
        reason = state.last_error[:_MAX_ERROR_CHARS]
        lines.append(t(lang, "admin.src.last_error", when=when(state.last_error_at, tz)
                       or "?", reason=reason))
    return lines


class SourcesAdmin:
    """The sources as admins see and steer them."""

    def __init__(self, common: Common, ingestor: Callable[[], Ingestor | None]) -> None:
        self.common = common
        self.db = common.db
        self._ingestor = ingestor
        self._refreshing: set[str] = set()

    async def _known(self) -> dict[str, SourceState | None]:
        """Configured sources and those the database remembers, by name."""
        states = {s.name: s for s in await sources.list_all(self.db)}
        ingestor = self._ingestor()
        names = set(states) | ({s.name for s in ingestor.sources} if ingestor else set())
        return {name: states.get(name) for name in sorted(names)}

    async def listing(self, who: Who) -> Message:
        """Every source with its health, and pause/resume/refresh buttons."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Message(t(lang, "admin.refused"))
        return await self._listing(lang, who)

    async def _listing(self, lang: str, who: Who) -> Message:
        """The sources that fit one message (text and buttons: bot/chat/listing.py), the rest
        counted."""
        known = await self._known()
        if not known:
            return Message(t(lang, "admin.src.none"))
        limits = self.common.limits(who.chat.channel)
        now = int(self.common.clock())
        head = [t(lang, "admin.src.title", count=number(len(known), lang))]
        entries = [Text.join("\n", health_lines(state, name, lang, self.common.tz, now))
                   for name, state in known.items()]
        beyond = max(0, len(entries) - (limits.choices - 1) // 2)  # two buttons each, "update"
        text, shown = fit_entries(
            head, entries[:len(entries) - beyond], limits.text, separator="\n\n",
            more=lambda n: t(lang, "admin.stats.more", count=number(n + beyond, lang)))
        if beyond and shown == len(entries) - beyond:
            text = Text.join("\n\n", [text, t(lang, "admin.stats.more",
                                              count=number(beyond, lang))])
        rows: list[tuple[Choice, ...]] = []
        for name, state in list(known.items())[:shown]:
            paused = state is not None and state.paused
            toggle = Choice(
                str(t(lang, "admin.src.button_resume" if paused else "admin.src.button_pause",
                      name=name)),
                action=cb.make(cb.RESUME if paused else cb.PAUSE, source=name))
            refresh = Choice(str(t(lang, "admin.src.button_refresh")),
                             action=cb.make(cb.REFRESH, source=name))
            rows.append((toggle, refresh))
        rows.append((Choice(str(t(lang, "admin.button_update")), action=cb.make(cb.SOURCES)),))
        return Message(text, tuple(rows))

    async def redraw(self, who: Who) -> Notice:
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Notice(t(lang, "admin.refused"), alert=True)
        return Notice(t(lang, "admin.updated"), edit=await self._listing(lang, who))

    async def resolve(self, who: Who, key: str) -> Resolved:
        """Which source a button means, after checking the asker is an admin."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Resolved(lang, notice=Notice(t(lang, "admin.refused"), alert=True))
        for name in await self._known():
            if cb.source_key(name) == key:
                return Resolved(lang, name)
        return Resolved(lang, notice=Notice(t(lang, "button.invalid")))

    async def set_paused(self, who: Who, key: str, paused: bool) -> Notice:
        """Pause or resume a source, and redraw the list."""
        found = await self.resolve(who, key)
        if found.name is None:
            assert found.notice is not None
            return found.notice
        async with self.db.transaction() as conn:
            if await sources.get(conn, found.name) is None:
                ingestor = self._ingestor()
                config = next((s for s in ingestor.sources if s.name == found.name), None) \
                    if ingestor else None
                if config is None:
                    return Notice(t(found.lang, "button.invalid"))
                await sources.upsert(conn, config.name, config.kind, config.location)
            await sources.set_paused(conn, found.name, paused)
        log.info("source %s: source=%s admin_id=%s", "paused" if paused else "resumed",
                 found.name, who.user_id)
        key_text = "admin.src.now_paused" if paused else "admin.src.now_resumed"
        return Notice(t(found.lang, key_text, name=found.name),
                      edit=await self._listing(found.lang, who))

    def refreshing(self, lang: str, name: str) -> Message:
        return Message(t(lang, "admin.src.refreshing", name=name))

    def is_refreshing(self, name: str) -> bool:
        return name in self._refreshing

    @property
    def busy(self) -> bool:
        """Whether a source is being fetched at an admin's request now (this process)."""
        return bool(self._refreshing)

    async def refresh(self, who: Who, name: str) -> Message:
        """Poll one source now (ignoring its back-off) and say what came of it."""
        lang = await self.common.language(who.chat)
        quoted = name
        if not self.common.is_admin(who):
            return Message(t(lang, "admin.refused"))
        ingestor = self._ingestor()
        if ingestor is None or all(s.name != name for s in ingestor.sources):
            return Message(t(lang, "admin.src.not_configured", name=quoted))
        if name in self._refreshing:
            return Message(t(lang, "admin.src.already_refreshing", name=quoted))
        self._refreshing.add(name)
        started = time.monotonic()
        try:
            report = await ingestor.run_once(only=name, respect_backoff=False)
        finally:
            self._refreshing.discard(name)
        log.info("source refreshed by an admin: source=%s admin_id=%s", name, who.user_id)
        took = f"{time.monotonic() - started:.1f}"
        result = next((s for s in report.sources if s.name == name), None)
        if result is None:
            return Message(t(lang, "admin.src.not_configured", name=quoted))
        if result.skipped:
            return Message(t(lang, "admin.src.refresh_skipped", name=quoted,
                           reason=result.skipped))
        if result.errors and not (result.new or result.seen):
            text = t(lang, "admin.src.refresh_failed", name=quoted, seconds=took)
        else:
            text = t(lang, "admin.src.refresh_done", name=quoted, new=number(result.new, lang),
                     seen=number(result.seen, lang), seconds=took)
        if result.errors:
            shown = "; ".join(e[:_MAX_ERROR_CHARS] for e in result.errors[:3])
            text += "\n" + t(lang, "admin.src.refresh_errors",
                             count=number(len(result.errors), lang), errors=shown)
        return Message(text)
