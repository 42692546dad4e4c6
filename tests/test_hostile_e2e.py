"""Issue 17, end to end: the hostile feed and archive set (tests/hostile.py) ingested next to good
sources by the real bot, on the sandbox, with a subscriber receiving every push.

What must hold: no byte of a local file outside the archive folders reaches the Bot API (the
sandbox records every request body, uploads included), every good item is stored and readable
with /latest, the official article wins its permalink, the double-gzip bomb stays bounded in
memory, and nothing the readers ask for fails.
"""

from __future__ import annotations

import base64
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from storage import articles
from storage.articles import NewArticle
from tests.bothelper import Chatter, bot_on_sandbox, text_of
from tests.hostile import (
    FAKE_TITLE,
    GOOD_PHOTO,
    HIJACKED_LINK,
    OFFICIAL_HOST,
    OFFICIAL_TITLE,
    Secrets,
    bad_items_feed,
    deceptive_text_feed,
    double_gzip_bomb,
    good_archive,
    hijack_feed,
    hostile_archive,
    local_picture_feed,
    mojibake_feed,
    official_feed,
)
from tests.pushhelper import push_source, subscribe, wait_done

READER = 7001
GOOD = "Tin tức"
HOSTILE = "Trang lạ"
MAX_FEED_BYTES = 1 << 20


@pytest.fixture
async def feeds() -> AsyncIterator[tuple[dict[str, bytes], str]]:
    routes: dict[str, bytes] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/bom":
            return web.Response(body=double_gzip_bomb(), headers={
                "Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"})
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


def _sources_file(tmp_path: Path, base: str) -> Path:
    hosts = f'hosts = ["{OFFICIAL_HOST}"]'
    entries = [
        ("mattran", "rss", f'url = "{base}/official"\n{hosts}', GOOD),
        ("luu-tru", "archive", 'path = "good-archive"', GOOD),
        ("la-gia", "rss", f'url = "{base}/gia"', HOSTILE),
        ("la-anh", "rss", f'url = "{base}/anh"', HOSTILE),
        ("la-hong", "rss", f'url = "{base}/hong"', HOSTILE),
        ("la-ma", "rss", f'url = "{base}/ma"', HOSTILE),
        ("la-lua", "rss", f'url = "{base}/lua"', HOSTILE),
        ("bom", "rss", f'url = "{base}/bom"', HOSTILE),
        ("luu-tru-la", "archive", 'path = "hostile-archive"', HOSTILE),
    ]
    path = tmp_path / "sources.toml"
    path.write_text("".join(
        f'[[source]]\nname = "{name}"\nkind = "{kind}"\n{where}\ncategory = "{category}"\n\n'
        for name, kind, where, category in entries), encoding="utf-8")
    return path


async def _recorded_bytes(chat: Chatter) -> bytes:
    response = await chat.http.get("/sandbox/recording")
    response.raise_for_status()
    data = response.json()
    assert data["enabled"]
    return b"\n".join(r["query"].encode() + base64.b64decode(r["body_base64"])
                      for r in data["requests"])


async def test_hostile_sources_next_to_good_ones_in_a_running_bot(
        tmp_path: Path, feeds: tuple[dict[str, bytes], str]) -> None:
    routes, base = feeds
    secrets = Secrets.make(tmp_path / "secrets")
    routes.update({
        "/official": official_feed(), "/gia": hijack_feed(),
        "/anh": local_picture_feed(base, secrets), "/hong": bad_items_feed(base),
        "/ma": mojibake_feed(base), "/lua": deceptive_text_feed(base),
    })
    good_titles = good_archive(tmp_path / "good-archive")
    hostile = hostile_archive(tmp_path / "hostile-archive", secrets)
    async with bot_on_sandbox(
            tmp_path, sources_file=_sources_file(tmp_path, base), record_requests=True,
            ingest_first=False, schedule_ingestion=False, fetch_deadline=5,
            max_feed_bytes=MAX_FEED_BYTES, archive_settle_seconds=0,
            private_chat_interval=0,
            # Every article as a card (not the flood rule's summary): the pushes are checked.
            push_flood_limit=0) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        assert core.ingestor is not None
        await chat.say(READER, "/start")
        await subscribe(core, [READER], GOOD)
        await subscribe(core, [READER], HOSTILE)

        # The fake publishes the official permalink before the official feed is polled.
        stored = (await core.ingestor.run_once(only="la-gia")).articles
        tracemalloc.start()
        try:
            bomb = (await core.ingestor.run_once(only="bom")).sources[0]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        report = await core.ingestor.run_once()
        stored += report.articles
        await wait_done(core, [a.id for a in stored])

        # The bomb: cut at the cap while decoding (256 MiB of zeros never materialised).
        assert bomb.new == 0
        assert bomb.errors
        assert peak < 16 * MAX_FEED_BYTES, f"peak {peak / 2**20:.0f} MiB under the bomb"

        # Every good item stored; hostile sources lost only what was refused.
        everything = await articles.latest(core.db, limit=1000)
        titles = {a.title for a in everything}
        official = [a for a in everything if a.source == "mattran"]
        assert len(official) == 3
        assert set(good_titles) <= titles
        assert hostile.stored_titles <= titles
        assert {"Tin tốt đầu tiên", "Tin tốt thứ hai", "Tin tốt thứ ba", "Tin năm 9999",
                "Tin năm 0", "Tin có ký tự lạ", "Hợp lệ: hội nghị đại đoàn kết",
                "Ảnh trên mạng"} <= titles
        by_url = {a.url: a for a in everything}
        assert by_url[HIJACKED_LINK].title == OFFICIAL_TITLE  # the official article won
        assert FAKE_TITLE not in titles

        # Readable: /latest of the good category lists every good item; the hostile category,
        # its odd dates included, answers too; deep links open.
        latest = text_of((await chat.say(READER, f"/latest {GOOD} 20"))[0])
        for title in [a.title for a in official] + good_titles:
            assert title in latest
        odd = text_of((await chat.say(READER, f"/latest {HOSTILE} 20"))[0])
        assert "Xin lỗi" not in odd
        year_9999 = next(a for a in everything if a.title == "Tin năm 9999")
        for article in (by_url[HIJACKED_LINK], year_9999):
            opened = await chat.say(READER, f"/start a_{article.id}")
            assert article.title in text_of(opened[0])
        found = await chat.say(READER, "/search nam 9999")
        assert "Xin lỗi" not in text_of(found[0])

        # Every push ended; the reader got the articles (photos of the archive folder only).
        sent = await chat.sent(chat_id=READER)
        assert not any("Xin lỗi" in text_of(r) for r in sent)
        pushed = [r for r in sent if r["method"] in ("sendPhoto", "sendMessage")]
        assert len(pushed) >= len(stored)

        # Not one byte of a local file outside the archive folders left the bot; the archive's
        # own photo did.
        recorded = await _recorded_bytes(chat)
        for marker in secrets.markers:
            assert marker not in recorded, f"{marker!r} was sent to the Bot API"
        assert GOOD_PHOTO in recorded
        # What already held: no script and no javascript: link in anything sent.
        assert b"<script" not in recorded.lower()
        assert b"javascript:" not in recorded.lower()


async def test_a_stored_local_photo_outside_the_archive_is_never_uploaded(tmp_path: Path) -> None:
    """At send time too: rows stored by an older version whose "photo" is a local file of no
    archive folder (a feed named it) go out as text, in pushes and deep links; an archive's own
    photo is still uploaded."""
    secrets = Secrets.make(tmp_path / "secrets")
    sources_file, archive = push_source(tmp_path)
    (archive / "anh.png").write_bytes(GOOD_PHOTO)
    async with bot_on_sandbox(tmp_path, sources_file=sources_file, record_requests=True,
                              ingest_first=False, schedule_ingestion=False,
                              private_chat_interval=0) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        assert core.delivery is not None
        await chat.say(READER, "/start")
        await subscribe(core, [READER], GOOD)
        rows = [("old-feed", str(secrets.file)), ("old-feed", "/etc/hostname"),
                ("old-feed", "/proc/self/environ"), ("old-feed", str(archive / "anh.png")),
                ("push-test", str(archive / "anh.png"))]
        now = int(time.time())
        async with core.db.transaction() as conn:
            stored = await articles.insert_new(conn, [
                NewArticle(dedupe_key=f"old-{i}", source=source, url=f"https://x.vn/{i}",
                           title=f"Bài cũ {i}", category=GOOD, published=datetime.now(UTC),
                           summary="Tóm tắt.", body="Nội dung.", image=image,
                           image_caption=None, author=None)
                for i, (source, image) in enumerate(rows)], fetched_at=now)
            await core.delivery.enqueue_articles(conn, stored)
        await wait_done(core, [a.id for a in stored])
        for article in stored:
            await chat.say(READER, f"/start a_{article.id}")
        recorded = await _recorded_bytes(chat)
        for marker in secrets.markers:
            assert marker not in recorded, f"{marker!r} was sent to the Bot API"
        assert GOOD_PHOTO in recorded
        sent = await chat.sent(chat_id=READER)
        for article in stored[:3]:
            mine = [r for r in sent if article.title in text_of(r)]
            assert len(mine) == 2  # the push and the deep link
            assert all(r["method"] == "sendMessage" for r in mine)
