"""The reader's commands: welcome, help, categories and subscriptions, /latest, settings, /stop.

Plain data in (`Who`, argument strings), `Reply`/`Notice` out; no chat-platform objects here.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.chat import callbacks
from bot.chat.reply import Keyboard, Notice, Reply, Who
from bot.delivery.card import Button, is_web_url, render_card
from bot.digest.scheduler import slot_day
from bot.i18n import LANGUAGES, t
from bot.models import Article
from bot.popularity import forget_reader, record_interaction
from bot.text.datefmt import format_local_datetime
from storage import articles, categories, chats, digests, subscriptions
from storage.categories import Category
from storage.db import Database

log = logging.getLogger(__name__)

LATEST_DEFAULT = 5
LATEST_MAX = 20
# Arguments longer than this are not a category name or a number; echo only a prefix back.
_MAX_ECHO = 60
_TITLE_IN_LIST = 160
# Delivery modes (/settings), and the hours offered for the daily digest (local time; 22-06 are
# the quiet hours of SPEC section 6).
DELIVERY_MODES = ("instant", "digest", "paused")
DIGEST_HOURS = tuple(range(6, 22))


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    default_language: str
    tz: ZoneInfo
    public_url: str | None = None  # NEWSBOT_PUBLIC_URL: archive articles link to their page


class Reader:
    """The commands every reader has."""

    def __init__(self, db: Database, config: ReaderConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    # -- chat state --------------------------------------------------------------------------

    async def language(self, who: Who) -> str:
        """The chat's language (the default for a chat we do not know)."""
        chat = await chats.get(self.db.conn, who.chat_id)
        if chat is not None:
            return chat.language
        return self.config.default_language

    async def _ensure_chat(self, who: Who) -> chats.Chat:
        existing = await chats.get(self.db.conn, who.chat_id)
        if existing is not None and existing.active:
            return existing
        async with self.db.transaction() as conn:
            lang = existing.language if existing else self.config.default_language
            return await chats.ensure(conn, who.chat_id, who.chat_type, lang,
                                      now=int(self.clock()))

    # -- /start, /help -----------------------------------------------------------------------

    async def start(self, who: Who, payload: str | None) -> list[Reply]:
        """Welcome and the category picker; `/start a_<id>` opens an article instead."""
        await self._ensure_chat(who)
        lang = await self.language(who)
        if payload:
            match = re.fullmatch(r"a_(\d{1,12})", payload.strip())
            if match:
                return [await self.open_article(who, int(match.group(1)))]
        picker = await self.categories(who)
        return [Reply(t(lang, "start.welcome") + "\n\n" + picker.text, picker.buttons)]

    async def help(self, who: Who) -> Reply:
        return Reply(t(await self.language(who), "help"))

    # -- categories and subscriptions --------------------------------------------------------

    async def categories(self, who: Who) -> Reply:
        """The picker: every category with ✅ on those the chat follows."""
        lang = await self.language(who)
        return await self._picker(who, lang)

    async def _picker(self, who: Who, lang: str) -> Reply:
        all_categories = await categories.list_all(self.db.conn)
        if not all_categories:
            return Reply(t(lang, "categories.none"))
        followed = await subscriptions.category_ids(self.db.conn, who.chat_id)
        rows = tuple(
            (Button(("✅ " if c.id in followed else "▫️ ") + c.name,
                    callback_data=callbacks.make(callbacks.TOGGLE, c.id)),)
            for c in all_categories
        )
        return Reply(t(lang, "categories.title"), rows)

    async def toggle(self, who: Who, category_id: int) -> Notice:
        """A ✅ button: subscribe or unsubscribe, and redraw the picker."""
        lang = await self.language(who)
        if not who.can_manage:
            return Notice(t(lang, "group.admins_only"), alert=True)
        category = await categories.get(self.db.conn, category_id)
        if category is None:
            return Notice(t(lang, "button.invalid"))
        await self._ensure_chat(who)
        async with self.db.transaction() as conn:
            removed = await subscriptions.remove(conn, who.chat_id, category.id)
            if not removed:
                await subscriptions.add(conn, who.chat_id, category.id, now=int(self.clock()))
        key = "toggle.off" if removed else "toggle.on"
        return Notice(t(lang, key, category=category.name), edit=await self._picker(who, lang))

    async def subscribe(self, who: Who, argument: str) -> Reply:
        lang = await self.language(who)
        if not argument.strip():
            return await self.categories(who)
        if not who.can_manage:
            return Reply(t(lang, "group.admins_only"))
        category = await self._find_category(argument)
        if category is None:
            return await self._unknown_category(lang, argument)
        await self._ensure_chat(who)
        async with self.db.transaction() as conn:
            added = await subscriptions.add(conn, who.chat_id, category.id, now=int(self.clock()))
        key = "subscribe.done" if added else "subscribe.already"
        return Reply(t(lang, key, category=html.escape(category.name)))

    async def unsubscribe(self, who: Who, argument: str) -> Reply:
        lang = await self.language(who)
        arg = argument.strip()
        if not arg:
            return Reply(t(lang, "unsubscribe.usage"))
        if not who.can_manage:
            return Reply(t(lang, "group.admins_only"))
        if arg.casefold() in ("all", "tatca", "tất cả", "hết", "het"):
            async with self.db.transaction() as conn:
                count = await subscriptions.remove_all(conn, who.chat_id)
            return Reply(t(lang, "unsubscribe.all" if count else "unsubscribe.nothing"))
        category = await self._find_category(arg)
        if category is None:
            return await self._unknown_category(lang, arg)
        async with self.db.transaction() as conn:
            removed = await subscriptions.remove(conn, who.chat_id, category.id)
        key = "unsubscribe.done" if removed else "unsubscribe.not_subscribed"
        return Reply(t(lang, key, category=html.escape(category.name)))

    async def _find_category(self, argument: str) -> Category | None:
        if len(argument) > 200:
            return None
        return await categories.find(self.db.conn, argument)

    async def _unknown_category(self, lang: str, argument: str) -> Reply:
        names = ", ".join(c.name for c in await categories.list_all(self.db.conn))
        query = argument.strip()
        if len(query) > _MAX_ECHO:
            query = query[:_MAX_ECHO] + "…"
        return Reply(t(lang, "category.unknown", query=html.escape(query),
                       names=html.escape(names) or "—"))

    # -- /latest -----------------------------------------------------------------------------

    async def latest(self, who: Who, argument: str) -> Reply:
        """The newest articles, optionally of one category: `/latest [category] [n]`."""
        lang = await self.language(who)
        words = argument.split()
        count = LATEST_DEFAULT
        if words and re.fullmatch(r"\d{1,6}", words[-1]):
            count = int(words.pop())
            if not 1 <= count <= LATEST_MAX:
                return Reply(t(lang, "latest.usage", max=LATEST_MAX))
        category: Category | None = None
        if words:
            category = await self._find_category(" ".join(words))
            if category is None:
                return await self._unknown_category(lang, " ".join(words))
        found = await articles.latest(self.db.conn, limit=count,
                                      category_id=category.id if category else None)
        if not found:
            return Reply(t(lang, "latest.empty"))
        title = t(lang, "latest.title_category", category=html.escape(category.name)) \
            if category else t(lang, "latest.title")
        return self.article_list(lang, title, found)

    def article_list(self, lang: str, title: str, items: list[Article],
                     notes: Sequence[str] = (), footer: str = "",
                     action: str = callbacks.OPEN) -> Reply:
        """A numbered list of articles with a button per article to open its card.

        `notes[i]` (HTML) ends item i's date line (e.g. /popular's "👍 3 · 👁 5"); `footer`
        (HTML) closes the list. `action` is the buttons' callback ("<action>:<article id>"),
        e.g. search results count their opens apart.
        """
        lines = [title, ""]
        buttons: list[Button] = []
        for number, article in enumerate(items, start=1):
            headline = article.title
            if len(headline) > _TITLE_IN_LIST:
                headline = headline[:_TITLE_IN_LIST].rsplit(" ", 1)[0] + "…"
            headline = html.escape(headline)
            if is_web_url(article.url):
                headline = f'<a href="{html.escape(article.url, quote=True)}">{headline}</a>'
            when = format_local_datetime(article.published, self.config.tz)
            lines.append(f"{number}. <b>{headline}</b>")
            note = f" · {notes[number - 1]}" if number <= len(notes) else ""
            lines.append(f"    <i>{html.escape(article.category)} · {when}</i>{note}")
            buttons.append(Button(str(number),
                                  callback_data=callbacks.make(action, article.id)))
        if footer:
            lines.extend(["", footer])
        rows: Keyboard = tuple(tuple(buttons[i:i + 5]) for i in range(0, len(buttons), 5))
        return Reply("\n".join(lines), rows)

    async def open_article(self, who: Who, article_id: int) -> Reply:
        """An article's card (deep link or a list button)."""
        lang = await self.language(who)
        article = await articles.get(self.db.conn, article_id)
        if article is None:
            return Reply(t(lang, "article.not_found"))
        if who.user_id is not None:  # popularity: each reader counts once per article
            await record_interaction(self.db, article_id=article.id, user_id=who.user_id,
                                     kind="open", now=self.clock())
        return Reply.from_card(render_card(article, lang, self.config.tz,
                                           public_url=self.config.public_url))

    # -- /settings, /stop --------------------------------------------------------------------

    async def settings(self, who: Who) -> Reply:
        lang = await self.language(who)
        return await self._settings_reply(who, lang)

    async def _settings_reply(self, who: Who, lang: str) -> Reply:
        chat = await chats.get(self.db.conn, who.chat_id)
        mode = chat.delivery_mode if chat else "instant"
        buttons = tuple(
            Button(("✅ " if code == lang else "") + t(code, "language.name"),
                   callback_data=callbacks.make(callbacks.LANG, code))
            for code in LANGUAGES
        )
        modes = tuple(
            Button(("✅ " if m == mode else "") + t(lang, f"delivery.{m}"),
                   callback_data=callbacks.make(callbacks.DELIVERY, m))
            for m in DELIVERY_MODES
        )
        if mode == "digest" and chat is not None and chat.digest_hour is not None:
            current = t(lang, "delivery.now_digest", hour=f"{chat.digest_hour:02d}:00")
        else:
            current = t(lang, f"delivery.now_{mode if mode in DELIVERY_MODES else 'instant'}")
        text = (t(lang, "settings.title", language=t(lang, "language.name")) + "\n"
                + t(lang, "settings.delivery", mode=current))
        return Reply(text, (buttons, modes))

    async def delivery(self, who: Who, choice: str) -> Notice:
        """A delivery-mode button: instant or paused at once, digest asks for the hour."""
        lang = await self.language(who)
        if choice == "back":
            return Notice("", edit=await self._settings_reply(who, lang))
        if not who.can_manage:
            return Notice(t(lang, "group.admins_only"), alert=True)
        if choice == "digest":
            return Notice("", edit=await self._hour_picker(who, lang))
        if choice not in DELIVERY_MODES:
            return Notice(t(lang, "button.invalid"))
        await self._set_delivery(who, choice, None)
        return Notice(t(lang, f"delivery.set_{choice}"),
                      edit=await self._settings_reply(who, lang))

    async def digest_hour(self, who: Who, hour: int) -> Notice:
        """An hour button of the digest picker: daily digest at that local hour."""
        lang = await self.language(who)
        if not who.can_manage:
            return Notice(t(lang, "group.admins_only"), alert=True)
        if not 0 <= hour <= 23:
            return Notice(t(lang, "button.invalid"))
        await self._set_delivery(who, "digest", hour)
        return Notice(t(lang, "delivery.set_digest", hour=f"{hour:02d}:00"),
                      edit=await self._settings_reply(who, lang))

    async def _hour_picker(self, who: Who, lang: str) -> Reply:
        chat = await chats.get(self.db.conn, who.chat_id)
        current = chat.digest_hour if chat and chat.delivery_mode == "digest" else None
        hours = [Button(("✅ " if h == current else "") + f"{h:02d}:00",
                        callback_data=callbacks.make(callbacks.HOUR, h)) for h in DIGEST_HOURS]
        rows = tuple(tuple(hours[i:i + 4]) for i in range(0, len(hours), 4))
        back = (Button(t(lang, "delivery.back"), callback_data=callbacks.make(
            callbacks.DELIVERY, "back")),)
        return Reply(t(lang, "delivery.pick_hour"), (*rows, back))

    async def _set_delivery(self, who: Who, mode: str, hour: int | None) -> None:
        """Switch the chat's delivery mode. Entering digest mode starts its bookkeeping: the
        first digest lists what is stored from now on (plus any instant push still waiting in
        the outbox, which the worker skips once the chat is in digest mode), and comes at the
        next occurrence of the hour. Switching to instant pushes only what is stored from now
        on: pushes are queued when an article is stored, for the chats in instant mode then."""
        await self._ensure_chat(who)
        now = self.clock()
        async with self.db.transaction() as conn:
            chat = await chats.get(conn, who.chat_id)
            if chat is None:
                return
            if mode == "digest":
                assert hour is not None
                day = slot_day(now, hour, self.config.tz).toordinal()
                last_day, after = await digests.bookkeeping(conn, who.chat_id)
                if chat.delivery_mode != "digest" or after is None:
                    after = await digests.newest_article_id(conn)
                    waiting = await digests.first_pending_article(conn, who.chat_id)
                    if waiting is not None:
                        after = min(after, waiting - 1)
                    last_day = day
                # A new hour keeps the day handled last: one digest a day, not two.
                await digests.mark_handled(conn, who.chat_id,
                                           day=day if last_day is None else last_day,
                                           after_article=after)
            await chats.set_delivery_mode(conn, who.chat_id, mode, hour)

    async def set_language(self, who: Who, lang: str) -> Notice:
        current = await self.language(who)
        if not who.can_manage:
            return Notice(t(current, "group.admins_only"), alert=True)
        if lang not in LANGUAGES:
            return Notice(t(current, "button.invalid"))
        await self._ensure_chat(who)
        async with self.db.transaction() as conn:
            await chats.set_language(conn, who.chat_id, lang)
        return Notice(t(lang, "settings.language_set"), edit=await self._settings_reply(who, lang))

    async def stop(self, who: Who) -> Reply:
        """Unsubscribe from everything and forget the chat."""
        lang = await self.language(who)
        if not who.can_manage:
            return Reply(t(lang, "group.admins_only"))
        async with self.db.transaction() as conn:
            await chats.delete(conn, who.chat_id)
        if who.chat_type == "private" and who.user_id is not None:
            # What the reader liked and opened is about them too (popularity counts drop).
            await forget_reader(self.db, who.user_id, now=self.clock())
        return Reply(t(lang, "stop.done"))
