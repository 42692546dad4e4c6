"""The identity of an article across polls, restarts and sources: guid, else link, else content."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.models import ParsedArticle
from bot.text.fold import fold

# Tracking parameters change between feeds and shares of the same article.
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|zarsrc|gidzl)$", re.IGNORECASE)


def normalize_link(url: str) -> str:
    """Scheme/host lowercased, default port, fragment and tracking parameters dropped."""
    url = url.strip()
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
               if not _TRACKING.match(k))
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))


def dedupe_key(article: ParsedArticle, *, claims_site: bool = True) -> str:
    """The key under which `article` is stored once.

    A link (or permalink guid) is a key shared by every source ("url:...") only when the
    source may claim it (`claims_site`: the link is on the source's own site, checked by
    bot/ingest/validate.py); otherwise it identifies the article within its source only.
    """
    guid = (article.guid or "").strip()
    if guid:
        if re.match(r"^https?://", guid, re.IGNORECASE):
            # A permalink guid is the link: the same article reached without a guid matches.
            if not claims_site:
                return f"guid:{article.source}:{normalize_link(guid)}"
            return "url:" + normalize_link(guid)
        # Opaque guids ("1234", UUIDs) are only unique within their own feed.
        return f"guid:{article.source}:{guid}"
    if article.url:
        if not claims_site and re.match(r"^https?://", article.url, re.IGNORECASE):
            return f"guid:{article.source}:{normalize_link(article.url)}"
        return "url:" + normalize_link(article.url)
    digest = hashlib.sha256(f"{fold(article.title)}\n{article.body[:4000]}".encode()).hexdigest()
    return "hash:" + digest[:32]
