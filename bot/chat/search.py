"""/search (/timkiem): accent-insensitive full-text search, results in pages with buttons.

Plain data in (`Who`, argument strings), `Message`/`Notice` out; no chat-platform objects here.
What a query means is bot/search/query.py, how results are ranked bot/search/engine.py.

Pages: a choice's action must stay short (Telegram's callback_data holds at most 64 bytes), so
the ranked result ids are kept server-side, in the database (storage/search_results.py: any
process shows any page, also after a restart), under a short random id ("sp:<id>:<page>");
the `SESSIONS` most recently used searches are kept (about 1.6 KB each). A page choice of a
search forgotten since says so and asks to search again.

Buttons: "so:<article id>" opens a result (counted for /popular as a search-result open),
"sp:<search id>:<page>" shows another page (editing the results message), "tq:<words>" searches
the words of a plain message (the "🔎 Tìm «…»" offered under the hint to plain text: the words
themselves, cut at a word to fit Telegram's 64 bytes of callback data).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.chat.reader import Reader
from bot.delivery.card import article_card
from bot.i18n import t
from bot.message import Choice, Message, Notice, Who
from bot.popularity import record_interaction
from bot.search import engine
from bot.search.query import MAX_WORDS, parse_query
from bot.text.fold import fold
from storage import articles, search_results
from storage.search_results import StoredSearch

OPEN = "so"  # so:<article id>            open a result
PAGE = "sp"  # sp:<search id>:<page>      another page of results
TYPED = "tq"  # tq:<words>                search a plain message's words
FAMILY = r"^(so|sp|tq):"  # what the search's choice handler receives
PAGE_SIZE = 5
SESSIONS = 2000
_MAX_ECHO = 60
_BUTTON = re.compile(r"^(so):(\d{1,12})$|^(sp):([A-Za-z0-9_-]{8}):(\d{1,3})$", re.ASCII)
_ACTION_BYTES = 64
_OFFER_LABEL = 30  # characters of the words shown on the offer's button


@dataclass(frozen=True, slots=True)
class SearchButton:
    """A parsed search button: open `article_id`, or show `page` of search `session`."""

    action: str
    article_id: int = 0
    session: str = ""
    page: int = 0
    words: str = ""


# Words of a conversational request that are not what it is about ("tôi muốn đọc tin về Hải
# Phòng" is about "Hải Phòng"), folded: left out of the search a plain message offers (every
# searched word must be in an article). /search itself searches every word it is given.
_CHATTER = frozenset({
    "toi", "minh", "em", "anh", "chi", "ban", "bot", "muon", "can", "xin", "hay", "giup",
    "cho", "xem", "doc", "tim", "kiem", "hoi", "biet", "tin", "tuc", "bai", "viet", "ve",
    "cua", "va", "voi", "o", "la", "co", "khong", "nhung", "cac", "mot", "gi", "nao", "the",
    "duoc", "di", "nhe", "a", "oi", "vay", "sao", "please", "i", "want", "to", "read", "news",
    "about", "show", "me", "find", "search", "an", "of", "on", "in", "for",
})


def search_offer(text: str) -> tuple[str, str] | None:
    """For a plain message: (the button's words, its action) to search what it is about, or
    None when it has no word to search. The words are cut at a word to fit the action."""
    if not parse_query(text):
        return None
    meaningful = [w for w in text.split() if fold(w).strip(".,!?;:") not in _CHATTER]
    words: list[str] = []
    for word in meaningful or text.split():
        candidate = " ".join([*words, word])
        if len(f"{TYPED}:{candidate}".encode()) > _ACTION_BYTES:
            break
        words.append(word)
    if not words:  # one very long word: its first characters
        cut = (meaningful or text.split())[0]
        while len(f"{TYPED}:{cut}".encode()) > _ACTION_BYTES:
            cut = cut[:-1]
        words = [cut]
    query = " ".join(words)
    shown = query if len(query) <= _OFFER_LABEL else query[:_OFFER_LABEL].rstrip() + "…"
    return shown, f"{TYPED}:{query}"


def parse_button(data: str | None) -> SearchButton | None:
    """The button, or None when `data` is not one of ours (forged or garbage)."""
    if not data or len(data.encode()) > _ACTION_BYTES:
        return None
    if data.startswith(f"{TYPED}:"):
        words = data[len(TYPED) + 1:]
        return SearchButton(TYPED, words=words) if words.strip() else None
    match = _BUTTON.fullmatch(data)
    if match is None:
        return None
    if match.group(1):
        return SearchButton(OPEN, article_id=int(match.group(2)))
    return SearchButton(PAGE, session=match.group(4), page=int(match.group(5)))


class Search:
    """The /search command and its buttons; languages and the clock come from the reader."""

    def __init__(self, reader: Reader, *, sessions: int = SESSIONS) -> None:
        self.reader = reader
        self.common = reader.common
        self.db = reader.db
        self._capacity = sessions

    async def search(self, who: Who, argument: str) -> Message:
        """The first page of results for `argument`, or how to search."""
        lang = await self.reader.language(who)
        query = parse_query(argument)
        if not query:
            return Message(t(lang, "search.usage"))
        echo = " ".join(argument.split())
        if len(echo) > _MAX_ECHO:
            echo = echo[:_MAX_ECHO].rstrip() + "…"
        result = await engine.search(self.db, query, now=self.common.clock())
        if not result.ids:
            return Message(t(lang, "search.none", query=echo))
        session = StoredSearch(who.chat, echo, result.ids, result.more, query.truncated)
        key = await self._remember(session)
        return await self._page(lang, key, session, 0)

    async def page(self, who: Who, key: str, page: int) -> Notice:
        """Another page of an earlier search (edits the results message)."""
        lang = await self.reader.language(who)
        async with self.db.transaction() as tx:
            session = await search_results.use(tx, key)
        if session is None or session.chat != who.chat:
            return Notice(t(lang, "search.expired"), alert=True)
        if not 0 <= page < _pages(session):
            return Notice(t(lang, "button.invalid"))
        return Notice(edit=await self._page(lang, key, session, page))

    async def open(self, who: Who, article_id: int) -> Notice:
        """A result's card, sent as a new message; counts once per reader for /popular."""
        lang = await self.reader.language(who)
        article = await articles.get(self.db, article_id)
        if article is None:
            return Notice(t(lang, "article.not_found"))
        if who.user is not None:
            await record_interaction(self.db, article_id=article.id, user=who.user,
                                     kind="search_open", now=self.common.clock())
        return Notice(send=article_card(article, lang, self.common.tz,
                                        self.common.limits(who.chat.channel),
                                        public_url=self.common.public_url))

    # -- pages -------------------------------------------------------------------------------

    async def _remember(self, session: StoredSearch) -> str:
        while True:
            key = secrets.token_urlsafe(6)  # 8 characters of [A-Za-z0-9_-]
            async with self.db.transaction() as tx:
                if await search_results.save(tx, key, session, keep=self._capacity):
                    return key

    async def _page(self, lang: str, key: str, session: StoredSearch, page: int) -> Message:
        first = page * PAGE_SIZE
        ids = list(session.ids[first:first + PAGE_SIZE])
        found = await articles.get_many(self.db, ids)
        total = len(session.ids)
        count = t(lang, "search.count_more", count=total) if session.more \
            else t(lang, "search.count", count=total)
        title = t(lang, "search.title", query=session.echo, count=count,
                  page=page + 1, pages=_pages(session))
        footer = t(lang, "search.truncated", max=MAX_WORDS) if session.truncated else None
        listing = self.reader.article_list(lang, title, found, footer=footer, action=OPEN,
                                           limits=self.common.limits(session.chat.channel))
        nav: list[Choice] = []
        if page > 0:
            nav.append(Choice(str(t(lang, "search.previous")),
                              action=f"{PAGE}:{key}:{page - 1}"))
        if page + 1 < _pages(session):
            nav.append(Choice(str(t(lang, "search.next")), action=f"{PAGE}:{key}:{page + 1}"))
        return Message(listing.text, listing.choices + ((tuple(nav),) if nav else ()))


def _pages(session: StoredSearch) -> int:
    return max(1, -(-len(session.ids) // PAGE_SIZE))
