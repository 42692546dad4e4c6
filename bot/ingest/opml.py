"""OPML, the feed readers' exchange format for lists of feeds: reading one (`newsbot sources
import FILE`) and writing the sources the bot polls (`newsbot sources export`, /exportsources).

Reading is listparser's (made for OPML and its dialects, by feedparser's maintainer): it is
given the file's bytes, never a URL, so it fetches nothing. Only http(s) feeds are taken; an
outline's folder ("category" attribute or enclosing outline) is kept as the feed's folder,
which an import may use as the category it forces. Writing is the standard library's
ElementTree (OPML 2.0): one `<outline type="rss">` per remote feed, grouped by the category it
forces; archives and local feed files have no URL to give and are left out (counted).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import listparser

from bot.config import SourceConfig


class OpmlError(Exception):
    """The file is not an OPML list of feeds."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str
    folder: str | None  # the innermost folder it was listed under, if any


def parse_opml(data: bytes) -> tuple[list[OpmlFeed], list[str]]:
    """The http(s) feeds of an OPML file, in order (each URL once), and what was skipped."""
    result = listparser.parse(data)
    if not result.get("version") and not result.get("feeds"):
        raise OpmlError("not an OPML file (no <opml> document with feeds)")
    if result.get("bozo") and not result.get("feeds"):
        raise OpmlError(f"not an OPML file: {result.get('bozo_exception')}")
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for feed in result.get("feeds", []):
        url = str(feed.get("url") or "").strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            skipped.append(f"{url[:80] or '(no URL)'}: not an http(s) feed")
            continue
        if url in seen:
            continue
        seen.add(url)
        paths = [p for p in feed.get("categories", []) if p]
        folder = paths[0][-1] if paths and paths[0] else None
        feeds.append(OpmlFeed(url, str(feed.get("title") or ""), folder))
    return feeds, skipped


def export_opml(sources: Sequence[SourceConfig], *, title: str,
                now: datetime | None = None) -> tuple[bytes, int]:
    """The remote feeds of `sources` as an OPML 2.0 document (UTF-8), and how many sources
    had no URL to export (archives, local files)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ET.SubElement(opml, "body")
    folders: dict[str, ET.Element] = {}
    left_out = 0
    for src in sources:
        if not src.is_remote or src.url is None:
            left_out += 1
            continue
        parent = body
        if src.category:
            parent = folders.get(src.category) or ET.SubElement(
                body, "outline", text=src.category, title=src.category)
            folders[src.category] = parent
        attrs = {"type": "rss", "text": src.name, "title": src.name, "xmlUrl": src.url}
        if src.category:
            attrs["category"] = src.category
        ET.SubElement(parent, "outline", attrs)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n", left_out
