"""What a digest says: the new articles grouped by category, title links, one message.

The message fits the chat's channel (its text limit, visible characters): articles are added in
order while they fit; the rest are counted in a last line ("… và 12 bài khác") and listed by the
message's "more" choice (bot/chat/digest.py). A category heading is only written with at least
one of its articles. A title longer than `TITLE_LIMIT` is shortened at a word boundary.

`compose_listing` is that layout with any heading: the flood rule's summary of many new articles
(bot/delivery/compose.py) uses it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import t
from bot.message import Text, bold, link
from bot.text.cut import shorten_text
from storage.digests import DigestArticle

TITLE_LIMIT = 160

Link = Callable[[DigestArticle], str | None]


@dataclass(frozen=True, slots=True)
class ComposedDigest:
    """The digest's text; the ids it lists and those that did not fit, in order."""

    text: Text
    shown: tuple[int, ...]
    overflow: tuple[int, ...]


def order(items: Sequence[DigestArticle]) -> list[DigestArticle]:
    """Grouped by category (by name), newest first within a category."""
    return sorted(items, key=lambda a: (a.category.casefold(), -a.published, -a.id))


def compose_digest(items: Sequence[DigestArticle], *, lang: str, day: date, link: Link,
                   limit: int) -> ComposedDigest:
    """The digest of `items` (already in digest order, see `order`) for local day `day`, within
    `limit` visible characters."""
    head: list[Text] = [t(lang, "digest.title", date=day.strftime("%d/%m/%Y")),
                        t(lang, "digest.count", count=len(items))]
    return compose_listing(head, items, lang=lang, link=link, limit=limit)


def compose_listing(head: Sequence[Text], items: Sequence[DigestArticle], *, lang: str,
                    link: Link, limit: int, total: int | None = None) -> ComposedDigest:
    """`head`, then `items` (in digest order) grouped by category while they fit in `limit`
    visible characters, then "… và N bài khác" for the rest of `total` (default: the items)."""
    total = len(items) if total is None else max(total, len(items))
    # Room for the last line with the largest count it could show.
    reserve = 2 + t(lang, "digest.more_count", count=total).length
    lines: list[Text | str] = list(head)
    used = Text.join("\n", head).length
    shown: list[int] = []
    category: str | None = None
    for number, item in enumerate(items):
        entry = _entry(item, link)
        added: list[Text | str] = [entry]
        if item.category != category:
            added = ["", bold(item.category), entry]
        cost = sum(Text(a).length if isinstance(a, str) else a.length for a in added) \
            + len(added)  # + newlines
        last = number == total - 1
        if used + cost + (0 if last else reserve) > limit:
            break
        lines.extend(added)
        used += cost
        shown.append(item.id)
        category = item.category
    overflow = tuple(item.id for item in items[len(shown):])
    if total > len(shown):
        lines.extend(["", t(lang, "digest.more_count", count=total - len(shown))])
    return ComposedDigest(Text.join("\n", lines), tuple(shown), overflow)


def _entry(item: DigestArticle, target: Link) -> Text:
    title = shorten_text(" ".join(item.title.split()), TITLE_LIMIT)
    url = target(item)
    return "• " + (link(title, url) if url else Text(title))
