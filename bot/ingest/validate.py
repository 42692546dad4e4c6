"""The one validation step every item passes before it is stored: `validate(parsed, ...)`.

Each item is judged on its own: a bad one is refused (`ItemRefused`, with the reason; the
pipeline skips and counts it) or repaired, and never costs the source its other items.

- Text: every field is cleaned again (`normalize_text`/`strip_unsafe`: no controls, NUL, bidi
  overrides or lone surrogates, so SQLite can always store it), and bounded in length.
  No title: refused.
- Identity (anti-hijack): a source may only claim identities of its own site. `SourcePolicy.hosts`
  is the feed's host plus the hosts listed for the source (`hosts = [...]` in the sources file);
  a link or permalink guid on another host is refused when the source has a site (a feed of one
  site publishing another site's permalink would otherwise be stored under that identity and
  the official article skipped as "seen"). A source without a known site (a local file with no
  `hosts`) claims none: its links identify articles within the source only.
- Picture: a web URL, or (archive sources only) a regular file inside the source's own folder
  (bot/localfiles.py); anything else is dropped, the article kept.
- Time: before 1990 or more than a day after the fetch is not a real publication time (year
  9999 and year 0 were seen): the fetch (or file) time is used, with a log line.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.ingest.categories import NO_MAP, CategoryMap
from bot.ingest.dedupe import dedupe_key
from bot.localfiles import safe_local_file
from bot.models import Article, ParsedArticle
from bot.text.clean import normalize_text, strip_unsafe
from bot.text.summary import SUMMARY_MAX_CHARS, truncate
from storage.articles import NewArticle

log = logging.getLogger(__name__)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK_SECONDS = 24 * 3600
MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 200_000
MAX_FIELD_CHARS = 1_000  # category, author, caption
MAX_URL_CHARS = 2_048


class ItemRefused(Exception):
    """The item is not stored; the message is the reason (logged and counted)."""


@dataclass(frozen=True, slots=True)
class ValidItem:
    """An item ready to store. `legacy_key`: the key earlier versions stored it under, when
    different (a link of a source without a site was a shared key then): an article stored
    under it by the same source is the same article, not a new one."""

    article: NewArticle
    legacy_key: str | None = None


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """What one source may claim and read: its site's hosts and its archive folder (if any)."""

    name: str
    hosts: frozenset[str] = frozenset()
    archive_root: Path | None = None
    default_category: str = "Tin tức"
    # The feed's category names onto the publisher's (the sources file's `category_map`).
    category_map: CategoryMap = NO_MAP


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def on_hosts(url: str, hosts: frozenset[str]) -> bool:
    """Whether `url` is on one of `hosts`: the same host ("www." aside) or one below it
    (m.site.vn for site.vn). Not one above it: a feed on district.site.vn may not speak for
    site.vn (list it in `hosts` if it may)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    mine = _site(host)
    for allowed in hosts:
        site = _site(allowed)
        if mine == site or mine.endswith("." + site):
            return True
    return False


def _is_web_url(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def content_hash(title: str, summary: str, body: str, url: str, category: str,
                 image: str | None, image_caption: str | None, author: str | None) -> str:
    """The hash of what an article says (its publication time aside), to notice corrections."""
    digest = hashlib.sha256()
    for part in (title, summary, body, url, category, image or "", image_caption or "",
                 author or ""):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def article_hash(article: Article) -> str:
    return content_hash(article.title, article.summary, article.body, article.url,
                        article.category, article.image, article.image_caption, article.author)


def _text(value: str | None, limit: int) -> str:
    return truncate(normalize_text(value or ""), limit) if value else ""


def _identity_urls(parsed: ParsedArticle) -> list[str]:
    urls = [parsed.url] if _is_web_url(parsed.url) else []
    if parsed.guid and _is_web_url(parsed.guid.strip()):
        urls.append(parsed.guid.strip())
    return urls


def _image(parsed: ParsedArticle, policy: SourcePolicy) -> str | None:
    image = strip_unsafe(parsed.image or "").strip()
    if not image:
        return None
    if _is_web_url(image):
        return image if len(image) <= MAX_URL_CHARS and urlsplit(image).hostname else None
    if policy.archive_root is not None:
        allowed = safe_local_file(policy.archive_root, image)
        if allowed is not None:
            return str(allowed)
    log.warning("source=%s article %r: picture %r refused (not a web URL nor a file of the "
                "source's archive folder)", policy.name, parsed.title[:80], image[:200])
    return None


def _published(parsed: ParsedArticle, policy: SourcePolicy, *, fetched_at: int,
               fallback_time: int) -> datetime:
    fallback = datetime.fromtimestamp(fallback_time, UTC)
    value = parsed.published
    if value is None:
        return fallback
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        ok = value >= EARLIEST and value.timestamp() <= fetched_at + FUTURE_SLACK_SECONDS
    except (OverflowError, ValueError):
        ok = False
    if ok:
        return value
    log.warning("source=%s article %r: date %s is outside 1990..fetch time + 1 day; the fetch "
                "time is used", policy.name, parsed.title[:80], value.isoformat())
    return datetime.fromtimestamp(fetched_at, UTC)


def validate(parsed: ParsedArticle, policy: SourcePolicy, *, fetched_at: int,
             fallback_time: int | None = None) -> ValidItem:
    """`parsed` ready to store, or `ItemRefused`. `fallback_time` is used when the item has no
    date (the file's time for archives; default: the fetch time)."""
    title = _text(parsed.title, MAX_TITLE_CHARS)
    if not title:
        raise ItemRefused("no title")
    url = strip_unsafe(parsed.url).strip()
    guid = strip_unsafe(parsed.guid or "").strip() or None
    if len(url) > MAX_URL_CHARS or (guid is not None and len(guid) > MAX_URL_CHARS):
        raise ItemRefused("link or guid longer than 2,048 characters")
    cleaned = ParsedArticle(
        source=parsed.source, url=url, title=title, guid=guid, category=parsed.category,
        published=parsed.published, summary=parsed.summary, body=parsed.body,
        image=parsed.image, image_caption=parsed.image_caption, author=parsed.author,
    )
    claims = _identity_urls(cleaned)
    if policy.hosts:
        foreign = [u for u in claims if not on_hosts(u, policy.hosts)]
        if foreign:
            raise ItemRefused(
                f"link {foreign[0][:200]!r} is not on this source's site "
                f"({', '.join(sorted(policy.hosts))}); list its host in `hosts` if it is")
    key = dedupe_key(cleaned, claims_site=bool(policy.hosts))
    legacy = key if policy.hosts else dedupe_key(cleaned)
    category = policy.category_map(_text(parsed.category, MAX_FIELD_CHARS)
                                   or policy.default_category)
    summary = _text(parsed.summary, SUMMARY_MAX_CHARS)
    body = truncate(normalize_text(parsed.body, keep_paragraphs=True), MAX_BODY_CHARS)
    image = _image(parsed, policy)
    caption = _text(parsed.image_caption, MAX_FIELD_CHARS) or None
    author = _text(parsed.author, MAX_FIELD_CHARS) or None
    published = _published(parsed, policy, fetched_at=fetched_at,
                           fallback_time=fetched_at if fallback_time is None else fallback_time)
    article = NewArticle(
        dedupe_key=key,
        source=policy.name,
        url=url,
        title=title,
        category=category,
        published=published,
        summary=summary,
        body=body,
        image=image,
        image_caption=caption,
        author=author,
        content_hash=content_hash(title, summary, body, url, category, image, caption, author),
    )
    return ValidItem(article, legacy if legacy != key else None)
