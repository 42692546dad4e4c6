"""/addsource and /removesource end to end, on both databases: a feed served over local HTTP,
previewed through the guarded fetch client, added by an admin's ✅, polled at once (its entries
show in /latest), kept after a restart; removed again; everyone else refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.admin.source_changes import source_name
from storage import chat_sources
from tests.bothelper import ADMIN_ID, bot_on_sandbox, button_data, text_of
from tests.feedgen import rss
from tests.pushhelper import push_source

USER = 901


@pytest.fixture
async def feed_server() -> AsyncIterator[tuple[dict[str, bytes], str]]:
    routes: dict[str, bytes] = {}

    async def handle(request: web.Request) -> web.Response:
        body = routes.get(request.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield routes, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _titles(record: dict[str, object]) -> str:
    return text_of(record)  # type: ignore[arg-type]


async def test_add_a_feed_from_the_chat_then_remove_it(
        tmp_path: Path, database_target: Path | str,
        feed_server: tuple[dict[str, bytes], str]) -> None:
    routes, base = feed_server
    routes["/rss"] = rss(3, title="Bản tin xã", base=base)
    sources, _ = push_source(tmp_path)
    url = f"{base}/rss"
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              ingest_first=False, schedule_ingestion=False) as chat:
        (empty,) = await chat.say(USER, "/latest")
        assert "Chưa có bài viết nào" in text_of(empty)
        # Anyone else is refused, also with a forged choice.
        (refused,) = await chat.say(USER, f"/addsource {url}")
        assert "chỉ dành cho quản trị viên" in text_of(refused)
        # A bad address, an unreachable feed: said clearly, nothing stored.
        (bad,) = await chat.say(ADMIN_ID, "/addsource file:///etc/passwd")
        assert "không phải địa chỉ http(s)" in text_of(bad)
        (missing,) = await chat.say(ADMIN_ID, f"/addsource {base}/khong-co")
        assert text_of(missing).startswith("⚠️ Không đọc được nguồn tin")

        (preview,) = await chat.say(ADMIN_ID, f"/addsource {url}")
        shown = text_of(preview)
        assert "Xem trước nguồn tin mới</b>: Bản tin xã" in shown
        assert "Số bài trong nguồn: 3" in shown
        assert "Chuyên mục: Tin tức (3)" in shown
        assert "Bản tin xã số 2: Hội nghị &amp; tọa đàm" in shown  # the newest first
        buttons = dict(button_data(preview))
        add = str(buttons["✅ Thêm nguồn"])
        # Previewing stored nothing.
        core = chat.app.bot_data.core
        assert core is not None
        assert await chat_sources.changes(core.db) == []
        # A reader who forges the admin's choice on a message of their own chat is refused
        # (pressing the admin's own message is already refused by the adapter's guard).
        (own,) = await chat.say(USER, "/start")
        forged = await chat.press(USER, own["message_id"], add)
        assert forged[0]["text"] == "Xin lỗi, lệnh này chỉ dành cho quản trị viên của bot."
        assert await chat_sources.changes(core.db) == []

        answers = await chat.press(ADMIN_ID, preview["message_id"], add, expect=3)
        edit = next(r for r in answers if r["method"].startswith("edit"))
        assert "Đã thêm nguồn <b>127.0.0.1</b>" in text_of(edit)
        polled = [r for r in answers if r["method"] == "sendMessage"]
        assert "đã lấy 3 bài mới" in text_of(polled[-1])
        (latest,) = await chat.say(USER, "/latest")
        assert "Bản tin xã số 2" in text_of(latest)
        assert "Bản tin xã số 0" in text_of(latest)
        # Pressing again does nothing more; the same URL again is refused.
        again = await chat.press(ADMIN_ID, preview["message_id"], add)
        assert "đã được xử lý" in again[0]["text"]
        (same,) = await chat.say(ADMIN_ID, f"/addsource {url} Thời sự")
        assert "đã là nguồn tin <b>127.0.0.1</b>" in text_of(same)
        (listing,) = await chat.say(ADMIN_ID, "/sources")
        assert "127.0.0.1" in text_of(listing)

    # A restart keeps the chat's source (the sources file does not list it).
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              ingest_first=False, schedule_ingestion=False) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        assert core.ingestor is not None
        routes["/rss"] = rss(4, title="Bản tin xã", base=base)
        report = await core.ingestor.run_once()
        assert [(s.name, s.new) for s in report.sources] == [("push-test", 0), ("127.0.0.1", 1)]
        (removed,) = await chat.say(ADMIN_ID, "/removesource 127.0.0.1")
        assert "Đã gỡ nguồn <b>127.0.0.1</b>" in text_of(removed)
        report = await core.ingestor.run_once()
        assert [s.name for s in report.sources] == ["push-test"]
        (unknown,) = await chat.say(ADMIN_ID, "/removesource khong-co")
        assert "Không có nguồn tin «khong-co»" in text_of(unknown)
        (latest,) = await chat.say(USER, "/latest")
        assert "Bản tin xã số 3" in text_of(latest)  # stored articles stay


async def test_discarding_a_preview_adds_nothing(
        tmp_path: Path, feed_server: tuple[dict[str, bytes], str]) -> None:
    routes, base = feed_server
    routes["/rss"] = rss(2, base=base)
    sources, _ = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, ingest_first=False,
                              schedule_ingestion=False) as chat:
        (preview,) = await chat.say(ADMIN_ID, f"/addsource {base}/rss An sinh")
        assert "Mọi bài sẽ vào chuyên mục: <b>An sinh</b>" in text_of(preview)
        assert "Chuyên mục: An sinh (2)" in text_of(preview)
        cancel = str(dict(button_data(preview))["✖️ Hủy"])
        answers = await chat.press(ADMIN_ID, preview["message_id"], cancel, expect=2)
        edit = next(r for r in answers if r["method"].startswith("edit"))
        assert text_of(edit).startswith("✖️ Đã hủy")
        core = chat.app.bot_data.core
        assert core is not None
        assert core.ingestor is not None
        assert [s.name for s in await core.ingestor.reload_sources()] == ["push-test"]


def test_source_names_are_short_and_unique() -> None:
    assert source_name("https://www.mattran.example.vn/rss", set()) == "mattran.example.vn"
    assert source_name("https://mattran.example.vn/rss2", {"mattran.example.vn"}) == \
        "mattran.example.vn-2"
