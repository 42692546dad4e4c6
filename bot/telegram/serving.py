"""Running the bot on Telegram with its web server: the parts built from Settings and the running
core.

`serving(app)` is what `newsbot run` runs (and what the webhook tests run, on a free port):
1. the Application is initialised and started (post_init opens the database and the core);
2. the web server starts: pages, photos, /healthz, /metrics, and in webhook mode /telegram
   feeding the inbox (`bot.inbox`);
3. updates: in webhook mode the inbox consumer starts (replaying what an earlier run stored and
   did not handle) and the webhook is (re)registered at NEWSBOT_PUBLIC_URL + "/telegram" with
   its secret; otherwise PTB long-polls (deleting any webhook first);
4. the health monitor checks every little while and tells the admins once when the bot is stuck.
Stopping goes in reverse: no new requests, the updates being handled finish and are recorded,
then the Application stops. The webhook stays registered, so Telegram keeps (and retries) what
arrives while the bot is down.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.admin.alerts import health_alert_text, health_recovered_text
from bot.config import Settings
from bot.core import JOBS, Core
from bot.delivery.worker import process_name
from bot.inbox import Handle, Inbox, InboxConfig
from bot.message import Text
from bot.web.app import WebParts, build_web_app
from bot.web.health import HealthMonitor, HealthReport
from bot.web.metrics import BotMetrics
from bot.web.pages import ArticlePages, PageConfig, build_templates
from bot.web.server import WebServer, bind
from bot.web.telegram import CHANNEL, TelegramWebhook
from storage.db import POSTGRES

log = logging.getLogger(__name__)

_TELL_ADMIN_TIMEOUT = 30.0  # seconds a health notice may take to reach one admin

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class WebFace:
    """The running web server and what it serves (for logs and tests)."""

    server: WebServer
    parts: WebParts
    inbox: Inbox | None

    @property
    def url(self) -> str:
        return f"http://{self.server.address}"


def health_interval(stuck_after: float) -> float:
    """How often the monitor looks: a few times per `stuck_after`, at most every 30 s."""
    return max(0.2, min(30.0, stuck_after / 5))


def build_parts(app: AnyApplication, settings: Settings, core: Core, *,
                webhook: bool) -> tuple[WebParts, Inbox | None]:
    sources = {s.name: s for s in core.ingestor.sources} if core.ingestor is not None else {}
    pages = ArticlePages(core.db, PageConfig(settings.default_language, settings.tz,
                                             settings.public_url),
                         sources, build_templates())
    lang, tz = settings.default_language, settings.tz

    async def alert(report: HealthReport) -> bool:
        if not await core.db.lead(JOBS):  # several processes: the jobs' leader tells
            return True
        text = health_alert_text(report.problems, lang, tz, queue=report.figures.queue,
                                 checked_at=report.checked_at, since=report.stuck_since)
        return await tell_admins(core, text)

    async def recovered(report: HealthReport) -> bool:
        if not await core.db.lead(JOBS):
            return True
        return await tell_admins(
            core, health_recovered_text(lang, tz, checked_at=report.checked_at))

    health = HealthMonitor(core.db, stuck_after=settings.health_stuck_after,
                           interval=health_interval(settings.health_stuck_after),
                           source_names=frozenset(sources) if sources else None,
                           alert=alert, recovered=recovered)
    metrics = BotMetrics()
    if core.delivery is not None:
        core.delivery.observer = metrics
    for outbound in core.outbound.values():  # replies, edits and alerts count too
        outbound.observer = metrics
    inbox = None
    hook = None
    if webhook:
        config = InboxConfig()
        if core.db.backend == POSTGRES:
            # Several processes share the inbox: each claims under its own name, and the
            # updates one was handling when it died are taken back at once by another (it
            # no longer holds its "alive" lock), or after the lease at the latest.
            config = InboxConfig(consumer=process_name("inbox"),
                                 lease=max(60, int(settings.delivery_lease * 2)))
        inbox = Inbox(core.db, CHANNEL, application_handler(app), config=config)
        hook = TelegramWebhook(inbox, settings.webhook_secret_token())
    return WebParts(core.db, pages, health, metrics, hook), inbox


async def tell_admins(core: Core, text: Text) -> bool:
    """Send `text` to every admin's private chat (`Core.tell_admins`: the outbound path, with
    the admin priority, not the outbox, which may be what is stuck); True when one got it."""
    return await core.tell_admins(text, patience=_TELL_ADMIN_TIMEOUT)


@asynccontextmanager
async def serving(app: AnyApplication, *, sock: socket.socket | None = None,
                  poll_timeout: float = 10.0) -> AsyncIterator[WebFace]:
    """Run `app` with the web server (on `sock`, else NEWSBOT_WEB_LISTEN:NEWSBOT_WEB_PORT),
    receiving updates by webhook or long polling as the settings say."""
    settings: Settings = app.bot_data.settings
    webhook = settings.webhook_mode
    async with AsyncExitStack() as stack:
        await app.initialize()
        stack.push_async_callback(app.shutdown)
        if app.post_init is not None:
            await app.post_init(app)
        if app.post_shutdown is not None:
            stack.push_async_callback(app.post_shutdown, app)
        await app.start()
        stack.push_async_callback(_stop_app, app)
        core: Core = app.bot_data.core
        parts, inbox = build_parts(app, settings, core, webhook=webhook)
        if inbox is not None:
            await inbox.start()
            stack.push_async_callback(inbox.stop)
        server = WebServer(build_web_app(parts))
        await server.start(sock or bind(settings.web_listen, settings.web_port))
        # Stopped before the inbox: no new requests, then what is being handled finishes.
        stack.push_async_callback(server.stop)
        await parts.health.start()
        stack.push_async_callback(parts.health.stop)
        if webhook:
            assert settings.webhook_endpoint is not None
            await app.bot.set_webhook(settings.webhook_endpoint,
                                      secret_token=settings.webhook_secret_token(),
                                      allowed_updates=Update.ALL_TYPES,
                                      drop_pending_updates=False)
            log.info("updates by webhook at %s; web server on %s", settings.webhook_endpoint,
                     server.address)
        else:
            poller = Poller(app, core, poll_timeout)
            await poller.start()
            stack.push_async_callback(poller.stop)
            log.info("updates by long polling; web server on %s", server.address)
        yield WebFace(server, parts, inbox)


class Poller:
    """Long polling by one process at a time: the one that leads "poll:<bot id>" (always this
    one on SQLite). The others stand by and look again every few seconds, so when the poller
    dies another takes over (Telegram keeps the updates it had not confirmed, and gives them to
    the next getUpdates). A process that loses the leadership (its database connection broke)
    stops polling."""

    CHECK_EVERY = 2.0

    def __init__(self, app: AnyApplication, core: Core, poll_timeout: float) -> None:
        self.app = app
        self.core = core
        self.poll_timeout = poll_timeout
        self.name = f"poll:{CHANNEL}:{app.bot.token.split(':', 1)[0]}"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._step()  # on SQLite (or a free leadership) polling starts right here
        if self.core.db.backend == POSTGRES:
            self._task = asyncio.create_task(self._watch(), name="poller-election")

    async def _step(self) -> None:
        updater = self.app.updater
        assert updater is not None
        leading = await self.core.db.lead(self.name)
        if leading and not updater.running:
            log.info("polling: this process receives the updates")
            await updater.start_polling(poll_interval=0, timeout=int(self.poll_timeout),
                                        allowed_updates=Update.ALL_TYPES,
                                        drop_pending_updates=False)
        elif not leading and updater.running:
            log.warning("polling: leadership lost, another process receives the updates")
            await updater.stop()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.CHECK_EVERY)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling: the election failed; looking again shortly")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await _stop_polling(self.app)
        await self.core.db.resign(self.name)


async def _stop_polling(app: AnyApplication) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()


async def _stop_app(app: AnyApplication) -> None:
    if app.running:
        await app.stop()


def application_handler(app: AnyApplication) -> Handle:
    """Feeds a stored update to the PTB Application; returns when its handlers are done.

    Like PTB's own update fetcher (and its custom-webhook examples, which put updates into
    `update_queue`), but awaited, so the inbox knows when the update is handled. The update
    processor keeps PTB's limit on concurrently processed updates.
    """

    async def handle(payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))

    return handle
