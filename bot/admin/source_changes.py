"""/addsource and /removesource: admins change the sources from the chat.

`/addsource <url> [category]` fetches the feed once, through the same guarded client as
ingestion (bot/ingest/fetch.py: deadline, size cap, redirects only to public addresses unless
the URL itself is internal), parses it like ingestion does, and shows a preview (the feed's
title, how many entries, their categories, the newest titles) with ✅ Thêm / ✖️ Hủy. Nothing is
stored but the preview until an admin confirms; then the source is recorded
(storage/chat_sources.py), polled at once (so its entries show in /latest), and polled with the
others from then on, in every process. `/removesource <name>` stops polling a source (file or
chat); its stored articles stay. How the chat's changes combine with the sources file:
bot/ingest/source_list.py.

Choices: "as:ok:<draft id>" adds, "as:no:<draft id>" discards (the draft's id: a URL does not
fit the 64 bytes of Telegram's callback data).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from bot.admin.format import number
from bot.chat.common import Common
from bot.config import Settings, SourceConfig
from bot.i18n import t
from bot.ingest.feeds import FeedParseError, parse_feed
from bot.ingest.fetch import FetchError, fetch
from bot.ingest.opml import OpmlFeed, export_opml
from bot.ingest.pipeline import Ingestor
from bot.ingest.source_list import combine
from bot.message import Choice, Document, Message, Notice, Text, UserRef, Who, bold
from bot.models import ParsedArticle
from storage import chat_sources
from storage.db import Database

log = logging.getLogger(__name__)

FAMILY = r"^as:"
_CHOICE = re.compile(r"^as:(ok|no):(\d{1,12})$", re.ASCII)
_MAX_URL = 2000
_NEWEST_SHOWN = 3
_CATEGORIES_SHOWN = 8
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class SourceChoice:
    confirm: bool
    draft_id: int


def parse_choice(data: str | None) -> SourceChoice | None:
    """An /addsource choice, None for anything else (forged or garbage)."""
    match = _CHOICE.fullmatch(data or "")
    if match is None:
        return None
    return SourceChoice(match.group(1) == "ok", int(match.group(2)))


def source_name(url: str, taken: set[str]) -> str:
    """A short unique name for a feed added from the chat: its host (without "www."), then
    "-2", "-3"... when that name is taken (names are used in logs, /sources and /stats)."""
    parts = urlsplit(url)
    host = (parts.hostname or "feed").removeprefix("www.")
    base = _NAME_CHARS.sub("-", host).strip("-.")[:56] or "feed"
    if not base[0].isalnum():
        base = "feed-" + base
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _is_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) \
        and len(url) <= _MAX_URL


class SourceChanges:
    """/addsource (preview, then confirm) and /removesource."""

    def __init__(self, common: Common, settings: Settings, http: httpx.AsyncClient,
                 ingestor: Callable[[], Ingestor | None]) -> None:
        self.common = common
        self.db = common.db
        self.settings = settings
        self.http = http
        self._ingestor = ingestor

    async def _names(self) -> dict[str, str]:
        """Every source polled now: name -> where it reads from."""
        ingestor = self._ingestor()
        if ingestor is None:
            return {}
        return {s.name: s.location for s in await ingestor.reload_sources()}

    async def add(self, who: Who, argument: str) -> Message:
        """Fetch the feed once and preview it, with choices to add it or not."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who) or who.user is None:
            return Message(t(lang, "admin.refused"))
        words = argument.split(maxsplit=1)
        if not words:
            return Message(t(lang, "admin.add.usage"))
        url = words[0]
        category = " ".join(words[1].split())[:100] if len(words) > 1 else None
        if not _is_feed_url(url):
            return Message(t(lang, "admin.add.not_url", url=url[:80]))
        if self._ingestor() is None:
            return Message(t(lang, "admin.add.no_sources_file"))
        known = await self._names()
        same = next((name for name, where in known.items() if where == url), None)
        if same is not None:
            return Message(t(lang, "admin.add.already", name=same))
        try:
            result = await fetch(self.http, url, etag=None, last_modified=None,
                                 max_bytes=self.settings.max_feed_bytes,
                                 deadline=self.settings.fetch_deadline)
            info: dict[str, str] = {}
            entries = await asyncio.to_thread(
                parse_feed, result.body, source="preview", tz=self.settings.tz,
                category=category, content_type=result.content_type, base_url=result.url,
                info=info)
        except (FetchError, FeedParseError) as exc:
            log.info("addsource preview failed: url=%s admin_id=%s: %s", url, who.user_id, exc)
            return Message(t(lang, "admin.add.failed", url=url, reason=str(exc)[:200]))
        name = source_name(url, set(known))
        async with self.db.transaction() as conn:
            draft = await chat_sources.add_draft(conn, name, url, category, admin=who.user,
                                                 now=int(self.common.clock()))
        return self._preview(lang, draft, name, url, category, info.get("title") or "—",
                             entries)

    def _preview(self, lang: str, draft: int, name: str, url: str, category: str | None,
                 title: str, entries: Sequence[ParsedArticle]) -> Message:
        counted = Counter(e.category for e in entries if e.category)
        shown = ", ".join(f"{c} ({n})" for c, n in counted.most_common(_CATEGORIES_SHOWN))
        lines: list[Text | str] = [
            t(lang, "admin.add.preview", title=title),
            t(lang, "admin.add.preview_url", url=url),
            t(lang, "admin.add.preview_name", name=name),
            t(lang, "admin.add.preview_entries", count=number(len(entries), lang)),
            t(lang, "admin.add.preview_categories", categories=shown or "—"),
        ]
        if category:
            lines.append(t(lang, "admin.add.preview_forced", category=category))
        dated = [e for e in entries if e.published is not None]
        newest = (sorted(dated, key=lambda e: e.published or 0, reverse=True)
                  or list(entries))[:_NEWEST_SHOWN]
        if newest:
            lines.append(t(lang, "admin.add.preview_newest"))
            lines.extend("• " + bold(e.title[:120]) for e in newest)
        lines.append(t(lang, "admin.add.preview_ask"))
        choices = ((Choice(str(t(lang, "admin.add.button_add")), action=f"as:ok:{draft}"),
                    Choice(str(t(lang, "admin.add.button_cancel")), action=f"as:no:{draft}")),)
        return Message(Text.join("\n", lines), choices)

    async def answer(self, who: Who, choice: SourceChoice) -> tuple[Notice, Message | None]:
        """A preview's choice: add the source and poll it at once (the notice edits the
        preview; the message says what the first poll brought), or discard it."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who) or who.user is None:
            return Notice(t(lang, "admin.refused"), alert=True), None
        async with self.db.transaction() as conn:
            draft = await chat_sources.take_draft(conn, choice.draft_id)
            if draft is not None and choice.confirm:
                await chat_sources.record(conn, draft.name, chat_sources.ADDED,
                                          url=draft.url, category=draft.category,
                                          admin=who.user, now=int(self.common.clock()))
        if draft is None:
            return Notice(t(lang, "admin.add.gone"), alert=True), None
        if not choice.confirm:
            return Notice(edit=Message(t(lang, "admin.add.discarded", url=draft.url))), None
        log.info("source added from the chat: source=%s url=%s admin_id=%s", draft.name,
                 draft.url, who.user_id)
        added = Notice(edit=Message(t(lang, "admin.add.added", name=draft.name,
                                      url=draft.url)))
        ingestor = self._ingestor()
        if ingestor is None:
            return added, None
        report = await ingestor.run_once(only=draft.name, respect_backoff=False)
        polled = next((s for s in report.sources if s.name == draft.name), None)
        if polled is None:
            return added, None
        if polled.errors and not (polled.new or polled.seen):
            return added, Message(t(lang, "admin.add.first_poll_failed", name=draft.name,
                                    reason="; ".join(polled.errors[:2])[:300]))
        return added, Message(t(lang, "admin.add.first_poll", name=draft.name,
                                new=number(polled.new, lang)))

    async def export(self, who: Who) -> Message:
        """/exportsources: the sources as an OPML file, sent as a document."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Message(t(lang, "admin.refused"))
        ingestor = self._ingestor()
        file_sources = ingestor.file_sources if ingestor is not None else []
        document, feeds, left_out = await export_document(
            self.db, file_sources, title=self.common.organisation)
        text = t(lang, "admin.export.caption", count=number(feeds, lang))
        if left_out:
            text += "\n" + t(lang, "admin.export.left_out", count=number(left_out, lang))
        return Message(text, document=document)

    async def remove(self, who: Who, argument: str) -> Message:
        """Stop polling the named source (its articles stay)."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who) or who.user is None:
            return Message(t(lang, "admin.refused"))
        name = argument.strip()
        known = await self._names()
        if not name or name not in known:
            names = ", ".join(sorted(known)) or "—"
            key = "admin.remove.usage" if not name else "admin.remove.unknown"
            return Message(t(lang, key, name=name[:80], names=names))
        async with self.db.transaction() as conn:
            await chat_sources.record(conn, name, chat_sources.REMOVED, admin=who.user,
                                      now=int(self.common.clock()))
        ingestor = self._ingestor()
        if ingestor is not None:
            await ingestor.reload_sources()
        log.info("source removed from the chat: source=%s admin_id=%s", name, who.user_id)
        return Message(t(lang, "admin.remove.done", name=name))


# --- OPML: `newsbot sources import/export` and /exportsources ------------------------------


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # source names
    known: list[str] = field(default_factory=list)  # URLs that are sources already
    refused: list[str] = field(default_factory=list)  # lines saying why


async def current_sources(db: Database, file_sources: Sequence[SourceConfig]
                          ) -> list[SourceConfig]:
    """The sources polled now: the file's combined with the chat's changes."""
    return combine(file_sources, await chat_sources.changes(db))


async def import_feeds(db: Database, file_sources: Sequence[SourceConfig],
                       feeds: Sequence[OpmlFeed], *, admin: UserRef, now: int,
                       folder_as_category: bool = False) -> ImportReport:
    """Add each feed that is not a source yet, as /addsource would (without the preview: the
    feeds are polled at the next ingestion). `folder_as_category`: a feed's OPML folder
    becomes the category it forces."""
    report = ImportReport()
    async with db.transaction() as conn:
        current = combine(file_sources, await chat_sources.changes(conn))
        taken = {s.name for s in current} | {c.name for c in await chat_sources.changes(conn)}
        urls = {s.url for s in current if s.url}
        for feed in feeds:
            if feed.url in urls:
                report.known.append(feed.url)
                continue
            if len(feed.url) > _MAX_URL:
                report.refused.append(f"{feed.url[:80]}…: longer than {_MAX_URL} characters")
                continue
            name = source_name(feed.url, taken)
            category = " ".join((feed.folder or "").split())[:100] or None
            await chat_sources.record(conn, name, chat_sources.ADDED, url=feed.url,
                                      category=category if folder_as_category else None,
                                      admin=admin, now=now)
            taken.add(name)
            urls.add(feed.url)
            report.added.append(name)
    return report


async def export_document(db: Database, file_sources: Sequence[SourceConfig], *,
                          title: str) -> tuple[Document, int, int]:
    """The sources as an OPML document, how many feeds it lists, how many sources it could
    not (archives, local files)."""
    sources_now = await current_sources(db, file_sources)
    content, left_out = export_opml(sources_now, title=title)
    return (Document(OPML_FILE_NAME, content), len(sources_now) - left_out, left_out)


OPML_FILE_NAME = "newsbot-sources.opml"
