"""/sources: each source's health, pausing and resuming it, and refreshing it on demand."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.admin import callbacks as cb
from bot.admin.broadcast import AdminConfig
from bot.admin.format import duration, number, when
from bot.chat.reply import Notice, Reply, Who
from bot.delivery.card import Button
from bot.i18n import t
from bot.ingest.pipeline import Ingestor
from storage import chats, sources
from storage.db import Database
from storage.sources import SourceState

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 160


@dataclass(frozen=True, slots=True)
class Resolved:
    """A source button resolved: the source's name and the asker's language, or a refusal."""

    lang: str
    name: str | None = None
    notice: Notice | None = None


def health_lines(state: SourceState | None, name: str, lang: str, config: AdminConfig,
                 now: int) -> list[str]:
    """A source's health in two or three lines of HTML (name, status, last error)."""
    quoted = html.escape(name)
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
    success = when(state.last_success_at, config.tz) or t(lang, "admin.src.no_success")
    lines = [head, t(lang, "admin.src.last_success", when=success,
                     articles=number(state.articles_total, lang),
                     errors=number(state.errors_total, lang))]
    if state.last_error:
        reason = state.last_error[:_MAX_ERROR_CHARS]
        lines.append(t(lang, "admin.src.last_error", when=when(state.last_error_at, config.tz)
                       or "?", reason=html.escape(reason)))
    return lines


class SourcesAdmin:
    """The sources as admins see and steer them."""

    def __init__(self, db: Database, config: AdminConfig,
                 ingestor: Callable[[], Ingestor | None],
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.config = config
        self._ingestor = ingestor
        self.clock = clock
        self._refreshing: set[str] = set()

    def is_admin(self, who: Who) -> bool:
        return who.user_id is not None and who.user_id in self.config.admin_ids

    async def _lang(self, chat_id: int) -> str:
        chat = await chats.get(self.db.conn, chat_id)
        return chat.language if chat is not None else self.config.default_language

    async def _known(self) -> dict[str, SourceState | None]:
        """Configured sources and those the database remembers, by name."""
        states = {s.name: s for s in await sources.list_all(self.db.conn)}
        ingestor = self._ingestor()
        names = set(states) | ({s.name for s in ingestor.sources} if ingestor else set())
        return {name: states.get(name) for name in sorted(names)}

    async def listing(self, who: Who) -> Reply:
        """Every source with its health, and pause/resume/refresh buttons."""
        lang = await self._lang(who.chat_id)
        if not self.is_admin(who):
            return Reply(t(lang, "admin.refused"))
        return await self._listing(lang)

    async def _listing(self, lang: str) -> Reply:
        known = await self._known()
        if not known:
            return Reply(t(lang, "admin.src.none"))
        now = int(self.clock())
        blocks = [t(lang, "admin.src.title", count=number(len(known), lang))]
        rows: list[tuple[Button, ...]] = []
        for name, state in known.items():
            blocks.append("\n".join(health_lines(state, name, lang, self.config, now)))
            paused = state is not None and state.paused
            toggle = Button(
                t(lang, "admin.src.button_resume" if paused else "admin.src.button_pause",
                  name=name),
                callback_data=cb.make(cb.RESUME if paused else cb.PAUSE, source=name))
            refresh = Button(t(lang, "admin.src.button_refresh"),
                             callback_data=cb.make(cb.REFRESH, source=name))
            rows.append((toggle, refresh))
        rows.append((Button(t(lang, "admin.button_update"), callback_data=cb.make(cb.SOURCES)),))
        return Reply("\n\n".join(blocks), tuple(rows))

    async def redraw(self, who: Who) -> Notice:
        lang = await self._lang(who.chat_id)
        if not self.is_admin(who):
            return Notice(t(lang, "admin.refused"), alert=True)
        return Notice(t(lang, "admin.updated"), edit=await self._listing(lang))

    async def resolve(self, who: Who, key: str) -> Resolved:
        """Which source a button means, after checking the asker is an admin."""
        lang = await self._lang(who.chat_id)
        if not self.is_admin(who):
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
                      edit=await self._listing(found.lang))

    def refreshing(self, lang: str, name: str) -> Reply:
        return Reply(t(lang, "admin.src.refreshing", name=html.escape(name)))

    def is_refreshing(self, name: str) -> bool:
        return name in self._refreshing

    async def refresh(self, who: Who, name: str) -> Reply:
        """Poll one source now (ignoring its back-off) and say what came of it."""
        lang = await self._lang(who.chat_id)
        quoted = html.escape(name)
        if not self.is_admin(who):
            return Reply(t(lang, "admin.refused"))
        ingestor = self._ingestor()
        if ingestor is None or all(s.name != name for s in ingestor.sources):
            return Reply(t(lang, "admin.src.not_configured", name=quoted))
        if name in self._refreshing:
            return Reply(t(lang, "admin.src.already_refreshing", name=quoted))
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
            return Reply(t(lang, "admin.src.not_configured", name=quoted))
        if result.skipped:
            return Reply(t(lang, "admin.src.refresh_skipped", name=quoted,
                           reason=html.escape(result.skipped)))
        if result.errors and not (result.new or result.seen):
            text = t(lang, "admin.src.refresh_failed", name=quoted, seconds=took)
        else:
            text = t(lang, "admin.src.refresh_done", name=quoted, new=number(result.new, lang),
                     seen=number(result.seen, lang), seconds=took)
        if result.errors:
            shown = "; ".join(e[:_MAX_ERROR_CHARS] for e in result.errors[:3])
            text += "\n" + t(lang, "admin.src.refresh_errors",
                             count=number(len(result.errors), lang), errors=html.escape(shown))
        return Reply(text)
