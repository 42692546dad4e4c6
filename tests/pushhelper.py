"""Helpers for push-delivery tests: an archive source the test writes articles into, subscribers
loaded in bulk, and waiting until every delivery of an article has ended."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import Core
from bot.models import Article
from storage import bulk, categories
from storage import deliveries as outbox
from storage.deliveries import StatusCounts

PUSH_TIMEOUT = 60.0  # generous: an upper bound for slow machines, not a speed assertion


def push_source(tmp_path: Path) -> tuple[Path, Path]:
    """A sources file with one (empty) archive folder: (sources file, archive folder)."""
    archive = tmp_path / "archive"
    archive.mkdir()
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "push-test"\nkind = "archive"\npath = "archive"\n',
                       encoding="utf-8")
    return sources, archive


def write_article(archive: Path, stem: str, *, title: str, category: str,
                  summary: str = "Tóm tắt ngắn của bài viết.", image: str | None = None,
                  image_caption: str | None = None, url: str | None = None) -> Path:
    """One `.json` archive article (the archive's JSON layout)."""
    path = archive / f"{stem}.json"
    data: dict[str, Any] = {
        "title": title,
        "url": url or f"https://mattran.example.vn/tin/{stem}.html",
        "category": category,
        "published": "2024-05-20T08:30:00+07:00",
        "summary": summary,
        "body": summary + "\n\nNội dung chi tiết của bài viết.",
    }
    if image is not None:
        data["image"] = image
    if image_caption is not None:
        data["image_caption"] = image_caption
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def subscribe(core: Core, chat_ids: list[int], category: str, *,
                    language: str = "vi") -> int:
    """Make the chats active subscribers of `category` (created if needed); returns its id."""
    async with core.db.transaction() as conn:
        category_id = (await categories.ensure(conn, category)).id
        await bulk.add_subscribers(conn, chat_ids, category_id, now=int(time.time()),
                                   language=language)
    return category_id


async def ingest(core: Core) -> list[Article]:
    """One poll of the sources, as the scheduled job does (enqueues and wakes the worker)."""
    assert core.ingestor is not None
    report = await core.ingestor.run_once()
    return report.articles


async def wait_done(core: Core, article_ids: list[int], *,
                    timeout: float | None = None) -> dict[int, StatusCounts]:  # noqa: ASYNC109
    """Wait until no delivery of the articles is pending; their counts per status."""
    loop = asyncio.get_running_loop()
    timeout = timeout or PUSH_TIMEOUT
    deadline = loop.time() + timeout
    while True:
        found = {a: await outbox.counts(core.db, article_id=a) for a in article_ids}
        delivery = core.delivery
        settled = delivery is None or delivery.in_memory == 0
        if all(c.pending == 0 for c in found.values()) and settled:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"deliveries still pending after {timeout} s: {found}")
        await asyncio.sleep(0.05)


def clock_at(hour: int, minute: int, tz: ZoneInfo) -> float:
    """Seconds to add to time.time() so that the local time is hour:minute (today, in tz)."""
    now = datetime.now(tz)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (target - now) / timedelta(seconds=1)
