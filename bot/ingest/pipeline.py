"""The ingestion pipeline: for each source, fetch -> parse -> validate -> store (new or corrected).

A failing source is logged with its name and reason, recorded, and backed off; it never stops the
other sources. Sources are polled concurrently, at most `poll_concurrency` at once, and every
fetch has a deadline, so a slow source holds one slot for a bounded time, never the others.
Each item passes bot/ingest/validate.py on its own: a bad item is refused and counted, never
the source. Work that must happen together with storing new articles (enqueueing deliveries,
extracting cluster leadership) is passed in as `after_store` hooks and runs in the same
transaction, so a crash cannot store an article without its follow-up work; `after_update`
hooks do the same for corrections (an article read again with other content is updated in
place, not stored again and not pushed again).

Archive files are read once they are settled (older than `archive_settle_seconds`, or unchanged
since the previous poll): a file still being written is left for the next poll rather than
stored half-written.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings, SourceConfig
from bot.ingest.archive import ARCHIVE_SUFFIXES, ArchiveFileError, read_archive_file
from bot.ingest.categories import NO_MAP, CategoryMap
from bot.ingest.feeds import FeedParseError, parse_feed
from bot.ingest.fetch import FetchError, fetch
from bot.ingest.source_list import combine
from bot.ingest.validate import ItemRefused, SourcePolicy, ValidItem, article_hash, validate
from bot.localfiles import register_archive_folders
from bot.models import Article, ParsedArticle
from storage import archive_files, chat_sources, sources
from storage import articles as articles_store
from storage.archive_files import FileStamp
from storage.articles import NewArticle
from storage.db import Conn, Database

log = logging.getLogger(__name__)

AfterStore = Callable[[Conn, list[Article]], Awaitable[None]]
# Longest wait, within one poll, for archive files to settle (see `Ingestor._settled`).
MAX_SETTLE_WAIT = 10.0
# Error lines kept per source and poll (the rest are counted): a hostile feed of 10,000 bad
# items must not make a 10,000-line report.
MAX_ERROR_LINES = 20


@dataclass
class SourceReport:
    """What one poll of one source did."""

    name: str
    new: int = 0
    seen: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None
    unchanged: bool = False
    updated: int = 0  # corrections stored
    refused: int = 0  # items (or archive files) not stored, each with a line in `errors`
    waiting: int = 0  # archive files still being written: read at a later poll

    def add_error(self, line: str) -> None:
        if len(self.errors) < MAX_ERROR_LINES:
            self.errors.append(line)
        elif len(self.errors) == MAX_ERROR_LINES:
            self.errors.append("(more errors not listed: see the log)")

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "new": self.new, "seen": self.seen, "errors": self.errors,
        }
        if self.skipped:
            data["skipped"] = self.skipped
        for key in ("updated", "refused", "waiting"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class IngestReport:
    sources: list[SourceReport]
    articles: list[Article]
    updated: list[Article] = field(default_factory=list)

    @property
    def new_total(self) -> int:
        return sum(s.new for s in self.sources)

    def as_json(self) -> dict[str, Any]:
        return {"sources": [s.as_json() for s in self.sources], "new_total": self.new_total}


@dataclass(frozen=True, slots=True)
class _ScannedFile:
    stamp: FileStamp
    changed_ns: int  # the later of mtime and ctime: any write or metadata change moves it

    @property
    def identity(self) -> tuple[int, int, int]:
        return (self.stamp.mtime_ns, self.stamp.size, self.changed_ns)


@dataclass
class _Batch:
    """What a poll read, before storing: valid items, and refusals by item/file."""

    items: list[ValidItem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # archive files: relpath -> reason


class SourceFailed(Exception):
    """The whole source failed this time (as opposed to one bad archive file)."""


class Ingestor:
    """Polls the configured sources and stores what is new (and what was corrected)."""

    def __init__(
        self,
        db: Database,
        source_configs: Sequence[SourceConfig],
        settings: Settings,
        http: httpx.AsyncClient,
        *,
        after_store: Sequence[AfterStore] = (),
        after_update: Sequence[AfterStore] = (),
        clock: Callable[[], float] = time.time,
        file_clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        # The sources file's list; `sources` is what is polled: that list combined with the
        # changes made from the chat (bot/ingest/source_list.py), read before each poll.
        self.file_sources = list(source_configs)
        self.sources = list(source_configs)
        self.settings = settings
        self.http = http
        self.after_store = list(after_store)
        self.after_update = list(after_update)
        self.clock = clock
        self.file_clock = file_clock  # file times are the file system's, whatever `clock` says
        self._registered = False
        self._slots = asyncio.Semaphore(settings.poll_concurrency)
        # One poll of a source at a time (the schedule and "fetch now" may overlap): the
        # second waits for the first, then finds what is left.
        self._polling: dict[str, asyncio.Lock] = {}
        # Archive files seen still settling at the previous poll, per source: relpath -> identity.
        self._settling: dict[str, dict[str, tuple[int, int, int]]] = {}
        # The archive folders are the only local files anything may send (bot/localfiles.py);
        # registered now, before the delivery worker can resume a push.
        register_archive_folders(
            {s.name: s.local_path for s in self.sources if s.kind == "archive"})
        # Each source's feed categories onto the publisher's (the sources file's category_map).
        self._category_maps = {
            s.name: CategoryMap(s.category_map, s.category_aliases) for s in self.sources
            if s.category_map or s.category_aliases}

    def _policy(self, src: SourceConfig) -> SourcePolicy:
        return SourcePolicy(
            name=src.name,
            hosts=src.own_hosts,
            archive_root=src.local_path if src.kind == "archive" else None,
            default_category=self.settings.default_category,
            category_map=self._category_maps.get(src.name, NO_MAP),
        )

    async def register_sources(self) -> None:
        """Make sure every configured source has its row (health, validators).

        Also drops local photo paths that older versions stored for feed sources (a feed names
        no local file; see bot/localfiles.py).
        """
        feeds = [s.name for s in self.sources if s.kind == "rss"]
        async with self.db.transaction() as conn:
            for src in self.sources:
                await sources.upsert(conn, src.name, src.kind, src.location)
            dropped = await articles_store.forget_local_images(conn, feeds)
        if dropped:
            log.warning("dropped the local photo path of %d article(s) of feed sources", dropped)
        self._registered = True

    async def reload_sources(self) -> list[SourceConfig]:
        """Combine the sources file with the changes made from the chat (another process may
        have made them), and register any new source."""
        async with self.db.transaction() as conn:
            combined = combine(self.file_sources, await chat_sources.changes(conn))
            known = {s.name for s in self.sources}
            for src in combined:
                if src.name not in known:
                    await sources.upsert(conn, src.name, src.kind, src.location)
        self.sources = combined
        return combined

    async def run_once(self, *, only: str | None = None, respect_backoff: bool = True
                       ) -> IngestReport:
        """Poll every source (or the one named `only`) once, at most `poll_concurrency` at once."""
        await self.reload_sources()
        if not self._registered:
            await self.register_sources()
        chosen = [s for s in self.sources if only is None or s.name == only]
        results = await asyncio.gather(
            *(self._poll_slot(src, respect_backoff=respect_backoff) for src in chosen)
        )
        report = IngestReport(sources=[r for r, _, _ in results], articles=[])
        for _, stored, updated in results:
            report.articles.extend(stored)
            report.updated.extend(updated)
        return report

    async def _poll_slot(self, src: SourceConfig, *, respect_backoff: bool
                         ) -> tuple[SourceReport, list[Article], list[Article]]:
        async with self._polling.setdefault(src.name, asyncio.Lock()), self._slots:
            return await self._poll(src, respect_backoff=respect_backoff)

    async def _poll(self, src: SourceConfig, *, respect_backoff: bool
                    ) -> tuple[SourceReport, list[Article], list[Article]]:
        report = SourceReport(src.name)
        state = await sources.get(self.db, src.name)
        now = int(self.clock())
        if state is not None and state.paused:
            report.skipped = "paused"
            return report, [], []
        if respect_backoff and state and state.backoff_until and state.backoff_until > now:
            report.skipped = f"backing off for {state.backoff_until - now}s"
            return report, [], []
        try:
            if src.kind == "rss":
                stored, updated = await self._poll_feed(src, report)
            else:
                stored, updated = await self._poll_archive(src, report)
        except SourceFailed as exc:
            await self._record_failure(src, str(exc), state.consecutive_failures if state else 0)
            report.errors.append(str(exc))
            return report, [], []
        except Exception as exc:  # a bug or an unforeseen input: still only this source fails
            log.exception("source=%s unexpected error", src.name)
            reason = f"{type(exc).__name__}: {exc}"
            await self._record_failure(src, reason, state.consecutive_failures if state else 0)
            report.errors.append(reason)
            return report, [], []
        return report, stored, updated

    async def _record_failure(self, src: SourceConfig, reason: str, failures: int) -> None:
        now = int(self.clock())
        delay = min(self.settings.poll_interval * 2 ** min(failures + 1, 20),
                    self.settings.max_backoff)
        log.warning("source=%s failed: %s (retry in %ds)", src.name, reason, delay)
        async with self.db.transaction() as conn:
            await sources.record_failure(conn, src.name, now=now, reason=reason,
                                         backoff_until=now + int(delay))

    # -- feeds -----------------------------------------------------------------------------

    async def _poll_feed(self, src: SourceConfig, report: SourceReport
                         ) -> tuple[list[Article], list[Article]]:
        state = await sources.get(self.db, src.name)
        etag = state.etag if state else None
        last_modified = state.last_modified if state else None
        content_type: str | None = None
        base_url: str | None = None
        if src.is_remote:
            assert src.url is not None
            try:
                result = await fetch(self.http, src.url, etag=etag, last_modified=last_modified,
                                     max_bytes=self.settings.max_feed_bytes,
                                     deadline=self.settings.fetch_deadline)
            except FetchError as exc:
                raise SourceFailed(str(exc)) from None
            if result.not_modified:
                report.unchanged = True
                await self._record_unchanged(src)
                return [], []
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
            return [], []
        fetched_at = int(self.clock())
        try:
            batch = await asyncio.to_thread(
                self._read_feed, src, body, content_type, base_url, fetched_at)
        except FeedParseError as exc:
            raise SourceFailed(str(exc)) from None
        return await self._store(src, report, batch, fetched_at=fetched_at,
                                 validators=(etag, last_modified, digest))

    def _read_feed(self, src: SourceConfig, body: bytes, content_type: str | None,
                   base_url: str | None, fetched_at: int) -> _Batch:
        """Parse and validate (in a worker thread: CPU-bound)."""
        batch = _Batch()
        parsed = parse_feed(body, source=src.name, tz=self.settings.tz, category=src.category,
                            content_type=content_type, base_url=base_url,
                            problems=batch.refused)
        policy = self._policy(src)
        for item in parsed:
            self._validate_into(batch, item, policy, fetched_at=fetched_at)
        return batch

    def _validate_into(self, batch: _Batch, parsed: ParsedArticle, policy: SourcePolicy, *,
                       fetched_at: int, fallback_time: int | None = None,
                       where: str = "") -> None:
        try:
            batch.items.append(validate(parsed, policy, fetched_at=fetched_at,
                                        fallback_time=fallback_time))
        except ItemRefused as exc:
            label = where or repr(parsed.title[:80])
            log.warning("source=%s item %s refused: %s", policy.name, label, exc)
            batch.refused.append(f"{label}: refused: {exc}")
        except Exception as exc:  # one odd item must not cost the others
            label = where or repr(parsed.title[:80])
            log.exception("source=%s item %s could not be validated", policy.name, label)
            batch.refused.append(f"{label}: {type(exc).__name__}: {exc}")

    async def _record_unchanged(self, src: SourceConfig) -> None:
        async with self.db.transaction() as conn:
            await sources.record_success(conn, src.name, now=int(self.clock()), new_articles=0,
                                         keep_validators=True)

    # -- archives --------------------------------------------------------------------------

    async def _poll_archive(self, src: SourceConfig, report: SourceReport
                            ) -> tuple[list[Article], list[Article]]:
        root = src.local_path
        if not root.is_dir():
            raise SourceFailed(f"archive folder {root} does not exist")
        known = await archive_files.stamps(self.db, src.name)
        current = await asyncio.to_thread(_scan_archive, root)
        changed = [f for f in current if known.get(f.stamp.relpath) != f.stamp]
        ready = await self._settled(src, root, changed)
        report.waiting = len(changed) - len(ready)
        if report.waiting:
            log.info("source=%s %d file(s) still being written: read at a later poll",
                     src.name, report.waiting)
        fetched_at = int(self.clock())
        batch = await asyncio.to_thread(self._read_files, src, root, ready, fetched_at)
        for relpath, reason in batch.failures.items():
            log.warning("source=%s file=%s skipped: %s", src.name, relpath, reason)
        return await self._store(src, report, batch, fetched_at=fetched_at, validators=None,
                                 stamps=[f.stamp for f in ready])

    async def _settled(self, src: SourceConfig, root: Path, changed: list[_ScannedFile]
                       ) -> list[_ScannedFile]:
        """The changed files that are done being written: last changed `archive_settle_seconds`
        ago or more, or unchanged since the previous poll. Files younger than that are looked
        at again after waiting for them to come of age (when that is a short wait): unchanged
        then, they are read in this poll; changed, they wait for a later one."""
        settle = self.settings.archive_settle_seconds
        if settle <= 0:
            return changed
        settle_ns = int(settle * 1_000_000_000)
        before = self._settling.get(src.name, {})
        ready: list[_ScannedFile] = []
        young: list[_ScannedFile] = []
        now_ns = int(self.file_clock() * 1_000_000_000)
        for scanned in changed:
            if (now_ns - scanned.changed_ns >= settle_ns
                    or before.get(scanned.stamp.relpath) == scanned.identity):
                ready.append(scanned)
            else:
                young.append(scanned)
        if young and settle <= MAX_SETTLE_WAIT:
            wait_ns = max(s.changed_ns + settle_ns - now_ns for s in young)
            await asyncio.sleep(min(wait_ns / 1_000_000_000, settle))
            again = {f.stamp.relpath: f for f in await asyncio.to_thread(
                _scan_files, root, [s.stamp.relpath for s in young])}
            still = []
            for scanned in young:
                now = again.get(scanned.stamp.relpath)
                if now is not None and now.identity == scanned.identity:
                    ready.append(scanned)
                elif now is not None:
                    still.append(now)
            young = still
        self._settling[src.name] = {s.stamp.relpath: s.identity for s in young}
        return ready

    def _read_files(self, src: SourceConfig, root: Path, files: list[_ScannedFile],
                    fetched_at: int) -> _Batch:
        """Read and validate (in a worker thread: file I/O and CPU-bound parsing)."""
        batch = _Batch()
        policy = self._policy(src)
        for scanned in files:
            relpath = scanned.stamp.relpath
            try:
                article = read_archive_file(root / relpath, source=src.name, root=root,
                                            tz=self.settings.tz, category=src.category)
            except ArchiveFileError as exc:
                batch.failures[relpath] = str(exc)
                continue
            except Exception as exc:  # one hostile file must not stop the folder
                batch.failures[relpath] = f"{type(exc).__name__}: {exc}"
                continue
            before = len(batch.refused)
            self._validate_into(batch, article, policy, fetched_at=fetched_at,
                                fallback_time=scanned.stamp.mtime_ns // 1_000_000_000,
                                where=relpath)
            if len(batch.refused) > before:
                batch.failures[relpath] = batch.refused.pop()[len(relpath) + 2 :]
        return batch

    # -- storing ---------------------------------------------------------------------------

    async def _store(
        self,
        src: SourceConfig,
        report: SourceReport,
        batch: _Batch,
        *,
        fetched_at: int,
        validators: tuple[str | None, str | None, str] | None,
        stamps: Sequence[FileStamp] = (),
    ) -> tuple[list[Article], list[Article]]:
        for line in batch.refused:
            report.add_error(line)
        for relpath, reason in batch.failures.items():
            report.add_error(f"{relpath}: {reason}")
        report.refused = len(batch.refused) + len(batch.failures)
        async with self.db.transaction() as conn:
            fresh, corrections, seen = await self._sort(conn, batch.items)
            stored = await articles_store.insert_new(conn, fresh, fetched_at=fetched_at)
            if stored:
                for hook in self.after_store:
                    await hook(conn, stored)
            updated: list[Article] = []
            for article_id, item in corrections:
                corrected = await articles_store.correct(conn, article_id, item, now=fetched_at)
                if corrected is not None:
                    updated.append(corrected)
            if updated:
                for hook in self.after_update:
                    await hook(conn, updated)
            for stamp in stamps:
                await archive_files.remember(conn, src.name, stamp,
                                             batch.failures.get(stamp.relpath))
            if validators is None:
                await sources.record_success(conn, src.name, now=fetched_at,
                                             new_articles=len(stored), keep_validators=True)
            else:
                etag, last_modified, digest = validators
                await sources.record_success(conn, src.name, now=fetched_at,
                                             new_articles=len(stored), etag=etag,
                                             last_modified=last_modified, content_hash=digest)
            if report.refused:
                first = report.errors[0] if report.errors else "item refused"
                await sources.record_file_errors(conn, src.name, now=fetched_at, reason=first,
                                                 count=report.refused)
        report.new = len(stored)
        report.updated = len(updated)
        report.seen = seen + len(fresh) - len(stored)
        if stored:
            log.info("source=%s stored %d new article(s)", src.name, len(stored))
        if updated:
            log.info("source=%s stored %d correction(s): %s", src.name, len(updated),
                     ", ".join(f"article_id={a.id}" for a in updated[:10]))
        return stored, updated

    async def _sort(self, conn: Conn, items: list[ValidItem]
                    ) -> tuple[list[NewArticle], list[tuple[int, NewArticle]], int]:
        """Split the items into new ones, corrections (article id, new content) and the count
        of those already stored as they are.

        A correction counts only from the source that stored the article: two feeds of one
        site listing the same article (in different categories, say) must not take turns
        rewriting it.
        """
        keys = [i.article.dedupe_key for i in items]
        keys += [i.legacy_key for i in items if i.legacy_key]
        known = await articles_store.versions(conn, keys)
        fresh: list[NewArticle] = []
        corrections: list[tuple[int, NewArticle]] = []
        seen = 0
        handled: set[str] = set()
        for item in items:
            article = item.article
            if article.dedupe_key in handled:
                continue
            handled.add(article.dedupe_key)
            stored = known.get(article.dedupe_key)
            if stored is None and item.legacy_key:
                legacy = known.get(item.legacy_key)
                if legacy is not None and legacy.source == article.source:
                    stored = legacy
            if stored is None:
                fresh.append(article)
                continue
            seen += 1
            if stored.source != article.source or stored.content_hash == article.content_hash:
                continue
            if stored.content_hash is None:  # stored before hashes were kept
                previous = await articles_store.get(conn, stored.id)
                if previous is not None and article.content_hash == article_hash(previous):
                    assert article.content_hash is not None
                    await articles_store.set_content_hash(conn, stored.id, article.content_hash)
                    continue
            corrections.append((stored.id, article))
            seen -= 1
        return fresh, corrections, seen


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes)
    except OSError as exc:
        raise SourceFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def _scanned(root: Path, full: Path) -> _ScannedFile | None:
    try:
        st = full.stat()
    except OSError:
        return None
    stamp = FileStamp(full.relative_to(root).as_posix(), st.st_mtime_ns, st.st_size)
    return _ScannedFile(stamp, max(st.st_mtime_ns, st.st_ctime_ns))


def _scan_files(root: Path, relpaths: list[str]) -> list[_ScannedFile]:
    """The current state of some files below `root` (those that still exist)."""
    found = (_scanned(root, root / relpath) for relpath in relpaths)
    return [f for f in found if f is not None]


def _scan_archive(root: Path) -> list[_ScannedFile]:
    """Every article file below `root` (hidden files and folders skipped), sorted.

    Symlinked folders are not entered (os.walk's default); what a file is (a symlink out of the
    folder, a FIFO, a device) is judged when it is read (bot/localfiles.py).
    """
    found: list[_ScannedFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in ARCHIVE_SUFFIXES:
                continue
            scanned = _scanned(root, Path(dirpath) / name)
            if scanned is not None:
                found.append(scanned)
    return found
