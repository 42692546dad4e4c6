"""The reader's everyday fixes as pure functions (issue 15): a card without a photo has no
photo caption; "Xem thêm" does not repeat the card; 👍 shows its count; tracking parameters
are stripped from links; "all" in Vietnamese; the search offered for a plain message."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.chat.reader import is_all
from bot.chat.search import parse_button, search_offer
from bot.delivery.card import article_card, excerpt
from bot.models import Article
from bot.render.telegram import LIMITS
from bot.web.links import excerpt_adds_to_card, read_original_url, without_tracking

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _article(**changes: object) -> Article:
    values: dict[str, object] = dict(
        id=7, source="s", url="https://mattran.example.vn/tin/7.html", title="Tiêu đề",
        category="Thời sự", published=datetime(2024, 5, 20, 1, 30, tzinfo=UTC),
        summary="Tóm tắt bài viết.", body="Tóm tắt bài viết.\n\nĐoạn hai kể chi tiết.",
        image="https://mattran.example.vn/anh/7.jpg", image_caption="Quang cảnh hội nghị",
        author=None)
    values.update(changes)
    return Article(**values)  # type: ignore[arg-type]


def test_no_photo_no_photo_caption() -> None:
    with_photo = article_card(_article(), "vi", VN, LIMITS)
    assert "Quang cảnh hội nghị" in str(with_photo.text)
    without = article_card(_article(image=None), "vi", VN, LIMITS)
    assert "Quang cảnh hội nghị" not in str(without.text)
    fallback = article_card(_article(), "vi", VN, LIMITS, with_photo=False)
    assert "Quang cảnh hội nghị" not in str(fallback.text)


def test_more_does_not_repeat_the_card() -> None:
    article = _article()
    shown = str(excerpt(article, "vi", VN, LIMITS))
    assert "Đoạn hai kể chi tiết." in shown
    assert "Tóm tắt bài viết." not in shown
    assert excerpt_adds_to_card(article)
    # A feed item whose body is its summary (also with its sentences on two lines): no
    # "Xem thêm" at all.
    same = _article(summary="Câu một. Câu hai.", body="Câu một.\nCâu hai.")
    assert not excerpt_adds_to_card(same)
    labels = [c.label for row in article_card(same, "vi", VN, LIMITS).choices for c in row]
    assert "Xem thêm" not in labels
    # A body that does not start with the summary is shown whole.
    other = _article(summary="Sapo riêng.", body="Thân bài khác hẳn.")
    assert "Thân bài khác hẳn." in str(excerpt(other, "vi", VN, LIMITS))


def test_like_shows_its_count() -> None:
    def like_label(likes: int) -> str:
        card = article_card(_article(), "vi", VN, LIMITS, likes=likes)
        return next(c.label for row in card.choices for c in row if c.action == "like:7")

    assert like_label(0) == "👍"
    assert like_label(3) == "👍 3"


@pytest.mark.parametrize(("url", "clean"), [
    ("https://x.vn/a?utm_source=fb&utm_medium=social&id=3", "https://x.vn/a?id=3"),
    ("https://x.vn/a?fbclid=IwAR0&zarsrc=30&gidzl=abc", "https://x.vn/a"),
    ("https://x.vn/a?UTM_Campaign=x#doan-2", "https://x.vn/a#doan-2"),
    ("https://x.vn/a?id=3&page=2", "https://x.vn/a?id=3&page=2"),
    ("https://x.vn/a", "https://x.vn/a"),
])
def test_tracking_parameters_are_stripped(url: str, clean: str) -> None:
    assert without_tracking(url) == clean


def test_the_card_links_without_tracking() -> None:
    article = _article(url="https://x.vn/a.html?utm_source=rss&utm_medium=feed")
    assert read_original_url(None, article) == "https://x.vn/a.html"
    urls = [c.url for row in article_card(article, "vi", VN, LIMITS).choices for c in row]
    assert "https://x.vn/a.html" in urls


@pytest.mark.parametrize("text", ["all", "ALL", "tất cả", "tat ca", "Tất Cả", "tatca", "hết"])
def test_all_in_both_languages(text: str) -> None:
    assert is_all(text)


@pytest.mark.parametrize("text", ["an sinh", "tat", "cả"])
def test_not_all(text: str) -> None:
    assert not is_all(text)


def test_the_search_offered_for_plain_text() -> None:
    assert search_offer("tôi muốn đọc tin về Hải Phòng") == ("Hải Phòng", "tq:Hải Phòng")
    assert search_offer("???") is None
    shown, action = search_offer("Hải Phòng " * 40)  # type: ignore[misc]
    assert len(action.encode()) <= 64
    assert shown.endswith("…")
    button = parse_button(action)
    assert button is not None
    assert button.words.startswith("Hải Phòng")
    assert parse_button("tq:") is None


def test_official_capitalisation_of_the_city() -> None:
    from bot.cluster.units import normalize_unit, official_style

    stored = normalize_unit("UBMTTQVN TP.HCM")
    assert official_style(stored) == "Ủy ban MTTQ Việt Nam Thành phố Hồ Chí Minh"
    assert official_style("Ủy ban MTTQ Việt Nam thành phố Hà Nội") == \
        "Ủy ban MTTQ Việt Nam thành phố Hà Nội"
