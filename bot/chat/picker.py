"""The category picker and its toggles, for any reader: the "all categories" choice first, then
every category, ✅ on what the reader follows.

Shared by the reader's own picker (/start, /categories: the reader is the asking chat or forum
topic) and by the admins' /channels (the reader is a channel or group linked from a private
chat); each passes the actions its choices send back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import t
from bot.message import ChatRef, Choice, Choices, Text
from bot.text.fold import fold
from storage import categories, chats, subscriptions
from storage.db import Database

ALL = "all"  # the "all categories" subscription, where a category id would be

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
                  action: Callable[[int | str], str]) -> tuple[Choices, bool]:
    """One choice per row: "all categories" first, then every category; and whether the reader
    follows every category. `action(category id or ALL)` is what a choice sends back."""
    follows_all = await subscriptions.follows_all(db, reader)
    followed = await subscriptions.category_ids(db, reader)
    rows: list[tuple[Choice, ...]] = [(Choice(
        ("✅ " if follows_all else "▫️ ") + str(t(lang, "categories.all")),
        action=action(ALL)),)]
    rows.extend(
        (Choice(("✅ " if c.id in followed else "▫️ ") + c.name, action=action(c.id)),)
        for c in await categories.list_all(db)
    )
    return tuple(rows), follows_all


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
