"""The reader's interactions with an article card ("Xem thêm", 👍) and /popular.

Plain data in (`Who`, argument strings), `Reply`/`Notice` out; no chat-platform objects here.
Counting and scoring live in bot/popularity.py.
"""

from __future__ import annotations

import html
import logging

from bot import popularity
from bot.chat.reader import Reader
from bot.chat.reply import Notice, Reply, Who
from bot.delivery.card import render_excerpt
from bot.i18n import t
from bot.models import Article
from storage import articles, categories
from storage.categories import Category

log = logging.getLogger(__name__)

POPULAR_COUNT = 10
_MAX_ARGUMENT = 200
_MAX_ECHO = 60


class Popular:
    """Card buttons and the ranking; languages and the clock come from the reader core."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.db = reader.db

    async def more(self, who: Who, article_id: int) -> Notice:
        """"Xem thêm": a longer excerpt with the link, sent as a new message; counts once."""
        lang = await self.reader.language(who)
        article = await articles.get(self.db.conn, article_id)
        if article is None:
            return Notice(t(lang, "article.not_found"))
        if who.user_id is not None:
            await popularity.record_interaction(self.db, article_id=article.id,
                                                user_id=who.user_id, kind="more",
                                                now=self.reader.clock())
        excerpt = render_excerpt(article, lang, self.reader.config.tz,
                                 public_url=self.reader.config.public_url)
        return Notice("", send=Reply(excerpt))

    async def like(self, who: Who, article_id: int) -> Notice:
        """👍: like, or un-like when pressed again; a short pop-up says which."""
        lang = await self.reader.language(who)
        if who.user_id is None:  # an anonymous group admin or a channel: nobody to count
            return Notice(t(lang, "like.anonymous"))
        liked = await popularity.toggle_like(self.db, article_id=article_id,
                                             user_id=who.user_id, now=self.reader.clock())
        if liked is None:
            return Notice(t(lang, "article.not_found"))
        return Notice(t(lang, "like.on" if liked else "like.off"))

    async def popular(self, who: Who, argument: str) -> Reply:
        """The most-read articles of the last 7 days, of one category when named."""
        lang = await self.reader.language(who)
        category: Category | None = None
        query = " ".join(argument.split())
        if query:
            if len(query) <= _MAX_ARGUMENT:
                category = await categories.find(self.db.conn, query)
            if category is None:
                return await self._unknown_category(lang, query)
        ranked = await popularity.top(self.db, limit=POPULAR_COUNT,
                                      category_id=category.id if category else None,
                                      now=self.reader.clock())
        found: list[tuple[Article, popularity.Ranked]] = []
        for item in ranked:
            article = await articles.get(self.db.conn, item.counts.article_id)
            if article is not None:  # deleted between the two reads
                found.append((article, item))
        name = html.escape(category.name) if category else ""
        if not found:
            key = "popular.empty_category" if category else "popular.empty"
            return Reply(t(lang, key, days=popularity.WINDOW_DAYS, category=name))
        title = (t(lang, "popular.title_category", days=popularity.WINDOW_DAYS, category=name)
                 if category else t(lang, "popular.title", days=popularity.WINDOW_DAYS))
        notes = [
            t(lang, "popular.basis", likes=r.counts.likes, more=r.counts.mores, views=r.views)
            for _, r in found
        ]
        return self.reader.article_list(lang, title, [a for a, _ in found], notes,
                                        footer=t(lang, "popular.legend"))

    async def _unknown_category(self, lang: str, query: str) -> Reply:
        names = ", ".join(c.name for c in await categories.list_all(self.db.conn))
        if len(query) > _MAX_ECHO:
            query = query[:_MAX_ECHO] + "…"
        return Reply(t(lang, "category.unknown", query=html.escape(query),
                       names=html.escape(names) or "—"))
