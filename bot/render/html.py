"""Rich text as HTML and back: writing a `Text` with a tag vocabulary, reading inline HTML.

Writing nests the tags in a fixed order (a quote outermost, then a preformatted block, bold,
italic, underline, strikethrough, spoiler, the link, and code innermost: Telegram allows
formatting inside a link but nothing inside code, and writes a block as <pre><code>), and only
reopens what changes between two spans, so "<b>A <a href=...>B</a></b>" stays one bold run.
Every character of the text is escaped (&, <, >), attribute values also their double quotes.

Reading is for HTML that python-telegram-bot wrote from a message's entities (an admin's
broadcast) and for rows stored by versions before the core spoke neutral text: the tags of
Telegram's HTML style become styles, every other tag is dropped and its text kept, entities are
decoded. It never fails: odd HTML gives its text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from html.parser import HTMLParser

from bot.message import (
    BOLD,
    CODE,
    ITALIC,
    PRE,
    QUOTE,
    SPOILER,
    STRIKE,
    UNDERLINE,
    Span,
    Text,
)

LINK = "link"
# Outermost first. A style missing from a vocabulary is written as plain text.
NESTING = (QUOTE, PRE, BOLD, ITALIC, UNDERLINE, STRIKE, SPOILER, LINK, CODE)


def escape_text(text: str) -> str:
    """Escape plain text for an HTML text node (&, <, >: the characters Telegram requires)."""
    return html.escape(text, quote=False)


def escape_attribute(value: str) -> str:
    """Escape a value for a double-quoted HTML attribute.

    Only named entities Telegram knows (&lt; &gt; &amp; &quot;) are produced; html.escape would
    also write &#x27; for "'", which is legal but needless inside double quotes.
    """
    return html.escape(value, quote=False).replace('"', "&quot;")


def to_html(text: Text, tags: Mapping[str, str]) -> str:
    """`text` as HTML; `tags` maps each style (and LINK) to its tag name. A tag name may carry
    attributes (``span class="tg-spoiler"``); the link tag gets ``href``."""
    out: list[str] = []
    stack: list[tuple[object, str]] = []  # (what is open, its closing tag)
    for span in text.spans:
        wanted: list[tuple[object, str, str]] = []
        for style in NESTING:
            tag = tags.get(style)
            if tag is None:
                continue
            name = tag.split(" ", 1)[0]
            if style == LINK:
                if span.link is not None:
                    opening = f'<{tag} href="{escape_attribute(span.link)}">'
                    wanted.append(((LINK, span.link), opening, f"</{name}>"))
            elif style in span.styles:
                wanted.append((style, f"<{tag}>", f"</{name}>"))
        keep = 0
        while (keep < len(stack) and keep < len(wanted)
               and stack[keep][0] == wanted[keep][0]):
            keep += 1
        while len(stack) > keep:
            out.append(stack.pop()[1])
        for key, opening, closing in wanted[keep:]:
            out.append(opening)
            stack.append((key, closing))
        out.append(escape_text(span.text))
    while stack:
        out.append(stack.pop()[1])
    return "".join(out)


_READ: dict[str, str] = {
    "b": BOLD, "strong": BOLD, "i": ITALIC, "em": ITALIC, "u": UNDERLINE, "ins": UNDERLINE,
    "s": STRIKE, "strike": STRIKE, "del": STRIKE, "tg-spoiler": SPOILER, "code": CODE,
    "pre": PRE, "blockquote": QUOTE,
}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[Span] = []
        self.open: list[tuple[str, str | None, str | None]] = []  # (tag, style, link)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        style = _READ.get(tag)
        if tag == "span" and "tg-spoiler" in (values.get("class") or ""):
            style = SPOILER
        url = values.get("href") if tag == "a" else None
        self.open.append((tag, style, url))

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.open) - 1, -1, -1):  # close the innermost tag of that name
            if self.open[n][0] == tag:
                del self.open[n:]
                return

    def handle_data(self, data: str) -> None:
        styles = frozenset(s for _, s, _ in self.open if s is not None)
        links = [u for _, _, u in self.open if u]
        self.spans.append(Span(data, styles, links[-1] if links else None))


def parse_html(source: str) -> Text:
    """Inline HTML (Telegram's style) as rich text; unknown tags keep only their text."""
    reader = _Reader()
    reader.feed(source)
    reader.close()
    return Text(reader.spans)
