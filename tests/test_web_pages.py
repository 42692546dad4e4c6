"""The bot's web pages over real HTTP: /a/<id> (the article page), /media/<id> (archive photos),
/healthz and /metrics on an idle bot. Articles are stored in a real SQLite file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bot.config import SourceConfig
from bot.web.metrics import BotMetrics
from storage.db import Database
from tests.webhelper import store_article, web_server

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def meta(page: str, prop: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', page)
    return html.unescape(found.group(1)) if found else None


async def test_article_page_shows_the_whole_article(db: Database) -> None:
    article = await store_article(
        db, "hoi-nghi", title="Hội nghị tổng kết công tác Mặt trận năm 2021",
        summary="Chiều 15/12, Ủy ban MTTQ tổ chức hội nghị tổng kết.",
        body="Chiều 15/12, Ủy ban MTTQ tổ chức hội nghị.\n\nHội nghị đánh giá kết quả.\n"
             "Các đại biểu thảo luận.",
        image="https://mattran.example.vn/anh/hoi-nghi.jpg", image_caption="Quang cảnh hội nghị",
        category="Hoạt động MTTQ", author="P.V")
    async with web_server(db, public_url="https://bot.example.org") as web:
        response = await web.http.get(f"/a/{article.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="vi">' in page
    assert "<h1>Hội nghị tổng kết công tác Mặt trận năm 2021</h1>" in page
    assert "Đăng lúc 15/12/2021 14:30" in page  # Asia/Ho_Chi_Minh, day first
    assert '<p class="category">Hoạt động MTTQ</p>' in page
    assert ('<img src="https://mattran.example.vn/anh/hoi-nghi.jpg" alt="Quang cảnh hội nghị"'
            in page)
    assert "<figcaption>Quang cảnh hội nghị</figcaption>" in page
    assert re.findall(r"<p>([^<]*)</p>", page) == [
        "Chiều 15/12, Ủy ban MTTQ tổ chức hội nghị.", "Hội nghị đánh giá kết quả.",
        "Các đại biểu thảo luận."]
    assert '<a href="https://mattran.example.vn/hoi-nghi.html" rel="noopener">Đọc bài gốc</a>' \
        in page
    assert meta(page, "og:title") == "Hội nghị tổng kết công tác Mặt trận năm 2021"
    assert meta(page, "og:description") == "Chiều 15/12, Ủy ban MTTQ tổ chức hội nghị tổng kết."
    assert meta(page, "og:url") == f"https://bot.example.org/a/{article.id}"
    assert meta(page, "og:image") == "https://mattran.example.vn/anh/hoi-nghi.jpg"
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:locale") == "vi_VN"
    assert "<script" not in page


async def test_page_caching_headers_and_304(db: Database) -> None:
    article = await store_article(db, "cached")
    async with web_server(db) as web:
        first = await web.http.get(f"/a/{article.id}")
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, max-age=300"
        again = await web.http.get(f"/a/{article.id}", headers={"If-None-Match": etag})
        other = await web.http.get(f"/a/{article.id}", headers={"If-None-Match": '"nope"'})
        head = await web.http.head(f"/a/{article.id}")
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert other.status_code == 200
    assert head.status_code == 200
    assert head.headers["etag"] == etag


async def test_hostile_article_text_is_harmless(db: Database) -> None:
    word = "A" * 5000
    article = await store_article(
        db, "hostile", title='<script>alert("title")</script> & "quotes"',
        summary='"><script>alert(1)</script>',
        body=f"<img src=x onerror=alert(2)>\n\n{word}\n\n</p><iframe src=//evil.example>",
        image_caption="<b>caption</b>", category="<i>cat</i>",
        url="javascript:alert(3)", image="javascript:alert(4)", author="<u>x</u>")
    async with web_server(db) as web:
        response = await web.http.get(f"/a/{article.id}")
    page = response.text
    assert response.status_code == 200
    for raw in ("<script", "<img src=x", "<iframe", "<b>caption", "<i>cat", "<u>x",
                "javascript:"):
        assert raw not in page, raw
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in page
    assert f"<p>{word}</p>" in page
    assert "overflow-wrap: anywhere" in page  # the 5,000-character word wraps
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script source at all is allowed
    assert "Đọc bài gốc" not in page  # not a web URL: no source link


async def test_unknown_article_is_404(db: Database) -> None:
    async with web_server(db) as web:
        missing = await web.http.get("/a/999999")
        not_a_number = await web.http.get("/a/abc")
        huge = await web.http.get("/a/" + "9" * 40)
    assert missing.status_code == 404
    assert "Không tìm thấy bài viết" in missing.text
    assert not_a_number.status_code == 404
    assert huge.status_code == 404


def archive_source(root: Path) -> dict[str, SourceConfig]:
    return {"luu-tru": SourceConfig(name="luu-tru", kind="archive", path=root)}


async def test_archive_photo_is_served_with_caching_headers(db: Database, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    (root / "bai.png").write_bytes(PNG)
    article = await store_article(db, "file:luu-tru/bai.txt", url="file:luu-tru/bai.txt",
                                  source="luu-tru", image=str(root / "bai.png"),
                                  image_caption="Ảnh hội nghị")
    async with web_server(db, public_url="https://bot.example.org",
                          sources=archive_source(root)) as web:
        photo = await web.http.get(f"/media/{article.id}")
        again = await web.http.get(f"/media/{article.id}",
                                   headers={"If-None-Match": photo.headers["etag"]})
        page = (await web.http.get(f"/a/{article.id}")).text
    assert photo.status_code == 200
    assert photo.content == PNG
    assert photo.headers["content-type"] == "image/png"
    assert photo.headers["cache-control"] == "public, max-age=604800"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert again.status_code == 304
    assert f'<img src="/media/{article.id}"' in page
    assert meta(page, "og:image") == f"https://bot.example.org/media/{article.id}"
    assert "Đọc bài gốc" not in page


@pytest.mark.parametrize("case", ["outside", "symlink_out", "dotdot", "not_an_image", "missing",
                                  "web_image", "rss_source"])
async def test_media_serves_nothing_outside_the_archive_folder(db: Database, tmp_path: Path,
                                                               case: str) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the web")
    (root / "page.txt").write_text("a page", encoding="utf-8")
    (root / "link.png").symlink_to(secret)
    image, source = {
        "outside": (str(secret), "luu-tru"),
        "symlink_out": (str(root / "link.png"), "luu-tru"),
        "dotdot": (str(root / ".." / "secret.png"), "luu-tru"),
        "not_an_image": (str(root / "page.txt"), "luu-tru"),
        "missing": (str(root / "gone.png"), "luu-tru"),
        "web_image": ("https://mattran.example.vn/a.png", "luu-tru"),
        "rss_source": (str(secret), "rss"),
    }[case]
    sources = archive_source(root) | {
        "rss": SourceConfig(name="rss", kind="rss", path=tmp_path)}
    article = await store_article(db, f"k-{case}", source=source, image=image)
    async with web_server(db, sources=sources) as web:
        response = await web.http.get(f"/media/{article.id}")
    assert response.status_code == 404
    assert b"not for the web" not in response.content


async def test_healthz_and_metrics_of_an_idle_bot(db: Database) -> None:
    async with web_server(db) as web:
        health = await web.http.get("/healthz")
        metrics = await web.http.get("/metrics")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["queue"] == 0
    assert body["last_push"] is None
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert "newsbot_healthy 1.0" in text
    assert "newsbot_delivery_queue_length 0.0" in text


def test_each_metrics_object_has_its_own_registry() -> None:
    one, two = BotMetrics(), BotMetrics()
    one.on_send("retry_after", 0.02)
    one.on_result("sent")
    assert one.registry.get_sample_value("newsbot_rate_limited_total") == 1
    assert one.registry.get_sample_value("newsbot_deliveries_total", {"status": "sent"}) == 1
    assert two.registry.get_sample_value("newsbot_rate_limited_total") == 0
