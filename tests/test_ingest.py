"""The ingestion pipeline end to end: a real local HTTP server, real SQLite files.

Covers conditional GET, restarts, and every kind of bad input the issue lists: the failing source
is recorded with its reason and backed off, and the other sources still ingest.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings, SourceConfig
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor, IngestReport
from storage import articles, sources
from storage.db import Database, open_database
from tests.feedgen import rss


@dataclass
class FeedServer:
    """A local feed server whose routes a test sets; it records the requests it saw."""

    routes: dict[str, web.StreamResponse | bytes | str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    honour_conditional: bool = True
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        route = self.routes.get(request.path)
        if callable(route):
            return await route(request)
        if route is None:
            return web.Response(status=404)
        body = route.encode() if isinstance(route, str) else route
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if self.honour_conditional and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=body, headers={"ETag": etag,
                                                "Content-Type": "application/rss+xml"})


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feeds = FeedServer()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", feeds.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    feeds.url = f"http://127.0.0.1:{port}"
    yield feeds
    await runner.cleanup()


def _settings(tmp_path: Path, **kw: object) -> Settings:
    values: dict[str, object] = {"database": tmp_path / "n.db", "poll_interval": 1,
                                 "fetch_timeout": 2}
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


async def _ingest(db: Database, settings: Settings, srcs: list[SourceConfig],
                  **kw: object) -> IngestReport:
    async with make_client(settings.fetch_timeout) as http:
        return await Ingestor(db, srcs, settings, http).run_once(**kw)  # type: ignore[arg-type]


def _rss_source(name: str, url: str, category: str | None = None) -> SourceConfig:
    # The feeds name articles on *.example.vn while served from 127.0.0.1: their own site.
    return SourceConfig(name=name, kind="rss", url=url, category=category, hosts=("example.vn",))


async def test_feed_stored_once_then_conditional_get_stores_nothing(
    tmp_path: Path, server: FeedServer
) -> None:
    server.routes["/rss"] = rss(5)
    settings = _settings(tmp_path)
    src = [_rss_source("tin", f"{server.url}/rss")]
    db = await open_database(settings.database)
    first = await _ingest(db, settings, src)
    assert first.as_json() == {"sources": [{"name": "tin", "new": 5, "seen": 0, "errors": []}],
                               "new_total": 5}
    second = await _ingest(db, settings, src)
    assert second.new_total == 0
    assert second.sources[0].unchanged
    assert "If-None-Match" in server.requests[-1][1]
    await db.close()
    # A restart: a new process opens the same file; nothing is stored twice.
    db = await open_database(settings.database)
    server.honour_conditional = False
    third = await _ingest(db, settings, src)
    assert third.new_total == 0
    assert await articles.count(db) == 5
    await db.close()


async def test_changed_feed_stores_only_new_entries(tmp_path: Path, server: FeedServer) -> None:
    settings = _settings(tmp_path)
    src = [_rss_source("tin", f"{server.url}/rss", category="Thời sự")]
    db = await open_database(settings.database)
    server.routes["/rss"] = rss(3)
    await _ingest(db, settings, src)
    server.routes["/rss"] = rss(4)  # one new, three already stored
    report = await _ingest(db, settings, src)
    assert (report.sources[0].new, report.sources[0].seen) == (1, 3)
    assert {a.category for a in await articles.latest(db, limit=10)} == {"Thời sự"}
    await db.close()


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(body=rss(1))


async def _huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    head = rss(3).replace(b"</channel></rss>", b"")
    await response.write(head)
    chunk = b"<!-- padding -->" * 4096
    sent = len(head)
    try:
        while sent < 50 * 1024 * 1024:
            await response.write(chunk)
            sent += len(chunk)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
    b"<rss><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (rss(3)[:-400], None),  # truncated: the complete items are still used
        ("<!DOCTYPE html><html><head><title>Trang chủ</title></head><body><p>Xin chào</p>"
         "</body></html>", "feed"),
        (bytes(range(256)) * 64, "feed"),
        (BILLION_LAUGHS, None),
        (_slow, "timed out"),
        (web.Response(status=500, text="boom"), "HTTP 500"),
        (b"", "empty"),
    ],
    ids=["truncated-xml", "html-page", "binary", "entity-expansion", "timeout", "http-500",
         "empty"],
)
async def test_bad_feed_fails_only_its_source(
    tmp_path: Path, server: FeedServer, route: object, reason: str | None
) -> None:
    server.routes["/good"] = rss(2, base="https://khac.example.vn")
    if isinstance(route, web.Response):
        status, text = route.status, route.text
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, text=text)
        server.routes["/bad"] = handler  # type: ignore[assignment]
    else:
        server.routes["/bad"] = route  # type: ignore[assignment]
    settings = _settings(tmp_path)
    srcs = [_rss_source("bad", f"{server.url}/bad"), _rss_source("good", f"{server.url}/good")]
    db = await open_database(settings.database)
    report = await _ingest(db, settings, srcs)
    bad, good = report.sources
    assert good.new == 2
    assert not good.errors
    state = await sources.get(db, "bad")
    assert state is not None
    if reason is None:  # still usable: whatever it yields is plain, bounded text
        for article in await articles.latest(db, limit=50):
            assert len(article.title) < 10_000
    else:
        assert bad.new == 0
        assert any(reason.lower() in e.lower() for e in bad.errors), bad.errors
        assert state.last_error
        assert state.consecutive_failures == 1
        assert state.backoff_until is not None
        # Backed off: the scheduler's next poll skips it, the good source is polled.
        again = await _ingest(db, settings, srcs, respect_backoff=True)
        assert again.sources[0].skipped
        assert again.sources[0].skipped.startswith("backing off")
    await db.close()


async def test_body_over_the_cap_is_cut(tmp_path: Path, server: FeedServer) -> None:
    server.routes["/huge"] = _huge  # type: ignore[assignment]
    settings = _settings(tmp_path, max_feed_bytes=256 * 1024)
    db = await open_database(settings.database)
    report = await _ingest(db, settings, [_rss_source("huge", f"{server.url}/huge")])
    (src,) = report.sources
    assert any("cut at 262144 bytes" in e for e in src.errors)
    assert src.new == 3  # the complete items before the cut are kept
    await db.close()


async def test_missing_local_feed_and_archive_are_source_errors(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    srcs = [
        SourceConfig(name="f", kind="rss", path=tmp_path / "missing.xml"),
        SourceConfig(name="a", kind="archive", path=tmp_path / "no-such-folder"),
    ]
    db = await open_database(settings.database)
    report = await _ingest(db, settings, srcs)
    assert all(s.errors and s.new == 0 for s in report.sources)
    await db.close()


async def test_local_feed_file_unchanged_is_not_parsed_again(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(4))
    settings = _settings(tmp_path)
    srcs = [SourceConfig(name="f", kind="rss", path=feed)]
    db = await open_database(settings.database)
    assert (await _ingest(db, settings, srcs)).new_total == 4
    assert (await _ingest(db, settings, srcs)).sources[0].unchanged
    await db.close()


def _archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    (root / "bai-1.json").write_text(json.dumps({
        "title": "Trao quà Tết cho hộ nghèo", "url": "https://mattran.example.vn/bai-1",
        "category": "An sinh xã hội", "published": "2024-02-01T09:00:00+07:00",
        "summary": "Ủy ban MTTQ trao 500 suất quà.", "body": "Sáng 1/2, Ủy ban MTTQ trao quà.",
        "image": None, "image_caption": None,
    }, ensure_ascii=False), encoding="utf-8")
    (root / "cp1258.txt").write_bytes("Trang chủTin tứcTiêu đề\n\nTiêu đề\n\nNội dung."
                                      .encode().replace(b"\xe1\xbb", b"\xd2\xec"))
    (root / "empty.txt").write_bytes(b"")
    (root / "notes.md").write_text("not an article", encoding="utf-8")
    return root


async def test_archive_bad_files_are_reported_good_ones_stored(tmp_path: Path) -> None:
    root = _archive(tmp_path)
    settings = _settings(tmp_path)
    srcs = [SourceConfig(name="kho", kind="archive", path=root)]
    db = await open_database(settings.database)
    report = await _ingest(db, settings, srcs)
    (src,) = report.sources
    assert src.new == 1
    failed = sorted(e.split(":", 1)[0] for e in src.errors)
    assert failed == ["cp1258.txt", "empty.txt"]
    (article,) = await articles.latest(db, limit=5)
    assert article.category == "An sinh xã hội"
    state = await sources.get(db, "kho")
    assert state is not None
    assert state.last_error
    assert state.backoff_until is None
    # Unchanged files are not read again; a fixed file is.
    assert (await _ingest(db, settings, srcs)).sources[0].errors == []
    (root / "empty.txt").write_text(json.dumps({"title": "Bài đã sửa", "body": "Nội dung."}),
                                    encoding="utf-8")
    (root / "empty.txt").rename(root / "fixed.json")
    assert (await _ingest(db, settings, srcs)).new_total == 1
    await db.close()


def test_cli_ingest_json(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = _archive(tmp_path)
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "kho"\nkind = "archive"\npath = "{root.name}"\n', encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "NEWSBOT_DATABASE": str(tmp_path / "cli.db"),
           "NEWSBOT_SOURCES_FILE": str(tmp_path / "sources.toml")}
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", "--json"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["new_total"] == 1
    assert data["sources"][0]["name"] == "kho"
    assert len(data["sources"][0]["errors"]) == 2
    again = subprocess.run([sys.executable, "-m", "bot", "ingest", "--source", "nope"], env=env,
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 2
    assert "no source named 'nope'" in again.stderr
