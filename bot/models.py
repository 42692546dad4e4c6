"""Plain data shared by every layer: what a parser produces and what storage returns.

These types never carry Telegram objects, so a second chat channel (Zalo) can reuse the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """One article as read from a feed entry or an archive file, cleaned but not yet stored.

    `url` is the article's link, or a ``file:`` id (``file:<source>/<relative path>``) for archive
    files. `guid` is the feed's own id when it has one. `published` is timezone-aware or None when
    nothing in the entry says it (the pipeline then uses the fetch/file time). `image` is a URL or
    an absolute local file path. All text is NFC-normalised plain text (no HTML).
    """

    source: str
    url: str
    title: str
    guid: str | None = None
    category: str | None = None
    published: datetime | None = None
    summary: str = ""
    body: str = ""
    image: str | None = None
    image_caption: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article. `published` is timezone-aware (UTC as stored; convert for display)."""

    id: int
    source: str
    url: str
    title: str
    category: str
    published: datetime
    summary: str
    body: str
    image: str | None
    image_caption: str | None
    author: str | None
