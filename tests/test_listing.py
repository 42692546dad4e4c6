"""The one rule for lists (bot/chat/listing.py): entries that fit, the rest counted; pages."""

from __future__ import annotations

import pytest

from bot.chat.listing import MIN_TITLE, fit_entries, page_containing, page_of, title_width
from bot.message import Text


def more(n: int) -> Text:
    return Text(f"… +{n}")


@pytest.mark.parametrize(("limit", "shown"), [(1000, 10), (50, 4), (3, 0)])
def test_entries_fit_and_the_rest_is_counted(limit: int, shown: int) -> None:
    entries = [Text(f"entry {n:02d}") for n in range(10)]  # 8 units each
    text, count = fit_entries(["head"], entries, limit, more=more)
    assert count == shown
    if shown < len(entries):
        assert str(text).endswith(f"… +{len(entries) - shown}")
    if limit > len("head"):
        assert text.length <= limit or shown == 0


def test_titles_narrow_so_that_all_fit_but_not_below_a_minimum() -> None:
    assert title_width(4096, 20, 1000, widest=160) == 154
    assert title_width(4096, 5, 100, widest=160) == 160
    assert title_width(1000, 100, 900, widest=160) == MIN_TITLE


@pytest.mark.parametrize(("total", "number", "expected"), [
    (300, 0, (0, 15, 0, 20)), (300, 14, (14, 15, 280, 300)), (300, 99, (14, 15, 280, 300)),
    (5, 0, (0, 1, 0, 5)), (0, 3, (0, 1, 0, 0)),
])
def test_pages(total: int, number: int, expected: tuple[int, int, int, int]) -> None:
    page = page_of(total, 20, number)
    assert (page.number, page.pages, page.start, page.end) == expected
    assert page_containing(45, 20) == 2
