"""The reader's interactions with an article card ("Xem thêm", 👍) and /popular.

Plain data in (`Who`, argument strings), `Message`/`Notice` out; no chat-platform objects here.
Counting and scoring live in bot/popularity.py.
"""

from __future__ import annotations

import logging

from bot import popularity
from bot.chat.reader import Reader
from bot.delivery.card import article_card, excerpt
from bot.i18n import t
from bot.message import Message, Notice, Who
from storage import articles, categories, interactions
from storage.categories import Category

log = logging.getLogger(__name__)

POPULAR_COUNT = 10
_MAX_ARGUMENT = 200


class Popular:
    """Card choices and the ranking; languages and the clock come from the shared core."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.common = reader.common
        self.db = reader.db

    async def more(self, who: Who, article_id: int) -> Notice:
        """"Xem thêm": a longer excerpt with the link, sent as a new message; counts once."""
        lang = await self.reader.language(who)
        article = await articles.get(self.db, article_id)
        if article is None:
            return Notice(t(lang, "article.not_found"))
        if who.user is not None:
            await popularity.record_interaction(self.db, article_id=article.id, user=who.user,
                                                kind="more", now=self.common.clock())
        text = excerpt(article, lang, self.common.tz, self.common.limits(who.chat.channel),
                       public_url=self.common.public_url)
        return Notice(send=Message(text))

    async def like(self, who: Who, article_id: int) -> Notice:
        """👍: like, or un-like when chosen again; a short pop-up says which."""
        lang = await self.reader.language(who)
        if who.user is None:  # an anonymous group admin or a channel: nobody to count
            return Notice(t(lang, "like.anonymous"))
        liked = await popularity.toggle_like(self.db, article_id=article_id, user=who.user,
                                             now=self.common.clock())
        if liked is None:
            return Notice(t(lang, "article.not_found"))
        # The card's 👍 shows the count from now on: the card is drawn again as it was sent
        # (same text: the platform edits only its choices).
        article = await articles.get(self.db, article_id)
        counted = await interactions.counts(self.db, article_id)
        likes = counted.likes if counted is not None else 0
        text = t(lang, "like.on" if liked else "like.off")
        if article is None:
            return Notice(text)
        card = article_card(article, lang, self.common.tz, self.common.limits(who.chat.channel),
                            public_url=self.common.public_url, likes=likes)
        return Notice(text, edit=card)

    async def popular(self, who: Who, argument: str) -> Message:
        """The most-read articles of the last 7 days, of one category when named."""
        lang = await self.reader.language(who)
        category: Category | None = None
        query = " ".join(argument.split())
        if query:
            if len(query) <= _MAX_ARGUMENT:
                category = await categories.find(self.db, query)
            if category is None:
                return await self.reader.unknown_category(lang, query)
        ranked = await popularity.top(self.db, limit=POPULAR_COUNT,
                                      category_id=category.id if category else None,
                                      now=self.common.clock())
        # One query for the ranked articles (deleted ones, between the two reads, drop out).
        stored = {a.id: a for a in await articles.get_many(
            self.db, [r.counts.article_id for r in ranked])}
        found = [(stored[r.counts.article_id], r) for r in ranked
                 if r.counts.article_id in stored]
        name = category.name if category else ""
        if not found:
            key = "popular.empty_category" if category else "popular.empty"
            return Message(t(lang, key, days=popularity.WINDOW_DAYS, category=name))
        title = (t(lang, "popular.title_category", days=popularity.WINDOW_DAYS, category=name)
                 if category else t(lang, "popular.title", days=popularity.WINDOW_DAYS))
        notes = [
            t(lang, "popular.basis", likes=r.counts.likes, more=r.counts.mores, views=r.views)
            for _, r in found
        ]
        return self.reader.article_list(lang, title, [a for a, _ in found], notes,
                                        footer=t(lang, "popular.legend"),
                                        limits=self.common.limits(who.chat.channel))
