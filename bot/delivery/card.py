"""The article card (SPEC section 6): the HTML text, the photo and the inline buttons of a push.

This module owns how an article looks in a chat and the length rules that go with it:
- a photo caption may hold 1024 characters and a text message 4096, both counted *after entity
  parsing* (tags and entities do not count) and in UTF-16 code units, as Telegram counts them
  (https://core.telegram.org/bots/api#sendphoto, https://core.telegram.org/api/entities);
- when an article is too long, the summary is shortened first (then the photo caption, then the
  title) at a sentence or word boundary, with "…". Cutting happens on the plain text, *before*
  escaping, so a cut can never fall inside a tag or an entity;
- every piece of article text is HTML-escaped: Telegram's HTML parse mode rejects a stray "<" or
  "&" with 400 "can't parse entities" (https://core.telegram.org/bots/api#html-style).

The result is plain data (`Card`, `Button`); the Telegram (or Zalo) sender turns it into API calls.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from bot.i18n import t
from bot.models import Article
from bot.text.datefmt import format_local_datetime
from bot.web.links import excerpt_adds_to_card, read_original_url
from bot.web.links import is_web_url as is_web_url  # re-exported: callers import it from here

PARSE_MODE = "HTML"
CAPTION_LIMIT = 1024  # sendPhoto caption, after entity parsing
TEXT_LIMIT = 4096  # sendMessage text, after entity parsing
# https://core.telegram.org/bots/api#inlinekeyboardbutton: callback_data is 1-64 bytes.
CALLBACK_DATA_LIMIT = 64
ELLIPSIS = "…"

MORE = "more"  # callback "more:<article id>": the longer excerpt ("Xem thêm")
LIKE = "like"  # callback "like:<article id>": 👍

# A piece shorter than this after shortening says nothing useful: drop it instead.
_MIN_PIECE = 16
_BLOCK_SEPARATOR = "\n\n"

_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# A sentence ends with . ! ? or … (possibly followed by a closing quote or bracket) before white
# space. Vietnamese abbreviations such as "TP." or "ThS." are filtered out in `_sentence_ends`.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(\S+?)[.!?…]+[\"'”’»)\]]*$")
_TRAILING_PUNCT = " \t\n,;:-–—([{\"'“‘«"


@dataclass(frozen=True, slots=True)
class Button:
    """One inline button: opens `url`, or sends `callback_data` back to the bot."""

    text: str
    url: str | None = None
    callback_data: str | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.callback_data is None):
            raise ValueError("a button has exactly one of url and callback_data")
        if self.callback_data is not None and not (
            1 <= len(self.callback_data.encode()) <= CALLBACK_DATA_LIMIT
        ):
            raise ValueError(f"callback_data must be 1-{CALLBACK_DATA_LIMIT} bytes")


@dataclass(frozen=True, slots=True)
class Card:
    """A rendered article: `text` is HTML (`PARSE_MODE`), sent as the caption when `photo` is set.

    `photo` is a URL (Telegram fetches it) or a local file path (the sender uploads it once and
    reuses the returned file_id). `buttons` are rows of an inline keyboard.
    """

    text: str
    photo: str | None
    buttons: tuple[tuple[Button, ...], ...]

    @property
    def limit(self) -> int:
        """The visible length Telegram allows for this card's text."""
        return CAPTION_LIMIT if self.photo else TEXT_LIMIT


def render_card(article: Article, lang: str, tz: tzinfo, *, with_photo: bool = True,
                public_url: str | None = None) -> Card:
    """The push card of `article` in `lang`, dates shown in `tz`; no photo when `with_photo` is off.

    `with_photo=False` is the fallback once Telegram could not fetch the article's photo.
    `public_url` (NEWSBOT_PUBLIC_URL) gives archive articles a "read" link to their web page.
    """
    photo = article.image if with_photo and article.image else None
    pieces = {
        "title": _one_line(article.title),
        "summary": _paragraphs(article.summary),
        "caption": _one_line(article.image_caption or ""),
        "meta": _meta_line(article, lang, tz),
    }
    fitted = fit_pieces(
        pieces,
        _card_html,
        CAPTION_LIMIT if photo else TEXT_LIMIT,
        cut_order=("summary", "caption", "title", "meta"),
    )
    return Card(text=_card_html(fitted), photo=photo,
                buttons=card_buttons(article, lang, public_url))


def render_excerpt(article: Article, lang: str, tz: tzinfo, max_chars: int = 3500, *,
                   public_url: str | None = None) -> str:
    """The "Xem thêm" message: title, a longer excerpt of the body, date line and the link (HTML).

    `max_chars` is the visible length (UTF-16 units, after entity parsing), at most `TEXT_LIMIT`.
    """
    url = read_original_url(public_url, article)
    pieces = {
        "title": _one_line(article.title),
        "body": _paragraphs(article.body) or _paragraphs(article.summary),
        "meta": _meta_line(article, lang, tz),
        "link": t(lang, "card.read_original") if url else "",
    }

    def compose(p: dict[str, str]) -> str:
        blocks = []
        if p["title"]:
            blocks.append(f"<b>{escape_text(p['title'])}</b>")
        if p["body"]:
            blocks.append(escape_text(p["body"]))
        tail = [escape_text(p["meta"])] if p["meta"] else []
        if p["link"] and url:
            tail.append(f'<a href="{escape_attribute(url)}">{escape_text(p["link"])}</a>')
        if tail:
            blocks.append("\n".join(tail))
        return _BLOCK_SEPARATOR.join(blocks)

    fitted = fit_pieces(
        pieces, compose, min(max_chars, TEXT_LIMIT), cut_order=("body", "title", "meta", "link")
    )
    return compose(fitted)


def card_buttons(article: Article, lang: str, public_url: str | None = None
                 ) -> tuple[tuple[Button, ...], ...]:
    """Row 1: "Đọc bài gốc"; row 2: "Xem thêm" (when it adds to the card) and 👍."""
    rows: list[tuple[Button, ...]] = []
    # Archive articles have a `file:` id, and Telegram refuses a button with a non-web URL
    # (400 BUTTON_URL_INVALID): they link to their page on the bot's web server, if any.
    read_url = read_original_url(public_url, article)
    if read_url is not None:
        rows.append((Button(t(lang, "card.read_original"), url=read_url),))
    like = Button(t(lang, "card.like"), callback_data=article_callback(LIKE, article.id))
    if excerpt_adds_to_card(article):
        rows.append((Button(t(lang, "card.more"), callback_data=article_callback(MORE, article.id)),
                     like))
    else:
        rows.append((like,))
    return tuple(rows)


def article_callback(action: str, article_id: int) -> str:
    """The callback_data "<action>:<article id>" (a few bytes, far under Telegram's 64)."""
    return f"{action}:{article_id}"


def parse_article_callback(data: str) -> tuple[str, int] | None:
    """("more" | "like", article id) from callback_data, or None when it is not one of ours."""
    action, sep, raw_id = data.partition(":")
    if not sep or action not in (MORE, LIKE) or not raw_id.isascii() or not raw_id.isdigit():
        return None
    return action, int(raw_id)


# --- length and cutting ------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html_text: str) -> int:
    """Visible length of Telegram HTML after entity parsing, in UTF-16 code units.

    Tags do not count and an entity counts as the one character it stands for.
    """
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def escape_text(text: str) -> str:
    """Escape plain text for an HTML text node (&, <, >: the characters Telegram requires)."""
    return html.escape(text, quote=False)


def escape_attribute(value: str) -> str:
    """Escape a value for a double-quoted HTML attribute.

    Only named entities Telegram knows (&lt; &gt; &amp; &quot;) are produced; html.escape would
    also write &#x27; for "'", which is legal but needless inside double quotes.
    """
    return html.escape(value, quote=False).replace('"', "&quot;")


def shorten_text(text: str, max_units: int) -> str:
    """`text` cut to at most `max_units` UTF-16 units, at a sentence or word boundary, with "…".

    Returned unchanged when it fits. A cut at a sentence end keeps the sentence and adds " …";
    a cut inside a sentence ends at a word, then "…". A text with no usable space (a long URL, a
    run of emoji) is cut between characters, never inside a surrogate pair or before a combining
    mark, so the text stays valid and no letter loses its accent.
    """
    if utf16_len(text) <= max_units:
        return text
    if max_units <= len(ELLIPSIS):
        return ""
    # Room for the longest ending, " …".
    head = _prefix_units(text, max_units - 2)
    sentence_end = max(_sentence_ends(text, len(head)), default=0)
    if sentence_end > 0 and sentence_end >= len(head) // 2:
        return text[:sentence_end].rstrip() + " " + ELLIPSIS
    word_end = len(head) if len(head) < len(text) and text[len(head)].isspace() else -1
    if word_end < 0:
        word_end = max(head.rfind(" "), head.rfind("\n"))
    if word_end > 0 and word_end >= len(head) // 2:
        kept = head[:word_end].rstrip(_TRAILING_PUNCT)
        if kept:
            return kept + ELLIPSIS
    return head.rstrip(_TRAILING_PUNCT) + ELLIPSIS


def fit_pieces(
    pieces: dict[str, str],
    compose: Callable[[dict[str, str]], str],
    limit: int,
    *,
    cut_order: tuple[str, ...],
) -> dict[str, str]:
    """Shorten plain-text `pieces` in `cut_order` until `compose(pieces)` is ≤ `limit` visible.

    `compose` turns the plain pieces into HTML (escaping them) and skips empty ones; because
    cutting happens on plain text, escaping can never be cut in half. A piece that would keep
    fewer than a handful of characters is dropped rather than left as a stub.
    """
    fitted = dict(pieces)
    for name in cut_order:
        over = visible_length(compose(fitted)) - limit
        if over <= 0:
            break
        piece = fitted[name]
        target = utf16_len(piece) - over
        # Dropping a piece also drops its separator, so "too short to keep" is generous.
        fitted[name] = shorten_text(piece, target) if target >= _MIN_PIECE else ""
    return fitted


# --- composition -------------------------------------------------------------------------


def _card_html(pieces: dict[str, str]) -> str:
    blocks = []
    if pieces["title"]:
        blocks.append(f"<b>{escape_text(pieces['title'])}</b>")
    if pieces["summary"]:
        blocks.append(escape_text(pieces["summary"]))
    if pieces["caption"]:
        blocks.append(f"<i>{escape_text(pieces['caption'])}</i>")
    if pieces["meta"]:
        blocks.append(escape_text(pieces["meta"]))
    return _BLOCK_SEPARATOR.join(blocks)


def _meta_line(article: Article, lang: str, tz: tzinfo) -> str:
    when = format_local_datetime(article.published, tz)
    return t(lang, "card.meta", category=_one_line(article.category), when=when)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Collapse spaces inside lines and blank-line runs between paragraphs; keep paragraphs."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _prefix_units(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 units that ends between graphemes."""
    # Slicing the UTF-16 bytes and decoding with "ignore" drops a half surrogate pair.
    head = text.encode("utf-16-le")[: 2 * max(units, 0)].decode("utf-16-le", "ignore")
    # Never separate a letter from its combining marks (NFD Vietnamese, "e" + U+0301) nor an
    # emoji from its modifiers and zero-width-joined parts (👨‍👩‍👧 is one picture).
    while head and len(head) < len(text) and (_extends(text[len(head)]) or head[-1] == "\u200d"):
        head = head[:-1]
    return head


def _extends(ch: str) -> bool:
    """True for a character that belongs to the grapheme before it."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in "\u200d\ufe0e\ufe0f"
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
    )


def _sentence_ends(text: str, within: int) -> list[int]:
    """Indexes just after each sentence end (or paragraph end) at or before `within`."""
    window = text[: within + 1]
    ends = [i for i, ch in enumerate(window) if ch == "\n" and 0 < i <= within]
    for match in _SENTENCE_END.finditer(window):
        end = match.end()
        # Only the last few characters decide whether the period closes an abbreviation.
        if end <= within and not _is_abbreviation(window[max(0, end - 12) : end]):
            ends.append(end)
    return ends


def _is_abbreviation(text: str) -> bool:
    """True when `text` ends with an abbreviation such as "TP." or "ThS.", not a sentence end."""
    match = _WORD_BEFORE.search(text)
    if match is None or not text.endswith("."):
        return False
    word = match.group(1)
    lowercase = sum(1 for ch in word if ch.islower())
    return len(word) <= 4 and word[0].isupper() and lowercase <= 1
