"""What a digest says: the new articles grouped by category, title links, one message.

The message fits Telegram's 4096 characters *after entity parsing* (bot.delivery.card's
`visible_length`): articles are added in order while they fit; the rest are counted in a last
line ("… và 12 bài khác") and listed by the message's "more" button (bot/chat/digest.py). A
category heading is only written with at least one of its articles. Every piece of article text
is HTML-escaped; a title longer than `TITLE_LIMIT` is shortened at a word boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.delivery.card import (
    TEXT_LIMIT,
    Button,
    escape_attribute,
    escape_text,
    shorten_text,
    visible_length,
)
from bot.i18n import t
from storage.digests import DigestArticle

TITLE_LIMIT = 160
MORE = "dgm"  # dgm:<digest id>   the digest's "more" button: its other articles, as a list

Link = Callable[[DigestArticle], str | None]


@dataclass(frozen=True, slots=True)
class ComposedDigest:
    """The digest's HTML text; the ids it lists and those that did not fit, in order."""

    text: str
    shown: tuple[int, ...]
    overflow: tuple[int, ...]


def order(items: Sequence[DigestArticle]) -> list[DigestArticle]:
    """Grouped by category (by name), newest first within a category."""
    return sorted(items, key=lambda a: (a.category.casefold(), -a.published, -a.id))


def compose_digest(items: Sequence[DigestArticle], *, lang: str, day: date, link: Link,
                   limit: int = TEXT_LIMIT) -> ComposedDigest:
    """The digest of `items` (already in digest order, see `order`) for local day `day`."""
    head = [t(lang, "digest.title", date=day.strftime("%d/%m/%Y")),
            t(lang, "digest.count", count=len(items))]
    # Room for the last line with the largest count it could show.
    reserve = 2 + visible_length(t(lang, "digest.more_count", count=len(items)))
    lines = list(head)
    used = visible_length("\n".join(lines))
    shown: list[int] = []
    category: str | None = None
    for number, item in enumerate(items):
        entry = _entry(item, link)
        added = [entry]
        if item.category != category:
            added = ["", f"<b>{escape_text(item.category)}</b>", entry]
        cost = sum(visible_length(line) for line in added) + len(added)  # + newlines
        last = number == len(items) - 1
        if used + cost + (0 if last else reserve) > limit:
            break
        lines.extend(added)
        used += cost
        shown.append(item.id)
        category = item.category
    overflow = tuple(item.id for item in items[len(shown):])
    if overflow:
        lines.extend(["", t(lang, "digest.more_count", count=len(overflow))])
    return ComposedDigest("\n".join(lines), tuple(shown), overflow)


def more_buttons(digest_id: int, overflow: int, lang: str) -> tuple[tuple[Button, ...], ...]:
    """The digest message's keyboard: a "more" button when articles did not fit."""
    if overflow <= 0:
        return ()
    return ((Button(t(lang, "digest.more", count=overflow),
                    callback_data=f"{MORE}:{digest_id}"),),)


def _entry(item: DigestArticle, link: Link) -> str:
    title = escape_text(shorten_text(" ".join(item.title.split()), TITLE_LIMIT))
    target = link(item)
    if target:
        title = f'<a href="{escape_attribute(target)}">{title}</a>'
    return f"• {title}"
