"""Where a reader goes to read an article in full: pure functions over plain data.

A web article links to its source URL. An archive article has no URL of its own (its `url` is a
``file:`` id), so it links to its page on the bot's web server when NEWSBOT_PUBLIC_URL is set,
and nowhere otherwise (Telegram refuses a button with a non-web URL). The card's "Xem thêm"
(a longer excerpt in the chat) is offered only when the excerpt says more than the card.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


# Query parameters that only track who clicked where (campaign tags of Google Analytics and
# Matomo, click ids of Facebook, Google, Microsoft, Yandex, Instagram, Mailchimp, and Zalo's own
# "zarsrc"/"gidzl"): dropped from the links readers are given, so a link shared from the bot
# neither follows them nor is attributed. Hand-written because it is one filter over the query
# (urllib parses and rebuilds it), which no maintained library does better without more baggage.
# The stored URL is left as ingested: it is part of an article's identity (dedupe).
_TRACKING = re.compile(
    r"^(utm_\w*|mtm_\w*|pk_\w*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|igshid"
    r"|mc_cid|mc_eid|_ga|_gl|zarsrc|gidzl|__twitter_impression)$", re.IGNORECASE)


def without_tracking(url: str) -> str:
    """`url` without its tracking parameters (utm_*, fbclid...); the rest of the query, its
    order and the fragment are kept; a URL without any is returned unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _TRACKING.match(k)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def read_original_url(public_url: str | None, article: Article) -> str | None:
    """The "Đọc bài gốc" target: the source URL (without tracking parameters), else the
    article's page, else None."""
    if is_web_url(article.url):
        return without_tracking(article.url)
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


def body_beyond_summary(article: Article) -> str:
    """The body without its first paragraphs when they only repeat the summary (feeds often
    put the summary, "sapo", at the head of the body): what "Xem thêm" adds to the card."""
    summary = " ".join(article.summary.split()).rstrip(".…").strip()
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", article.body.strip()) if p.strip()]
    skipped = 0
    seen = ""
    # Skip whole paragraphs while what they say so far is the head of the summary.
    while skipped < len(paragraphs) and summary and len(seen) < len(summary):
        seen = (seen + " " + " ".join(paragraphs[skipped].split())).strip()
        if not summary.startswith(seen.rstrip(".…").strip()):
            break
        skipped += 1
    return "\n\n".join(paragraphs[skipped:]) if skipped else article.body


def excerpt_adds_to_card(article: Article) -> bool:
    """True when "Xem thêm" would show text the card does not: the body goes beyond the summary
    (the card shows the summary; the excerpt shows the body after what repeats the summary, or
    the summary when there is no body)."""
    body = " ".join(article.body.split())
    summary = " ".join(article.summary.split())
    if not body or body == summary or summary.startswith(body.rstrip(".…")):
        return False
    return bool(body_beyond_summary(article).strip())
