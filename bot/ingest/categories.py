"""A feed's categories: mapped onto the publisher's, and new ones told to the admins once.

- `CategoryMap`: a source's `category_map` / `category_aliases` (sources file) as one lookup.
  Feeds name categories loosely ("Tin tức", "Tin tuc", "TIN TỨC" next to "Tin tức - Sự
  kiện"); the map folds a feed's names onto the publisher's, so a feed cannot scatter
  near-duplicates. Names are compared by `category_key` (no accents, no case, punctuation and
  spacing ignored). A name the map does not know is kept as the feed wrote it (categories are
  stored once per accent- and case-folded name anyway, `storage.categories.ensure`).
- `CategoryNotices`: categories that appeared since the admins were last told, as one message
  (which sources used them, and how to map them). A category is told once (`announced_at`);
  the first categories of a new installation are the publisher's own and are not told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from bot.i18n import t
from bot.message import Text
from bot.text.fold import category_key
from storage import categories
from storage.db import Database

log = logging.getLogger(__name__)

_LISTED = 5  # new categories named in one message (the rest are counted in the names)


class CategoryMap:
    """A source's mapping of feed categories onto the publisher's."""

    __slots__ = ("_targets",)

    def __init__(self, mapping: Mapping[str, str] | None = None,
                 aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        # The sources file is checked for a name mapped to two categories (bot/config.py);
        # here the later pair wins.
        targets: dict[str, str] = {}
        pairs = list((mapping or {}).items())
        pairs += [(alias, target) for target, names in (aliases or {}).items()
                  for alias in names]
        for name, target in pairs:
            targets[category_key(name)] = target
        self._targets = targets

    def __bool__(self) -> bool:
        return bool(self._targets)

    def __call__(self, name: str) -> str:
        """The publisher's name for the feed's `name` (itself when the map does not say)."""
        if not self._targets:
            return name
        return self._targets.get(category_key(name), name)


NO_MAP = CategoryMap()


class CategoryNotices:
    """Takes the categories the admins were not told about (see the module docstring)."""

    def __init__(self, db: Database, lang: str, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.lang = lang
        self.clock = clock

    async def take(self) -> Text | None:
        """The message about new categories (now marked as told), None when there are none.

        Told at most once: marked in the same transaction that reads them, before the message
        is sent (a crash in between loses the message, never repeats it)."""
        now = int(self.clock())
        async with self.db.transaction() as conn:
            found = await categories.unannounced(conn)
            if not found:
                return None
            first = not await categories.any_announced(conn)
            marked = set(await categories.mark_announced(conn, [c.id for c in found], now=now))
            found = [c for c in found if c.id in marked]  # told by another process meanwhile
            if not found:
                return None
        if first:  # a new installation's first categories: the publisher's own
            log.info("categories: %d known from the first ingestion", len(found))
            return None
        lang = self.lang
        names = ", ".join(f"«{c.name}»" for c in found[:_LISTED])
        if len(found) > _LISTED:
            names += f" (+{len(found) - _LISTED})"
        lines = []
        for category in found[:_LISTED]:
            sources = ", ".join(str(t(lang, "category.new_source", source=s, count=n))
                                for s, n in category.sources) or "—"
            lines.append(t(lang, "category.new_line", name=category.name, sources=sources))
        log.info("categories: new %s", names)
        return t(lang, "category.new", names=names, details=Text.join("\n", lines),
                 example=found[0].name)
