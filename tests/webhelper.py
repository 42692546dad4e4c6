"""The bot's web server in tests: a real aiohttp server on a free port over a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from bot.config import SourceConfig
from bot.models import Article
from bot.web.app import WebParts, build_web_app
from bot.web.health import HealthMonitor
from bot.web.metrics import BotMetrics
from bot.web.pages import ArticlePages, PageConfig, build_templates
from bot.web.server import WebServer, bind
from storage import articles
from storage.articles import NewArticle
from storage.db import Database

VN = ZoneInfo("Asia/Ho_Chi_Minh")


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
