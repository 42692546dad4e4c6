"""The Zalo channel assembled: the bot account plugged into the core, and its updates received.

`ZaloChannel` is what `bot.run` starts next to (or instead of) Telegram, on the same core, the
same database and the same outbox:
1. `connect()` (before anything else starts): the API client (its own connection pool) and
   `getMe` to check the token: a refused token stops the start with one clear line;
   `open()`: the account's `Pacer` at NEWSBOT_ZALO_RATE with its `Throttle`, the `ZaloSender`,
   and one `Outbound` for everything sent on the account, plugged into the core with Zalo's
   limits and its article links (the article's page on the bot's web server, when there is a
   public address);
2. `start_receiving()`: the inbox of Zalo updates and its consumer (the dispatcher), then either
   the webhook (setWebhook at NEWSBOT_PUBLIC_URL/zalo with the secret; the route is served by the
   web server, `webhook`) or the getUpdates loop (deleting any webhook first);
3. `close()`: in reverse; the webhook stays registered, so Zalo keeps what arrives meanwhile.

Several processes on one PostgreSQL database (as for Telegram): the getUpdates loop runs in one
process at a time, the one leading "poll:zalo:<bot id>" (`bot.elected`; Zalo hands each update
to whichever call asks first, so two loops would split a chat's messages between processes);
the inbox is shared (any process handles what was stored); the account's pace is shared through
the database: its schedule (the configured rate for all processes together, pauses for
everyone) and its throttled rate (bot/zalo/throttle.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from bot.config import ConfigError, Settings
from bot.core import Core
from bot.delivery.outbound import Outbound
from bot.delivery.pacing import Pacer
from bot.delivery.shared_rate import DatabaseSchedule, DatabaseThrottle
from bot.elected import LeaderOnly
from bot.inbox import Inbox, inbox_config
from bot.message import ZALO, ChatRef
from bot.render.zalo import LIMITS
from bot.web.links import ARTICLE_PATH
from bot.zalo.client import ZaloApiError, ZaloClient, ZaloNetworkError
from bot.zalo.incoming import ZaloDispatcher
from bot.zalo.polling import ZaloPoller
from bot.zalo.sender import ZaloSender
from bot.zalo.throttle import Throttle
from bot.zalo.webhook import ZaloWebhook
from handlers import Routes, all_routes
from storage import choices
from storage.db import POSTGRES

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30.0  # seconds a getUpdates call waits for an update


class ZaloChannel:
    """One Zalo bot account in the running bot (see the module docstring)."""

    name = ZALO

    def __init__(self, settings: Settings, core: Core | None = None, *,
                 routes: Routes | None = None, poll_timeout: float = POLL_TIMEOUT) -> None:
        self.settings = settings
        self.core = core
        self.routes = routes or all_routes()
        self.poll_timeout = poll_timeout
        self.client: ZaloClient | None = None
        self.outbound: Outbound | None = None
        self.throttle: Throttle | None = None
        self.sender: ZaloSender | None = None
        self.inbox: Inbox | None = None
        self.webhook: ZaloWebhook | None = None
        self.poller: ZaloPoller | None = None
        self.election: LeaderOnly | None = None
        self.dispatcher: ZaloDispatcher | None = None
        self.bot_name = ""
        self.bot_id = ""

    async def connect(self) -> None:
        """The API client, and the token checked with getMe (ConfigError when refused)."""
        if self.client is not None:
            return
        settings = self.settings
        client = ZaloClient(settings.zalo_api_url, settings.zalo_token(),
                            timeout=settings.zalo_timeout,
                            connections=settings.delivery_concurrency + 8)
        try:
            me = await client.get_me()
        except ZaloApiError as exc:
            await client.aclose()
            if exc.code in (401, 403, 404):
                raise ConfigError("NEWSBOT_ZALO_BOT_TOKEN: Zalo refused the token "
                                  f"({exc.code}); copy it again from Zalo Bot Creator") from None
            raise
        except ZaloNetworkError:
            await client.aclose()
            raise
        self.client = client
        self.bot_name = str(me.get("account_name") or me.get("display_name")
                            or me.get("name") or "")
        # The account's public id names its shared state and its poller's leadership; without
        # one, a digest of the token (never the token itself).
        self.bot_id = str(me.get("id") or "") or hashlib.sha256(
            settings.zalo_token().encode()).hexdigest()[:16]

    @property
    def account(self) -> str:
        """The account's name in the database ("zalo:<bot id>")."""
        return f"{ZALO}:{self.bot_id}"

    @property
    def _core(self) -> Core:
        if self.core is None:
            raise RuntimeError("the Zalo channel has no core yet")
        return self.core

    async def open(self) -> None:
        """Plug the account into the core (before `core.start`), connecting first if needed."""
        await self.connect()
        assert self.client is not None
        settings, client, db = self.settings, self.client, self._core.db
        several = db.backend == POSTGRES  # several processes may send on this account
        pacer = Pacer(global_rate=settings.zalo_rate, private_interval=0, group_per_minute=0,
                      shared=DatabaseSchedule(db, self.account) if several else None)
        self.throttle = Throttle(pacer, settings.zalo_rate,
                                 shared=DatabaseThrottle(db, self.account) if several else None)
        await self.throttle.load()
        self.sender = ZaloSender(client, language=self._core.common.language,
                                 remember=self._remember, throttle=self.throttle)
        self.outbound = Outbound(self.sender, pacer)
        self._core.add_channel(self.outbound, LIMITS, article_link=self._article_link())
        log.info("zalo: bot %s ready (%.3g messages/s at most)", self.bot_name or "?",
                 settings.zalo_rate)

    def _article_link(self) -> Callable[[int], str | None]:
        """Zalo has no deep links into a chat: an article opens as its page on the web server."""
        public_url = self.settings.public_url

        def link(article_id: int) -> str | None:
            if not public_url:
                return None
            return public_url.rstrip("/") + ARTICLE_PATH.format(id=article_id)

        return link

    async def _remember(self, chat: ChatRef, message_id: str | None,
                        actions: tuple[str, ...]) -> None:
        core = self._core
        async with core.db.transaction() as conn:
            await choices.remember(conn, chat, message_id, actions,
                                   now=int(core.common.clock()))

    @property
    def webhook_mode(self) -> bool:
        return self.settings.webhook_mode

    def prepare_receiving(self) -> None:
        """Build the inbox (and in webhook mode the route the web server serves)."""
        assert self.outbound is not None
        self.dispatcher = ZaloDispatcher(self.routes, self._core, self.outbound)
        config = inbox_config(self._core.db, delivery_lease=self.settings.delivery_lease)
        self.inbox = Inbox(self._core.db, ZALO, self.dispatcher.handle, config=config)
        if self.webhook_mode:
            self.webhook = ZaloWebhook(self.inbox, self.settings.zalo_webhook_secret_token())

    async def start_receiving(self) -> None:
        """Handle stored updates, then receive by webhook or long polling (web server up)."""
        assert self.client is not None
        assert self.inbox is not None
        await self.inbox.start()
        if self.webhook_mode:
            endpoint = self.settings.zalo_webhook_endpoint
            assert endpoint is not None
            await self.client.set_webhook(endpoint, self.settings.zalo_webhook_secret_token())
            log.info("zalo: updates by webhook at %s", endpoint)
            return
        try:
            await self.client.delete_webhook()
        except ZaloApiError as exc:  # none was set, or the platform has nothing to delete
            log.debug("zalo: deleteWebhook: %s", exc)
        poller = self.poller = ZaloPoller(self.client, self.inbox, wait=self.poll_timeout)
        self.election = LeaderOnly(self._core.db, f"poll:{self.account}", start=poller.start,
                                   stop=poller.stop, running=lambda: poller.running,
                                   what="zalo polling")
        await self.election.start()
        log.info("zalo: updates by long polling (in the process that leads the poller)")

    async def stop_receiving(self) -> None:
        """No new updates; those being handled finish and are recorded."""
        if self.election is not None:
            await self.election.stop()
            self.election = None
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self.inbox is not None:
            await self.inbox.stop()

    async def close(self) -> None:
        if self.throttle is not None:
            await self.throttle.aclose()
        if self.client is not None:
            await self.client.aclose()
            self.client = None
