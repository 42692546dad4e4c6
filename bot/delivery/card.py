"""The article card (SPEC section 6): what an article looks like in a chat, as the core's message.

This module owns the card's content and how it gives way when the article is long:
- the card is the bold title, the summary, the photo's caption in italics (when known), and the
  category with the local date and time; under it "Đọc bài gốc" (the article's link, or its
  page on the bot's web server, see bot/web/links.py), "Xem thêm" (a longer excerpt, when it
  says more than the card) and 👍;
- it fits the room the chat's channel gives a photo's caption or a text (`Limits`, visible
  characters: Telegram counts 1024 and 4096 after entity parsing, in UTF-16 units): the summary
  is shortened first (then the photo caption, then the title) at a sentence or word boundary,
  with "…". Pieces are cut as plain text, so no formatting is ever cut in half; each channel's
  renderer escapes the text for its own format.

The result is plain data (`bot.message.Message`); renderers and senders turn it into API calls.
"""

from __future__ import annotations

import os
import re
from datetime import tzinfo

from bot.i18n import t
from bot.message import Choice, Choices, Limits, Message, Photo, Text, bold, italic, link
from bot.models import Article
from bot.text.cut import fit_pieces
from bot.text.datefmt import format_local_datetime
from bot.web.links import (
    body_beyond_summary,
    excerpt_adds_to_card,
    photo_url,
    read_original_url,
)
from bot.web.links import is_web_url as is_web_url  # re-exported: callers import it from here

MORE = "more"  # action "more:<article id>": the longer excerpt ("Xem thêm")
LIKE = "like"  # action "like:<article id>": 👍
EXCERPT_CHARS = 3500

_BLOCK_SEPARATOR = "\n\n"
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def article_card(article: Article, lang: str, tz: tzinfo, limits: Limits, *,
                 with_photo: bool = True, public_url: str | None = None,
                 likes: int = 0) -> Message:
    """The card of `article` in `lang`, dates shown in `tz`, within `limits`; no photo when
    `with_photo` is off (the fallback once the platform could not use the article's photo).
    `public_url` (NEWSBOT_PUBLIC_URL) gives archive articles a "read" link to their web page;
    `likes` is shown on the 👍 choice."""
    photo = photo_of(article.image) if with_photo and article.image else None
    if photo is not None:
        photo = channel_photo(article, photo, limits, public_url)
    pieces = {
        "title": _one_line(article.title),
        "summary": _paragraphs(article.summary),
        # A photo's caption describes the photo: without the photo it says nothing.
        "caption": _one_line(article.image_caption or "") if photo is not None else "",
        "meta": _meta_line(article, lang, tz),
    }
    fitted = fit_pieces(pieces, _card_text, limits.of(photo=photo is not None),
                        cut_order=("summary", "caption", "title", "meta"))
    return Message(_card_text(fitted), card_choices(article, lang, public_url, likes=likes),
                   photo)


def excerpt(article: Article, lang: str, tz: tzinfo, limits: Limits,
            max_chars: int = EXCERPT_CHARS, *, public_url: str | None = None) -> Text:
    """The "Xem thêm" message: title, a longer excerpt of the body, date line and the link.

    `max_chars` is the visible length, at most the channel's text limit.
    """
    url = read_original_url(public_url, article)
    pieces = {
        "title": _one_line(article.title),
        # What the card does not show already: the body after the paragraphs that repeat
        # the summary (the card's text).
        "body": _paragraphs(body_beyond_summary(article)) or _paragraphs(article.summary),
        "meta": _meta_line(article, lang, tz),
        "link": str(t(lang, "card.read_original")) if url else "",
    }

    def compose(p: dict[str, str]) -> Text:
        blocks: list[Text | str] = []
        if p["title"]:
            blocks.append(bold(p["title"]))
        if p["body"]:
            blocks.append(p["body"])
        tail: list[Text | str] = [p["meta"]] if p["meta"] else []
        if p["link"] and url:
            tail.append(link(p["link"], url))
        if tail:
            blocks.append(Text.join("\n", tail))
        return Text.join(_BLOCK_SEPARATOR, blocks)

    fitted = fit_pieces(pieces, compose, min(max_chars, limits.text),
                        cut_order=("body", "title", "meta", "link"))
    return compose(fitted)


def card_choices(article: Article, lang: str, public_url: str | None = None, *,
                 likes: int = 0) -> Choices:
    """Row 1: "Đọc bài gốc"; row 2: "Xem thêm" (when it adds to the card) and 👍 (with the
    number of likes once there are any: "👍 3")."""
    rows: list[tuple[Choice, ...]] = []
    # Archive articles have a `file:` id, which no chat platform can open (Telegram refuses a
    # button with a non-web URL: 400 BUTTON_URL_INVALID): they link to their page on the bot's
    # web server, if there is one.
    read_url = read_original_url(public_url, article)
    if read_url is not None:
        rows.append((Choice(str(t(lang, "card.read_original")), url=read_url),))
    label = str(t(lang, "card.like_count", count=likes)) if likes > 0 else str(
        t(lang, "card.like"))
    like = Choice(label, action=article_action(LIKE, article.id))
    if excerpt_adds_to_card(article):
        rows.append((Choice(str(t(lang, "card.more")), action=article_action(MORE, article.id)),
                     like))
    else:
        rows.append((like,))
    return tuple(rows)


def channel_photo(article: Article, photo: Photo, limits: Limits, public_url: str | None
                  ) -> Photo | None:
    """`photo` as the channel can take it, or None (the card then goes as text).

    A channel that takes only web photos (`Limits.web_photos_only`: Zalo fetches an https URL
    itself) gets a web photo's https URL as it is, and a local archive photo as its address on
    the bot's web server (NEWSBOT_PUBLIC_URL/media/<id>), which must be https too; an http://
    photo, a platform's file id, or a local photo without a public https address it cannot take.
    """
    if not limits.web_photos_only:
        return photo
    if photo.kind == "url":
        return photo if _is_https(photo.ref) else None
    if photo.kind == "file":
        served = photo_url(public_url, article)
        return Photo(served, "url") if served and _is_https(served) else None
    return None


def _is_https(url: str) -> bool:
    return url[:8].lower() == "https://" and is_web_url(url)


def article_action(action: str, article_id: int) -> str:
    """The choice's action "<action>:<article id>" (a few bytes: any channel can carry it)."""
    return f"{action}:{article_id}"


def photo_of(ref: str, channel: str | None = None) -> Photo:
    """A stored photo reference: a web URL, a local file (an absolute path), else a platform's
    file id (of `channel`)."""
    if is_web_url(ref):
        return Photo(ref, "url")
    if os.path.isabs(ref):
        return Photo(ref, "file")
    return Photo(ref, "file_id", channel)


# --- composition -------------------------------------------------------------------------


def _card_text(pieces: dict[str, str]) -> Text:
    blocks: list[Text | str] = []
    if pieces["title"]:
        blocks.append(bold(pieces["title"]))
    if pieces["summary"]:
        blocks.append(pieces["summary"])
    if pieces["caption"]:
        blocks.append(italic(pieces["caption"]))
    if pieces["meta"]:
        blocks.append(pieces["meta"])
    return Text.join(_BLOCK_SEPARATOR, blocks)


def _meta_line(article: Article, lang: str, tz: tzinfo) -> str:
    when = format_local_datetime(article.published, tz)
    return str(t(lang, "card.meta", category=_one_line(article.category), when=when))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Collapse spaces inside lines and blank-line runs between paragraphs; keep paragraphs."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
