"""Where a reader goes to read an article in full: pure functions over plain data.

A web article links to its source URL. An archive article has no URL of its own (its `url` is a
``file:`` id), so it links to its page on the bot's web server when NEWSBOT_PUBLIC_URL is set,
and nowhere otherwise (Telegram refuses a button with a non-web URL). The card's "Xem thêm"
(a longer excerpt in the chat) is offered only when the excerpt says more than the card.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.models import Article

ARTICLE_PATH = "/a/{id}"
MEDIA_PATH = "/media/{id}"


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def article_page_url(public_url: str | None, article: Article) -> str | None:
    """The article's page on the bot's web server, or None without NEWSBOT_PUBLIC_URL."""
    if not public_url:
        return None
    return public_url.rstrip("/") + ARTICLE_PATH.format(id=article.id)


def read_original_url(public_url: str | None, article: Article) -> str | None:
    """The "Đọc bài gốc" target: the source URL, else the article's page, else None."""
    if is_web_url(article.url):
        return article.url
    return article_page_url(public_url, article)


def photo_url(public_url: str | None, article: Article) -> str | None:
    """A URL of the article's photo anyone can fetch: the photo's own web URL, or for a local
    (archive) photo its ``/media/<id>`` address under NEWSBOT_PUBLIC_URL; None otherwise."""
    if not article.image:
        return None
    if is_web_url(article.image):
        return article.image
    if not public_url:
        return None
    return public_url.rstrip("/") + MEDIA_PATH.format(id=article.id)


def excerpt_adds_to_card(article: Article) -> bool:
    """True when "Xem thêm" would show text the card does not: the body goes beyond the summary
    (the card shows the summary; the excerpt shows the body, or the summary when there is none).
    """
    body = " ".join(article.body.split())
    summary = " ".join(article.summary.split())
    return bool(body) and body != summary and not summary.startswith(body.rstrip(".…"))
