"""The reader's commands: welcome, help, categories and subscriptions, /latest, settings, /stop.

Plain data in (`Who`, argument strings), `Message`/`Notice` out; no chat-platform objects here.

The reader is `who.chat`: a chat, or one topic of a forum chat (a subscription made in a topic
is that topic's, and its cards go there). What belongs to the chat (language, delivery mode)
is the chat's, wherever in it it is changed. "All categories" is a subscription of its own that
covers categories created later (`bot.chat.picker`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from bot.chat import callbacks, picker
from bot.chat.common import Common
from bot.chat.listing import fit_entries, title_width
from bot.delivery.card import article_card, is_web_url
from bot.digest.scheduler import slot_day
from bot.i18n import LANGUAGES, t
from bot.message import Choice, Limits, Message, Notice, Text, Who, bold, italic, link, rows
from bot.models import Article
from bot.popularity import forget_reader, record_interaction
from bot.text.cut import shorten_text
from bot.text.datefmt import format_local_datetime
from bot.text.fold import fold
from bot.web.links import without_tracking
from storage import articles, categories, chats, choices, digests, follows, subscriptions
from storage.categories import Category

log = logging.getLogger(__name__)


def _admins_only(who: Who, lang: str) -> Text:
    """"Only the admins may", worded for the chat's kind (a channel's or a group's)."""
    return t(lang, "channel.admins_only" if who.chat_type == "channel" else "group.admins_only")


def _toggle_action(target: int | str) -> str:
    if target == picker.ALL:
        return callbacks.make(callbacks.ALL, "t")
    return callbacks.make(callbacks.TOGGLE, target)


def _welcome_toggle_action(target: int | str) -> str:
    """The same choices under /start's welcome (the welcome is kept when they are pressed)."""
    if target == picker.ALL:
        return callbacks.make(callbacks.ALL, "w")
    return callbacks.make(callbacks.WELCOME_TOGGLE, target)

LATEST_DEFAULT = 5
LATEST_MAX = 20
# Arguments longer than this are not a category name or a number; echo only a prefix back.
_MAX_ECHO = 60
_TITLE_IN_LIST = 160
# Delivery modes (/settings), and the hours offered for the daily digest (local time; 22-06 are
# the quiet hours of SPEC section 6).
DELIVERY_MODES = ("instant", "digest", "paused")
DIGEST_HOURS = tuple(range(6, 22))
# The names listed when a category is not found (the rest are counted).
_NAMES_ROOM = 1500


# "all" as readers type it, folded (accents and case optional): "all", "tất cả", "tat ca",
# "tatca", "hết", "toàn bộ".
_ALL = picker.ALL_WORDS | {"het", "toan bo", "toanbo"}


def is_all(argument: str) -> bool:
    """Whether `argument` means "all" (English or Vietnamese, accents optional)."""
    return fold(argument).strip(" .!") in _ALL


class Reader:
    """The commands every reader has; `common` is what the whole chat core shares."""

    def __init__(self, common: Common) -> None:
        self.common = common
        self.db = common.db

    # -- chat state --------------------------------------------------------------------------

    async def language(self, who: Who) -> str:
        """The chat's language; for a chat we do not know yet, the one its user's app speaks
        (see `first_language`)."""
        return await chats.language(self.db, who.chat) or self.first_language(who)

    def first_language(self, who: Who) -> str:
        """The language of a new chat: in a private chat, the user's app language as the
        platform reports it (Telegram's `language_code`, an IETF tag: "en", "en-GB", "vi")
        when the bot speaks it; otherwise (groups are shared by many, or an unknown
        language) NEWSBOT_DEFAULT_LANGUAGE."""
        hint = (who.language_hint or "").split("-", 1)[0].strip().lower()
        if who.chat_type == "private" and hint in LANGUAGES:
            return hint
        return self.common.default_language

    async def ensure_chat(self, who: Who) -> chats.Chat:
        """The chat's row, created (in its first language) when new, active again if it had
        stopped."""
        existing = await chats.get(self.db, who.chat)
        if existing is not None and existing.active:
            return existing
        async with self.db.transaction() as conn:
            lang = existing.language if existing else self.first_language(who)
            return await chats.ensure(conn, who.chat, who.chat_type, lang,
                                      now=int(self.common.clock()))


    # -- /start, /help -----------------------------------------------------------------------

    async def start(self, who: Who, payload: str | None) -> list[Message]:
        """Welcome and the category picker; `/start a_<id>` opens an article instead."""
        await self.ensure_chat(who)
        lang = await self.language(who)
        if payload:
            match = re.fullmatch(r"a_(\d{1,12})", payload.strip())
            if match:
                return [await self.open_article(who, int(match.group(1)))]
        return [await self._picker(who, lang, welcome=True)]

    async def help(self, who: Who) -> Message:
        """Every command; admins also see theirs."""
        lang = await self.language(who)
        text = t(lang, "help", organisation=self.common.organisation)
        if self.common.is_admin(who):
            text += "\n\n" + t(lang, "help.admin")
        return Message(text)

    # -- categories and subscriptions --------------------------------------------------------

    async def categories(self, who: Who) -> Message:
        """The picker: every category with ✅ on those the chat follows (a page at a time)."""
        lang = await self.language(who)
        return await self._picker(who, lang)

    async def picker_page(self, who: Who, page: int, *, welcome: bool = False) -> Notice:
        """Another page of the picker, in place (under the welcome, when it came with
        /start)."""
        lang = await self.language(who)
        return Notice(edit=await self._picker(who, lang, page, welcome=welcome))

    async def _picker(self, who: Who, lang: str, page: int = 0, *,
                      around: int | None = None, welcome: bool = False) -> Message:
        """Page `page` of the picker (or the page showing category `around`): a source with
        hundreds of categories would otherwise need more buttons than a message holds.
        `welcome`: under /start's welcome, whose choices redraw the same text (so the platform
        edits only the choices and the welcome stays)."""
        head = self.welcome(lang) + "\n\n" if welcome else Text()
        if not await categories.list_all(self.db):
            return Message(head + t(lang, "categories.none"))
        action = _welcome_toggle_action if welcome else _toggle_action
        nav = callbacks.WELCOME_PAGE if welcome else callbacks.PICKER
        choices, follows_all, shown = await picker.choices(
            self.db, who.chat, lang, action, page=page, around=around,
            nav=lambda number: callbacks.make(nav, number))
        title = t(lang, "categories.title")
        if follows_all:
            title = title + "\n" + t(lang, "categories.all_on")
        if shown.pages > 1:
            title = title + "\n" + t(lang, "categories.page", page=shown.number + 1,
                                      pages=shown.pages)
        return Message(head + title, choices)

    def welcome(self, lang: str) -> Text:
        return t(lang, "start.welcome", organisation=self.common.organisation)

    async def toggle(self, who: Who, category_id: int | str, *,
                     welcome: bool = False) -> Notice:
        """A ✅ choice (a category's id, or `picker.ALL`): subscribe or unsubscribe, and redraw
        the picker (under the welcome, when it came with /start)."""
        lang = await self.language(who)
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, lang), alert=True)
        toggled = await picker.toggle(self.db, who.chat, category_id, chat_type=who.chat_type,
                                      language=self.first_language(who), lang=lang,
                                      now=int(self.common.clock()))
        if toggled is None:
            return Notice(t(lang, "button.invalid"))
        key = "toggle.on" if toggled.on else "toggle.off"
        around = category_id if isinstance(category_id, int) else None
        return Notice(t(lang, key, category=toggled.name),
                      edit=await self._picker(who, lang, around=around, welcome=welcome))

    async def subscribe(self, who: Who, argument: str) -> Message:
        lang = await self.language(who)
        if not argument.strip():
            return await self.categories(who)
        if not await self.common.may_manage(who):
            return Message(_admins_only(who, lang))
        if picker.is_all(argument):
            await self.ensure_chat(who)
            async with self.db.transaction() as conn:
                added = await subscriptions.add_all(conn, who.chat,
                                                    now=int(self.common.clock()))
            return Message(t(lang, "subscribe.all_done" if added else "subscribe.all_already"))
        category = await self._find_category(argument)
        if category is None:
            return await self.unknown_category(lang, argument)
        await self.ensure_chat(who)
        async with self.db.transaction() as conn:
            added = await subscriptions.add(conn, who.chat, category.id,
                                            now=int(self.common.clock()))
        key = "subscribe.done" if added else "subscribe.already"
        return Message(t(lang, key, category=category.name))

    async def unsubscribe(self, who: Who, argument: str) -> Message:
        lang = await self.language(who)
        arg = argument.strip()
        if not arg:
            return Message(t(lang, "unsubscribe.usage"))
        if not await self.common.may_manage(who):
            return Message(_admins_only(who, lang))
        if picker.is_all(arg) or is_all(arg):
            async with self.db.transaction() as conn:
                count = await subscriptions.remove_all(conn, who.chat)
            return Message(t(lang, "unsubscribe.all" if count else "unsubscribe.nothing"))
        category = await self._find_category(arg)
        if category is None:
            return await self.unknown_category(lang, arg)
        async with self.db.transaction() as conn:
            removed = await subscriptions.remove(conn, who.chat, category.id)
        key = "unsubscribe.done" if removed else "unsubscribe.not_subscribed"
        return Message(t(lang, key, category=category.name))

    async def _find_category(self, argument: str) -> Category | None:
        if len(argument) > 200:
            return None
        return await categories.find(self.db, argument)

    async def unknown_category(self, lang: str, argument: str) -> Message:
        """"No such category", with the ones there are."""
        found = [Text(c.name) for c in await categories.list_all(self.db)]
        names, _ = fit_entries([], found, _NAMES_ROOM, separator=", ",
                               more=lambda n: t(lang, "list.more_names", count=n))
        query = argument.strip()
        if len(query) > _MAX_ECHO:
            query = query[:_MAX_ECHO] + "…"
        return Message(t(lang, "category.unknown", query=query, names=names or "—"))

    # -- /latest -----------------------------------------------------------------------------

    async def latest(self, who: Who, argument: str) -> Message:
        """The newest articles, optionally of one category: `/latest [category] [n]`."""
        lang = await self.language(who)
        words = argument.split()
        count = LATEST_DEFAULT
        clamped = False
        if words and re.fullmatch(r"\d{1,12}", words[-1]):
            count = int(words.pop())
            if count < 1:
                return Message(t(lang, "latest.usage", max=LATEST_MAX))
            # More than a list holds: the most it holds, and say so (not a refusal).
            clamped = count > LATEST_MAX
            count = min(count, LATEST_MAX)
        category: Category | None = None
        if words:
            category = await self._find_category(" ".join(words))
            if category is None:
                return await self.unknown_category(lang, " ".join(words))
        found = await articles.latest(self.db, limit=count,
                                      category_id=category.id if category else None)
        if not found:
            return Message(t(lang, "latest.empty"))
        title = t(lang, "latest.title_category", category=category.name) \
            if category else t(lang, "latest.title")
        footer = t(lang, "latest.clamped", max=LATEST_MAX) if clamped else None
        return self.article_list(lang, title, found, footer=footer,
                                 limits=self.common.limits(who.chat.channel))

    def article_list(self, lang: str, title: Text, items: Sequence[Article],
                     notes: Sequence[Text] = (), footer: Text | None = None,
                     action: str = callbacks.OPEN, *, limits: Limits) -> Message:
        """A numbered list of articles with a choice per article to open its card, within one
        message of the channel (`limits`, bot/chat/listing.py): titles are shortened so that
        every article fits; what still does not is counted, without a choice.

        `notes[i]` ends item i's date line (e.g. /popular's "👍 3 · 👁 5"); `footer` closes the
        list. `action` is the choices' action ("<action>:<article id>"), e.g. search results
        count their opens apart.
        """
        def entry(number: int, article: Article, width: int) -> Text:
            headline_text = shorten_text(" ".join(article.title.split()), width)
            headline = link(headline_text, without_tracking(article.url)) \
                if is_web_url(article.url) \
                else Text(headline_text)
            when = format_local_datetime(article.published, self.common.tz)
            note = " · " + notes[number - 1] if number <= len(notes) else Text()
            return (f"{number}. " + bold(headline) + "\n    "
                    + italic(f"{article.category} · {when}") + note)

        head: list[Text | str] = [title, ""]
        tail: list[Text | str] = ["", footer] if footer else []
        room = limits.text - (Text.join("\n", ["", *tail]).length if tail else 0)
        # Everything but the titles, to know how wide the titles may be.
        fixed = Text.join("\n", head).length + sum(
            entry(n, a, 1).length + 1 for n, a in enumerate(items, start=1))
        width = title_width(room, len(items), fixed, widest=_TITLE_IN_LIST)
        entries = [entry(n, a, width) for n, a in enumerate(items, start=1)]
        text, shown = fit_entries(head, entries, room,
                                  more=lambda n: t(lang, "digest.more_count", count=n))
        if tail:
            text = Text.join("\n", [text, *tail])
        choices = [Choice(str(n), action=callbacks.make(action, a.id))
                   for n, a in enumerate(items[:min(shown, limits.choices - 5)], start=1)]
        return Message(text, rows(choices, 5))

    async def open_article(self, who: Who, article_id: int) -> Message:
        """An article's card (deep link or a list choice)."""
        lang = await self.language(who)
        article = await articles.get(self.db, article_id)
        if article is None:
            return Message(t(lang, "article.not_found"))
        if who.user is not None:  # popularity: each reader counts once per article
            await record_interaction(self.db, article_id=article.id, user=who.user,
                                     kind="open", now=self.common.clock())
        return article_card(article, lang, self.common.tz, self.common.limits(who.chat.channel),
                            public_url=self.common.public_url)

    # -- /settings, /stop --------------------------------------------------------------------

    async def settings(self, who: Who) -> Message:
        lang = await self.language(who)
        return await self._settings_reply(who, lang)

    async def _settings_reply(self, who: Who, lang: str) -> Message:
        chat = await chats.get(self.db, who.chat)
        mode = chat.delivery_mode if chat else "instant"
        languages = tuple(
            Choice(("✅ " if code == lang else "") + str(t(code, "language.name")),
                   action=callbacks.make(callbacks.LANG, code))
            for code in LANGUAGES
        )
        modes = tuple(
            Choice(("✅ " if m == mode else "") + str(t(lang, f"delivery.{m}")),
                   action=callbacks.make(callbacks.DELIVERY, m))
            for m in DELIVERY_MODES
        )
        if mode == "digest" and chat is not None and chat.digest_hour is not None:
            current = t(lang, "delivery.now_digest", hour=f"{chat.digest_hour:02d}:00")
        else:
            current = t(lang, f"delivery.now_{mode if mode in DELIVERY_MODES else 'instant'}")
        text = (t(lang, "settings.title", language=t(lang, "language.name")) + "\n"
                + t(lang, "settings.delivery", mode=current))
        return Message(text, (languages, modes))

    async def delivery(self, who: Who, choice: str) -> Notice:
        """A delivery-mode choice: instant or paused at once, digest asks for the hour."""
        lang = await self.language(who)
        if choice == "back":
            return Notice(edit=await self._settings_reply(who, lang))
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, lang), alert=True)
        if choice == "digest":
            return Notice(edit=await self._hour_picker(who, lang))
        if choice not in DELIVERY_MODES:
            return Notice(t(lang, "button.invalid"))
        await self._set_delivery(who, choice, None)
        return Notice(t(lang, f"delivery.set_{choice}"),
                      edit=await self._settings_reply(who, lang))

    async def digest_hour(self, who: Who, hour: int) -> Notice:
        """An hour of the digest picker: daily digest at that local hour."""
        lang = await self.language(who)
        if hour not in DIGEST_HOURS:  # only what the picker offers (a forged button)
            return Notice(t(lang, "button.invalid"))
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, lang), alert=True)
        await self._set_delivery(who, "digest", hour)
        return Notice(t(lang, "delivery.set_digest", hour=f"{hour:02d}:00"),
                      edit=await self._settings_reply(who, lang))

    async def _hour_picker(self, who: Who, lang: str) -> Message:
        chat = await chats.get(self.db, who.chat)
        current = chat.digest_hour if chat and chat.delivery_mode == "digest" else None
        hours = [Choice(("✅ " if h == current else "") + f"{h:02d}:00",
                        action=callbacks.make(callbacks.HOUR, h)) for h in DIGEST_HOURS]
        back = (Choice(str(t(lang, "delivery.back")),
                       action=callbacks.make(callbacks.DELIVERY, "back")),)
        return Message(t(lang, "delivery.pick_hour"), (*rows(hours, 4), back))

    async def _set_delivery(self, who: Who, mode: str, hour: int | None) -> None:
        """Switch the chat's delivery mode. Entering digest mode starts its bookkeeping: the
        first digest lists what is stored from now on (plus any instant push still waiting in
        the outbox, which the worker skips once the chat is in digest mode), and comes at the
        next occurrence of the hour. Switching to instant pushes only what is stored from now
        on: pushes are queued when an article is stored, for the chats in instant mode then."""
        await self.ensure_chat(who)
        now = self.common.clock()
        async with self.db.transaction() as conn:
            chat = await chats.get(conn, who.chat)
            if chat is None:
                return
            if mode == "digest":
                assert hour is not None
                day = slot_day(now, hour, self.common.tz).toordinal()
                last_day, after = await digests.bookkeeping(conn, who.chat)
                if chat.delivery_mode != "digest" or after is None:
                    after = await digests.newest_article_id(conn)
                    waiting = await digests.first_pending_article(conn, who.chat)
                    if waiting is not None:
                        after = min(after, waiting - 1)
                    last_day = day
                # A new hour keeps the day handled last: one digest a day, not two.
                await digests.mark_handled(conn, who.chat,
                                           day=day if last_day is None else last_day,
                                           after_article=after)
            await chats.set_delivery_mode(conn, who.chat, mode, hour)

    async def set_language(self, who: Who, lang: str) -> Notice:
        current = await self.language(who)
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, current), alert=True)
        if lang not in LANGUAGES:
            return Notice(t(current, "button.invalid"))
        await self.ensure_chat(who)
        async with self.db.transaction() as conn:
            await chats.set_language(conn, who.chat, lang)
        return Notice(t(lang, "settings.language_set"),
                      edit=await self._settings_reply(who, lang))

    async def stop(self, who: Who) -> Message:
        """Ask before unsubscribing from everything and forgetting the chat (in a forum
        topic: unsubscribing that topic)."""
        lang = await self.language(who)
        if not await self.common.may_manage(who):
            return Message(_admins_only(who, lang))
        choices = ((Choice(str(t(lang, "stop.yes")), action=callbacks.make(callbacks.STOP, "yes")),
                    Choice(str(t(lang, "stop.no")), action=callbacks.make(callbacks.STOP, "no"))),)
        return Message(t(lang, "stop.confirm"), choices)

    async def stop_answer(self, who: Who, answer: str) -> Notice:
        """/stop's confirmation: "yes" unsubscribes from everything and forgets the chat; in a
        forum topic, it unsubscribes that topic (the chat and its other topics stay)."""
        lang = await self.language(who)
        if not await self.common.may_manage(who):
            return Notice(_admins_only(who, lang), alert=True)
        if answer != "yes":
            return Notice(edit=Message(t(lang, "stop.kept")))
        if who.chat.thread is not None:
            async with self.db.transaction() as conn:
                await subscriptions.remove_all(conn, who.chat)
                await follows.remove_all(conn, who.chat)
            return Notice(edit=Message(t(lang, "stop.topic_done")))
        async with self.db.transaction() as conn:
            await chats.delete(conn, who.chat)
            await choices.forget(conn, who.chat)  # numbered choices (Zalo) are about it too
        if who.chat_type == "private" and who.user is not None:
            # What the reader liked and opened is about them too (popularity counts drop).
            await forget_reader(self.db, who.user, now=self.common.clock())
        return Notice(edit=Message(t(lang, "stop.done")))
