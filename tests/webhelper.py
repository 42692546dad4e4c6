"""The bot's web server in tests: a real aiohttp server on a free port over a real database, and
the whole bot in webhook mode against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr

from bot.app import build_application
from bot.config import Settings, SourceConfig
from bot.demo import sample_sources_file
from bot.models import Article
from bot.sandbox import Sandbox
from bot.web.app import WebParts, build_web_app
from bot.web.health import HealthMonitor
from bot.web.metrics import BotMetrics
from bot.web.pages import ArticlePages, PageConfig, build_templates
from bot.web.runtime import WebFace, serving
from bot.web.server import WebServer, bind, bound_port
from storage import articles
from storage.articles import NewArticle
from storage.db import Database
from tests.bothelper import ADMIN_ID, TOKEN, Chatter

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRET = "webhook-secret_for-tests"


@dataclass
class Web:
    http: httpx.AsyncClient
    parts: WebParts


@asynccontextmanager
async def web_server(db: Database, *, public_url: str | None = None,
                     sources: Mapping[str, SourceConfig] | None = None,
                     stuck_after: float = 900.0) -> AsyncIterator[Web]:
    pages = ArticlePages(db, PageConfig("vi", VN, public_url), dict(sources or {}),
                         build_templates())
    parts = WebParts(db, pages, HealthMonitor(db, stuck_after=stuck_after), BotMetrics())
    server = WebServer(build_web_app(parts))
    await server.start(bind("127.0.0.1", 0))
    try:
        async with httpx.AsyncClient(base_url=f"http://{server.address}", timeout=30) as http:
            yield Web(http, parts)
    finally:
        await server.stop()


async def store_article(db: Database, key: str, *, title: str = "Hội nghị tổng kết năm 2021",
                        body: str = "Đoạn một.\n\nĐoạn hai.", summary: str = "Tóm tắt.",
                        url: str | None = None, image: str | None = None,
                        image_caption: str | None = None, category: str = "Tin tức",
                        source: str = "web", author: str | None = None,
                        published: datetime | None = None) -> Article:
    item = NewArticle(
        dedupe_key=key, source=source, url=url or f"https://mattran.example.vn/{key}.html",
        title=title, category=category,
        published=published or datetime(2021, 12, 15, 14, 30, tzinfo=VN),
        summary=summary, body=body, image=image, image_caption=image_caption, author=author)
    async with db.transaction() as conn:
        stored = await articles.insert_new(conn, [item], fetched_at=0)
    return stored[0]


@asynccontextmanager
async def bot_by_webhook(sandbox: Sandbox, database: Path, **overrides: Any
                         ) -> AsyncIterator[tuple[Chatter, WebFace]]:
    """The real bot on `database`, its web server on a free port, updates by webhook."""
    sock = bind("127.0.0.1", 0)
    values: dict[str, Any] = {
        "telegram_api_url": sandbox.base_url,
        "bot_token": SecretStr(TOKEN),
        "database": database,
        "sources_file": sample_sources_file(),
        "admin_ids": frozenset({ADMIN_ID}),
        "poll_interval": 3600,
        "public_url": f"http://127.0.0.1:{bound_port(sock)}",
        "webhook_secret": SecretStr(SECRET),
    }
    values.update(overrides)
    settings = Settings(**values)
    assert settings.webhook_mode
    app = build_application(settings)
    async with serving(app, sock=sock) as face, httpx.AsyncClient(base_url=sandbox.url,
                                                                  timeout=30) as http:
        yield Chatter(sandbox, http, app, settings), face
