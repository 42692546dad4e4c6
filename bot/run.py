"""`newsbot run`: one process serving every configured channel (Telegram, Zalo, or both) from
one core, one database and one outbox, with the bot's web server.

`serving(settings)` is what `newsbot run` runs (and what the end-to-end tests run, on a free
port):
1. the core is opened (database, services; nothing runs yet);
2. each configured channel plugs its bot account in: Telegram when NEWSBOT_BOT_TOKEN is set
   (the python-telegram-bot Application, `bot/telegram/serving.py`), Zalo when
   NEWSBOT_ZALO_BOT_TOKEN is set (`bot/zalo/channel.py`); either alone works;
3. the core starts: the delivery worker resumes the outbox (for every channel plugged in), the
   jobs (ingestion, digests, broadcast progress) and the error alerts;
4. the web server starts: pages, photos, /healthz, /metrics, and each channel's webhook route in
   webhook mode (/telegram, /zalo), whose updates go through the inbox;
5. each channel starts receiving (its webhook registered, or long polling);
6. the health monitor tells the admins once when the bot is stuck.
Stopping goes in reverse: no new updates, those being handled finish and are recorded, the
outbox's in-flight messages finish, then the channels and the core close.

Channel packages are imported here only when their channel is configured: a Zalo-only bot never
builds a Telegram Application (and needs no Telegram token).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.admin.alerts import health_alert_text, health_recovered_text
from bot.chat.common import Admins
from bot.config import ConfigError, Settings
from bot.core import JOBS, Core
from bot.inbox import Inbox
from bot.message import Text
from bot.web.app import WebParts, build_web_app
from bot.web.health import HealthMonitor, HealthReport
from bot.web.metrics import BotMetrics
from bot.web.pages import ArticlePages, PageConfig, build_templates
from bot.web.server import WebServer, bind

log = logging.getLogger(__name__)

_TELL_ADMIN_TIMEOUT = 30.0  # seconds a health notice may take to reach one admin


class Channel(Protocol):
    """A chat channel as the process runs it (bot/telegram/serving.py, bot/zalo/channel.py)."""

    name: str
    inbox: Inbox | None

    async def open(self) -> None:
        """Plug the bot account into the core (before the core starts)."""

    def prepare_receiving(self) -> None:
        """Build the inbox and, in webhook mode, the webhook route (`webhook`)."""

    @property
    def webhook(self) -> Any:
        """The webhook route for the web server (None when polling)."""

    async def start_receiving(self) -> None:
        """Receive updates (the web server is up)."""

    async def stop_receiving(self) -> None:
        """No new updates; those being handled finish."""

    async def close(self) -> None:
        """Release the account (after the core closed)."""


@dataclass
class WebFace:
    """The running web server, what it serves, and the channels (for logs and tests)."""

    server: WebServer
    parts: WebParts
    inbox: Inbox | None  # Telegram's inbox in webhook mode (as before there was Zalo)
    core: Core | None = None
    channels: dict[str, Channel] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.server.address}"

    @property
    def inboxes(self) -> dict[str, Inbox]:
        return {name: ch.inbox for name, ch in self.channels.items() if ch.inbox is not None}


def health_interval(stuck_after: float) -> float:
    """How often the monitor looks: a few times per `stuck_after`, at most every 30 s."""
    return max(0.2, min(30.0, stuck_after / 5))


def build_parts(settings: Settings, core: Core) -> WebParts:
    """The web server's parts (pages, health, metrics); the channels add their webhooks."""
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
    return WebParts(core.db, pages, health, metrics)


async def tell_admins(core: Core, text: Text) -> bool:
    """Send `text` to every admin's private chat on every channel served (`Core.tell_admins`:
    the outbound path, with the admin priority, not the outbox, which may be what is stuck);
    True when one got it."""
    return await core.tell_admins(text, patience=_TELL_ADMIN_TIMEOUT)


def admins_of(settings: Settings, telegram: frozenset[int] | None = None) -> Admins:
    """The admins of every channel: Telegram ids (NEWSBOT_ADMIN_IDS), Zalo ids
    (NEWSBOT_ZALO_ADMIN_IDS)."""
    return Admins.of(settings.admin_ids if telegram is None else telegram,
                     settings.zalo_admin_ids)


@asynccontextmanager
async def serving(settings: Settings, *, telegram_app: Any = None,
                  sock: socket.socket | None = None, poll_timeout: float = 10.0,
                  schedule_ingestion: bool = True) -> AsyncIterator[WebFace]:
    """Run the bot on every configured channel with its web server (on `sock`, else
    NEWSBOT_WEB_LISTEN:NEWSBOT_WEB_PORT). `telegram_app`: an Application built by the caller
    (tests, the Telegram wrapper), else one is built when Telegram is configured."""
    serve_telegram = telegram_app is not None or settings.bot_token is not None
    if not serve_telegram and not settings.zalo_enabled:
        raise ConfigError("NEWSBOT_BOT_TOKEN: not set (get one from @BotFather), and no "
                          "NEWSBOT_ZALO_BOT_TOKEN either: the bot needs at least one channel")
    async with AsyncExitStack() as stack:
        channels: dict[str, Channel] = {}

        async def close_channels() -> None:
            for channel in reversed(list(channels.values())):
                try:
                    await channel.close()
                except Exception:
                    log.exception("closing the %s channel failed", channel.name)

        stack.push_async_callback(close_channels)  # last: after the core (its worker) stopped
        zalo = None
        if settings.zalo_enabled:
            from bot.zalo.channel import ZaloChannel

            # The token is checked before anything is opened: a refused one is one clear line.
            zalo = ZaloChannel(settings, poll_timeout=poll_timeout)
            channels[zalo.name] = zalo
            await zalo.connect()
        telegram_admins = telegram_app.bot_data.admin_ids if telegram_app is not None else None
        core = await Core.open(settings, admins=admins_of(settings, telegram_admins))
        stack.push_async_callback(core.close)
        if serve_telegram:
            from bot.telegram.serving import TelegramChannel

            telegram = TelegramChannel(settings, core, app=telegram_app,
                                       poll_timeout=poll_timeout)
            channels[telegram.name] = telegram
            await telegram.open()
        if zalo is not None:
            zalo.core = core
            await zalo.open()
        await core.start(schedule_ingestion=schedule_ingestion)
        parts = build_parts(settings, core)
        for channel in channels.values():
            channel.prepare_receiving()
            # Stopped after the web server: what is being handled finishes and is recorded.
            stack.push_async_callback(channel.stop_receiving)
        # Before the channels stop (an Application waits for its handlers): replies waiting for
        # an API that is down give up instead of holding the stop (bot/delivery/outage.py).
        stack.push_async_callback(core.release_outbound)
        telegram_channel = channels.get("telegram")
        zalo_channel = channels.get("zalo")
        parts.telegram = telegram_channel.webhook if telegram_channel is not None else None
        parts.zalo = zalo_channel.webhook if zalo_channel is not None else None
        await parts.health.start()
        stack.push_async_callback(parts.health.stop)
        server = WebServer(build_web_app(parts))
        await server.start(sock or bind(settings.web_listen, settings.web_port))
        stack.push_async_callback(server.stop)  # first: no new requests
        for channel in channels.values():
            await channel.start_receiving()
        names = sorted(channels, key=lambda name: name != "telegram")  # Telegram first
        log.info("serving %s; web server on %s", " and ".join(names), server.address)
        inbox = telegram_channel.inbox if telegram_channel is not None else None
        yield WebFace(server, parts, inbox, core, channels)


def run(settings: Settings) -> None:
    """`newsbot run`: the bot on its channels with its web server until SIGINT or SIGTERM
    (blocking)."""
    asyncio.run(_serve_until_stopped(settings))


async def _serve_until_stopped(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    async with serving(settings):
        await stop.wait()
        log.info("stopping")
