"""/stats: subscribers, articles, the last 24 hours of deliveries, sources and the push queue."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.admin import callbacks as cb
from bot.admin.broadcast import audience_text, channel_name
from bot.admin.format import duration, number, percent, when
from bot.admin.sources import health_lines
from bot.chat.common import Common
from bot.i18n import t
from bot.ingest.pipeline import Ingestor
from bot.message import Choice, Message, Notice, Text, Who
from storage import broadcasts, deliveries, sources, stats

DAY = 24 * 3600
_MAX_LIST = 12  # lines per list (categories, sources): /stats must fit one message


class Stats:
    """The figures admins watch."""

    def __init__(self, common: Common, ingestor: Callable[[], Ingestor | None],
                 uncertain_replies: Callable[[], int] = lambda: 0) -> None:
        self.common = common
        self.db = common.db
        self._ingestor = ingestor
        self._uncertain_replies = uncertain_replies

    async def show(self, who: Who) -> Message:
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Message(t(lang, "admin.refused"))
        return await self._render(lang, self.common.limits(who.chat.channel).text)

    async def redraw(self, who: Who) -> Notice:
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Notice(t(lang, "admin.refused"), alert=True)
        return Notice(t(lang, "admin.updated"),
                      edit=await self._render(lang, self.common.limits(who.chat.channel).text))

    async def _render(self, lang: str, room: int) -> Message:
        conn = self.db
        now = int(self.common.clock())
        n = lambda value: number(value, lang)  # noqa: E731
        lines: list[Text | str] = [t(lang, "admin.stats.title",
                                     when=when(now, self.common.tz))]

        people = await stats.chat_figures(conn)
        lines.append(t(lang, "admin.stats.chats", active=n(people.active),
                       inactive=n(people.inactive)))
        if people.by_language:
            lines.append(t(lang, "admin.stats.languages", items=" · ".join(
                f"{code} {n(count)}" for code, count in people.by_language)))
        if people.by_type:
            lines.append(t(lang, "admin.stats.types", items=" · ".join(
                f"{kind} {n(count)}" for kind, count in people.by_type)))
        if _several(c for c, _, _ in people.by_channel):  # Telegram and Zalo readers apart
            lines.append(t(lang, "admin.stats.channels", items=" · ".join(
                t(lang, "admin.stats.channel_item", channel=channel_name(channel),
                  active=n(active), inactive=n(inactive)).plain
                for channel, active, inactive in people.by_channel)))
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
        per_channel = await stats.deliveries_by_channel_since(conn, now - DAY)
        if _several(per_channel):
            lines.append(t(lang, "admin.stats.deliveries_channels", items=" · ".join(
                t(lang, "admin.stats.deliveries_channel", channel=channel_name(channel),
                  sent=n(counts.get("sent", 0)), failed=n(counts.get("failed", 0)),
                  skipped=n(counts.get("skipped", 0))).plain
                for channel, counts in per_channel.items())))
        reasons = await stats.failure_reasons_since(conn, now - DAY)
        lines += [f"   • {r[:120] or '?'}: {n(c)}" for r, c in reasons]
        # Timeouts after the request went out: the recipient may have the message twice.
        pushes = await deliveries.uncertain_since(conn, now - DAY)
        lines.append(t(lang, "admin.stats.uncertain", pushes=n(pushes),
                       replies=n(self._uncertain_replies())))

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
            audience = audience_text(lang, item)
            lines.append(t(lang, "admin.stats.broadcast_recent", id=item.id,
                           when=when(item.started_at, self.common.tz) or "?", audience=audience,
                           sent=n(item.sent_count), total=n(item.recipients),
                           failed=n(item.failed_count), admin=item.admin,
                           status=t(lang, f"admin.stats.status_{item.status}")))

        states = {s.name: s for s in await sources.list_all(conn)}
        ingestor = self._ingestor()
        names = sorted(set(states) | ({s.name for s in ingestor.sources} if ingestor else set()))
        lines.append("")
        lines.append(t(lang, "admin.stats.sources", count=n(len(names))))
        for name in names[:_MAX_LIST]:
            lines += health_lines(states.get(name), name, lang, self.common.tz, now)
        if len(names) > _MAX_LIST:
            lines.append(t(lang, "admin.stats.more", count=n(len(names) - _MAX_LIST)))
        return Message(_fit(lines, room), ((Choice(str(t(lang, "admin.button_update")),
                                                   action=cb.make(cb.STATS)),),))

    def _list(self, lang: str, key: str, items: list[tuple[str, int]]) -> list[Text | str]:
        if not items:
            return []
        lines: list[Text | str] = [t(lang, key)]
        lines += [f"   • {name}: {number(count, lang)}" for name, count in items[:_MAX_LIST]]
        if len(items) > _MAX_LIST:
            lines.append(t(lang, "admin.stats.more", count=number(len(items) - _MAX_LIST, lang)))
        return lines


def _several(channels: Iterable[str]) -> bool:
    """Whether figures per channel say anything (any channel but Telegram alone)."""
    found = set(channels)
    return bool(found) and found != {"telegram"}


def _fit(lines: list[Text | str], room: int) -> Text:
    """Join the lines, dropping whole lines from the end until the message's limit is met."""
    text = Text.join("\n", lines)
    while len(lines) > 1 and text.length > room:
        lines = lines[:-2] + ["…"]
        text = Text.join("\n", lines)
    return text
