"""The article card: Telegram's length rules, HTML escaping, buttons, dates and languages."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.chat import callbacks
from bot.delivery.card import article_card, excerpt
from bot.message import Choice, utf16_len
from bot.models import Article
from bot.render.telegram import (
    CAPTION_LIMIT,
    LIMITS,
    TEXT_LIMIT,
    Button,
    Rendered,
    keyboard,
    render,
)
from bot.render.telegram import html as telegram_html
from bot.text.cut import shorten_text
from bot.text.datefmt import format_local_datetime

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def render_card(article: Article, lang: str, tz: ZoneInfo, *, with_photo: bool = True,
                public_url: str | None = None) -> Rendered:
    """The card as Telegram is sent it: the core's card, rendered."""
    return render(article_card(article, lang, tz, LIMITS, with_photo=with_photo,
                               public_url=public_url))


def render_excerpt(article: Article, lang: str, tz: ZoneInfo, max_chars: int = 3500, *,
                   public_url: str | None = None) -> str:
    return telegram_html(excerpt(article, lang, tz, LIMITS, max_chars, public_url=public_url))


def visible_length(html_text: str) -> int:
    """Visible length of Telegram HTML after entity parsing, in UTF-16 code units."""
    return utf16_len(html.unescape(re.sub(r"<[^>]*>", "", html_text)))

# Sentences in the register of the seed articles, with an emoji, a ZWJ emoji sequence and one
# sentence in decomposed form (NFD: letters followed by combining marks), as copy-pasted text has.
_SENTENCES = [
    "Chiều 15/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết công tác năm 2021.",
    "Đồng chí Chủ tịch phát biểu chỉ đạo hội nghị 🎉 và trao Bằng khen cho các tập thể.",
    "Các đại biểu đã thảo luận, đóng góp nhiều ý kiến tâm huyết 👨‍👩‍👧 về phương hướng năm tới.",
    unicodedata.normalize("NFD", "Hội nghị đã bầu Ủy ban MTTQ thành phố Đà Nẵng làm Cụm trưởng."),
    "TP. Hải Phòng được giao làm Cụm phó cụm thi đua 5 thành phố trực thuộc Trung ương!",
]


def long_text(min_units: int) -> str:
    parts: list[str] = []
    i = 0
    while utf16_len(" ".join(parts)) < min_units:
        parts.append(_SENTENCES[i % len(_SENTENCES)])
        i += 1
    return " ".join(parts)


def make_article(**changes: Any) -> Article:
    values: dict[str, Any] = {
        "id": 42,
        "source": "mattran-hp",
        "url": "https://mattran.haiphong.gov.vn/tin-tuc/hoi-nghi-tong-ket.html",
        "title": "Hội nghị tổng kết công tác Mặt trận năm 2021",
        "category": "Hoạt động MTTQ thành phố",
        "published": datetime(2021, 12, 15, 7, 30, tzinfo=UTC),
        "summary": "Chiều 15/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết.",
        "body": long_text(6000),
        "image": "https://mattran.haiphong.gov.vn/images/hoi-nghi.jpg",
        "image_caption": "Quang cảnh hội nghị",
        "author": "P.V",
    }
    values.update(changes)
    return Article(**values)


_TOKEN = re.compile(r'<(/?)(b|i|a)(?: href="([^"<>]*)")?>|&(?:lt|gt|amp|quot);|[<>&]')
_ATTRIBUTE = re.compile(r"(?:[^&]|&(?:lt|gt|amp|quot);)*")


def assert_telegram_html(text: str) -> None:
    """Only <b>, <i>, <a href="..."> balanced, and only the entities Telegram names."""
    stack: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        assert token not in ("<", ">", "&"), f"bare {token!r} at {match.start()} in {text!r}"
        closing, tag, href = match.group(1), match.group(2), match.group(3)
        if tag is None:
            continue  # a known entity
        if closing:
            assert href is None
            assert stack, f"</{tag}> without an opening tag in {text!r}"
            assert stack[-1] == tag, f"</{tag}> closes <{stack[-1]}> in {text!r}"
            stack.pop()
        else:
            assert (href is not None) == (tag == "a")
            if href is not None:
                assert _ATTRIBUTE.fullmatch(href), href
            stack.append(tag)
    assert not stack, f"unclosed {stack} in {text!r}"


def visible_blocks(card_text: str) -> list[str]:
    return html.unescape(re.sub(r"<[^>]*>", "", card_text)).split("\n\n")


def assert_cut_at_boundary(original: str, shortened: str) -> None:
    assert shortened.endswith("…")
    kept = shortened.removesuffix("…").rstrip()
    assert kept, "nothing kept"
    assert original.startswith(kept)
    following = original[len(kept)]
    # At a word or sentence boundary: the next character is a space or punctuation, never a
    # letter, and never a combining mark torn from its letter.
    assert not following.isalnum()
    assert unicodedata.combining(following) == 0


def test_long_vietnamese_summary_fits_photo_caption() -> None:
    summary = long_text(5000)
    card = render_card(make_article(summary=summary), "vi", VN)

    assert card.photo is not None
    assert card.photo.ref == "https://mattran.haiphong.gov.vn/images/hoi-nghi.jpg"
    assert visible_length(card.text) <= CAPTION_LIMIT
    assert visible_length(card.text) > CAPTION_LIMIT - 100  # the room is used, not wasted
    title, shortened, caption, meta = visible_blocks(card.text)
    assert title == "Hội nghị tổng kết công tác Mặt trận năm 2021"
    assert caption == "Quang cảnh hội nghị"
    assert meta == "Hoạt động MTTQ thành phố · 15/12/2021 14:30"
    assert_cut_at_boundary(summary, shortened)
    assert_telegram_html(card.text)


def test_without_photo_the_text_limit_is_4096() -> None:
    summary = long_text(9000)
    card = render_card(make_article(summary=summary, image=None), "vi", VN)

    assert card.photo is None
    assert CAPTION_LIMIT < visible_length(card.text) <= TEXT_LIMIT
    assert_cut_at_boundary(summary, visible_blocks(card.text)[1])
    assert_telegram_html(card.text)


def test_with_photo_off_sends_text_even_when_the_article_has_an_image() -> None:
    summary = long_text(9000)
    card = render_card(make_article(summary=summary), "vi", VN, with_photo=False)

    assert card.photo is None
    assert CAPTION_LIMIT < visible_length(card.text) <= TEXT_LIMIT


def test_short_article_is_not_cut() -> None:
    card = render_card(make_article(), "vi", VN)

    assert "…" not in card.text
    assert card.text == (
        "<b>Hội nghị tổng kết công tác Mặt trận năm 2021</b>\n\n"
        "Chiều 15/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết.\n\n"
        "<i>Quang cảnh hội nghị</i>\n\n"
        "Hoạt động MTTQ thành phố · 15/12/2021 14:30"
    )


def test_no_image_caption_means_no_italic_line() -> None:
    card = render_card(make_article(image_caption=None), "vi", VN)

    assert "<i>" not in card.text


def test_the_title_is_cut_only_as_a_last_resort() -> None:
    title = long_text(3000)
    card = render_card(
        make_article(title=title, summary=long_text(3000), image_caption=long_text(500)), "vi", VN
    )

    assert visible_length(card.text) <= CAPTION_LIMIT
    blocks = visible_blocks(card.text)
    # Summary and caption gave way entirely; the title is cut at a boundary; the date stays.
    assert len(blocks) == 2
    assert_cut_at_boundary(title, blocks[0])
    assert blocks[1] == "Hoạt động MTTQ thành phố · 15/12/2021 14:30"
    assert_telegram_html(card.text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("😀" * 3000, id="emoji-without-spaces"),
        pytest.param("👨‍👩‍👧" * 1000, id="zwj-sequences"),
        pytest.param(unicodedata.normalize("NFD", "Việtnamđẹplắm" * 400), id="nfd-no-spaces"),
        pytest.param("https://example.org/" + "a&b<c" * 1000, id="long-url-like"),
    ],
)
def test_hard_cut_keeps_text_valid(text: str) -> None:
    card = render_card(make_article(summary=text), "vi", VN)

    assert visible_length(card.text) <= CAPTION_LIMIT
    card.text.encode("utf-8")  # no lone surrogate half
    summary = visible_blocks(card.text)[1]
    kept = summary.removesuffix("…")
    assert text.startswith(kept)
    assert unicodedata.combining(text[len(kept)]) == 0
    assert text[len(kept)] not in "\u200d\U0001f3fb\ufe0f"
    assert not kept.endswith("\u200d")
    assert_telegram_html(card.text)


@pytest.mark.parametrize("limit", [2, 10, 50, 333, 1000])
def test_shorten_text_respects_the_limit_in_utf16_units(limit: int) -> None:
    text = long_text(2000)

    shortened = shorten_text(text, limit)

    assert utf16_len(shortened) <= limit
    assert shortened.endswith("…")


def test_shorten_text_prefers_a_sentence_end() -> None:
    text = "Câu thứ nhất khá dài để thử. Câu thứ hai cũng dài như vậy đó. Câu ba."

    expected = "Câu thứ nhất khá dài để thử. Câu thứ hai cũng dài như vậy đó. …"
    assert shorten_text(text, 66) == expected


def test_shorten_text_does_not_take_an_abbreviation_for_a_sentence_end() -> None:
    text = "Hội nghị diễn ra tại TP. Hải Phòng với sự tham dự của đông đảo đại biểu."

    assert shorten_text(text, 40) == "Hội nghị diễn ra tại TP. Hải Phòng với…"


HOSTILE = {
    "title": "<script>alert(1)</script> A & B",
    "summary": 'x < y && y > z, "quoted" and &amp; stays literal',
    "image_caption": "<i>not italic</i> & </b>",
    "category": "Tin <tức> & sự kiện",
}


def test_article_text_is_escaped() -> None:
    card = render_card(make_article(**HOSTILE), "vi", VN)

    assert "<script>" not in card.text
    assert "&amp;amp;" in card.text  # the literal "&amp;" is shown as typed
    assert_telegram_html(card.text)
    title, summary, caption, meta = visible_blocks(card.text)
    assert title == HOSTILE["title"]
    assert summary == HOSTILE["summary"]
    assert caption == HOSTILE["image_caption"]
    assert meta.startswith(HOSTILE["category"])


def test_escaped_text_is_cut_before_escaping() -> None:
    # Every character expands when escaped; a cut must still never split "&amp;".
    card = render_card(make_article(summary="& < > " * 1000), "vi", VN)

    assert visible_length(card.text) <= CAPTION_LIMIT
    assert_telegram_html(card.text)


def test_date_is_local_vietnamese_format() -> None:
    card = render_card(make_article(), "vi", VN)

    assert card.text.endswith("15/12/2021 14:30")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2021, 12, 15, 7, 30, tzinfo=UTC), "15/12/2021 14:30"),
        (datetime(2021, 12, 31, 17, 5, tzinfo=UTC), "01/01/2022 00:05"),
        (datetime(2021, 12, 15, 7, 30), "15/12/2021 14:30"),  # naive = UTC, as stored
    ],
)
def test_format_local_datetime(moment: datetime, expected: str) -> None:
    assert format_local_datetime(moment, VN) == expected


def test_buttons_for_a_web_article() -> None:
    card = render_card(make_article(id=7), "vi", VN)

    (read,), (more, like) = card.buttons
    assert read == Button("Đọc bài gốc", url=make_article().url)
    assert more == Button("Xem thêm", callback_data="more:7")
    assert like == Button("👍", callback_data="like:7")


@pytest.mark.parametrize(
    "url", ["file:luu-tru/2021/hoi-nghi.txt", "javascript:alert(1)", "mattran.vn/x", ""]
)
def test_no_read_original_button_without_a_web_url(url: str) -> None:
    card = render_card(make_article(url=url), "vi", VN)

    assert len(card.buttons) == 1
    assert all(button.url is None for button in card.buttons[0])


def test_english_labels() -> None:
    card = render_card(make_article(), "en", VN)

    (read,), (more, like) = card.buttons
    assert (read.text, more.text, like.text) == ("Read the original", "Read more", "👍")


def test_local_image_file_is_the_photo() -> None:
    card = render_card(make_article(image="/data/archive/2021/hoi-nghi.jpg"), "vi", VN)

    assert card.photo is not None
    assert card.photo.ref == "/data/archive/2021/hoi-nghi.jpg"
    assert card.limit == CAPTION_LIMIT


def test_callback_data_stays_within_64_bytes() -> None:
    card = render_card(make_article(id=2**63 - 1), "vi", VN)

    for button in card.buttons[-1]:
        assert button.callback_data is not None
        assert len(button.callback_data.encode()) <= 64
        action, _, article_id = button.callback_data.partition(":")
        assert (action, int(article_id)) in (("more", 2**63 - 1), ("like", 2**63 - 1))
    with pytest.raises(ValueError, match="64"):
        keyboard(((Choice("x", action="x" * 65),),))


@pytest.mark.parametrize("data", ["more", "more:", "like:abc", "other:1", "more:١٢", "more:-1"])
def test_card_actions_reject_foreign_data(data: str) -> None:
    assert callbacks.parse(data) is None


def test_visible_length_counts_utf16_after_entity_parsing() -> None:
    assert visible_length("<b>A &amp; B</b>") == 5
    assert visible_length('<a href="https://x.org/?a=1&amp;b=2">😀</a>') == 2
    assert visible_length("e\u0301") == 2


def test_excerpt_is_longer_and_links_the_original() -> None:
    article = make_article(url='https://mattran.vn/tin?id=1&x="2"')

    excerpt = render_excerpt(article, "vi", VN)

    assert CAPTION_LIMIT < visible_length(excerpt) <= 3500
    assert_telegram_html(excerpt)
    assert '<a href="https://mattran.vn/tin?id=1&amp;x=&quot;2&quot;">Đọc bài gốc</a>' in excerpt
    body = visible_blocks(excerpt)[1]
    assert_cut_at_boundary(article.body, body)


def test_excerpt_of_an_archive_article_has_no_link_and_respects_max_chars() -> None:
    excerpt = render_excerpt(make_article(url="file:luu-tru/a.txt"), "en", VN, max_chars=800)

    assert "<a " not in excerpt
    assert visible_length(excerpt) <= 800
    assert excerpt.endswith("15/12/2021 14:30")
    assert_telegram_html(excerpt)


def test_excerpt_falls_back_to_the_summary() -> None:
    excerpt = render_excerpt(make_article(body="", summary="A & B tóm tắt."), "en", VN)

    assert "A &amp; B tóm tắt." in excerpt
    assert "Read the original" in excerpt
