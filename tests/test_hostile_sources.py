"""Issue 17: hostile sources, one test (or more) per finding, through the real pipeline: a local
HTTP server, real SQLite files, real archive folders (symlinks and FIFOs made here).

Findings: 1 local file disclosure, 2 fake news through dedupe, 3 SSRF, 4 decompression bomb,
5 one bad item blocks a source, 6 encodings and deceptive characters, 7 archive timing and
corrections, 8 one slow source stalls all. The same shapes, together in a running bot with a
subscriber, are in tests/test_hostile_e2e.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.cluster.scanner import ClusterScanner
from bot.config import Settings, SourceConfig
from bot.ingest import fetch as fetch_module
from bot.ingest.archive import parse_article_text, read_archive_file
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor, IngestReport
from bot.models import Article
from bot.search.engine import search
from bot.search.query import parse_query
from bot.text.datefmt import format_local_datetime
from storage import articles, cluster_facts, sources
from storage.db import Database, open_database
from tests.hostile import (
    BIDI_TITLE,
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

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Bounds that turn a hang on an unfixed bot into a failure; not speed assertions.
HANG_GUARD = 60.0

Route = bytes | Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Server:
    """A local HTTP server whose routes a test sets; it counts requests in flight."""

    routes: dict[str, Route] = field(default_factory=dict)
    url: str = ""
    in_flight: int = 0
    most_in_flight: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            route = self.routes.get(request.path)
            if route is None:
                return web.Response(status=404)
            if isinstance(route, bytes):
                return web.Response(body=route, content_type="application/rss+xml")
            return await route(request)
        finally:
            self.in_flight -= 1


async def _serve(host: str = "127.0.0.1") -> tuple[Server, web.AppRunner]:
    server = Server()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://{host}:{port}"
    return server, runner


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    feeds, runner = await _serve()
    yield feeds
    await runner.cleanup()


def _settings(tmp_path: Path, **kw: object) -> Settings:
    values: dict[str, object] = {"database": tmp_path / "n.db", "poll_interval": 1,
                                 "fetch_timeout": 5, "archive_settle_seconds": 0}
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "n.db")
    yield database
    await database.close()


async def _ingest(db: Database, settings: Settings, srcs: list[SourceConfig], *,
                  with_hooks: bool = False, **kw: Any) -> IngestReport:
    """One poll, as the app does it (the cluster hooks included when asked)."""
    scanner = ClusterScanner(VN)
    hooks: dict[str, Any] = {}
    if with_hooks:
        hooks = {"after_store": [scanner.after_store]}
        if "after_update" in Ingestor.__init__.__code__.co_varnames:
            hooks["after_update"] = [scanner.after_update]
    async with make_client(settings.fetch_timeout) as http:
        ingestor = Ingestor(db, srcs, settings, http, **hooks)
        return await asyncio.wait_for(ingestor.run_once(**kw), HANG_GUARD)


def _feed(name: str, url: str, **kw: Any) -> SourceConfig:
    return SourceConfig(name=name, kind="rss", url=url, **kw)


async def _all(db: Database) -> list[Article]:
    return await articles.latest(db, limit=1000)


# -- 1. local file disclosure ------------------------------------------------------------------


async def test_feed_pictures_never_name_local_files(tmp_path: Path, server: Server,
                                                    db: Database) -> None:
    secrets = Secrets.make(tmp_path / "secrets")
    server.routes["/rss"] = local_picture_feed(server.url, secrets)
    report = await _ingest(db, _settings(tmp_path), [_feed("la", f"{server.url}/rss")])
    stored = await _all(db)
    assert report.sources[0].new == len(stored) == 7  # every item kept, without the picture
    for article in stored:
        assert article.image is None or article.image.startswith("https://"), article.image
    assert {a.image for a in stored} == {None, "https://anh.example.vn/a.jpg"}


async def test_archive_reads_only_regular_files_inside_its_folder(tmp_path: Path,
                                                                  db: Database) -> None:
    secrets = Secrets.make(tmp_path / "secrets")
    root = tmp_path / "kho"
    good = good_archive(root)
    hostile = hostile_archive(root, secrets, long_line=False)
    (root / "inside-link.json").symlink_to(root / "tot-1.json")  # stays inside: allowed
    src = SourceConfig(name="kho", kind="archive", path=root)
    report = await _ingest(db, _settings(tmp_path), [src])  # (a FIFO used to hang here)
    (kho,) = report.sources
    stored = {a.title: a for a in await _all(db)}
    assert set(good) | hostile.stored_titles <= set(stored)
    failed = {e.split(":", 1)[0] for e in kho.errors}
    assert hostile.refused <= failed
    for article in stored.values():
        text = f"{article.title}\n{article.summary}\n{article.body}".encode()
        assert not any(marker in text for marker in secrets.markers)
        if article.image is not None and not article.image.startswith("https://"):
            assert Path(article.image).is_relative_to(root.resolve())
            assert Path(article.image).read_bytes() == GOOD_PHOTO  # noqa: ASYNC240
    assert all(stored[t].image is None for t in hostile.no_photo_titles)
    assert stored[good[0]].image == str((root / "tot-0.png").resolve())


async def test_local_photos_stored_for_feeds_by_older_versions_are_dropped(
        tmp_path: Path, server: Server, db: Database) -> None:
    from storage.articles import NewArticle

    secrets = Secrets.make(tmp_path / "secrets")
    async with db.transaction() as conn:  # as the previous version stored a hostile item
        await articles.insert_new(conn, [NewArticle(
            dedupe_key="url:https://x.vn/a", source="la", url="https://x.vn/a", title="Bài cũ",
            category="Tin tức", published=datetime.now(UTC), summary="", body="Nội dung.",
            image=str(secrets.file), image_caption=None, author=None)], fetched_at=0)
    server.routes["/rss"] = official_feed()
    await _ingest(db, _settings(tmp_path), [_feed("la", f"{server.url}/rss")])
    (old,) = [a for a in await _all(db) if a.title == "Bài cũ"]
    assert old.image is None


# -- 2. fake news through dedupe ---------------------------------------------------------------


async def test_a_feed_cannot_claim_another_sites_permalink(tmp_path: Path, server: Server,
                                                           db: Database) -> None:
    server.routes["/fake"] = hijack_feed()
    server.routes["/official"] = official_feed()
    settings = _settings(tmp_path)
    fake = _feed("trang-la", f"{server.url}/fake")
    official = _feed("mattran", f"{server.url}/official", hosts=(OFFICIAL_HOST,))
    first = await _ingest(db, settings, [fake])  # whoever polls first used to win
    await _ingest(db, settings, [official])
    assert first.sources[0].new == 0
    assert first.sources[0].refused == 1
    assert any("not on this source's site" in e for e in first.sources[0].errors)
    by_url = {a.url: a for a in await _all(db)}
    assert by_url[HIJACKED_LINK].title == OFFICIAL_TITLE
    assert by_url[HIJACKED_LINK].source == "mattran"
    assert FAKE_TITLE not in {a.title for a in await _all(db)}


async def test_an_archive_cannot_claim_a_permalink_either(tmp_path: Path, server: Server,
                                                          db: Database) -> None:
    root = tmp_path / "kho"
    root.mkdir()
    (root / "gia.json").write_text(json.dumps({
        "title": FAKE_TITLE, "guid": HIJACKED_LINK, "url": HIJACKED_LINK,
        "published": "2025-12-02T20:00:00+07:00", "body": "Nội dung bịa đặt."}),
        encoding="utf-8")
    server.routes["/official"] = official_feed()
    settings = _settings(tmp_path)
    await _ingest(db, settings, [SourceConfig(name="kho", kind="archive", path=root)])
    await _ingest(db, settings, [_feed("mattran", f"{server.url}/official",
                                       hosts=(OFFICIAL_HOST,))])
    titles = {a.title for a in await _all(db) if a.source == "mattran"}
    assert OFFICIAL_TITLE in titles  # the official article is stored, not skipped as "seen"


async def test_feeds_of_the_same_site_still_share_articles(tmp_path: Path, server: Server,
                                                           db: Database) -> None:
    server.routes["/a"] = official_feed()
    server.routes["/b"] = official_feed()
    settings = _settings(tmp_path)
    srcs = [_feed("mattran-a", f"{server.url}/a", hosts=(OFFICIAL_HOST,)),
            _feed("mattran-b", f"{server.url}/b", hosts=(f"www.{OFFICIAL_HOST}",))]
    report = await _ingest(db, settings, srcs)
    assert report.new_total == 3  # stored once, whichever category feed came first
    assert len(await _all(db)) == 3


async def test_upgrade_does_not_store_a_local_feeds_articles_twice(tmp_path: Path,
                                                                    db: Database) -> None:
    """A local feed file without `hosts` no longer claims shared identities; what the previous
    version stored under the shared key is still recognised as the same article."""
    from storage.articles import NewArticle
    from tests.feedgen import rss

    async with db.transaction() as conn:
        await articles.insert_new(conn, [NewArticle(
            dedupe_key="url:https://tin.example.vn/bai-0.html", source="tep", url="x",
            title="Tin mẫu số 0", category="Tin tức", published=datetime.now(UTC), summary="",
            body="", image=None, image_caption=None, author=None)], fetched_at=0)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(2))
    report = await _ingest(db, _settings(tmp_path),
                           [SourceConfig(name="tep", kind="rss", path=feed)])
    assert report.sources[0].new == 1  # bai-1 only
    assert len(await _all(db)) == 2


@pytest.mark.parametrize(
    ("url", "allowed"),
    [("https://mattran.example.vn/a", True), ("https://www.mattran.example.vn/a", True),
     ("http://MATTRAN.example.vn./a", True), ("https://m.mattran.example.vn/a", True),
     ("https://example.vn/a", False), ("https://evilmattran.example.vn/a", False),
     ("https://mattran.example.vn.evil.com/a", False), ("https://other.vn/a", False),
     ("javascript:alert(1)", False), ("https://[::1/a", False)],
)
def test_which_links_are_on_a_sources_site(url: str, allowed: bool) -> None:
    from bot.ingest.validate import on_hosts

    assert on_hosts(url, frozenset({"www.mattran.example.vn"})) is allowed


# -- 3. SSRF -----------------------------------------------------------------------------------


def _public_name_guard(public: str) -> fetch_module.NetworkGuard:
    """A guard for which `public` resolves to 127.0.0.1 and 127.0.0.1 counts as public: a feed
    on the internet, as far as the redirect check can tell; every other loopback address
    (127.0.0.2...) stays internal."""
    real = fetch_module.NetworkGuard()

    async def resolve(host: str, port: int) -> list[str]:
        if host == public:
            return ["127.0.0.1"]
        if host == "intranet.example.test":
            return ["127.0.0.2"]
        return await real.resolve(host, port)

    def is_internal(ip: fetch_module.IPAddress) -> bool:
        return ip != ipaddress.ip_address("127.0.0.1") and fetch_module.is_internal_address(ip)

    return fetch_module.NetworkGuard(resolve=resolve, is_internal=is_internal)


async def test_redirect_to_an_internal_address_is_refused(tmp_path: Path, server: Server,
                                                          db: Database) -> None:
    internal, runner = await _serve("127.0.0.2")  # "an internal service on the network"
    try:
        internal.routes["/admin"] = official_feed()
        port = internal.url.rsplit(":", 1)[1]
        public = "tin.example.test"
        public_url = server.url.replace("127.0.0.1", public)

        def redirect(to: str) -> Route:
            async def handler(request: web.Request) -> web.StreamResponse:
                raise web.HTTPFound(to)
            return handler

        server.routes["/to-ip"] = redirect(f"{internal.url}/admin")
        server.routes["/to-name"] = redirect(f"http://intranet.example.test:{port}/admin")
        server.routes["/to-mapped"] = redirect(f"http://[::ffff:127.0.0.2]:{port}/admin")
        server.routes["/to-file"] = redirect("file:///etc/hostname")
        server.routes["/ok"] = redirect(f"{public_url}/official")
        server.routes["/official"] = official_feed()
        settings = _settings(tmp_path)
        srcs = [_feed(name, f"{public_url}/{name}", hosts=(OFFICIAL_HOST,))
                for name in ("to-ip", "to-name", "to-mapped", "to-file", "ok")]
        async with make_client(5, guard=_public_name_guard(public)) as http:
            report = await Ingestor(db, srcs, settings, http).run_once()
        results = {s.name: s for s in report.sources}
        for name in ("to-ip", "to-name", "to-mapped", "to-file"):
            assert results[name].new == 0
            assert any("refused" in e for e in results[name].errors), results[name].errors
        assert results["ok"].new == 3  # a redirect within the public site is followed
        assert internal.most_in_flight == 0  # the internal service was never reached
    finally:
        await runner.cleanup()


async def test_a_name_that_turns_internal_at_connect_time_is_refused(tmp_path: Path) -> None:
    """DNS rebinding: public when checked, internal when connected."""
    internal, runner = await _serve("127.0.0.2")
    internal.routes["/rss"] = official_feed()
    port = internal.url.rsplit(":", 1)[1]
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])
    base = _public_name_guard("rebind.example.test")

    async def resolve(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.2"])

    guard = fetch_module.NetworkGuard(resolve=resolve, is_internal=base.is_internal)
    try:
        async with make_client(5, guard=guard) as http:
            with pytest.raises(fetch_module.FetchError, match="internal"):
                await fetch_module.fetch(http, f"http://rebind.example.test:{port}/rss",
                                         etag=None, last_modified=None, max_bytes=1 << 20)
        assert internal.most_in_flight == 0
    finally:
        await runner.cleanup()


async def test_a_local_feed_may_redirect_locally(tmp_path: Path, server: Server,
                                                 db: Database) -> None:
    async def moved(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(f"{server.url}/new")
    server.routes["/old"] = moved
    server.routes["/new"] = official_feed()
    report = await _ingest(db, _settings(tmp_path),
                           [_feed("noi-bo", f"{server.url}/old", hosts=(OFFICIAL_HOST,))])
    assert report.new_total == 3


@pytest.mark.parametrize(
    ("address", "internal"),
    [("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
     ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
     ("::1", True), ("fe80::1", True), ("fc00::1", True), ("::ffff:10.0.0.1", True),
     ("93.184.215.14", False), ("2606:4700:4700::1111", False), ("8.8.8.8", False)],
)
def test_internal_addresses(address: str, internal: bool) -> None:
    assert fetch_module.is_internal_address(ipaddress.ip_address(address)) is internal


# -- 4. decompression bomb ---------------------------------------------------------------------


async def _bomb(request: web.Request) -> web.StreamResponse:
    return web.Response(body=double_gzip_bomb(), headers={
        "Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"})


async def test_double_gzip_bomb_is_capped_while_decoding(server: Server) -> None:
    server.routes["/bomb"] = _bomb
    cap = 1 << 20
    bomb = double_gzip_bomb()
    assert len(bomb) < 64 * 1024  # tiny on the wire, 256 MiB decoded
    async with make_client(5) as http:
        tracemalloc.start()
        try:
            result = await fetch_module.fetch(http, f"{server.url}/bomb", etag=None,
                                              last_modified=None, max_bytes=cap)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.truncated
    assert len(result.body) == cap
    assert peak < 16 * cap, f"peak {peak / 2**20:.0f} MiB while decoding a 1 MiB body"


async def test_a_bomb_fails_only_its_source(tmp_path: Path, server: Server,
                                            db: Database) -> None:
    server.routes["/bomb"] = _bomb
    server.routes["/official"] = official_feed()
    settings = _settings(tmp_path, max_feed_bytes=1 << 20)
    report = await _ingest(db, settings, [
        _feed("bomb", f"{server.url}/bomb"),
        _feed("mattran", f"{server.url}/official", hosts=(OFFICIAL_HOST,))])
    bomb, good = report.sources
    assert bomb.new == 0
    assert bomb.errors
    assert good.new == 3


# -- 5. one bad item blocks a source -----------------------------------------------------------


async def test_one_bad_feed_item_never_blocks_the_source(tmp_path: Path, server: Server,
                                                         db: Database) -> None:
    server.routes["/rss"] = bad_items_feed(server.url)
    before = int(datetime.now(UTC).timestamp())
    report = await _ingest(db, _settings(tmp_path), [_feed("la", f"{server.url}/rss")],
                           with_hooks=True)
    (src,) = report.sources
    assert not any("Error" in e for e in src.errors), src.errors
    stored = {a.title: a for a in await _all(db)}
    assert {"Tin tốt đầu tiên", "Tin tốt thứ hai", "Tin tốt thứ ba", "Tin năm 9999",
            "Tin năm 0", "Tin có ký tự lạ"} == set(stored)
    for title in ("Tin năm 9999", "Tin năm 0"):  # the fetch time instead
        assert stored[title].published.timestamp() >= before
        format_local_datetime(stored[title].published, VN)


async def test_one_bad_archive_file_never_blocks_the_folder(tmp_path: Path,
                                                            db: Database) -> None:
    root = tmp_path / "kho"
    good = good_archive(root, count=21)
    for name, fields in {
        "nam-9999.json": {"title": "Bài năm 9999", "published": "9999-12-31T23:59:59+00:00"},
        "nam-1.json": {"title": "Bài năm 1", "published": "0001-01-01T00:00:00+07:00"},
        "surrogate.json": {"title": "Bài có \ud800 ký tự lạ"},
    }.items():
        (root / name).write_text(json.dumps({"body": "Nội dung.", **fields}), encoding="utf-8")
    report = await _ingest(db, _settings(tmp_path),
                           [SourceConfig(name="kho", kind="archive", path=root)],
                           with_hooks=True)
    titles = {a.title for a in await _all(db)}
    assert set(good) | {"Bài năm 9999", "Bài năm 1", "Bài có ký tự lạ"} == titles
    assert report.sources[0].new == 24


async def test_a_stored_year_9999_article_is_repaired_by_the_migration(tmp_path: Path) -> None:
    """A database of the previous version with a year-9999 and a year-0001 article: every row is
    kept, the dates become the fetch time, and the copies in article_stats follow."""
    import sqlite3

    from storage.migrations import migrations

    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    ours = next(i for i, sql in enumerate(migrations()) if "Issue 17 (hostile sources)" in sql)
    for number, sql in enumerate(migrations()[:ours], start=1):
        raw.executescript(f"{sql}\nPRAGMA user_version = {number};")
    raw.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Tin tức', 'tin tuc')")
    fetched = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())
    for key, published in (("far", 253402300799), ("old", -62135596800), ("ok", fetched - 60)):
        raw.execute(
            "INSERT INTO articles(dedupe_key, source, url, title, category_id, published,"
            " fetched_at, summary, body) VALUES (?, 's', ?, ?, 1, ?, ?, '', 'Nội dung.')",
            (key, f"https://x.vn/{key}", f"Bài {key}", published, fetched))
        raw.execute("INSERT INTO article_stats(article_id, category_id, published, likes,"
                    " rank_key) SELECT id, 1, published, 1, 1.0 FROM articles WHERE"
                    " dedupe_key = ?", (key,))
    raw.commit()
    raw.close()
    db = await open_database(path)
    try:
        found = {a.title: a for a in await articles.latest(db, limit=10)}
        assert set(found) == {"Bài far", "Bài old", "Bài ok"}
        assert found["Bài far"].published.timestamp() == fetched
        assert found["Bài old"].published.timestamp() == fetched
        assert found["Bài ok"].published.timestamp() == fetched - 60
        async with db.execute("SELECT published FROM article_stats ORDER BY article_id"
                                   ) as cur:
            assert [r[0] for r in await cur.fetchall()] == [fetched, fetched, fetched - 60]
    finally:
        await db.close()


def test_display_survives_dates_at_the_edge_of_the_calendar() -> None:
    assert format_local_datetime(datetime(9999, 12, 31, 23, 59, tzinfo=UTC), VN)
    assert format_local_datetime(datetime(1, 1, 1, tzinfo=UTC), VN)


# -- 6. encodings and deceptive characters -----------------------------------------------------


async def test_one_invalid_byte_does_not_turn_the_feed_into_mojibake(
        tmp_path: Path, server: Server, db: Database) -> None:
    server.routes["/rss"] = mojibake_feed(server.url)
    await _ingest(db, _settings(tmp_path), [_feed("la", f"{server.url}/rss")])
    titles = {a.title for a in await _all(db)}
    assert "Hợp lệ: hội nghị đại đoàn kết" in titles
    assert "Có một byte hỏng: \ufffd ở đây" in titles  # only the bad byte is replaced


async def test_controls_and_bidi_overrides_are_stripped(tmp_path: Path, server: Server,
                                                        db: Database) -> None:
    server.routes["/rss"] = deceptive_text_feed(server.url)
    secrets = Secrets.make(tmp_path / "secrets")
    root = tmp_path / "kho"
    hostile_archive(root, secrets, fifo=False, long_line=False)
    await _ingest(db, _settings(tmp_path), [_feed("la", f"{server.url}/rss"),
                                            SourceConfig(name="kho", kind="archive", path=root)])
    stored = await _all(db)
    bad = [chr(c) for c in (*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x202E,
                            0x202C, 0x2066, 0x2069, 0xD800)]
    for article in stored:
        for text in (article.title, article.summary, article.body, article.category):
            assert not any(ch in text for ch in bad), repr(text)
    titles = {a.title for a in stored}
    assert BIDI_TITLE.replace("\u202e", "").replace("\u202c", "") in titles
    assert "Chuông báo và [31m màu" in titles
    assert "Bài có ký tự điều khiển" in titles
    assert {"Thời sự", "An sinh xã hội"} <= {a.category for a in stored}


# -- 7. archive timing and corrections ---------------------------------------------------------


async def test_a_half_written_archive_file_waits_until_it_is_complete(tmp_path: Path,
                                                                      db: Database) -> None:
    root = tmp_path / "kho"
    root.mkdir()
    page = root / "dang-viet.txt"
    head = "Trang chủ Tin tức Hội...\nHội nghị tổng kết năm\n\nĐoạn một của bài.\n"
    tail = "Đoạn hai của bài, viết sau.\n"
    page.write_text(head, encoding="utf-8")
    # A settle time longer than the test: only "unchanged since the previous poll" counts.
    settings = _settings(tmp_path, archive_settle_seconds=3600)
    src = [SourceConfig(name="kho", kind="archive", path=root)]
    async with make_client(5) as http:
        ingestor = Ingestor(db, src, settings, http)
        first = await ingestor.run_once()
        with page.open("a", encoding="utf-8") as handle:  # the writer goes on
            handle.write(tail)
        second = await ingestor.run_once()
        third = await ingestor.run_once()
    assert (first.new_total, second.new_total, third.new_total) == (0, 0, 1)
    (article,) = await _all(db)
    assert article.body.endswith("Đoạn hai của bài, viết sau.")


async def test_a_rewritten_archive_file_updates_its_article(tmp_path: Path,
                                                            db: Database) -> None:
    root = tmp_path / "kho"
    root.mkdir()
    page = root / "bai.json"
    old = {"title": "Hội nghị tổng kết (bản nháp)", "category": "Tin tức",
           "published": "2025-12-01T08:00:00+07:00",
           "body": "Bản nháp nhắc đến phường Cầu Đất."}
    page.write_text(json.dumps(old), encoding="utf-8")
    settings = _settings(tmp_path)
    src = [SourceConfig(name="kho", kind="archive", path=root)]
    pushed: list[int] = []

    async def enqueue(conn: Any, stored: list[Article]) -> None:
        pushed.extend(a.id for a in stored)

    async with make_client(5) as http:
        ingestor = Ingestor(db, src, settings, http, after_store=[enqueue])
        await ingestor.run_once()
        new = {**old, "title": "Hội nghị tổng kết năm 2025", "category": "Thời sự",
               "body": "Bản chính thức nhắc đến phường Lạch Tray."}
        page.write_text(json.dumps(new), encoding="utf-8")
        os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000_000))
        report = await ingestor.run_once()
    (article,) = await _all(db)  # updated in place, not a second article
    assert (article.title, article.category) == ("Hội nghị tổng kết năm 2025", "Thời sự")
    assert report.sources[0].updated == 1
    assert pushed == [article.id]  # pushed once, when new; a correction is not news
    found = await search(db, parse_query("lach tray"), now=0)
    assert found.ids == (article.id,)
    assert (await search(db, parse_query("cau dat"), now=0)).ids == ()


async def test_a_corrected_feed_item_updates_its_article_and_cluster_facts(
        tmp_path: Path, server: Server, db: Database) -> None:
    def feed(unit: str, title: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>'
            f"<item><title>{title}</title><link>https://{OFFICIAL_HOST}/tin/cum-5.html</link>"
            "<pubDate>Fri, 19 Dec 2025 08:00:00 +0700</pubDate><description><![CDATA[<p>Hội "
            f"nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam thành phố {unit} làm Cụm trưởng cụm "
            "thi đua 5 thành phố trực thuộc Trung ương năm 2026.</p>]]></description></item>"
            "</channel></rss>").encode()

    settings = _settings(tmp_path)
    src = [_feed("mattran", f"{server.url}/rss", hosts=(OFFICIAL_HOST,))]
    server.routes["/rss"] = feed("Đà Nẵng", "Tổng kết cụm thi đua (đính chính sau)")
    await _ingest(db, settings, src, with_hooks=True)
    server.routes["/rss"] = feed("Hải Phòng", "Tổng kết cụm thi đua")
    report = await _ingest(db, settings, src, with_hooks=True)
    (article,) = await _all(db)
    assert article.title == "Tổng kết cụm thi đua"
    assert report.sources[0].updated == 1
    facts = await cluster_facts.of_year(db, 2026)
    assert {(f.role, f.unit) for f in facts} == {
        ("leader", "Ủy ban MTTQ Việt Nam thành phố Hải Phòng")}


async def test_a_feed_that_ignores_conditional_get_corrects_nothing_when_unchanged(
        tmp_path: Path, server: Server, db: Database) -> None:
    server.routes["/rss"] = official_feed()
    settings = _settings(tmp_path)
    src = [_feed("mattran", f"{server.url}/rss", hosts=(OFFICIAL_HOST,))]
    await _ingest(db, settings, src)
    server.routes["/rss"] = official_feed() + b"\n"  # other bytes, same items
    report = await _ingest(db, settings, src)
    assert (report.sources[0].new, report.sources[0].updated, report.sources[0].seen) == (0, 0, 3)


# -- 8. one slow source stalls all -------------------------------------------------------------


async def _trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    try:
        for byte in official_feed() * 1000:  # one byte at a time, for ever (in test terms)
            await response.write(bytes([byte]))
            await asyncio.sleep(0.2)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def test_a_trickling_source_does_not_hold_up_the_others(tmp_path: Path, server: Server,
                                                              db: Database) -> None:
    server.routes["/slow"] = _trickle
    server.routes["/official"] = official_feed()
    # The read timeout never trips (a byte every 0.2 s); the deadline does.
    settings = _settings(tmp_path, fetch_timeout=5, fetch_deadline=1.5)
    report = await _ingest(db, settings, [
        _feed("cham", f"{server.url}/slow"),
        _feed("mattran", f"{server.url}/official", hosts=(OFFICIAL_HOST,))])
    slow, good = report.sources
    assert good.new == 3
    assert slow.new == 0
    assert any("deadline" in e for e in slow.errors), slow.errors
    state = await sources.get(db, "cham")
    assert state is not None
    assert state.backoff_until is not None


async def test_sources_are_polled_concurrently_within_a_bound(tmp_path: Path, server: Server,
                                                              db: Database) -> None:
    async def slowish(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.3)
        return web.Response(body=official_feed(), content_type="application/rss+xml")

    for i in range(6):
        server.routes[f"/f{i}"] = slowish
    settings = _settings(tmp_path, poll_concurrency=2)
    await _ingest(db, settings, [_feed(f"f{i}", f"{server.url}/f{i}", hosts=(OFFICIAL_HOST,))
                                 for i in range(6)])
    assert server.most_in_flight == 2


def test_a_one_million_character_line_is_split_and_nothing_is_lost(tmp_path: Path) -> None:
    """Parsing is linear (bench/archive_lines.py measures it); here: every line bounded, every
    word kept."""
    from bot.ingest.archive import MAX_LINE_CHARS

    words = "Hội nghị đại đoàn kết toàn dân tộc " * 30_000  # ~1,050,000 characters
    parts = parse_article_text(f"Trang chủ Tin tức Hội...\nHội nghị\n\n{words}\n")
    assert all(len(p) <= MAX_LINE_CHARS for p in parts.paragraphs)
    assert sum(len(p.split()) for p in parts.paragraphs) == len(words.split())


def test_a_one_million_character_breadcrumb_is_read(tmp_path: Path) -> None:
    crumb = "Trang chủ " + "Tin tức " * 125_000 + "Hội nghị tổng...\n"
    path = tmp_path / "dai.txt"
    path.write_text(crumb + "Hội nghị tổng kết\n\nNội dung.\n", encoding="utf-8")
    article = read_archive_file(path, source="kho", root=tmp_path, tz=VN)
    assert article.title == "Hội nghị tổng kết"


@pytest.mark.parametrize("seed", range(20))
def test_breadcrumb_cut_matches_the_simple_definition(seed: int) -> None:
    """The linear cut equals "the smallest i with title.startswith(crumb[i:])"."""
    import random

    from bot.ingest.archive import _longest_suffix_prefix

    rng = random.Random(seed)
    for _ in range(200):
        crumb = "".join(rng.choice("ab") for _ in range(rng.randint(0, 12)))
        title = "".join(rng.choice("ab") for _ in range(rng.randint(0, 12)))
        expected = next((len(crumb) - i for i in range(len(crumb))
                         if title.startswith(crumb[i:])), 0)
        assert _longest_suffix_prefix(crumb, title) == expected, (crumb, title)
