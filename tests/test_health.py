"""/healthz, /metrics and the admins' alert when the bot is stuck: the rule (`assess`, table
driven) and end to end through the sandbox's faults (the Bot API failing with deliveries
pending; no source working), with the real bot in webhook mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.web.health import (
    DATABASE,
    DELIVERIES_STUCK,
    SOURCES_FAILING,
    HealthFigures,
    SourceHealth,
    assess,
)
from tests.bothelper import ADMIN_ID, text_of
from tests.pushhelper import ingest, push_source, subscribe, write_article
from tests.webhelper import bot_by_webhook

SUBSCRIBER = 4242
WAIT = 30.0  # an upper bound for slow machines (retries back off), not a speed assertion
NOW = 1_000_000.0


def source(name: str, *, ok: bool, last: int | None, paused: bool = False) -> SourceHealth:
    return SourceHealth(name, ok, paused, last)


@pytest.mark.parametrize(
    ("figures", "queue_since", "expected"),
    [
        (HealthFigures(True), None, ()),
        (HealthFigures(False), None, (DATABASE,)),
        # Pending, and nothing sent for longer than stuck_after (100 s).
        (HealthFigures(True, queue=5, last_push_at=int(NOW - 500)), NOW - 500, (DELIVERIES_STUCK,)),
        # Pending for long, but sends keep succeeding: a big push in progress.
        (HealthFigures(True, queue=5, last_push_at=int(NOW - 3)), NOW - 500, ()),
        # A push queued after a quiet week: not stuck before the worker had its chance.
        (HealthFigures(True, queue=5, last_push_at=int(NOW - 7 * 86400)), NOW - 10, ()),
        # Never sent anything, pending for long.
        (HealthFigures(True, queue=1, last_push_at=None), NOW - 101, (DELIVERIES_STUCK,)),
        # Nothing pending: a quiet bot is a healthy bot.
        (HealthFigures(True, queue=0, last_push_at=int(NOW - 86400)), None, ()),
        # Every source failing for long.
        (HealthFigures(True, sources=(source("a", ok=False, last=int(NOW - 500)),
                                      source("b", ok=False, last=None))), None,
         (SOURCES_FAILING,)),
        # One source works: not stuck.
        (HealthFigures(True, sources=(source("a", ok=False, last=int(NOW - 500)),
                                      source("b", ok=True, last=int(NOW - 500)))), None, ()),
        # Failing, but it worked a moment ago.
        (HealthFigures(True, sources=(source("a", ok=False, last=int(NOW - 5)),)), None, ()),
        # The only working source is paused; the others fail.
        (HealthFigures(True, sources=(source("a", ok=True, last=int(NOW), paused=True),
                                      source("b", ok=False, last=None))), None,
         (SOURCES_FAILING,)),
        (HealthFigures(True, queue=2, last_push_at=None,
                       sources=(source("a", ok=False, last=None),)), NOW - 200,
         (DELIVERIES_STUCK, SOURCES_FAILING)),
    ],
)
def test_assess(figures: HealthFigures, queue_since: float | None,
                expected: tuple[str, ...]) -> None:
    problems, _ = assess(figures, now=NOW, stuck_after=100, queue_seen_since=queue_since,
                         started_at=NOW - 1000)
    assert problems == expected


def test_failing_sources_of_a_bot_just_started_are_not_stuck_yet() -> None:
    figures = HealthFigures(True, sources=(source("a", ok=False, last=None),))
    problems, _ = assess(figures, now=NOW, stuck_after=100, queue_seen_since=None,
                         started_at=NOW - 10)
    assert problems == ()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(webhook_retry_max=0.3)
    await box.start()
    yield box
    await box.stop()


async def eventually(check: Any, what: str) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not in time: {what}")
        await asyncio.sleep(0.1)


async def test_bot_api_failing_with_deliveries_pending_is_503_and_the_admin_is_told_once(
        sandbox: Sandbox, tmp_path: Path) -> None:
    sources, archive = push_source(tmp_path)
    write_article(archive, "bai-1", title="Tin gửi khi Telegram hỏng", category="Tin tức")
    async with bot_by_webhook(sandbox, tmp_path / "bot.db", sources_file=sources,
                              health_stuck_after=1, delivery_retry_base=1,
                              delivery_max_attempts=50) as (chat, face), \
            httpx.AsyncClient(base_url=face.url) as web:
        core = chat.app.bot_data.core
        assert core is not None
        # The Bot API answers 502 to every message for the subscriber.
        (await chat.http.post("/sandbox/faults", json={
            "method": "sendMessage", "status": 502, "description": "Bad Gateway",
            "times": 100_000, "chat_id": SUBSCRIBER})).raise_for_status()
        await subscribe(core, [SUBSCRIBER], "Tin tức")
        await ingest(core)

        async def stuck() -> dict[str, Any] | None:
            response = await web.get("/healthz")
            return response.json() if response.status_code == 503 else None

        report = await eventually(stuck, "/healthz turns 503")
        assert report["status"] == "stuck"
        assert report["problems"] == ["deliveries_stuck"]
        assert report["queue"] == 1
        assert report["database"] is True

        async def admin_messages() -> list[dict[str, Any]]:
            return await chat.sent(chat_id=ADMIN_ID)

        (alert,) = await eventually(admin_messages, "the admin is told")
        assert "Bot đang gặp sự cố" in text_of(alert)
        assert "1 tin đang chờ gửi" in text_of(alert)
        metrics = (await web.get("/metrics")).text
        assert "newsbot_healthy 0.0" in metrics
        assert "newsbot_delivery_queue_length 1.0" in metrics
        assert 'newsbot_send_requests_total{outcome="temporary"}' in metrics
        await asyncio.sleep(1.5)  # several more checks, still stuck: no second alert
        assert len(await admin_messages()) == 1
        assert await chat.sent(chat_id=SUBSCRIBER) == []

        # Telegram is back: the article goes out, /healthz is 200, the admin hears it once.
        (await chat.http.delete("/sandbox/faults")).raise_for_status()
        await eventually(lambda: chat.sent(chat_id=SUBSCRIBER), "the article is delivered")

        async def well() -> bool:
            return (await web.get("/healthz")).status_code == 200

        await eventually(well, "/healthz is 200 again")
        messages = await eventually(
            lambda: _at_least(admin_messages, 2), "the admin hears it is well again")
        assert "hoạt động bình thường trở lại" in text_of(messages[1])
        metrics = (await web.get("/metrics")).text
        assert 'newsbot_deliveries_total{status="sent"} 1.0' in metrics
        assert "newsbot_healthy 1.0" in metrics


async def _at_least(read: Any, count: int) -> list[dict[str, Any]] | None:
    found = await read()
    return found if len(found) >= count else None


async def test_no_source_working_is_503_and_the_admin_is_told(sandbox: Sandbox,
                                                              tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "hong"\nkind = "rss"\npath = "missing-feed.xml"\n',
                       encoding="utf-8")
    async with bot_by_webhook(sandbox, tmp_path / "bot.db", sources_file=sources,
                              health_stuck_after=1, poll_interval=1) as (chat, face), \
            httpx.AsyncClient(base_url=face.url) as web:

        async def stuck() -> dict[str, Any] | None:
            response = await web.get("/healthz")
            return response.json() if response.status_code == 503 else None

        report = await eventually(stuck, "/healthz turns 503")
        assert report["problems"] == ["sources_failing"]
        assert report["sources"] == {"total": 1, "failing": 1, "paused": 0}
        assert report["last_ingest"] is None
        (alert,) = await eventually(lambda: chat.sent(chat_id=ADMIN_ID), "the admin is told")
        assert "Chưa nguồn tin nào tải được" in text_of(alert)
        metrics = (await web.get("/metrics")).text
        assert 'newsbot_source_up{source="hong"} 0.0' in metrics
        assert 'newsbot_source_errors_total{source="hong"}' in metrics
