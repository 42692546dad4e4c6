"""The article page (/a/<id>) in a real browser, and its speed over 1,000,000 articles.

1. screenshots: the bundled sample news and a hostile article (script tags, markup in every
   field, a 5,000-character word) served by the bot's real web server, opened in headless
   Chromium at a phone's size (390x844, plus a tall capture of the whole page); the PNGs go to
   --screens (default /work/screens, outside the repository) and their paths are printed, with
   what the browser's DOM says (no <script> element, the escaped text present). Skipped with the
   reason when Chromium is not installed (Debian: apt-get install chromium).
2. latency: p50/p95/p99 of GET /a/<id> for random ids of a 1,000,000-article database
   (bench/bigdb.py), over HTTP with keep-alive, next to a trivial aiohttp route on the same
   server in the same run (the baseline), plus the page for long articles (~6,400 characters, 40
   paragraphs) and the handler alone (database read + Jinja2 render). Target: p99 <= 20 ms.

Usage: python bench/webpage.py [screenshots|latency|all] [--articles 1000000] [--samples 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import gettempdir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.bigdb import build  # noqa: E402
from bot.config import Settings, load_sources  # noqa: E402
from bot.demo import sample_sources_file  # noqa: E402
from bot.ingest.fetch import make_client  # noqa: E402
from bot.ingest.pipeline import Ingestor  # noqa: E402
from bot.web.app import WebParts, build_web_app  # noqa: E402
from bot.web.health import HealthMonitor  # noqa: E402
from bot.web.metrics import BotMetrics  # noqa: E402
from bot.web.pages import ArticlePages, PageConfig, build_templates  # noqa: E402
from bot.web.server import WebServer, bind  # noqa: E402
from storage import articles  # noqa: E402
from storage.articles import NewArticle  # noqa: E402
from storage.db import Database, open_database  # noqa: E402

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PHONE = (390, 844)
HOSTILE_WORD = "Ư" + "A" * 4998 + "Z"


def _parts(db: Database, sources: dict[str, object]) -> WebParts:
    settings = Settings()  # type: ignore[call-arg]
    pages = ArticlePages(db, PageConfig("vi", settings.tz, None), sources,  # type: ignore[arg-type]
                         build_templates())
    return WebParts(db, pages, HealthMonitor(db, stuck_after=900), BotMetrics())


async def _serve(app: web.Application) -> WebServer:
    server = WebServer(app)
    await server.start(bind("127.0.0.1", 0))
    return server


# --- 1. screenshots ------------------------------------------------------------------------------


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium(binary: str, url: str, *, screenshot: Path | None = None,
             size: tuple[int, int] = PHONE, dump_dom: bool = False) -> str:
    """Run headless Chromium once (a fresh profile); the DOM when `dump_dom`."""
    with tempfile.TemporaryDirectory(prefix="newsbot-chromium-") as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                   f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"]
        if screenshot is not None:
            command.append(f"--screenshot={screenshot}")
        if dump_dom:
            command.append("--dump-dom")
        done = subprocess.run([*command, url], capture_output=True, text=True, timeout=120,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-500:]}")
        return done.stdout


async def _screenshot_database(folder: Path) -> tuple[Database, dict[str, object], int, int]:
    """The bundled sample ingested (real archive pages and photos) plus a hostile article."""
    settings = Settings(database=folder / "screens.db",  # type: ignore[call-arg]
                        sources_file=sample_sources_file())
    sources = load_sources(settings.sources_file)
    db = await open_database(settings.database)
    async with make_client(settings.fetch_timeout) as http:
        await Ingestor(db, sources, settings, http).run_once()
    async with db.execute(
            "SELECT id FROM articles WHERE url LIKE 'file:%' AND image IS NOT NULL "
            "ORDER BY length(body) DESC LIMIT 1") as cur:
        row = await cur.fetchone()
    assert row is not None, "the sample has an archive article with a photo"
    normal = int(row[0])
    hostile = NewArticle(
        dedupe_key="bench:hostile", source="bench", url="javascript:alert('url')",
        title="<script>alert('tiêu đề')</script> Bài viết <b>độc hại</b> & \"ngoặc\"",
        category="<img src=x onerror=alert(1)>Chuyên mục",
        published=datetime(2024, 5, 20, 1, 30, tzinfo=UTC),
        summary="\"><script>alert('og')</script>",
        body=(f"<script>document.body.innerHTML='HACKED'</script>\n\n{HOSTILE_WORD}\n\n"
              "<iframe src=\"https://evil.example\"></iframe> Đoạn cuối <style>body{display:none}"
              "</style> vẫn hiển thị."),
        image=None, image_caption=None, author="<a href=javascript:alert(2)>PV</a>")
    async with db.transaction() as conn:
        (stored,) = await articles.insert_new(conn, [hostile], fetched_at=0)
    return db, {s.name: s for s in sources}, normal, stored.id


async def screenshots(screens: Path) -> None:
    binary = find_chromium()
    if binary is None:
        print("screenshots: SKIPPED: Chromium is not installed (Debian: apt-get install "
              "chromium; looked for " + ", ".join(CHROMIUM_NAMES) + ")")
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-screens-") as tmp:
        db, sources, normal, hostile = await _screenshot_database(Path(tmp))
        server = await _serve(build_web_app(_parts(db, sources)))
        try:
            base = f"http://{server.address}"
            for name, article_id in (("normal", normal), ("hostile", hostile)):
                url = f"{base}/a/{article_id}"
                shots = [screens / f"article-{name}-phone.png",
                         screens / f"article-{name}-full.png"]
                await asyncio.to_thread(chromium, binary, url, screenshot=shots[0])
                # Tall enough for the whole page (the 5,000-character word is ~180 lines).
                height = 6400 if name == "hostile" else 2600
                await asyncio.to_thread(chromium, binary, url, screenshot=shots[1],
                                        size=(PHONE[0], height))
                dom = await asyncio.to_thread(chromium, binary, url, dump_dom=True)
                print(f"{name} article {url}")
                for shot in shots:
                    print(f"  screenshot: {shot}")
                # Had any script run, the hostile body would have replaced the page with
                # "HACKED": the heading is there only if nothing ran.
                print(f"  DOM: {'A <script> ELEMENT' if '<script' in dom else 'no <script>'}"
                      f", {'page intact' if '<h1>' in dom else 'PAGE REPLACED'}"
                      f", {dom.count('<p>')} paragraphs"
                      + (f", 5,000-character word present: {HOSTILE_WORD in dom}"
                         if name == "hostile" else ""))
        finally:
            await server.stop()
            await db.close()


# --- 2. latency ----------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return pick(0.50), pick(0.95), pick(0.99)


def row(label: str, samples: list[float], target_ms: float | None = None) -> str:
    p50, p95, p99 = (x * 1000 for x in percentiles(samples))
    verdict = ("ok" if p99 <= target_ms else "OVER") if target_ms is not None else ""
    return f"{label:<44}{p50:>8.2f}{p95:>8.2f}{p99:>8.2f}  {verdict}"


async def _long_articles(db: Database, count: int) -> tuple[list[int], int]:
    """`count` long articles, inside a transaction the caller rolls back (the cached bench
    database stays as built)."""
    paragraph = ("Hội nghị đánh giá kết quả công tác vận động, an sinh xã hội và phong trào thi "
                 "đua của Mặt trận các cấp trong năm qua, đồng thời đề ra nhiệm vụ trọng tâm. ")
    body = "\n\n".join(f"{n}. {paragraph}" for n in range(40))
    items = [NewArticle(f"bench:long:{n}", "bench", f"https://tin.example.vn/dai-{n}.html",
                        f"Bài dài số {n}", "Kinh tế", datetime(2025, 5, 1, tzinfo=UTC),
                        paragraph, body, f"https://tin.example.vn/anh/dai-{n}.jpg",
                        "Quang cảnh hội nghị", "PV") for n in range(count)]
    await db.execute("BEGIN")
    stored = await articles.insert_new(db, items, fetched_at=0)
    return [a.id for a in stored], len(body)


async def latency(path: Path, articles_count: int, samples: int) -> None:
    db = await open_database(path)
    long_ids, long_chars = await _long_articles(db, 200)
    parts = _parts(db, {})
    app = build_web_app(parts)

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/bench/ping", ping)
    server = await _serve(app)
    base = f"http://{server.address}"
    times: dict[str, list[float]] = {"ping": [], "page": [], "long": [], "handler": []}
    try:
        async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1, force_close=False)) as session:

            async def get(url: str) -> float:
                start = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url}: {response.status}")
                return time.perf_counter() - start

            for _ in range(200):  # warm-up: connections, caches, the code paths
                await get(f"{base}/a/{random.randint(1, articles_count)}")
                await get(f"{base}/bench/ping")
            for _ in range(samples):  # interleaved, so both see the same noise
                times["ping"].append(await get(f"{base}/bench/ping"))
                times["page"].append(await get(f"{base}/a/{random.randint(1, articles_count)}"))
                times["long"].append(await get(f"{base}/a/{random.choice(long_ids)}"))
                start = time.perf_counter()
                found = await articles.get(db, random.randint(1, articles_count))
                assert found is not None
                parts.pages.render(found)
                times["handler"].append(time.perf_counter() - start)
    finally:
        await server.stop()
        await db.rollback()
        await db.close()
    print(f"\nGET over HTTP, {samples} samples each (ms)        p50     p95     p99"
          "   (target p99 <= 20)")
    print(row("[baseline] trivial aiohttp route", times["ping"]))
    print(row("/a/<id>, random of 1,000,000", times["page"], 20.0))
    print(row(f"/a/<id>, long article ({long_chars:,} chars)", times["long"], 20.0))
    print(row("handler alone: read + render", times["handler"]))
    over = percentiles(times["page"])[2] - percentiles(times["ping"])[2]
    print(f"/a/<id> p99 above the baseline's p99: {over * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all",
                        choices=("screenshots", "latency", "all"))
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--screens", type=Path, default=Path("/work/screens"))
    parser.add_argument("--cache", type=Path, default=Path(gettempdir()) / "newsbot-bench")
    args = parser.parse_args()
    random.seed(11)
    if args.what in ("screenshots", "all"):
        args.screens.mkdir(parents=True, exist_ok=True)
        asyncio.run(screenshots(args.screens))
    if args.what in ("latency", "all"):
        # Built (or reused) before the event loop starts: bigdb runs its own.
        path = build(args.cache, articles=args.articles, subscribers=1000)
        print(f"database: {args.articles:,} articles ({path.stat().st_size / 1e6:.0f} MB)")
        asyncio.run(latency(path, args.articles, args.samples))


if __name__ == "__main__":
    main()
