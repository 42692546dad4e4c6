"""Archive files: one saved article page (.txt, .html, .json) -> `ParsedArticle` (pure).

Formats:
- ``.txt`` as copied from the organisation's website (the seed's layout): line 1 the breadcrumb,
  "Trang chủ" + category + the title's first words + "..." glued together; the full title; body
  paragraphs with photo captions between them (short lines without final punctuation); the
  author's initials ("TN"); then site boilerplate ("TIN CÙNG CHUYÊN MỤC", "TIN PHỔ BIẾN"...) that
  is cut together with everything after it. Captions are kept out of the body and the summary
  (the first one becomes `image_caption`): between paragraphs they would read as run-on
  sentences in excerpts and in the cluster extractor.
- ``.html``: a saved page, read with trafilatura; the page's own metadata (``og:*``,
  ``article:*``) is preferred where trafilatura reduces it (it keeps only the date, not the time).
- ``.json``: ``{title, url, category, published, summary, body, image, image_caption}`` (+ optional
  ``author``, ``guid``); the strings are plain text, never HTML ("<Tết sum vầy>" is a title).

An image file with the article's stem beside it (.jpg .jpeg .png .webp .gif) is its photo, unless
a JSON file names one. Identity: `guid` is always the file id ``file:<source>/<relative path>``
(unless the JSON has its own guid); `url` is the article's public link when the file states one
(JSON ``url``, HTML ``og:url``/canonical), so "Đọc bài gốc" works, else that same file id.

Text must be UTF-8 (BOM allowed) or UTF-16/32 with a BOM (an HTML page may also be in the charset
its ``<meta>`` declares); anything else is refused rather than stored as mojibake (cp1258 bytes
read as Latin-1 look like Vietnamese gone wrong, forever).
"""

from __future__ import annotations

import codecs
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.localfiles import LocalFileRefused, read_local_file, safe_local_file
from bot.models import ParsedArticle
from bot.text.clean import html_to_text, normalize_text
from bot.text.dates import find_date_in_text, parse_datetime
from bot.text.fold import fold
from bot.text.summary import (
    SUMMARY_MAX_CHARS,
    lead_summary,
    split_sentences,
    strip_dateline,
    truncate,
)

ARCHIVE_SUFFIXES = frozenset({".txt", ".html", ".htm", ".json"})
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
MAX_ARCHIVE_BYTES = 10 * 1024 * 1024
# A longer line of a .txt page is split into lines of at most this many characters (at a space
# where there is one): no real paragraph is that long, and every step after it stays bounded.
MAX_LINE_CHARS = 20_000

# Longest line still taken for a photo caption. Captions are a phrase ("Quang cảnh Hội nghị tại
# điểm cầu Hải Phòng"); a paragraph that merely lost its final period is far longer.
_MAX_CAPTION_CHARS = 160
_FINAL_PUNCTUATION = ".!?…:;"
_CLOSING = "\"'”’»)]"

# Site furniture after the article on Vietnamese news sites; compared folded, as whole lines.
_BOILERPLATE = frozenset(
    fold(s)
    for s in (
        "TIN CÙNG CHUYÊN MỤC", "TIN PHỔ BIẾN", "Tin liên quan", "Tin khác", "Các tin khác",
        "Bài viết liên quan", "Tin mới", "Tin mới nhất", "Tin đọc nhiều", "Đọc nhiều nhất",
        "Xem thêm", "Bình luận", "Ý kiến bạn đọc", "Gửi bình luận", "Tin cùng loại",
        "Các bài viết khác", "Chia sẻ", "In bài viết", "Quay lại",
    )
)
_BREADCRUMB_HOME = re.compile(r"^\s*trang\s+chủ\s*[»›>/|:-]*\s*", re.I)
_BREADCRUMB_SEPARATORS = re.compile(r"\s*[»›>|/]\s*")
# The author's initials or pen name on a line of its own: "TN", "N.H", "MINH ANH".
_INITIALS = re.compile(r"^[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ.\-– ]{0,29}$")
_CREDIT = re.compile(r"^(?:tin|bài|ảnh|tin,?\s*ảnh|bài,?\s*ảnh|tin và ảnh|bài và ảnh)\s*:\s*(.+)$",
                     re.I)
_META_TAG = re.compile(r"<meta\b[^<>]*>", re.I)
_LINK_CANONICAL = re.compile(r"<link\b[^<>]*\brel=[\"']?canonical[^<>]*>", re.I)
_ATTR = re.compile(r"""([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_TIME_TAG = re.compile(r"<time\b[^<>]*\bdatetime=[\"']([^\"']+)[\"']", re.I)
_FIGCAPTION = re.compile(r"<figcaption\b[^<>]*>(.*?)</figcaption\s*>", re.I | re.S)
_BREADCRUMB_BLOCK = re.compile(
    r"<(ol|ul|div|nav|p)\b[^<>]*\bclass=[\"'][^\"']*breadcrumb[^<>]*>(.*?)</\1\s*>", re.I | re.S
)
_LINK_TEXT = re.compile(r"<a\b[^<>]*>(.*?)</a\s*>", re.I | re.S)
_HTML_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.I)
_SITE_SUFFIX = re.compile(r"^(?P<title>.*\S)\s+[-|–—:·]\s+(?P<site>[^-|–—]{1,40})$")


class ArchiveFileError(Exception):
    """An archive file that cannot be read as an article; the message is the human reason."""


@dataclass(frozen=True, slots=True)
class ArticleText:
    """The parts of a ``.txt`` article page (see the module docstring)."""

    title: str
    category: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    author: str | None


# -- reading bytes ---------------------------------------------------------------------------


def _decode(raw: bytes, *, html: bool = False) -> str:
    """Bytes -> text: UTF-8 (BOM optional), UTF-16/32 with a BOM, or a page's declared charset."""
    if not raw.strip():
        raise ArchiveFileError("empty file")
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                raise ArchiveFileError(f"not valid {codec.upper()} text") from None
            break
    else:
        if b"\x00" in raw[:8192]:
            raise ArchiveFileError("binary file, not text")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _declared_charset(raw) if html else ""
            if not text:
                raise ArchiveFileError(
                    "not UTF-8 text (another encoding, e.g. Windows-1258, or binary data)"
                ) from None
    if not text.strip():
        raise ArchiveFileError("empty file")
    head = text[:4096]
    if "\x00" in head or sum(1 for ch in head if ch < "\t" or "\r" < ch < " ") > len(head) // 20:
        raise ArchiveFileError("binary file, not text")
    return text


def _declared_charset(raw: bytes) -> str:
    """An HTML page in the charset its <meta> declares (a saved page says what it is), or ""."""
    match = _HTML_CHARSET.search(raw[:4096])
    if match is None:
        return ""
    try:
        codec = codecs.lookup(match.group(1).decode("ascii"))
        if codec.name == "utf-8":
            return ""
        return raw.decode(codec.name)
    except (LookupError, UnicodeDecodeError):
        return ""


def _read_text(path: Path, root: Path, *, html: bool = False) -> str:
    """The file's text, read only as bot/localfiles.py allows (a regular file inside `root`)."""
    try:
        raw = read_local_file(root, path, max_bytes=MAX_ARCHIVE_BYTES)
    except LocalFileRefused as exc:
        raise ArchiveFileError(f"refused: {exc}") from None
    except OSError as exc:
        raise ArchiveFileError(f"cannot read: {exc.strerror or exc}") from None
    return _decode(raw, html=html)


def _file_id(path: Path, source: str, root: Path) -> str:
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.name
    return f"file:{source}/{relative}"


def _sibling_image(path: Path, root: Path) -> str | None:
    """An image named like the article (same stem) in the same folder, as an absolute path;
    only a regular file inside the archive folder (a symlink out of it is no photo)."""
    for suffix in IMAGE_SUFFIXES:
        for variant in (suffix, suffix.upper()):
            candidate = path.with_suffix(variant)
            if not os.path.lexists(candidate):
                continue
            allowed = safe_local_file(root, candidate)
            if allowed is not None:
                return str(allowed)
    return None


def _mtime(path: Path, tz: tzinfo) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz)
    except OSError:
        return None


def read_archive_file(
    path: Path, *, source: str, root: Path, tz: tzinfo, category: str | None = None
) -> ParsedArticle:
    """Read one archive file (`path` below `root`) as an article of `source`.

    `category` forces the category. Raises `ArchiveFileError` with a human reason for an
    unsupported suffix, an unreadable/empty/binary file, a wrong encoding, bad JSON or a file
    without a title. The file's mtime is the reference for a year missing from the text.
    """
    suffix = path.suffix.lower()
    if suffix not in ARCHIVE_SUFFIXES:
        raise ArchiveFileError(f"unsupported file type {path.suffix or '(none)'}")
    file_id = _file_id(path, source, root)
    forced = normalize_text(category) if category else None
    if suffix == ".json":
        return _read_json(path, root, source=source, file_id=file_id, tz=tz, category=forced)
    if suffix in (".html", ".htm"):
        return _read_html(path, root, source=source, file_id=file_id, tz=tz, category=forced)
    return _read_txt(path, root, source=source, file_id=file_id, tz=tz, category=forced)


# -- .txt ------------------------------------------------------------------------------------


def _category_from_breadcrumb(crumb: str, title: str) -> str | None:
    """The category in "<category><first words of the title>..." (glued, no separators)."""
    crumb = crumb.strip()
    while crumb.endswith(("...", "…")):
        crumb = crumb.removesuffix("...").removesuffix("…").rstrip()
    if _BREADCRUMB_SEPARATORS.search(crumb):
        parts = [p for p in _BREADCRUMB_SEPARATORS.split(crumb) if p]
        parts = [p for p in parts if not title.startswith(p)] or parts
        crumb = parts[-1] if parts else ""
    # The smallest cut whose tail starts the title: the longest title prefix glued on the end.
    glued = _longest_suffix_prefix(crumb, title)
    if glued:
        crumb = crumb[: len(crumb) - glued]
    crumb = crumb.strip(" -–—:|»›>/")
    return crumb or None


def _longest_suffix_prefix(text: str, pattern: str) -> int:
    """The length of the longest non-empty suffix of `text` that is a prefix of `pattern` (0 if
    none), in linear time (Knuth-Morris-Pratt): trying every cut was quadratic, 18 s for one
    1,000,000-character breadcrumb line."""
    pattern = pattern[: len(text)]
    text = text[-len(pattern) :] if pattern else ""
    if not pattern:
        return 0
    failure = [0] * len(pattern)
    k = 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = failure[k - 1]
        if pattern[i] == pattern[k]:
            k += 1
        failure[i] = k
    q = 0
    for ch in text:
        while q and (q == len(pattern) or ch != pattern[q]):
            q = failure[q - 1]
        if ch == pattern[q]:
            q += 1
    return q


def _is_boilerplate(line: str) -> bool:
    return fold(line).rstrip(" :") in _BOILERPLATE


def _is_caption(line: str) -> bool:
    """A photo caption: a short phrase without final punctuation, at least two words."""
    if len(line) > _MAX_CAPTION_CHARS or " " not in line:
        return False
    if line.rstrip(_CLOSING)[-1:] in _FINAL_PUNCTUATION:
        return False
    return len(split_sentences(line)) == 1


def _author_line(line: str) -> str | None:
    credit = _CREDIT.match(line)
    if credit:
        return credit.group(1).strip() or None
    if len(line) <= 30 and _INITIALS.match(line) and line == line.upper():
        return line
    return None


def _split_long(line: str) -> list[str]:
    """`line` as lines of at most `MAX_LINE_CHARS` (cut at a space where there is one)."""
    pieces: list[str] = []
    while len(line) > MAX_LINE_CHARS:
        cut = line.rfind(" ", MAX_LINE_CHARS // 2, MAX_LINE_CHARS)
        cut = cut if cut > 0 else MAX_LINE_CHARS
        pieces.append(line[:cut].strip())
        line = line[cut:].strip()
    pieces.append(line)
    return [p for p in pieces if p]


def parse_article_text(text: str) -> ArticleText:
    """Split a ``.txt`` page into title, category, paragraphs, captions and author."""
    lines = [line for line in (normalize_text(raw) for raw in text.splitlines()) if line]
    if not lines:
        raise ArchiveFileError("empty file")
    category: str | None = None
    # The breadcrumb and the title are cut at MAX_LINE_CHARS (site furniture, and no title is
    # that long); body lines are split, so no word of the article is lost.
    home = _BREADCRUMB_HOME.match(lines[0][:MAX_LINE_CHARS])
    if home is not None and len(lines) >= 2:
        title = lines[1][:MAX_LINE_CHARS]
        category = _category_from_breadcrumb(lines[0][home.end() : MAX_LINE_CHARS], title)
        rest = lines[2:]
    else:
        title, rest = lines[0][:MAX_LINE_CHARS], lines[1:]
    rest = [piece for line in rest for piece in _split_long(line)]
    for i, line in enumerate(rest):
        if _is_boilerplate(line):
            rest = rest[:i]  # the site's lists of other articles, not this one
            break
    author: str | None = None
    for i in range(len(rest) - 1, max(len(rest) - 3, -1), -1):
        author = _author_line(rest[i])
        if author is not None:
            rest = rest[:i] + rest[i + 1 :]
            break
    paragraphs: list[str] = []
    captions: list[str] = []
    for line in rest:
        (captions if paragraphs and _is_caption(line) else paragraphs).append(line)
    if paragraphs:
        paragraphs[0] = strip_dateline(paragraphs[0])
    return ArticleText(title, category, tuple(paragraphs), tuple(captions), author)


def _read_txt(path: Path, root: Path, *, source: str, file_id: str, tz: tzinfo,
              category: str | None) -> ParsedArticle:
    parts = parse_article_text(_read_text(path, root))
    body = "\n\n".join(parts.paragraphs)
    return ParsedArticle(
        source=source,
        url=file_id,
        title=parts.title,
        guid=file_id,
        category=category or parts.category,
        published=find_date_in_text(body, tz, _mtime(path, tz)),
        summary=lead_summary(body),
        body=body,
        image=_sibling_image(path, root),
        image_caption=parts.captions[0] if parts.captions else None,
        author=parts.author,
    )


# -- .html -----------------------------------------------------------------------------------


def _page_meta(markup: str) -> dict[str, str]:
    """<meta> values by property/name/itemprop (lowercased), first one wins; plus canonical."""
    head_end = markup.lower().find("</head")
    head = markup[: head_end if head_end > 0 else 200_000]
    meta: dict[str, str] = {}
    for tag in _META_TAG.finditer(head):
        attrs = _attrs(tag.group(0))
        content = attrs.get("content", attrs.get("value"))
        if content is None:
            continue
        for key in ("property", "name", "itemprop"):
            if key in attrs:
                meta.setdefault(attrs[key].lower(), html_to_text(content))
    canonical = _LINK_CANONICAL.search(head)
    if canonical is not None:
        href = _attrs(canonical.group(0)).get("href", "")
        if href:
            meta.setdefault("canonical", href.strip())
    return meta


def _breadcrumb_category(markup: str) -> str | None:
    """The last level of the page's breadcrumb ("Trang chủ » Cụm thi đua" -> "Cụm thi đua")."""
    block = _BREADCRUMB_BLOCK.search(markup)
    if block is None:
        return None
    names = [html_to_text(m.group(1)) for m in _LINK_TEXT.finditer(block.group(2))]
    names = [n for n in names if n and fold(n) not in ("trang chu", "home")]
    return names[-1] if names else None


def _attrs(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        value = next(g for g in (m.group(2), m.group(3), m.group(4)) if g is not None)
        found.setdefault(m.group(1).lower(), value)
    return found


def _strip_site_suffix(title: str, site_names: list[str]) -> str:
    """ "Khu tưởng niệm ... - VnExpress" -> "Khu tưởng niệm ...", when the tail names the site.

    Only a tail that matches the site's own name is removed: Vietnamese titles use " - " in
    their text too ("thượng đỉnh Mỹ - Triều").
    """
    match = _SITE_SUFFIX.match(title)
    if match is not None and _names_site(match.group("site"), site_names):
        return match.group("title")
    return title


def _names_site(text: str, site_names: list[str]) -> bool:
    """Whether `text` is the site's name ("VnExpress" vs "Tin nhanh VnExpress", "vnexpress")."""
    folded_text = fold(text).replace(" ", "")
    if not folded_text:
        return False
    for name in site_names:
        folded = fold(name).replace(" ", "")
        if folded and (folded_text in folded or folded in folded_text):
            return True
    return False


def _http_url(value: str | None, base: str | None = None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if base and not urlsplit(value).scheme:
        value = urljoin(base, value)
    return value if value.startswith(("http://", "https://")) else None


def _read_html(path: Path, root: Path, *, source: str, file_id: str, tz: tzinfo,
               category: str | None) -> ParsedArticle:
    import trafilatura  # heavy (lxml, htmldate); only archive folders with pages need it

    markup = _read_text(path, root, html=True)
    meta = _page_meta(markup)
    try:
        doc = trafilatura.bare_extraction(
            markup, with_metadata=True, include_comments=False, include_tables=True,
            include_images=False,
        )
    except Exception as exc:  # trafilatura/lxml failures on hostile markup vary by version
        raise ArchiveFileError(f"cannot extract the article from the HTML: {exc}") from None
    data: dict[str, Any] = {}
    if doc is not None:
        data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)

    page_url = _http_url(meta.get("og:url")) or _http_url(meta.get("canonical")) or _http_url(
        data.get("url")
    )
    host = urlsplit(page_url).hostname if page_url else None
    site_names = [
        n
        for n in (
            meta.get("og:site_name"), data.get("sitename"), meta.get("application-name"),
            meta.get("apple-mobile-web-app-title"), meta.get("copyright"),
            host.removeprefix("www.").split(".")[0] if host else None,
        )
        if n
    ]
    raw_title = data.get("title") or meta.get("og:title") or meta.get("twitter:title") or ""
    title = _strip_site_suffix(normalize_text(raw_title), site_names)
    if not title:
        raise ArchiveFileError("no title found in the HTML page")

    paragraphs = [normalize_text(p) for p in (data.get("text") or "").splitlines()]
    body = "\n\n".join(p for p in paragraphs if p)
    if not body:
        body = html_to_text(markup, keep_paragraphs=True)

    description = meta.get("og:description") or data.get("description") or meta.get(
        "description") or ""
    description = strip_dateline(_strip_site_suffix(normalize_text(description), site_names))
    summary = truncate(description, SUMMARY_MAX_CHARS) if description else lead_summary(body)

    published = None
    time_tag = _TIME_TAG.search(markup)
    for raw in (
        meta.get("article:published_time"), meta.get("datepublished"), meta.get("pubdate"),
        meta.get("og:published_time"), meta.get("dc.date.issued"), meta.get("date"),
        time_tag.group(1) if time_tag else None,
    ):
        if raw:
            published = parse_datetime(raw, tz)
            if published is not None:
                break
    if published is None:
        # trafilatura (htmldate) knows the day only; the dateline in the text may add the part
        # of the day, so it is used when both agree, or when trafilatura found nothing.
        in_text = find_date_in_text(body, tz, _mtime(path, tz))
        day = parse_datetime(data["date"], tz) if data.get("date") else None
        published = in_text if day is None or (in_text and in_text.date() == day.date()) else day

    categories = data.get("categories") or []
    page_category = (
        meta.get("article:section") or meta.get("articlesection")
        or (normalize_text(categories[0]) if categories else None)
        or _breadcrumb_category(markup)
    )
    author = normalize_text(data.get("author") or meta.get("author") or "") or None
    if author and _names_site(author, site_names):
        author = None  # VnExpress puts its own name in <meta name="author">
    figcaption = _FIGCAPTION.search(markup)
    caption = html_to_text(figcaption.group(1)) if figcaption else ""

    image = _sibling_image(path, root) or _http_url(
        data.get("image") or meta.get("og:image") or meta.get("twitter:image"), page_url
    )
    return ParsedArticle(
        source=source,
        url=page_url or file_id,
        title=title,
        guid=file_id,
        category=category or page_category or None,
        published=published,
        summary=summary,
        body=body,
        image=image,
        image_caption=caption or None,
        author=author,
    )


# -- .json -----------------------------------------------------------------------------------

_JSON_FIELDS = ("url", "category", "published", "summary", "body", "image", "image_caption",
                "author", "guid")


def _read_json(path: Path, root: Path, *, source: str, file_id: str, tz: tzinfo,
               category: str | None) -> ParsedArticle:
    text = _read_text(path, root)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArchiveFileError(
            f"bad JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(obj, dict):
        raise ArchiveFileError("bad JSON: expected an object with a title")
    title = obj.get("title")
    if not isinstance(title, str) or not normalize_text(title):
        raise ArchiveFileError("bad JSON: missing or empty 'title'")
    fields: dict[str, str] = {}
    for name in _JSON_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ArchiveFileError(
                f"bad JSON: '{name}' must be a string or null, not {type(value).__name__}"
            )
        fields[name] = value

    # Plain text, not HTML: only normalised (a title may legitimately contain "<" or "&").
    body = normalize_text(fields.get("body", ""), keep_paragraphs=True)
    summary = normalize_text(fields.get("summary", ""))
    summary = truncate(summary, SUMMARY_MAX_CHARS) if summary else lead_summary(body)
    published = None
    if fields.get("published"):
        published = parse_datetime(fields["published"], tz)
        if published is None:
            raise ArchiveFileError(f"bad JSON: cannot read 'published' {fields['published']!r}")
    else:
        published = find_date_in_text(body, tz, _mtime(path, tz))

    image: str | None = None
    named = fields.get("image", "").strip()
    if named:
        image = _http_url(named)
        if image is None:
            # Relative to the file, and only inside the archive folder: "/etc/hostname" and
            # "../../etc/hostname" name no photo.
            local = safe_local_file(root, path.parent / named)
            image = str(local) if local is not None else None
    if image is None:
        image = _sibling_image(path, root)

    return ParsedArticle(
        source=source,
        url=_http_url(fields.get("url")) or file_id,
        title=normalize_text(title),
        guid=normalize_text(fields.get("guid", "")) or file_id,
        category=category or normalize_text(fields.get("category", "")) or None,
        published=published,
        summary=summary,
        body=body,
        image=image,
        image_caption=normalize_text(fields.get("image_caption", "")) or None,
        author=normalize_text(fields.get("author", "")) or None,
    )
