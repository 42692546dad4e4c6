"""The core's vocabulary (bot/message.py): rich text, the neutral markup of the texts, the
stored form; and Telegram's renderer of it (bot/render/telegram.py, bot/render/html.py)."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, t
from bot.message import (
    BOLD,
    CODE,
    PRE,
    Choice,
    Message,
    Photo,
    Span,
    Text,
    bold,
    from_stored,
    italic,
    link,
    markup,
    to_stored,
    utf16_len,
)
from bot.render.html import parse_html
from bot.render.telegram import CAPTION_LIMIT, TEXT_LIMIT, Button, html, render
from bot.text.cut import cut_to


def test_text_builds_and_compares_by_content() -> None:
    built = "Xin " + bold("chào") + Text(" bạn") + "!"
    assert str(built) == "Xin chào bạn!"
    assert built == Text([Span("Xin "), Span("chào", frozenset({BOLD})), Span(" bạn!")])
    assert hash(built) == hash(Text.join("", ["Xin ", bold("chào"), " bạn!"]))
    assert "chào" in built
    assert "tạm biệt" not in built
    assert Text.join(" · ", ["a", italic("b"), "c"]) == Text("a · ") + italic("b") + " · c"
    assert not Text()
    assert not Text("")
    assert built.tail(4) == bold("chào") + " bạn!"
    assert (Text("  ") + bold(" x")).lstrip() == bold("x")


def test_length_counts_utf16_units_and_ignores_formatting() -> None:
    assert (bold("A") + " & " + link("B", "https://x.vn/?a=1&b=2")).length == 5
    assert Text("😀").length == 2 == utf16_len("😀")
    assert Text("e\u0301").length == 2


def test_markup_reads_styles_and_never_parses_values() -> None:
    text = markup("**Chuyên mục {name}** có `{n}` bài, __{note}__", {
        "name": "**không in đậm** <b>&", "n": 3, "note": bold("đã") + " xem"})
    assert str(text) == "Chuyên mục **không in đậm** <b>& có 3 bài, đã xem"
    # Tags nest in a fixed order (bold outside italic), so the italic run is reopened.
    assert html(text) == ("<b>Chuyên mục **không in đậm** &lt;b&gt;&amp;</b> có <code>3</code> "
                          "bài, <b><i>đã</i></b><i> xem</i>")
    assert markup("```{what}```", {"what": "a<b"}).spans == (Span("a<b", frozenset({PRE})),)
    with pytest.raises(ValueError, match="unbalanced"):
        markup("**no end")
    with pytest.raises(KeyError):
        markup("{missing}", {})


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_text_parses(lang: str) -> None:
    for key, template in LANGUAGES[lang].items():
        names = [n for _, n, _, _ in __import__("string").Formatter().parse(template) if n]
        assert isinstance(t(lang, key, **{n: "x" for n in names}), Text), key


def test_telegram_html_nests_and_escapes() -> None:
    title = bold(link('Tin "A" & <B>', 'https://x.vn/?q="1"&r=2'))
    assert html(title) == ('<b><a href="https://x.vn/?q=&quot;1&quot;&amp;r=2">'
                           'Tin "A" &amp; &lt;B&gt;</a></b>')
    run = bold("A " + link("B", "https://x.vn") + " C")
    assert html(run) == '<b>A <a href="https://x.vn">B</a> C</b>'
    block = Text([Span("x = 1", frozenset({PRE, CODE}))])
    assert html(block) == "<pre><code>x = 1</code></pre>"


@pytest.mark.parametrize("source", [
    "<b>Họp</b> &amp; <i>bàn <u>kỹ</u></i> <s>cũ</s> <tg-spoiler>bí mật</tg-spoiler>",
    '<a href="https://x.vn/?a=1&amp;b=2">link</a> <code>&lt;b&gt;</code> 🎉',
    "<blockquote>trích</blockquote><pre><code class=\"language-python\">x</code></pre>",
])
def test_telegram_html_reads_back(source: str) -> None:
    text = parse_html(source)
    again = parse_html(html(text))
    assert again == text
    assert "<" not in str(text) or "&lt;" in source


def test_odd_html_gives_its_text() -> None:
    assert str(parse_html("<b>đậm <i>và nghiêng</b> tiếp</i> <unknown x=1>lạ</unknown>")) == (
        "đậm và nghiêng tiếp lạ")
    assert str(parse_html("a < b && c")) == "a < b && c"


def test_stored_text_round_trips_and_reads_legacy_html() -> None:
    text = "🗞 " + bold("Bản tin") + "\n• " + link(italic("Một"), "https://x.vn/1") + " <&>"
    assert from_stored(to_stored(text)) == text
    assert from_stored('{"html": "<b>Thông báo</b> &amp; x"}') == bold("Thông báo") + " & x"


def test_render_keeps_telegram_limits_as_a_last_resort() -> None:
    long = Message(bold("T") + " " + "chữ " * 2000)
    rendered = render(long)
    assert rendered.text.startswith("<b>T</b> chữ")
    assert parse_html(rendered.text).length == TEXT_LIMIT
    caption = render(Message(Text("x" * 2000), photo=Photo("https://x.vn/a.jpg", "url")))
    assert parse_html(caption.text).length == CAPTION_LIMIT
    assert render(Message(Text("ok"), ((Choice("Mở", url="https://x.vn"),
                                        Choice("👍", action="like:1")),))).buttons == (
        (Button("Mở", url="https://x.vn"), Button("👍", callback_data="like:1")),)
    assert cut_to(Text("😀😀😀"), 5) == Text("😀😀…")
    assert cut_to(Text("😀😀😀"), 4) == Text("😀…")  # never half an emoji
