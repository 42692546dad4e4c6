"""The category picker and its toggles, for any reader: the "all categories" choice first, then
every category (a page at a time), ✅ on what the reader follows.

Shared by the reader's own picker (/start, /categories: the reader is the asking chat or forum
topic) and by the admins' /channels (the reader is a channel or group linked from a private
chat); each passes the actions its choices send back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.listing import Page, nav_row, page_containing, page_of
from bot.i18n import t
from bot.message import ChatRef, Choice, Choices, Text
from bot.text.fold import fold
from storage import categories, chats, subscriptions
from storage.db import Database

ALL = "all"  # the "all categories" subscription, where a category id would be
PAGE = 20  # categories per page of the picker (one button each, well within a message's)

# The words that mean "every category" after /subscribe and /unsubscribe (accents and case do
# not matter: compared folded).
ALL_WORDS = frozenset({"all", "tat ca", "tatca", "tat ca chuyen muc", "all categories",
                       "moi chuyen muc"})


@dataclass(frozen=True, slots=True)
class Toggled:
    """What a toggle did: subscribed (`on`) or not, to what (a category's name, or "all")."""

    on: bool
    name: Text


async def choices(db: Database, reader: ChatRef, lang: str,
                  action: Callable[[int | str], str], *, page: int = 0,
                  around: int | None = None, nav: Callable[[int], str] | None = None
                  ) -> tuple[Choices, bool, Page]:
    """One choice per row: "all categories" first, then a page of the categories (`page`, or
    the page showing category `around`), then « / » choices to the other pages (`nav(page)` is
    what they send back); whether the reader follows every category; the page shown.
    `action(category id or ALL)` is what a choice sends back.

    Paged (bot/chat/listing.py): a source with hundreds of categories would otherwise need more
    buttons than a message may carry (Telegram refuses a keyboard of more than 100)."""
    follows_all = await subscriptions.follows_all(db, reader)
    followed = await subscriptions.category_ids(db, reader)
    every = await categories.list_all(db)
    if around is not None:
        index = next((n for n, c in enumerate(every) if c.id == around), 0)
        page = page_containing(index, PAGE)
    shown = page_of(len(every), PAGE, page)
    rows: list[tuple[Choice, ...]] = [(Choice(
        ("✅ " if follows_all else "▫️ ") + str(t(lang, "categories.all")),
        action=action(ALL)),)]
    rows.extend(
        (Choice(("✅ " if c.id in followed else "▫️ ") + c.name, action=action(c.id)),)
        for c in every[shown.start:shown.end]
    )
    if nav is not None:
        row = nav_row(shown, lang, nav)
        if row:
            rows.append(row)
    return tuple(rows), follows_all, shown


async def toggle(db: Database, reader: ChatRef, target: int | str, *, chat_type: str,
                 language: str, lang: str, now: int) -> Toggled | None:
    """Subscribe the reader to `target` (a category id, or ALL), or unsubscribe it when it was
    subscribed; None when the category does not exist. The chat is created (or made active
    again) on the way, with `chat_type` and `language`."""
    if target == ALL:
        name = t(lang, "categories.all")
        category_id = None
    else:
        category = await categories.get(db, int(target))
        if category is None:
            return None
        name, category_id = Text(category.name), category.id
    existing = await chats.get(db, reader)
    async with db.transaction() as conn:
        if existing is None or not existing.active:
            await chats.ensure(conn, reader, chat_type,
                               existing.language if existing else language, now=now)
        if category_id is None:
            on = not await subscriptions.remove_all_categories(conn, reader)
            if on:
                await subscriptions.add_all(conn, reader, now=now)
        else:
            on = not await subscriptions.remove(conn, reader, category_id)
            if on:
                await subscriptions.add(conn, reader, category_id, now=now)
    return Toggled(on, name)


def is_all(argument: str) -> bool:
    """Whether a command's argument means "every category" ("all", "tất cả", "tat ca"...)."""
    return fold(argument) in ALL_WORDS
