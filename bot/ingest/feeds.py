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
- a feed that yields no entries raises `FeedParseError` with a human reason;
- bytes that are not valid in the feed's declared encoding are replaced one by one before
  parsing (feedparser would otherwise decode the *whole* feed as Windows-1252 because of one bad
  byte, turning every Vietnamese title into mojibake);
- each entry is converted on its own: one that fails (a year-0 date, a hostile field) is left
  out and reported, never the feed; dates that cannot exist become "no date";
- pictures are web URLs only: a feed never names a local file (bot/localfiles.py).
"""

from __future__ import annotations

import codecs
import io
import logging
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

log = logging.getLogger(__name__)

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


_XML_DECL_ENCODING = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _is_xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (https://www.w3.org/TR/xml/#charsets)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or (
        0x10000 <= code <= 0x10FFFF)


def _drop_invalid_char_refs(data: bytes) -> bytes:
    """Remove character references to what XML forbids ("&#xD800;", "&#0;"): feedparser's
    lenient parser raises on a lone surrogate, which cost the whole feed."""
    if _is_wide(data) or b"&#" not in data:
        return data

    def keep(match: re.Match[bytes]) -> bytes:
        hex_digits, decimal = match.group(1), match.group(2)
        code = int(hex_digits, 16) if hex_digits is not None else int(decimal)
        return match.group(0) if _is_xml_char(code) else b""

    return _CHAR_REF.sub(keep, data)


class FeedParseError(Exception):
    """The bytes are not a usable feed; the message is the human reason."""


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _repair_encoding(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """`data` re-encoded as UTF-8 with only its bad bytes replaced, when its declared encodings
    all fail to decode it; otherwise `data` unchanged (feedparser then decodes it as before).

    Declared: the HTTP charset, the XML declaration, and XML's default UTF-8, in that order.
    """
    if _is_wide(data):
        return data, content_type
    header = _CHARSET_PARAM.search(content_type or "")
    declaration = _XML_DECL_ENCODING.match(data)
    candidates = [
        c for c in dict.fromkeys((
            _codec(header.group(1) if header else None),
            _codec(declaration.group(1).decode("ascii") if declaration else None),
            "utf-8",
        )) if c
    ]
    for codec in candidates:
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return data, content_type
    text = data.decode(candidates[0], "replace")
    repaired = text.encode("utf-8")
    repaired = _XML_DECL_ENCODING.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + b"utf-8"
        + m.group(0)[m.end(1) - m.start(0) :], repaired, count=1)
    log.info("feed: bytes invalid in %s replaced (the rest of the feed is kept)", candidates[0])
    return repaired, "application/xml; charset=utf-8"


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
    problems: list[str] | None = None,
    info: dict[str, str] | None = None,
) -> list[ParsedArticle]:
    """Parse RSS/Atom `data` into articles, in feed order.

    `category` forces every article's category. `content_type` (the HTTP header, for the
    charset) and `base_url` (the feed's URL, to resolve relative links) come from the fetch.
    A malformed feed that still yields entries is used; when some entries were cut off by a
    truncated body, only the complete ones are returned. Raises `FeedParseError` when nothing
    usable is found. A well-formed feed with no items yields []. Entries that cannot be read
    are left out; each adds a line to `problems` when given. `info`, when given, receives the
    feed's own title ("title"; /addsource shows it).
    """
    if not data or not data.strip():
        raise FeedParseError("not a feed (empty document)")
    data = _defuse_entities(data)
    data, content_type = _repair_encoding(data, content_type)
    data = _drop_invalid_char_refs(data)
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    if base_url:
        headers["content-location"] = base_url
    # BytesIO, never the bare bytes: see the module docstring.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if info is not None:
        info["title"] = normalize_text(_text(result.get("feed", {}).get("title")))
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
    for number, entry in enumerate(entries, 1):
        try:
            article = _entry_to_article(entry, source=source, tz=tz, category=forced)
        except Exception as exc:  # one hostile entry must not cost the others
            log.warning("source=%s feed entry %d skipped: %s: %s", source, number,
                        type(exc).__name__, exc)
            if problems is not None:
                problems.append(f"entry {number} skipped: {type(exc).__name__}: {exc}")
            continue
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
        published=_entry_published(entry, tz, source),
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


def _struct_datetime(parsed: time.struct_time, raw: str, source: str) -> datetime | None:
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError):  # year 0, or a day that does not exist
        log.info("source=%s entry date %r cannot exist: treated as undated", source, raw[:60])
        return None


def _entry_published(entry: dict[str, Any], tz: tzinfo, source: str = "") -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = _text(_get(entry, key))
        parsed: time.struct_time | None = _get(entry, f"{key}_parsed")
        if parsed is not None and (not raw or _HAS_ZONE.search(raw)):
            return _struct_datetime(parsed, raw, source)
        if raw:
            # "GMT+7" (Dân trí 2017), zone-less local times, day-first dates...
            try:
                value = parse_datetime(raw, tz)
            except (ValueError, OverflowError):
                value = None
            if value is not None:
                return value
            if parsed is not None:
                return _struct_datetime(parsed, raw, source)
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


def _is_web_url(url: str) -> bool:
    return url[:8].lower().startswith(("http://", "https://")) and len(url) > 8


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
    # A feed names no local file: anything but a web URL (an absolute path, file://, data:)
    # is not a picture of the article.
    candidates = [c for c in candidates if _is_web_url(c[0])]
    if not candidates:
        return None
    for url, width, height in candidates:
        if not _is_thumbnail(width, height):
            return url
    return candidates[0][0]
