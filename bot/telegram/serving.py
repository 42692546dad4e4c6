"""Telegram as a channel of the running bot (`bot.run`): the python-telegram-bot Application on
the process's core, its updates by webhook (through the inbox) or long polling.

`TelegramChannel` is what `bot.run.serving` starts when NEWSBOT_BOT_TOKEN is set:
1. `open()`: the Application is initialised and started; its post_init plugs this bot account
   into the core that `bot.run` opened (and sets the command menu);
2. `prepare_receiving()`: in webhook mode the inbox of Telegram updates, fed to the Application
   (`application_handler`), and the /telegram route (`bot.web.telegram`);
3. `start_receiving()`: in webhook mode the inbox consumer starts (replaying what an earlier run
   stored and did not handle) and the webhook is (re)registered at NEWSBOT_PUBLIC_URL +
   "/telegram" with its secret; otherwise PTB long-polls (deleting any webhook first), in one
   process at a time when several share a PostgreSQL database (`bot.elected`);
4. `stop_receiving()`, `close()`: in reverse. The webhook stays registered, so Telegram keeps
   (and retries) what arrives while the bot is down.

`serving(app)` runs one Application this way with the web server (the Telegram-only entry point
the webhook tests use); `bot.run.serving` adds Zalo when it is configured.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.core import Core
from bot.elected import LeaderOnly
from bot.inbox import Handle, Inbox, inbox_config
from bot.run import WebFace, health_interval, tell_admins
from bot.telegram.updates import PollingErrors, parse_update
from bot.web.telegram import CHANNEL, TelegramWebhook

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

__all__ = ["TelegramChannel", "WebFace", "application_handler", "health_interval", "serving",
           "tell_admins"]


class TelegramChannel:
    """The Telegram bot account of the running bot (see the module docstring)."""

    name = CHANNEL

    def __init__(self, settings: Settings, core: Core, *, app: AnyApplication | None = None,
                 poll_timeout: float = 10.0) -> None:
        from bot.telegram.app import build_application

        self.settings = settings
        self.core = core
        self.app: AnyApplication = app if app is not None else build_application(settings)
        self.poll_timeout = poll_timeout
        self.inbox: Inbox | None = None
        self.webhook: TelegramWebhook | None = None
        self.poller: LeaderOnly | None = None
        self._started = False
        self._initialized = False

    async def open(self) -> None:
        """Initialise and start the Application; post_init plugs it into the given core."""
        app = self.app
        app.bot_data.core = self.core  # post_init plugs in, and leaves the core to bot.run
        await app.initialize()
        self._initialized = True
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        self._started = True

    def prepare_receiving(self) -> None:
        if self.settings.webhook_mode:
            config = inbox_config(self.core.db, delivery_lease=self.settings.delivery_lease)
            self.inbox = Inbox(self.core.db, CHANNEL, application_handler(self.app),
                               config=config)
            self.webhook = TelegramWebhook(self.inbox, self.settings.webhook_secret_token())

    async def start_receiving(self) -> None:
        app, settings = self.app, self.settings
        if self.inbox is not None:
            await self.inbox.start()
            assert settings.webhook_endpoint is not None
            await app.bot.set_webhook(settings.webhook_endpoint,
                                      secret_token=settings.webhook_secret_token(),
                                      allowed_updates=Update.ALL_TYPES,
                                      drop_pending_updates=False)
            log.info("telegram: updates by webhook at %s", settings.webhook_endpoint)
            return
        updater = app.updater
        assert updater is not None

        async def start_polling() -> None:
            await updater.start_polling(poll_interval=0, timeout=int(self.poll_timeout),
                                        allowed_updates=Update.ALL_TYPES,
                                        drop_pending_updates=False,
                                        error_callback=PollingErrors())

        # One long poller per bot (several processes on PostgreSQL): Telegram keeps the updates
        # it had not confirmed and gives them to the next poller when this one dies.
        self.poller = LeaderOnly(self.core.db, f"poll:{CHANNEL}:{app.bot.token.split(':', 1)[0]}",
                                 start=start_polling, stop=updater.stop,
                                 running=lambda: updater.running, what="telegram polling")
        await self.poller.start()
        log.info("telegram: updates by long polling (in the process that leads the poller)")

    async def stop_receiving(self) -> None:
        """No new updates; those being handled finish and are recorded; the Application stops
        (before the core closes: a handler still running may use it)."""
        app = self.app
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self.inbox is not None:
            await self.inbox.stop()
        if app.running:
            await app.stop()

    async def close(self) -> None:
        """After the core closed: release the push connections and the Application."""
        app = self.app
        if app.running:
            await app.stop()
        if self._started and app.post_shutdown is not None:
            await app.post_shutdown(app)
        if self._initialized:
            await app.shutdown()


@asynccontextmanager
async def serving(app: AnyApplication, *, sock: socket.socket | None = None,
                  poll_timeout: float = 10.0) -> AsyncIterator[WebFace]:
    """Run `app` with the web server (on `sock`, else NEWSBOT_WEB_LISTEN:NEWSBOT_WEB_PORT),
    receiving updates by webhook or long polling as the settings say (and Zalo too, when it is
    configured)."""
    from bot.run import serving as run_serving

    settings: Settings = app.bot_data.settings
    async with run_serving(settings, telegram_app=app, sock=sock, poll_timeout=poll_timeout,
                           schedule_ingestion=app.bot_data.schedule_ingestion) as face:
        yield face


def application_handler(app: AnyApplication) -> Handle:
    """Feeds a stored update to the PTB Application; returns when its handlers are done.

    Like PTB's own update fetcher (and its custom-webhook examples, which put updates into
    `update_queue`), but awaited, so the inbox knows when the update is handled. The update
    processor keeps PTB's limit on concurrently processed updates. An update PTB cannot read is
    logged once and skipped (bot/telegram/updates.py).
    """

    async def handle(payload: dict[str, Any]) -> None:
        update = parse_update(payload, app.bot)
        if update is None:
            return  # logged once; the inbox marks it handled: never retried
        await app.update_processor.process_update(update, app.process_update(update))

    return handle
