"""Where "Đọc bài gốc" leads and when "Xem thêm" is offered: pure functions (bot/web/links.py)
and the card that uses them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.delivery.card import Button, render_card, render_excerpt
from bot.web.links import (
    article_page_url,
    excerpt_adds_to_card,
    photo_url,
    read_original_url,
)
from tests.test_card import VN, make_article

PUBLIC = "https://bot.example.org"
ARCHIVE: dict[str, Any] = {"id": 9, "url": "file:luu-tru/2021/hoi-nghi.txt",
                           "image": "/data/archive/2021/hoi-nghi.jpg"}


@pytest.mark.parametrize(
    ("changes", "public_url", "expected"),
    [
        ({}, PUBLIC, "https://mattran.haiphong.gov.vn/tin-tuc/hoi-nghi-tong-ket.html"),
        ({}, None, "https://mattran.haiphong.gov.vn/tin-tuc/hoi-nghi-tong-ket.html"),
        (ARCHIVE, PUBLIC, "https://bot.example.org/a/9"),
        (ARCHIVE, PUBLIC + "/", "https://bot.example.org/a/9"),
        (ARCHIVE, "https://example.org/newsbot", "https://example.org/newsbot/a/9"),
        (ARCHIVE, None, None),
        ({"id": 3, "url": "javascript:alert(1)"}, PUBLIC, "https://bot.example.org/a/3"),
    ],
)
def test_read_original_url(changes: dict[str, Any], public_url: str | None,
                           expected: str | None) -> None:
    assert read_original_url(public_url, make_article(**changes)) == expected


def test_article_page_and_photo_urls() -> None:
    archive = make_article(**ARCHIVE)
    assert article_page_url(PUBLIC, archive) == "https://bot.example.org/a/9"
    assert article_page_url(None, archive) is None
    assert photo_url(PUBLIC, archive) == "https://bot.example.org/media/9"
    assert photo_url(None, archive) is None
    web = make_article()
    assert photo_url(None, web) == "https://mattran.haiphong.gov.vn/images/hoi-nghi.jpg"
    assert photo_url(PUBLIC, make_article(image=None)) is None


@pytest.mark.parametrize(
    ("summary", "body", "adds"),
    [
        ("Tóm tắt ngắn.", "Tóm tắt ngắn.\n\nĐoạn thứ hai dài hơn.", True),
        ("Tóm tắt ngắn.", "", False),
        ("Tóm tắt ngắn.", "  Tóm   tắt\nngắn. ", False),  # the same text, spaced differently
        ("Câu một. Câu hai.", "Câu một.", False),  # the body is within the summary
        ("Câu một. Câu hai…", "Câu một. Câu hai", False),
        ("", "Chỉ có nội dung.", True),
    ],
)
def test_excerpt_adds_to_card(summary: str, body: str, adds: bool) -> None:
    assert excerpt_adds_to_card(make_article(summary=summary, body=body)) is adds


def test_archive_card_links_to_its_page_when_the_bot_has_a_public_url() -> None:
    card = render_card(make_article(**ARCHIVE), "vi", VN, public_url=PUBLIC)
    (read,), (more, like) = card.buttons
    assert read == Button("Đọc bài gốc", url="https://bot.example.org/a/9")
    assert (more.callback_data, like.callback_data) == ("more:9", "like:9")
    excerpt = render_excerpt(make_article(**ARCHIVE), "vi", VN, public_url=PUBLIC)
    assert '<a href="https://bot.example.org/a/9">Đọc bài gốc</a>' in excerpt


def test_no_more_button_when_it_would_repeat_the_card() -> None:
    article = make_article(summary="Chỉ một câu.", body="Chỉ một câu.")
    (read,), (like,) = render_card(article, "vi", VN).buttons
    assert read.url == article.url
    assert like == Button("👍", callback_data="like:42")
