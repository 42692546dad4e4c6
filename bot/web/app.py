"""The aiohttp application of the bot's web server, assembled from its parts.

`build_web_app` only wires routes to handlers; the parts (pages, health monitor, metrics, the
webhooks of Telegram and Zalo) are built from Settings and the running core by `bot.run`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.inbox import Inbox
from bot.web.health import HealthMonitor
from bot.web.metrics import BotMetrics, Snapshot, SourceFigures
from bot.web.pages import ArticlePages
from bot.web.telegram import MAX_UPDATE_BYTES, TelegramWebhook
from storage import inbox as inbox_store
from storage import sources as sources_store
from storage.db import Database

# Article ids are SQLite rowids: at most 19 digits.
_ID = "{id:[0-9]{1,18}}"


class Webhook(Protocol):
    """A channel's webhook route: checks and stores what the platform posts in its inbox."""

    inbox: Inbox

    def handle(self, request: web.Request) -> Awaitable[web.Response]: ...


@dataclass
class WebParts:
    db: Database
    pages: ArticlePages
    health: HealthMonitor
    metrics: BotMetrics
    telegram: TelegramWebhook | None = None  # only in webhook mode
    zalo: Webhook | None = None  # the Zalo adapter's (bot/zalo/webhook.py), in webhook mode


def build_web_app(parts: WebParts) -> web.Application:
    """Routes of SPEC section 12 (``/telegram`` and ``/zalo`` only when that channel's updates
    come by webhook)."""
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    router = app.router
    router.add_get(f"/a/{_ID}", parts.pages.article)
    router.add_get(f"/media/{_ID}", parts.pages.media)

    async def healthz(request: web.Request) -> web.Response:
        """200 with a small JSON when well, 503 with the same JSON when stuck."""
        report = await parts.health.check()
        return web.json_response(report.as_json(), status=200 if report.ok else 503,
                                 headers={"Cache-Control": "no-store"},
                                 dumps=lambda d: json.dumps(d, ensure_ascii=False))

    async def metrics(request: web.Request) -> web.Response:
        """The Prometheus text format."""
        report = await parts.health.check()
        snapshot = Snapshot(report)
        if report.figures.database_ok:
            states = await sources_store.list_all(parts.db)
            names = parts.health.source_names
            snapshot = Snapshot(
                report,
                tuple(SourceFigures(s.name, s.articles_total, s.errors_total,
                                    s.consecutive_failures == 0, s.last_success_at)
                      for s in states if names is None or s.name in names),
                await inbox_store.unhandled_by_channel(parts.db),
                {hook.inbox.channel: (hook.inbox.received, hook.inbox.duplicates)
                 for hook in (parts.telegram, parts.zalo) if hook is not None})
        return web.Response(body=parts.metrics.render(snapshot),
                            headers={"Content-Type": CONTENT_TYPE_LATEST,
                                     "Cache-Control": "no-store"})

    router.add_get("/healthz", healthz)
    router.add_get("/metrics", metrics)
    if parts.telegram is not None:
        router.add_post("/telegram", parts.telegram.handle)
    if parts.zalo is not None:
        router.add_post("/zalo", parts.zalo.handle)
    return app
