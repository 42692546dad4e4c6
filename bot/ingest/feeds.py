"""Feed parsing: RSS/Atom bytes -> `ParsedArticle`s (pure: no network, no database).

feedparser does the XML work (and its bozo fallback to a lenient parser keeps feeds with raw "&"
usable, like VnExpress 2025); this module turns its entries into clean articles. It runs on every
entry of every poll, and the benchmark holds it to at least half of bare `feedparser.parse`'s
rate, so the per-entry work here is a handful of regex/str operations: no HTML tree, no
trafilatura, no second parse.

Safety, beyond feedparser's own (external entities are already off):
- bytes are wrapped in `BytesIO`: feedparser treats a bare `str`/`bytes` argument that happens
  to name a URL or a local file as something to open, and a hostile body must not make it do so;
- entity declarations in the DOCTYPE are removed before parsing. Expat caps expansion only past
  8 MiB and at 100x, and feedparser's lenient fallback re-expands "safe" entities itself (a 40 kB
  payload became a 100 MB string in testing), so a feed gets no entities of its own;
- a feed that yields no entries raises `FeedParseError` with a human reason.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

import feedparser

from bot.models import ParsedArticle
from bot.text.clean import extract_img_srcs, html_to_text, normalize_text
from bot.text.dates import parse_datetime
from bot.text.summary import SUMMARY_MAX_CHARS, lead_summary, strip_dateline, truncate

# Images smaller than this on either side (when the size is known) are thumbnails; a bigger
# candidate is preferred, but a thumbnail still beats no picture (VnExpress 2017-2019 feeds only
# carry 180x108 thumbnails, and Telegram shows them fine).
MIN_IMAGE_SIDE = 200
# A title made up from the text of an entry that has none.
_MAX_DERIVED_TITLE = 120

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
_ROOT_START = re.compile(rb"<\w")
_DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.I)
_HAS_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
# The same in UTF-16/32 (XML keywords are case-sensitive, so the upper case is the only form).
_WIDE_ENTITY_DECLS = tuple(
    "<!ENTITY".encode(codec) for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# A DOCTYPE with its internal subset; quoted strings may contain "]" and ">".
_DOCTYPE = re.compile(
    rb"""<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?>""",
    re.I,
)
_ROOT_END = re.compile(rb"</(?:rss|feed|rdf:RDF)\s*>\s*$", re.I)
_ITEM_END = re.compile(rb"</(?:[\w-]+:)?(?:item|entry)\s*>", re.I)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
# A time followed by a zone: when the raw date has none, feedparser assumes UTC, but Vietnamese
# feeds that omit the zone mean local time.
_HAS_ZONE = re.compile(
    r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?:[+-]\d|[zZ]\b|\(?(?:GMT|UTC|UT|ICT|[ECMP][SD]T)\b)"
)


class FeedParseError(Exception):
    """The bytes are not a usable feed; the message is the human reason."""


def _looks_binary(head: bytes) -> bool:
    """NUL bytes or mostly control characters in a body that is not UTF-16/32."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return b"\x00" in head or controls > len(head) // 10


def _is_wide(data: bytes) -> bool:
    """UTF-16/32 (by BOM or NULs among the first bytes): byte patterns below do not apply."""
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]


def _defuse_entities(data: bytes) -> bytes:
    """Return `data` without entity declarations, or raise when they cannot be removed safely."""
    if _is_wide(data):
        if any(pattern in data for pattern in _WIDE_ENTITY_DECLS):
            raise FeedParseError("refused: the feed declares XML entities (expansion risk)")
        return data
    if not _HAS_ENTITY_DECL.search(data):
        return data
    root = _ROOT_START.search(data)
    # Only a DOCTYPE of the prolog counts (a "<!DOCTYPE html" inside a CDATA description is text).
    doctype = _DOCTYPE_START.search(data, 0, root.start() if root else len(data))
    if doctype is not None:
        full = _DOCTYPE.match(data, doctype.start())
        if full is not None:
            data = data[: full.start()] + data[full.end() :]
            root = _ROOT_START.search(data)
    # Whatever remains before the root element must not declare entities either (feedparser
    # reads its "safe" ones from there for the lenient parser).
    head = data[: root.start()] if root else data
    if _HAS_ENTITY_DECL.search(head):
        raise FeedParseError("refused: the feed declares XML entities (expansion risk)")
    return data


def _no_entries_reason(data: bytes, result: Mapping[str, Any]) -> str:
    """Why feedparser found nothing, in words an admin can act on."""
    head = data[:1024]
    version = result.get("version")
    if _HTML_START.match(head) or (b"<html" in head.lower() and not version):
        return "not a feed (looks like an HTML page)"
    if _looks_binary(head):
        return "not a feed (binary data)"
    exc = result.get("bozo_exception")
    error = f"XML error: {exc}" if result.get("bozo") and exc is not None else ""
    if not version:
        return f"not a feed ({error or 'no RSS/Atom structure found'})"
    if error and not _is_wide(data) and not _ROOT_END.search(data[-4096:]):
        return f"no complete entries (the feed is truncated; {error})"
    return f"no entries ({error})" if error else "no entries"


def parse_feed(
    data: bytes,
    *,
    source: str,
    tz: tzinfo,
    category: str | None = None,
    content_type: str | None = None,
    base_url: str | None = None,
) -> list[ParsedArticle]:
    """Parse RSS/Atom `data` into articles, in feed order.

    `category` forces every article's category. `content_type` (the HTTP header, for the
    charset) and `base_url` (the feed's URL, to resolve relative links) come from the fetch.
    A malformed feed that still yields entries is used; when some entries were cut off by a
    truncated body, only the complete ones are returned. Raises `FeedParseError` when nothing
    usable is found. A well-formed feed with no items yields [].
    """
    if not data or not data.strip():
        raise FeedParseError("not a feed (empty document)")
    data = _defuse_entities(data)
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    if base_url:
        headers["content-location"] = base_url
    # BytesIO, never the bare bytes: see the module docstring.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    entries = result.entries
    if not entries:
        if result.get("version") and not result.get("bozo"):
            return []
        raise FeedParseError(_no_entries_reason(data, result))
    if result.get("bozo") and not _is_wide(data):
        # A body cut mid-item (size cap, dropped connection) leaves a partial last entry.
        closed = len(_ITEM_END.findall(data))
        if closed < len(entries):
            entries = entries[:closed]
            if not entries:
                raise FeedParseError("no complete entries (the feed is truncated)")
    forced = normalize_text(category) if category else None
    articles: list[ParsedArticle] = []
    for entry in entries:
        article = _entry_to_article(entry, source=source, tz=tz, category=forced)
        if article is not None:
            articles.append(article)
    return articles


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# feedparser entries are `FeedParserDict`s, whose `get` goes through a key-alias layer costing
# more than the rest of this module's per-entry work; the keys used here are the canonical
# ones, so the plain dict lookup is used. Entry = dict[str, Any] in the signatures below.
_get = dict.get


def _entry_to_article(
    entry: dict[str, Any], *, source: str, tz: tzinfo, category: str | None
) -> ParsedArticle | None:
    title = html_to_text(_text(_get(entry, "title")))
    link = _text(_get(entry, "link")).strip()
    if not title and not link:
        return None  # VnExpress's placeholder item: <title/>, "No Description", no link
    guid = _text(_get(entry, "id")).strip() or None
    if not link and guid and guid.startswith(("http://", "https://")):
        link = guid

    description_html = _text(_get(entry, "summary"))
    content_html = ""
    contents = _get(entry, "content")
    if contents:
        content_html = max((_text(_get(c, "value")) for c in contents), key=len, default="")
    if description_html == content_html:
        description_html = ""  # feedparser copies an Atom <content> into the summary
    description = strip_dateline(html_to_text(description_html)) if description_html else ""
    body = ""
    if content_html:
        body = strip_dateline(html_to_text(content_html, keep_paragraphs=True))
    if not body:
        body = description
    if description and description != title:
        summary = truncate(description, SUMMARY_MAX_CHARS)
    else:
        summary = lead_summary(body)
    if not title:
        title = truncate(summary or body, _MAX_DERIVED_TITLE) or link

    return ParsedArticle(
        source=source,
        url=link,
        title=title,
        guid=guid,
        category=category or _entry_category(entry),
        published=_entry_published(entry, tz),
        summary=summary,
        body=body,
        image=_entry_image(entry, description_html, content_html),
        author=_entry_author(entry),
    )


def _entry_category(entry: dict[str, Any]) -> str | None:
    for tag in _get(entry, "tags") or ():
        term = html_to_text(_text(_get(tag, "term")) or _text(_get(tag, "label")))
        if term:
            return term
    return None


def _entry_author(entry: dict[str, Any]) -> str | None:
    detail = _get(entry, "author_detail") or {}
    name = html_to_text(_text(_get(detail, "name")) or _text(_get(entry, "author")))
    return name or None


def _entry_published(entry: dict[str, Any], tz: tzinfo) -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = _text(_get(entry, key))
        parsed: time.struct_time | None = _get(entry, f"{key}_parsed")
        if parsed is not None and (not raw or _HAS_ZONE.search(raw)):
            return datetime(*parsed[:6], tzinfo=UTC)
        if raw:
            # "GMT+7" (Dân trí 2017), zone-less local times, day-first dates...
            value = parse_datetime(raw, tz)
            if value is not None:
                return value
            if parsed is not None:
                return datetime(*parsed[:6], tzinfo=UTC)
    return None


def _size(value: Any) -> int | None:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return None
    return size if size > 0 else None


def _is_thumbnail(width: int | None, height: int | None) -> bool:
    return (width is not None and width < MIN_IMAGE_SIDE) or (
        height is not None and height < MIN_IMAGE_SIDE
    )


def _looks_like_image(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(_IMAGE_EXTENSIONS)


def _entry_image(entry: dict[str, Any], description_html: str, content_html: str) -> str | None:
    """The article's picture: enclosure, then media:content/thumbnail (largest), then <img>.

    Within that order the first picture that is not a thumbnail wins; if all are thumbnails
    the first one is used (a small real photo beats none). An enclosure's `length` is ignored:
    it should be bytes, but VnExpress 2025 puts the width there.
    """
    candidates: list[tuple[str, int | None, int | None]] = []
    for enclosure in _get(entry, "links") or ():
        if _get(enclosure, "rel") != "enclosure":
            continue
        href = _text(_get(enclosure, "href")).strip()
        kind = _text(_get(enclosure, "type")).lower()
        if href and (kind.startswith("image/") or (not kind and _looks_like_image(href))):
            candidates.append((href, None, None))
    for key in ("media_content", "media_thumbnail"):
        media = []
        for item in _get(entry, key) or ():
            url = _text(_get(item, "url")).strip()
            medium = _text(_get(item, "medium")).lower()
            kind = _text(_get(item, "type")).lower()
            if not url or (medium and medium != "image"):
                continue
            if kind and not kind.startswith("image/"):
                continue
            if key == "media_content" and not (medium or kind or _looks_like_image(url)):
                continue
            media.append((url, _size(_get(item, "width")), _size(_get(item, "height"))))
        media.sort(key=lambda m: (m[1] or 0) * (m[2] or 0), reverse=True)
        candidates.extend(media)
    for markup in (description_html, content_html):
        if markup and "<img" in markup.lower():
            candidates.extend(extract_img_srcs(markup))
    if not candidates:
        return None
    for url, width, height in candidates:
        if not _is_thumbnail(width, height):
            return url
    return candidates[0][0]
