"""Zalo's renderer (pure): plain text, links written out, numbered choices with the answer hint,
the article's link at the end, 2,000 characters cut cleanly, photos only as https URLs; and the
card as the core lays it out for a channel that takes only web photos."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.card import article_card, channel_photo
from bot.message import Choice, Limits, Message, Photo, Text, bold, italic, link, utf16_len
from bot.models import Article
from bot.render.zalo import LIMITS, TEXT_LIMIT, plain, render

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def article(**fields: object) -> Article:
    values: dict[str, object] = dict(
        id=42, source="web", url="https://mattran.example.vn/bai-42.html",
        title="Hội nghị tổng kết", category="Tin tức",
        published=datetime(2021, 12, 15, 14, 30, tzinfo=VN), summary="Tóm tắt ngắn.",
        body="Đoạn một.\n\nĐoạn hai.", image=None, image_caption=None, author=None)
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_emphasis_is_dropped_and_links_are_written_out() -> None:
    text = bold("Tiêu đề") + " và " + italic("nghiêng") + " " + link("bài", "https://x.vn/1") \
        + " " + link("https://x.vn/2", "https://x.vn/2")
    assert plain(text) == "Tiêu đề và nghiêng bài (https://x.vn/1) https://x.vn/2"


def test_choices_are_numbered_in_order_with_the_hint() -> None:
    message = Message(Text("Chọn chuyên mục:"), (
        (Choice("✅ An sinh xã hội", action="sub:1"),),
        (Choice("▫️ Tin tức", action="sub:2"),),
        (Choice("« Trước", action="p:0"), Choice("Sau »", action="p:2")),
    ))
    rendered = render(message, "vi")
    assert rendered.actions == ("sub:1", "sub:2", "p:0", "p:2")
    assert rendered.text == ("Chọn chuyên mục:\n\n1. ✅ An sinh xã hội\n2. ▫️ Tin tức\n"
                             "3. « Trước   4. Sau »\n↩️ Trả lời bằng một số từ 1 đến 4 để chọn.")
    assert render(message, "en").text.endswith("↩️ Reply with a number from 1 to 4 to choose.")


def test_a_choice_that_is_only_its_number_is_not_repeated() -> None:
    listing = Message(Text("1. Bài một\n2. Bài hai"),
                      ((Choice("1", action="open:5"), Choice("📰 2", action="open:6")),))
    rendered = render(listing, "vi")
    assert rendered.text == "1. Bài một\n2. Bài hai\n\n↩️ Trả lời bằng một số từ 1 đến 2 để chọn."
    assert rendered.actions == ("open:5", "open:6")


def test_url_choices_come_last_so_a_card_ends_with_its_link() -> None:
    card = article_card(article(body="Một đoạn dài hơn phần tóm tắt. " * 5), "vi", VN, LIMITS)
    rendered = render(card, "vi")
    lines = rendered.text.splitlines()
    assert lines[-1] == "🔗 Đọc bài gốc: https://mattran.example.vn/bai-42.html"
    assert "1. Xem thêm   2. 👍" in lines
    assert rendered.actions == ("more:42", "like:42")
    assert rendered.text.startswith("Hội nghị tổng kết\n\nTóm tắt ngắn.")


@pytest.mark.parametrize("length", [1990, 2000, 2500, 10_000])
def test_long_texts_are_cut_at_a_boundary_and_keep_their_choices(length: int) -> None:
    sentence = "Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị. "
    body = (sentence * (length // len(sentence) + 1))[:length]
    message = Message(Text(body), ((Choice("Xem thêm", action="more:1"),),
                                   (Choice("Đọc bài gốc", url="https://x.vn/a"),)))
    rendered = render(message, "vi")
    assert 1 <= utf16_len(rendered.text) <= TEXT_LIMIT
    assert "1. Xem thêm" in rendered.text
    assert rendered.text.endswith("🔗 Đọc bài gốc: https://x.vn/a")
    kept = rendered.text.split("\n\n")[0]
    if length > 1800:
        # Cut cleanly, with an ellipsis: after a whole sentence or a whole word.
        assert kept.endswith("…")
        assert kept.rstrip("…").rstrip().split()[-1] in sentence.split()


def test_emoji_count_in_utf16_units_so_the_limit_holds_in_characters() -> None:
    rendered = render(Message(Text("🎉" * 1500)), "vi")
    assert utf16_len(rendered.text) <= TEXT_LIMIT
    assert len(rendered.text) <= TEXT_LIMIT


@pytest.mark.parametrize(
    ("photo", "sent"),
    [(Photo("https://cdn.x.vn/a.jpg", "url"), "https://cdn.x.vn/a.jpg"),
     (Photo("http://cdn.x.vn/a.jpg", "url"), None),
     (Photo("/srv/archive/a.png", "file"), None),
     (Photo("AgADfile", "file_id", "telegram"), None)],
)
def test_only_https_photos_are_sent(photo: Photo, sent: str | None) -> None:
    assert render(Message(Text("Chú thích"), photo=photo), "vi").photo == sent


def test_an_empty_message_still_says_something() -> None:
    assert render(Message(Text()), "vi").text == "…"


def test_cards_for_a_web_photo_only_channel() -> None:
    local = article(image="/srv/archive/a.png")
    with_url = article_card(local, "vi", VN, LIMITS, public_url="https://bot.example.org")
    assert with_url.photo == Photo("https://bot.example.org/media/42", "url")
    assert article_card(local, "vi", VN, LIMITS).photo is None  # no public address: text
    assert article_card(local, "vi", VN, LIMITS, public_url="http://bot.local").photo is None
    web = article(image="http://cdn.x.vn/a.jpg")
    assert article_card(web, "vi", VN, LIMITS).photo is None
    telegram = Limits(4096, 1024)
    assert channel_photo(local, Photo("/srv/archive/a.png", "file"), telegram, None) == \
        Photo("/srv/archive/a.png", "file")


def test_a_long_card_fits_zalo_with_its_choices_and_link() -> None:
    long = article(title="Tiêu đề " * 40, summary="Câu tóm tắt rất dài. " * 300,
                   image_caption="Chú thích ảnh " * 20, image="https://cdn.x.vn/a.jpg",
                   url="https://mattran.example.vn/" + "duong-dan-" * 30 + ".html")
    card = article_card(long, "vi", VN, LIMITS)
    rendered = render(card, "vi")
    assert rendered.photo == "https://cdn.x.vn/a.jpg"
    assert utf16_len(rendered.text) <= TEXT_LIMIT
    assert rendered.text.endswith(long.url)
    assert "…" in rendered.text


def test_link_addresses_give_way_before_any_text_is_cut() -> None:
    """A digest's titles link to their articles: when the addresses do not fit, the titles stay
    whole (the core laid the text out counting titles, not addresses)."""
    lines = [link(f"Bài số {n} về hoạt động của Mặt trận", f"https://mattran.example.vn/{n}"
                  + "/duong-dan-rat-dai" * 3) for n in range(30)]
    text = Text.join("\n", lines)
    assert text.length <= LIMITS.text
    rendered = render(Message(text, ((Choice("Xem thêm 12 bài", action="dgm:1"),),)), "vi")
    assert "Bài số 29 về hoạt động của Mặt trận" in rendered.text
    assert "https://" not in rendered.text
    assert "…" not in rendered.text
    short = render(Message(Text.join("\n", lines[:3])), "vi")
    assert "(https://mattran.example.vn/0/duong-dan-rat-dai" in short.text
