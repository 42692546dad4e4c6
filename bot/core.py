"""The bot's core: its services, built once at start-up, and the jobs that run in the background.

Channel-neutral. `bot.run` opens the core and each channel adapter (`bot/telegram/`,
`bot/zalo/`) plugs its account in with `add_channel` (its `Outbound`: the sender and the pacer
of everything sent on that account; how much text its messages hold; how a link opens an
article in one of its chats), and hands incoming messages to the handlers (handlers/), which
call the services here. `start` then runs the delivery worker and the jobs: ingestion every poll
interval, due digests every minute, broadcast progress every second or so, new cluster
questions to the admins (after each ingestion, and every minute), and error alerts to the first
admin.

Several processes on one PostgreSQL database: the scheduled jobs run in the process that leads
"jobs" (`Database.lead`, an advisory lock), so each tick runs once across the processes; every
process checks at each tick, so when the leader dies another one takes over at its next tick.
(On SQLite the one process always leads.) Error alerts stay per process: each reports its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property

import httpx

from bot.admin.alerts import AdminAlertHandler
from bot.admin.service import Admin
from bot.admin.source_changes import SourceChanges
from bot.chat.cluster import ClusterCommands
from bot.chat.cluster_dialog import ClusterDialog
from bot.chat.cluster_review import ClusterReview
from bot.chat.common import Admins, Common, RightsCheck
from bot.chat.digest import DigestPages, more_choices
from bot.chat.follows import Follows
from bot.chat.memberships import Memberships
from bot.chat.popular import Popular
from bot.chat.reader import Reader
from bot.chat.search import Search
from bot.cluster.scanner import ClusterScanner
from bot.config import Settings, load_sources
from bot.delivery.compose import Composer
from bot.delivery.outbound import Outbound, Undelivered
from bot.delivery.pacing import Priority
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.digest.scheduler import DigestRun, DigestScheduler
from bot.ingest.categories import CategoryNotices
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.message import ChatRef, Limits, Message, Text
from storage import chats
from storage import deliveries as outbox
from storage.db import Database, open_database

log = logging.getLogger(__name__)

DIGEST_CHECK_INTERVAL = 60.0  # a digest goes out within a minute of its hour
JOBS = "jobs"  # the leadership of the scheduled jobs (several processes)
# New cluster questions are announced after each ingestion, and looked for this often (they
# may also come from `newsbot rescan-clusters` or an admin's refresh of a source).
CLUSTER_REVIEW_INTERVAL = 60.0

ArticleLink = Callable[[int], str | None]


@dataclass
class Core:
    """What handlers and jobs need: settings, the database, the command cores, the outbound
    path of each channel."""

    settings: Settings
    db: Database
    http: httpx.AsyncClient
    common: Common
    reader: Reader
    ingestor: Ingestor | None = None
    # The admin tools (/broadcast, /stats, /sources).
    admin: Admin | None = None
    # The push delivery worker: `wake()` it after enqueueing deliveries.
    delivery: DeliveryWorker | None = None
    # channel -> the outbound path of its bot account (one sender and one pacer for all).
    outbound: dict[str, Outbound] = field(default_factory=dict)
    # channel -> a link that opens an article in one of its chats (Telegram: a deep link).
    article_links: dict[str, ArticleLink] = field(default_factory=dict)
    _jobs: list[asyncio.Task[None]] = field(default_factory=list)
    _alerts: AdminAlertHandler | None = None

    # -- assembly -----------------------------------------------------------------------------

    @classmethod
    async def open(cls, settings: Settings, *, admins: Admins,
                   limits: dict[str, Limits] | None = None) -> Core:
        """Open the database and the HTTP client and build every service (nothing runs yet)."""
        db = await open_database(settings.database)
        http = make_client(settings.fetch_timeout)
        common = Common(db, default_language=settings.default_language, tz=settings.tz,
                        organisation=settings.organisation,
                        limits=limits or {}, admins=admins, public_url=settings.public_url)
        core = cls(settings=settings, db=db, http=http, common=common, reader=Reader(common))
        composer = Composer(db, settings.tz, common.limits, digest_choices=more_choices,
                            public_url=settings.public_url, article_link=core.article_link)
        core.delivery = DeliveryWorker(db, core.outbound, composer, tz=settings.tz, config=(
            WorkerConfig(concurrency=settings.delivery_concurrency,
                         max_attempts=settings.delivery_max_attempts,
                         retry_base=settings.delivery_retry_base,
                         flood_limit=settings.push_flood_limit or None,
                         flood_window=int(settings.push_flood_window),
                         lease=settings.delivery_lease)))
        # Cluster leadership: articles stored without the hook (newsbot ingest, the demo) first.
        scanner = ClusterScanner(settings.tz)
        await scanner.catch_up(db)
        if settings.sources_file.exists():
            # New articles' deliveries are recorded in the transaction that stores them: to
            # the subscribers first, then to the followers not queued already.
            core.ingestor = Ingestor(db, load_sources(settings.sources_file), settings, http,
                                     after_store=[scanner.after_store,
                                                  core.delivery.enqueue_articles,
                                                  core.follows.matcher(core.delivery.wake)],
                                     after_update=[scanner.after_update])
        else:
            log.warning("no sources file at %s: nothing will be ingested", settings.sources_file)
        core.admin = Admin.build(common, ingestor=lambda: core.ingestor,
                                 outbox=lambda: core.delivery,
                                 progress_gap=settings.broadcast_progress_interval,
                                 uncertain_replies=lambda: sum(
                                     o.uncertain for o in core.outbound.values()))
        return core

    def add_channel(self, outbound: Outbound, limits: Limits,
                    article_link: ArticleLink | None = None,
                    rights: RightsCheck | None = None) -> None:
        """Plug a channel's bot account in (before `start`); `rights` asks the platform whether
        a person may change their group's settings right now."""
        self.outbound[outbound.channel] = outbound
        self.common.add_channel(outbound.channel, limits, rights)
        if article_link is not None:
            self.article_links[outbound.channel] = article_link

    async def start(self, *, schedule_ingestion: bool = True) -> None:
        """Resume the outbox (also after a crash) and start the jobs and the error alerts."""
        assert self.delivery is not None
        await self.delivery.start()
        loops: list[tuple[str, float, float, Callable[[], Awaitable[object]]]] = [
            ("digest", 10.0, DIGEST_CHECK_INTERVAL, self.run_digests),
            ("broadcast-progress", self._progress_every, self._progress_every,
             self.show_progress),
            ("cluster-review", 5.0, CLUSTER_REVIEW_INTERVAL, self.ask_cluster_questions),
        ]
        if self.ingestor is not None and schedule_ingestion:
            loops.append(("ingest", 1.0, self.settings.poll_interval, self.ingest))
        for name, first, every, job in loops:
            self._jobs.append(asyncio.create_task(
                _repeat(name, first, every, self._elected(job)), name=name))
        self._start_alerts()

    async def release_outbound(self) -> None:
        """Stopping: nothing waits for an API that is down any more (safe to call twice)."""
        for outbound in self.outbound.values():
            await outbound.close()

    def _elected(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
        """`job`, run only while this process leads the scheduled jobs."""

        async def run() -> object:
            if await self.db.lead(JOBS):
                return await job()
            return None

        return run

    async def close(self) -> None:
        """Stop the jobs, the alerts and the worker (recording every result), then close."""
        for task in self._jobs:
            task.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        self._jobs = []
        if self._alerts is not None:
            logging.getLogger().removeHandler(self._alerts)
            await self._alerts.aclose()
            self._alerts = None
        if self.delivery is not None:
            await self.delivery.stop()
        await self.release_outbound()
        await self.http.aclose()
        await self.db.close()

    # -- services -----------------------------------------------------------------------------

    @cached_property
    def popular(self) -> Popular:
        """The card's 👍 and "Xem thêm", and /popular (built on first use)."""
        return Popular(self.reader)

    @cached_property
    def source_changes(self) -> SourceChanges:
        """/addsource and /removesource (built on first use)."""
        return SourceChanges(self.common, self.settings, self.http, lambda: self.ingestor)

    @cached_property
    def follows(self) -> Follows:
        """/follow and the matching of new articles against the follows."""
        return Follows(self.reader)

    @cached_property
    def cluster(self) -> ClusterCommands:
        """/cluster and /setcluster with arguments (built on first use)."""
        return ClusterCommands(self.reader)

    @cached_property
    def cluster_review(self) -> ClusterReview:
        """The admins' questions about unsure cluster readings, /review (built on first use)."""
        return ClusterReview(self.reader)

    @cached_property
    def cluster_dialog(self) -> ClusterDialog:
        """The step-by-step /setcluster dialog (built on first use)."""
        return ClusterDialog(self.reader, self.cluster_review)

    @cached_property
    def search(self) -> Search:
        """/search and its result pages (built on first use)."""
        return Search(self.reader)

    @cached_property
    def digests(self) -> DigestScheduler:
        """The daily digests, made by a repeating job (the core's clock decides the time)."""
        return DigestScheduler(self.common, self.article_link)

    @cached_property
    def digest_pages(self) -> DigestPages:
        """A digest's "more" choice."""
        return DigestPages(self.reader)

    @cached_property
    def memberships(self) -> Memberships:
        """The bot added to or removed from a chat (a removed chat's deliveries are skipped)."""
        return Memberships(self.common,
                           on_gone=self.delivery.chat_gone if self.delivery else None)

    @cached_property
    def category_notices(self) -> CategoryNotices:
        """New categories told to the admins once."""
        return CategoryNotices(self.db, self.common.default_language,
                               clock=self.common.clock)

    def article_link(self, channel: str, article_id: int) -> str | None:
        """A link that opens the article in a chat of `channel`, None when it has none."""
        found = self.article_links.get(channel)
        return found(article_id) if found is not None else None

    async def chat_migrated(self, old: ChatRef, new: ChatRef) -> None:
        """A group became a supergroup (learnt while replying): move what is stored."""
        log.info("chat=%s migrated to %s", old, new)
        async with self.db.transaction() as conn:
            if await chats.get(conn, new) is not None:
                await outbox.move_chat(conn, old, new)
            await chats.migrate(conn, old, new)

    async def is_group_chat(self, chat: ChatRef) -> bool:
        found = await chats.get(self.db, chat)
        return found is not None and found.is_group

    # -- jobs ---------------------------------------------------------------------------------

    async def ingest(self) -> None:
        """Poll the sources (failing ones are backed off inside the pipeline), then tell the
        admins about categories that appeared and new cluster questions, if the articles
        raised any."""
        if self.ingestor is not None:
            await self.ingestor.run_once()
            await self.announce_categories()
            await self.ask_cluster_questions()

    async def ask_cluster_questions(self) -> int:
        """Announce new cluster questions to the admins (bot/chat/cluster_review.py decides
        who gets what), through each channel's outbound path after the replies."""

        async def send(chat: ChatRef, message: Message) -> bool:
            outbound = self.outbound.get(chat.channel)
            if outbound is None:
                return False
            try:
                sent = await outbound.send(chat, message, group=False, priority=Priority.ADMIN)
            except Undelivered as exc:
                log.warning("cluster question not delivered to chat=%s: %s", chat, exc)
                return False
            return sent is not None

        return await self.cluster_review.announce(send)

    async def announce_categories(self) -> None:
        """One message to the admins about categories they were not told about yet."""
        notice = await self.category_notices.take()
        if notice is not None:
            await self.tell_admins(notice)

    async def tell_admins(self, text: Text, *, patience: float = 30.0) -> bool:
        """Send `text` to every admin's private chat (through the outbound path, with the admin
        priority, not through the outbox, which may be what is stuck); True when one got it.
        Each admin's message is bounded by `patience` seconds: a job must not wait for retries
        while the platform is down."""
        delivered = False
        for admin in sorted(self.common.admins.users, key=lambda u: (u.channel, u.id)):
            outbound = self.outbound.get(admin.channel)
            if outbound is None:
                continue
            try:
                sent = await asyncio.wait_for(
                    outbound.send(ChatRef(admin.channel, admin.id), Message(text), group=False,
                                  priority=Priority.ADMIN), patience)
            except (Undelivered, TimeoutError) as exc:
                log.warning("could not tell admin %s: %s", admin, exc or "timed out")
                continue
            delivered = delivered or sent is not None
        return delivered

    async def run_digests(self) -> DigestRun:
        """Queue every due digest, then wake the delivery worker."""
        run = await self.digests.run_due()
        if run.queued and self.delivery is not None:
            self.delivery.wake()
        return run

    @property
    def _progress_every(self) -> float:
        # Looks more often than it may edit, so edits come soon after the gap has passed.
        return max(0.2, min(1.0, self.settings.broadcast_progress_interval / 3))

    async def show_progress(self) -> None:
        """Edit each running broadcast's progress message (paced after the replies, before
        the push), and send the report of each one that ended."""
        if self.admin is None:
            return
        for item in await self.admin.broadcasts.tick():
            outbound = self.outbound.get(item.target.chat.channel)
            if outbound is None:
                continue
            group = await self.is_group_chat(item.target.chat)
            try:
                await outbound.edit(item.target, item.view, group=group,
                                    priority=Priority.ADMIN)
            except Undelivered as exc:
                # A deleted progress message must not stop the report.
                log.warning("broadcast_id=%s progress message not edited: %s",
                            item.broadcast_id, exc)
            await self.admin.broadcasts.mark_edited(item.broadcast_id)
            if item.report is not None:
                await outbound.send(item.target.chat, item.report, group=group,
                                    priority=Priority.ADMIN)

    def _start_alerts(self) -> None:
        """Errors logged anywhere reach the first admin, aggregated (bot/admin/alerts.py)."""
        target = self.common.admins.alert_chat(self.outbound)
        outbound = self.outbound.get(target.channel) if target is not None else None
        if target is None or outbound is None or self.admin is None:
            return

        async def alert(text: Text) -> None:
            await outbound.send(target, Message(text), group=False, priority=Priority.ADMIN)

        self._alerts = AdminAlertHandler(alert, loop=asyncio.get_running_loop(),
                                         lang=self.settings.default_language,
                                         secrets=self.settings.secrets())
        logging.getLogger().addHandler(self._alerts)
        self.admin.alerts = self._alerts


async def _repeat(name: str, first: float, every: float,
                  job: Callable[[], Awaitable[object]]) -> None:
    """Run `job` after `first` seconds, then every `every` seconds; errors are logged (and so
    reach the admins) and never stop the job."""
    await asyncio.sleep(first)
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed", name)
        await asyncio.sleep(every)
