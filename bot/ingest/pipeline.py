"""The ingestion pipeline: for each source, fetch -> parse -> process -> store (only what is new).

A failing source is logged with its name and reason, recorded, and backed off; it never stops the
other sources. Work that must happen together with storing new articles (enqueueing deliveries,
extracting cluster leadership) is passed in as `after_store` hooks and runs in the same
transaction, so a crash cannot store an article without its follow-up work.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import httpx

from bot.config import Settings, SourceConfig
from bot.ingest.archive import ARCHIVE_SUFFIXES, ArchiveFileError, read_archive_file
from bot.ingest.dedupe import dedupe_key
from bot.ingest.feeds import FeedParseError, parse_feed
from bot.ingest.fetch import FetchError, fetch
from bot.models import Article, ParsedArticle
from storage import archive_files, sources
from storage import articles as articles_store
from storage.archive_files import FileStamp
from storage.articles import NewArticle
from storage.db import Database

log = logging.getLogger(__name__)

AfterStore = Callable[[aiosqlite.Connection, list[Article]], Awaitable[None]]


@dataclass
class SourceReport:
    """What one poll of one source did."""

    name: str
    new: int = 0
    seen: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None
    unchanged: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "new": self.new, "seen": self.seen, "errors": self.errors,
        }
        if self.skipped:
            data["skipped"] = self.skipped
        return data


@dataclass
class IngestReport:
    sources: list[SourceReport]
    articles: list[Article]

    @property
    def new_total(self) -> int:
        return sum(s.new for s in self.sources)

    def as_json(self) -> dict[str, Any]:
        return {"sources": [s.as_json() for s in self.sources], "new_total": self.new_total}


class SourceFailed(Exception):
    """The whole source failed this time (as opposed to one bad archive file)."""


class Ingestor:
    """Polls the configured sources and stores what is new."""

    def __init__(
        self,
        db: Database,
        source_configs: Sequence[SourceConfig],
        settings: Settings,
        http: httpx.AsyncClient,
        *,
        after_store: Sequence[AfterStore] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.sources = list(source_configs)
        self.settings = settings
        self.http = http
        self.after_store = list(after_store)
        self.clock = clock
        self._registered = False

    async def register_sources(self) -> None:
        """Make sure every configured source has its row (health, validators)."""
        async with self.db.transaction() as conn:
            for src in self.sources:
                await sources.upsert(conn, src.name, src.kind, src.location)
        self._registered = True

    async def run_once(self, *, only: str | None = None, respect_backoff: bool = True
                       ) -> IngestReport:
        """Poll every source (or the one named `only`) once."""
        if not self._registered:
            await self.register_sources()
        chosen = [s for s in self.sources if only is None or s.name == only]
        results = await asyncio.gather(
            *(self._poll(src, respect_backoff=respect_backoff) for src in chosen)
        )
        report = IngestReport(sources=[r for r, _ in results], articles=[])
        for _, stored in results:
            report.articles.extend(stored)
        return report

    async def _poll(self, src: SourceConfig, *, respect_backoff: bool
                    ) -> tuple[SourceReport, list[Article]]:
        report = SourceReport(src.name)
        state = await sources.get(self.db.conn, src.name)
        now = int(self.clock())
        if state is not None and state.paused:
            report.skipped = "paused"
            return report, []
        if respect_backoff and state and state.backoff_until and state.backoff_until > now:
            report.skipped = f"backing off for {state.backoff_until - now}s"
            return report, []
        try:
            if src.kind == "rss":
                stored = await self._poll_feed(src, report)
            else:
                stored = await self._poll_archive(src, report)
        except SourceFailed as exc:
            await self._record_failure(src, str(exc), state.consecutive_failures if state else 0)
            report.errors.append(str(exc))
            return report, []
        except Exception as exc:  # a bug or an unforeseen input: still only this source fails
            log.exception("source=%s unexpected error", src.name)
            reason = f"{type(exc).__name__}: {exc}"
            await self._record_failure(src, reason, state.consecutive_failures if state else 0)
            report.errors.append(reason)
            return report, []
        return report, stored

    async def _record_failure(self, src: SourceConfig, reason: str, failures: int) -> None:
        now = int(self.clock())
        delay = min(self.settings.poll_interval * 2 ** min(failures + 1, 20),
                    self.settings.max_backoff)
        log.warning("source=%s failed: %s (retry in %ds)", src.name, reason, delay)
        async with self.db.transaction() as conn:
            await sources.record_failure(conn, src.name, now=now, reason=reason,
                                         backoff_until=now + int(delay))

    # -- feeds -----------------------------------------------------------------------------

    async def _poll_feed(self, src: SourceConfig, report: SourceReport) -> list[Article]:
        state = await sources.get(self.db.conn, src.name)
        etag = state.etag if state else None
        last_modified = state.last_modified if state else None
        content_type: str | None = None
        base_url: str | None = None
        if src.is_remote:
            assert src.url is not None
            try:
                result = await fetch(self.http, src.url, etag=etag, last_modified=last_modified,
                                     max_bytes=self.settings.max_feed_bytes)
            except FetchError as exc:
                raise SourceFailed(str(exc)) from None
            if result.not_modified:
                report.unchanged = True
                await self._record_unchanged(src)
                return []
            body, etag, last_modified = result.body, result.etag, result.last_modified
            content_type, base_url = result.content_type, result.url
            if result.truncated:
                report.errors.append(f"body cut at {self.settings.max_feed_bytes} bytes")
        else:
            body = await asyncio.to_thread(_read_capped, src.local_path,
                                           self.settings.max_feed_bytes)
            etag = last_modified = None
        digest = hashlib.sha256(body).hexdigest()
        if state is not None and state.content_hash == digest:
            # Servers that ignore conditional GET (and local files) still cost no parsing.
            report.unchanged = True
            await self._record_unchanged(src)
            return []
        try:
            parsed = await asyncio.to_thread(
                parse_feed, body, source=src.name, tz=self.settings.tz, category=src.category,
                content_type=content_type, base_url=base_url,
            )
        except FeedParseError as exc:
            raise SourceFailed(str(exc)) from None
        fetched_at = int(self.clock())
        items = [self._prepare(p, fallback_time=fetched_at) for p in parsed]
        return await self._store(src, report, items, fetched_at=fetched_at,
                                 validators=(etag, last_modified, digest))

    async def _record_unchanged(self, src: SourceConfig) -> None:
        async with self.db.transaction() as conn:
            await sources.record_success(conn, src.name, now=int(self.clock()), new_articles=0,
                                         keep_validators=True)

    # -- archives --------------------------------------------------------------------------

    async def _poll_archive(self, src: SourceConfig, report: SourceReport) -> list[Article]:
        root = src.local_path
        if not root.is_dir():
            raise SourceFailed(f"archive folder {root} does not exist")
        known = await archive_files.stamps(self.db.conn, src.name)
        current = await asyncio.to_thread(_scan_archive, root)
        changed = [s for s in current if known.get(s.relpath) != s]
        parsed, failures = await asyncio.to_thread(self._read_files, src, root, changed)
        for relpath, reason in failures.items():
            report.errors.append(f"{relpath}: {reason}")
            log.warning("source=%s file=%s skipped: %s", src.name, relpath, reason)
        fetched_at = int(self.clock())
        mtimes = {s.relpath: s.mtime_ns // 1_000_000_000 for s in changed}
        items = [
            self._prepare(p, fallback_time=mtimes.get(rel, fetched_at)) for rel, p in parsed
        ]
        stored = await self._store(src, report, items, fetched_at=fetched_at, validators=None,
                                   stamps=[(s, failures.get(s.relpath)) for s in changed])
        if failures:
            first = next(iter(failures.items()))
            async with self.db.transaction() as conn:
                await sources.record_file_errors(
                    conn, src.name, now=fetched_at, reason=f"{first[0]}: {first[1]}",
                    count=len(failures))
        return stored

    def _read_files(self, src: SourceConfig, root: Path, stamps: list[FileStamp]
                    ) -> tuple[list[tuple[str, ParsedArticle]], dict[str, str]]:
        parsed: list[tuple[str, ParsedArticle]] = []
        failures: dict[str, str] = {}
        for stamp in stamps:
            try:
                article = read_archive_file(root / stamp.relpath, source=src.name, root=root,
                                            tz=self.settings.tz, category=src.category)
            except ArchiveFileError as exc:
                failures[stamp.relpath] = str(exc)
                continue
            except Exception as exc:  # one hostile file must not stop the folder
                failures[stamp.relpath] = f"{type(exc).__name__}: {exc}"
                continue
            parsed.append((stamp.relpath, article))
        return parsed, failures

    # -- storing ---------------------------------------------------------------------------

    def _prepare(self, parsed: ParsedArticle, *, fallback_time: int) -> NewArticle:
        published = parsed.published or datetime.fromtimestamp(fallback_time, UTC)
        return NewArticle(
            dedupe_key=dedupe_key(parsed),
            source=parsed.source,
            url=parsed.url,
            title=parsed.title,
            category=(parsed.category or "").strip() or self.settings.default_category,
            published=published,
            summary=parsed.summary,
            body=parsed.body,
            image=parsed.image,
            image_caption=parsed.image_caption,
            author=parsed.author,
        )

    async def _store(
        self,
        src: SourceConfig,
        report: SourceReport,
        items: list[NewArticle],
        *,
        fetched_at: int,
        validators: tuple[str | None, str | None, str] | None,
        stamps: Sequence[tuple[FileStamp, str | None]] = (),
    ) -> list[Article]:
        async with self.db.transaction() as conn:
            stored = await articles_store.insert_new(conn, items, fetched_at=fetched_at)
            for hook in self.after_store:
                if stored:
                    await hook(conn, stored)
            for stamp, error in stamps:
                await archive_files.remember(conn, src.name, stamp, error)
            if validators is None:
                await sources.record_success(conn, src.name, now=fetched_at,
                                             new_articles=len(stored), keep_validators=True)
            else:
                etag, last_modified, digest = validators
                await sources.record_success(conn, src.name, now=fetched_at,
                                             new_articles=len(stored), etag=etag,
                                             last_modified=last_modified, content_hash=digest)
        report.new = len(stored)
        report.seen = len({i.dedupe_key for i in items}) - len(stored)
        if stored:
            log.info("source=%s stored %d new article(s)", src.name, len(stored))
        return stored


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes)
    except OSError as exc:
        raise SourceFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def _scan_archive(root: Path) -> list[FileStamp]:
    """Every article file below `root` (hidden files and folders skipped), sorted."""
    found: list[FileStamp] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in ARCHIVE_SUFFIXES:
                continue
            full = Path(dirpath) / name
            try:
                st = full.stat()
            except OSError:
                continue
            found.append(FileStamp(full.relative_to(root).as_posix(), st.st_mtime_ns, st.st_size))
    return found
