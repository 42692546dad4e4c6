"""The article page (``/a/<id>``) and an archive article's photo (``/media/<id>``).

The page is HTML rendered by Jinja2 with autoescaping from the stored article: title, category,
date in NEWSBOT_TIMEZONE ("15/12/2021 14:30"), photo with caption, the full text in paragraphs,
the source link when the article has a web URL, and Open Graph tags so a shared link previews
well. No JavaScript, and a Content-Security-Policy that allows none: article text comes from
outside, and even if something slipped through escaping it could not run. Caching: a strong
ETag over the page (``If-None-Match`` gets 304) and a short public max-age.

A photo is served only when it is a regular file inside the archive folder of the article's
source (`bot.localfiles.safe_local_file`), with an image type: a crafted path or a symlink cannot
make the bot serve anything else from the disk.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader

from bot.config import SourceConfig
from bot.i18n import t
from bot.localfiles import safe_local_file
from bot.models import Article
from bot.text.datefmt import format_local_datetime
from bot.web.links import article_page_url, is_web_url, photo_url, without_tracking
from storage import articles
from storage.db import Database

log = logging.getLogger(__name__)

PAGE_MAX_AGE = 300  # seconds a browser or proxy may reuse a page without asking
MEDIA_MAX_AGE = 7 * 86400  # photos of stored articles do not change
DESCRIPTION_CHARS = 200
# Raster types only: an SVG is a document that can carry script.
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".webp": "image/webp", ".gif": "image/gif"}
PAGE_POLICY = ("default-src 'none'; img-src 'self' https: http:; style-src 'unsafe-inline'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_LINES = re.compile(r"\s*\n\s*")
_OG_LOCALES = {"vi": "vi_VN", "en": "en_US"}


@dataclass(frozen=True, slots=True)
class PageConfig:
    lang: str
    tz: Any  # tzinfo
    public_url: str | None


def build_templates() -> Environment:
    """The Jinja2 environment: templates shipped in the package, every value HTML-escaped."""
    return Environment(loader=PackageLoader("bot.web", "templates"), autoescape=True,
                       auto_reload=False)


class ArticlePages:
    """Handlers of ``/a/<id>`` and ``/media/<id>`` over the database and the sources' folders."""

    def __init__(self, db: Database, config: PageConfig,
                 sources: Mapping[str, SourceConfig], templates: Environment) -> None:
        self.db = db
        self.config = config
        self.sources = sources
        self._article = templates.get_template("article.html")
        self._not_found = templates.get_template("not_found.html")

    async def article(self, request: web.Request) -> web.Response:
        """GET /a/<id>: the article page, 304 when the browser's copy is current, else 404."""
        found = await articles.get(self.db, int(request.match_info["id"]))
        if found is None:
            return self.not_found()
        body = self.render(found).encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={PAGE_MAX_AGE}",
                   "Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"}
        if _etag_matches(request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type="text/html", charset="utf-8",
                            headers=headers)

    def render(self, article: Article) -> str:
        """The page's HTML (pure: no I/O)."""
        lang, public_url = self.config.lang, self.config.public_url
        title = " ".join(article.title.split())
        caption = " ".join((article.image_caption or "").split())
        summary = " ".join(article.summary.split()) or title
        local_photo = article.image is not None and not is_web_url(article.image)
        photo_src = (f"/media/{article.id}" if local_photo
                     else article.image if article.image else None)
        return self._article.render(
            lang=lang,
            site_name=t(lang, "web.site_name"),
            og_locale=_OG_LOCALES.get(lang, "vi_VN"),
            title=title,
            category=" ".join(article.category.split()),
            description=_shorten(summary, DESCRIPTION_CHARS),
            published_iso=article.published.astimezone(UTC).isoformat(),
            published_text=t(lang, "web.published",
                             when=format_local_datetime(article.published, self.config.tz)),
            page_url=article_page_url(public_url, article),
            og_image=photo_url(public_url, article),
            photo_src=photo_src,
            photo_alt=caption or title,
            caption=caption,
            paragraphs=paragraphs(article.body) or paragraphs(article.summary),
            author=article.author.strip() if article.author else "",
            source_url=without_tracking(article.url) if is_web_url(article.url) else None,
            read_original=t(lang, "card.read_original"),
        )

    def not_found(self) -> web.Response:
        lang = self.config.lang
        html = self._not_found.render(lang=lang, site_name=t(lang, "web.site_name"),
                                      heading=t(lang, "web.not_found_title"),
                                      message=t(lang, "web.not_found"))
        return web.Response(status=404, text=html, content_type="text/html",
                            headers={"Cache-Control": "public, max-age=60",
                                     "Content-Security-Policy": PAGE_POLICY})

    async def media(self, request: web.Request) -> web.StreamResponse:
        """GET /media/<id>: the photo of an archive article, from its source's folder only."""
        found = await articles.get(self.db, int(request.match_info["id"]))
        path = None
        if found is not None and found.image and not is_web_url(found.image):
            source = self.sources.get(found.source)
            if source is not None and source.kind == "archive" and source.path is not None:
                path = safe_local_file(source.path, found.image)
        content_type = IMAGE_TYPES.get(path.suffix.lower()) if path is not None else None
        if path is None or content_type is None:
            if found is not None and found.image and not is_web_url(found.image):
                log.info("media: article_id=%s photo is not a servable image in its source's "
                         "folder", found.id)
            raise web.HTTPNotFound()
        # FileResponse answers ETag/Last-Modified, If-None-Match/If-Modified-Since and ranges.
        return web.FileResponse(path, headers={
            "Content-Type": content_type,
            "Cache-Control": f"public, max-age={MEDIA_MAX_AGE}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        })


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs (lines), spaces collapsed, empty ones left out."""
    return [" ".join(line.split()) for line in _LINES.split(text.strip()) if line.strip()]


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
