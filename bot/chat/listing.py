"""The one rule for lists: every list the bot sends fits one message of its channel.

A channel declares what one message holds (`bot.message.Limits`: visible text, choices). A list
that could outgrow it (articles, categories, sources, names) is laid out here:
- shortened: entries are cut to a width that lets them all fit (`title_width`);
- counted: the entries that still do not fit are left out and counted in a last line ("… và 12
  bài khác"), and only the entries shown get choices (`fit_entries`);
- paged: a list of choices longer than a page (the category picker) shows one page with
  « / » choices (`page_of`, `nav_row`).
The renderers cut what still does not fit as a last resort (logged): that is a bug to fix here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.i18n import t
from bot.message import Choice, Text

# A title in a list is never cut shorter than this (a shorter one says nothing).
MIN_TITLE = 40


def title_width(limit: int, count: int, fixed: int, *, widest: int) -> int:
    """How long each of `count` titles may be so that they all fit in `limit` units, given
    `fixed` units of everything else (head, numbers, dates, newlines): at most `widest`, at
    least `MIN_TITLE` (then not all of them will fit, and the rest are counted)."""
    if count <= 0:
        return widest
    return max(MIN_TITLE, min(widest, (limit - fixed) // count))


def fit_entries(head: Sequence[Text | str], entries: Sequence[Text], limit: int, *,
                more: Callable[[int], Text], separator: str = "\n") -> tuple[Text, int]:
    """`head`, then as many `entries` as fit in `limit` units, then `more(n)` for the `n` left
    out: (the text, how many entries it shows). At least the head is kept."""
    lines: list[Text | str] = list(head)
    used = Text.join(separator, lines).length
    sep = len(separator)
    shown = 0
    for number, entry in enumerate(entries):
        rest = len(entries) - number - 1
        reserve = (more(rest).length + sep) if rest else 0
        if used + sep + entry.length + reserve > limit:
            break
        lines.append(entry)
        used += sep + entry.length
        shown += 1
    if shown < len(entries):
        lines.append(more(len(entries) - shown))
    return Text.join(separator, lines), shown


@dataclass(frozen=True, slots=True)
class Page:
    """Page `number` (from 0) of `pages`: items [start, end) of the list."""

    number: int
    pages: int
    start: int
    end: int


def page_of(total: int, size: int, number: int) -> Page:
    """The page `number` of a list of `total` items, `size` per page (clamped to the last)."""
    pages = max(1, -(-total // size))
    number = min(max(number, 0), pages - 1)
    return Page(number, pages, number * size, min(total, (number + 1) * size))


def page_containing(index: int, size: int) -> int:
    return max(index, 0) // size


def nav_row(page: Page, lang: str, action: Callable[[int], str]) -> tuple[Choice, ...]:
    """« and » choices to the neighbouring pages (none for a single page)."""
    row: list[Choice] = []
    if page.number > 0:
        row.append(Choice(str(t(lang, "search.previous")), action=action(page.number - 1)))
    if page.number < page.pages - 1:
        row.append(Choice(str(t(lang, "search.next")), action=action(page.number + 1)))
    return tuple(row)
