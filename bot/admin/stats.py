"""/stats: subscribers, articles, the last 24 hours of deliveries, sources and the push queue."""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from bot.admin import callbacks as cb
from bot.admin.broadcast import AdminConfig
from bot.admin.format import duration, number, percent, when
from bot.admin.sources import health_lines
from bot.chat.reply import Notice, Reply, Who
from bot.delivery.card import TEXT_LIMIT, Button, visible_length
from bot.i18n import t
from bot.ingest.pipeline import Ingestor
from storage import broadcasts, chats, deliveries, sources, stats
from storage.db import Database

DAY = 24 * 3600
_MAX_LIST = 12  # lines per list (categories, sources): /stats must fit one message


class Stats:
    """The figures admins watch."""

    def __init__(self, db: Database, config: AdminConfig,
                 ingestor: Callable[[], Ingestor | None],
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.config = config
        self._ingestor = ingestor
        self.clock = clock

    def is_admin(self, who: Who) -> bool:
        return who.user_id is not None and who.user_id in self.config.admin_ids

    async def _lang(self, chat_id: int) -> str:
        chat = await chats.get(self.db.conn, chat_id)
        return chat.language if chat is not None else self.config.default_language

    async def show(self, who: Who) -> Reply:
        lang = await self._lang(who.chat_id)
        if not self.is_admin(who):
            return Reply(t(lang, "admin.refused"))
        return await self._render(lang)

    async def redraw(self, who: Who) -> Notice:
        lang = await self._lang(who.chat_id)
        if not self.is_admin(who):
            return Notice(t(lang, "admin.refused"), alert=True)
        return Notice(t(lang, "admin.updated"), edit=await self._render(lang))

    async def _render(self, lang: str) -> Reply:
        conn = self.db.conn
        now = int(self.clock())
        n = lambda value: number(value, lang)  # noqa: E731
        lines = [t(lang, "admin.stats.title", when=when(now, self.config.tz))]

        people = await stats.chat_figures(conn)
        lines.append(t(lang, "admin.stats.chats", active=n(people.active),
                       inactive=n(people.inactive)))
        if people.by_language:
            lines.append(t(lang, "admin.stats.languages", items=" · ".join(
                f"{html.escape(code)} {n(count)}" for code, count in people.by_language)))
        if people.by_type:
            lines.append(t(lang, "admin.stats.types", items=" · ".join(
                f"{html.escape(kind)} {n(count)}" for kind, count in people.by_type)))
        lines += self._list(lang, "admin.stats.per_category",
                            await stats.subscribers_per_category(conn))

        per_source = await stats.articles_per_source(conn)
        lines.append("")
        lines.append(t(lang, "admin.stats.articles", total=n(sum(c for _, c in per_source))))
        lines += self._list(lang, "admin.stats.per_source", per_source)
        lines += self._list(lang, "admin.stats.per_category",
                            await stats.articles_per_category(conn))

        day = await stats.deliveries_since(conn, now - DAY)
        queue = await stats.queue(conn)
        lines.append("")
        lines.append(t(lang, "admin.stats.deliveries", sent=n(day.get("sent", 0)),
                       failed=n(day.get("failed", 0)), skipped=n(day.get("skipped", 0)),
                       cancelled=n(day.get("cancelled", 0)), pending=n(queue.total)))
        reasons = await stats.failure_reasons_since(conn, now - DAY)
        lines += [f"   • {html.escape(r[:120] or '?')}: {n(c)}" for r, c in reasons]

        lines.append(t(lang, "admin.stats.queue", total=n(queue.total),
                       articles=n(queue.articles), broadcasts=n(queue.broadcasts),
                       digests=n(queue.digests), retrying=n(queue.retrying)))
        if queue.oldest_created_at is not None:
            lines.append(t(lang, "admin.stats.queue_oldest",
                           age=duration(now - queue.oldest_created_at, lang)))
        for item in await broadcasts.list_by_status(conn, broadcasts.SENDING):
            counts = await deliveries.counts(conn, broadcast_id=item.id)
            lines.append(t(lang, "admin.stats.broadcast_sending", id=item.id,
                           sent=n(counts.sent), total=n(counts.total),
                           percent=percent(counts.finished, counts.total)))
        # The record of the latest broadcasts: who, when, audience, outcome.
        for item in await broadcasts.recent(conn):
            if item.status == broadcasts.SENDING:
                continue
            audience = (html.escape(item.audience) if item.audience
                        else t(lang, "admin.bc.everyone"))
            lines.append(t(lang, "admin.stats.broadcast_recent", id=item.id,
                           when=when(item.started_at, self.config.tz) or "?", audience=audience,
                           sent=n(item.sent_count), total=n(item.recipients),
                           failed=n(item.failed_count), admin=item.admin_id,
                           status=t(lang, f"admin.stats.status_{item.status}")))

        states = {s.name: s for s in await sources.list_all(conn)}
        ingestor = self._ingestor()
        names = sorted(set(states) | ({s.name for s in ingestor.sources} if ingestor else set()))
        lines.append("")
        lines.append(t(lang, "admin.stats.sources", count=n(len(names))))
        for name in names[:_MAX_LIST]:
            lines += health_lines(states.get(name), name, lang, self.config, now)
        if len(names) > _MAX_LIST:
            lines.append(t(lang, "admin.stats.more", count=n(len(names) - _MAX_LIST)))
        return Reply(_fit(lines), ((Button(t(lang, "admin.button_update"),
                                           callback_data=cb.make(cb.STATS)),),))

    def _list(self, lang: str, key: str, items: list[tuple[str, int]]) -> list[str]:
        if not items:
            return []
        lines = [t(lang, key)]
        lines += [f"   • {html.escape(name)}: {number(count, lang)}"
                  for name, count in items[:_MAX_LIST]]
        if len(items) > _MAX_LIST:
            lines.append(t(lang, "admin.stats.more", count=number(len(items) - _MAX_LIST, lang)))
        return lines


def _fit(lines: list[str]) -> str:
    """Join the lines, dropping whole lines from the end until Telegram's limit is met."""
    text = "\n".join(lines)
    while len(lines) > 1 and visible_length(text) > TEXT_LIMIT:
        lines = lines[:-2] + ["…"]
        text = "\n".join(lines)
    return text
