"""/follow (/theodoi): keyword alerts, and matching each new article against them.

A follow is a few words ("Bạch Long Vĩ"). A new article of any category whose title, summary
or body holds those words next to each other, in that order, folded as the search index folds
them (accents and case optional, "đ" = "d": bot.text.fold), reaches the chat once: the outbox
has one row per (article, chat), so a chat that also subscribes to the article's category, or
has two follows matching it, gets one card. Why a phrase and not "every word anywhere" as
/search does: Vietnamese words are made of syllables that are words of their own ("Bạch Long
Vĩ" is three), and "long" and "vĩ" alone are everywhere; a follow is for one name or subject.

Cost per new article: its text is folded once (about a millisecond for a long body, and only
while someone follows anything), then one indexed lookup finds the follows whose longest word
the article contains (`follows_by_key`), and only those are checked for their whole phrase. No
search per follow, whatever the number of followers.

Follows are pushed to chats in instant mode ("Nhận ngay"); a chat in digest or paused mode
keeps its follows but gets no keyword pushes (the reply says so).

Choices: "fl:rm:<follow id>" removes a follow from the /follow list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence

from bot.chat.reader import Reader
from bot.i18n import t
from bot.message import Choice, Message, Notice, Text, Who
from bot.models import Article
from bot.text.fold import fold
from storage import follows as store
from storage.db import Conn

log = logging.getLogger(__name__)

MAX_FOLLOWS = 20  # per chat: enough for the names a reader cares about, cheap to match
MAX_WORDS = 8  # per follow
MAX_TYPED = 100  # characters of a follow as typed
FAMILY = r"^fl:"  # the follow list's choices
_REMOVE = re.compile(r"^fl:rm:(\d{1,12})$", re.ASCII)
# A word as the index sees it: letters and digits (storage/search.py's pieces).
_WORD = re.compile(r"[^\W_]+")


def folded_words(text: str) -> list[str]:
    """The words of `text` as the search index folds them, in order."""
    return _WORD.findall(fold(text))


def remove_action(follow_id: int) -> str:
    return f"fl:rm:{follow_id}"


def parse_remove(data: str | None) -> int | None:
    """The follow id of a remove choice, None for anything else (forged or garbage)."""
    match = _REMOVE.fullmatch(data or "")
    return int(match.group(1)) if match else None


class Follows:
    """The /follow command, its list's choices, and the matcher run on each new article."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.common = reader.common
        self.db = reader.db

    # -- the command ---------------------------------------------------------------------------

    async def follow(self, who: Who, argument: str) -> Message:
        """`/follow <words>` adds a follow; `/follow` alone lists them with a remove choice."""
        lang = await self.reader.language(who)
        typed = " ".join(argument.split())
        if not typed:
            return await self._list(who, lang)
        if not await self.common.may_manage(who):
            return Message(_admins_only(who, lang))
        words = folded_words(typed)
        if not words:
            return Message(t(lang, "follow.usage", max=MAX_FOLLOWS))
        if len(words) > MAX_WORDS or len(typed) > MAX_TYPED:
            return Message(t(lang, "follow.too_long", words=MAX_WORDS, chars=MAX_TYPED))
        phrase = " ".join(words)
        chat = await self.reader.ensure_chat(who)
        async with self.db.transaction() as conn:
            if await store.count(conn, who.chat) >= MAX_FOLLOWS:
                return Message(t(lang, "follow.full", max=MAX_FOLLOWS))
            added = await store.add(conn, who.chat, words=typed, phrase=phrase,
                                    key_word=max(words, key=len), now=int(self.common.clock()))
        if not added:
            return Message(t(lang, "follow.already", words=typed))
        text = t(lang, "follow.done", words=typed)
        if chat.delivery_mode != "instant":
            text += "\n" + t(lang, "follow.not_instant")
        return Message(text)

    async def _list(self, who: Who, lang: str) -> Message:
        found = await store.of_chat(self.db, who.chat)
        if not found:
            return Message(t(lang, "follow.usage", max=MAX_FOLLOWS))
        lines: list[Text | str] = [t(lang, "follow.list", count=len(found), max=MAX_FOLLOWS)]
        lines.extend(f"{n}. {f.words}" for n, f in enumerate(found, start=1))
        lines.append(t(lang, "follow.list_hint"))
        choices = tuple((Choice(f"✖️ {n}. {_short(f.words)}", action=remove_action(f.id)),)
                        for n, f in enumerate(found, start=1))
        return Message(Text.join("\n", lines), choices if who.can_manage else ())

    async def remove(self, who: Who, follow_id: int) -> Notice:
        """A remove choice of the list: stop following, and redraw the list."""
        lang = await self.reader.language(who)
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, lang), alert=True)
        async with self.db.transaction() as conn:
            removed = await store.remove(conn, who.chat, follow_id)
        if removed is None:
            return Notice(t(lang, "button.invalid"), edit=await self._list(who, lang))
        return Notice(t(lang, "follow.removed", words=_short(removed.words)),
                      edit=await self._list(who, lang))

    # -- new articles --------------------------------------------------------------------------

    def matcher(self, wake: Callable[[], None]
                ) -> Callable[[Conn, list[Article]], Awaitable[None]]:
        """The ingestion's after_store hook (after the subscriptions' one): queue each new
        article for the chats whose follows it matches, in the transaction that stores it."""

        async def after_store(conn: Conn, stored: list[Article]) -> None:
            added = await match_articles(conn, stored, now=int(self.common.clock()))
            if added:
                wake()

        return after_store


async def match_articles(conn: Conn, stored: Sequence[Article], *, now: int) -> int:
    """Queue each of `stored` for the chats whose follows it matches; the rows added."""
    if not stored or not await store.any_follow(conn):
        return 0
    added = 0
    for article in stored:
        words = folded_words(f"{article.title}\n{article.summary}\n{article.body}")
        candidates = await store.by_key_words(conn, words)
        if not candidates:
            continue
        text = f" {' '.join(words)} "
        matched = [f.chat for f in candidates if f" {f.phrase} " in text]
        if matched:
            count = await store.enqueue(conn, article.id, matched, now=now)
            if count:
                log.info("follows: article_id=%s queued for %d more chat(s)", article.id, count)
            added += count
    return added


def _admins_only(who: Who, lang: str) -> Text:
    return t(lang, "channel.admins_only" if who.chat_type == "channel" else "group.admins_only")


def _short(words: str, limit: int = 40) -> str:
    return words if len(words) <= limit else words[:limit].rstrip() + "…"

