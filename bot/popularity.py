"""Popularity (SPEC section 7): what readers do with articles, and the score that ranks them.

Channel-neutral: plain data in, plain data out. The formula (also in the README, "Popularity"):

    weight = 3·👍 + 2·"Xem thêm" + 1·opens + 1·search-result opens   (distinct readers per kind)
    score  = weight · 2^(−age / 48 h)                                  age = now − published

A reader counts once per article and kind; 👍 toggles. The score halves every 48 hours of the
article's age, so a fresh article read by a few overtakes last week's article read by many.
/popular ranks articles published in the last 7 days.

Ranking without recomputing: log2(score) = log2(weight) + published/H − now/H (H the half-life
in seconds). The last term is the same for every article at a given moment, so ordering by
`rank_key = log2(weight) + published/H` is ordering by score, at any moment. The key is stored
with the per-article counters and indexed; it changes only when an interaction does.

API for other features (e.g. search result opens):

    await record_interaction(db, article_id=..., user=who.user, kind="search_open")

returns True when this reader's interaction counted (first of its kind for the article), False
when it had counted already or the article does not exist. It opens its own write transaction.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from bot.message import UserRef
from storage import interactions
from storage.db import Database
from storage.interactions import Counts, Kind

WEIGHTS: dict[str, int] = {"like": 3, "more": 2, "open": 1, "search_open": 1}
HALF_LIFE_HOURS = 48
WINDOW_DAYS = 7
_HALF_LIFE = HALF_LIFE_HOURS * 3600


@dataclass(frozen=True, slots=True)
class Ranked:
    """One article of a ranking: its counters and its score at the time of the ranking."""

    counts: Counts
    score: float

    @property
    def views(self) -> int:
        """Distinct readers who opened the article (from a list, a link or a search result)."""
        return self.counts.opens + self.counts.search_opens


def weight(counts: Counts) -> int:
    return (WEIGHTS["like"] * counts.likes + WEIGHTS["more"] * counts.mores
            + WEIGHTS["open"] * counts.opens + WEIGHTS["search_open"] * counts.search_opens)


def score(counts: Counts, now: float) -> float:
    """weight · 2^(−age/48h); an article dated in the future has age 0."""
    age = max(now - counts.published, 0.0)
    return weight(counts) * 2.0 ** (-age / _HALF_LIFE)


def rank_key(counts: Counts, now: float) -> float | None:
    """The stored ordering key (see the module docstring); None when nothing counts.

    A publication time in the future (a feed's wrong clock) is taken as `now`, so it cannot
    stay on top for days.
    """
    w = weight(counts)
    if w <= 0:
        return None
    return math.log2(w) + min(counts.published, now) / _HALF_LIFE


def window_start(now: float) -> int:
    return int(now) - WINDOW_DAYS * 86400


async def record_interaction(db: Database, *, article_id: int, user: UserRef, kind: Kind,
                             now: float | None = None) -> bool:
    """Count `user`'s interaction of `kind` with the article (once); True if it counted."""
    if kind == "like":
        raise ValueError("a like toggles: use toggle_like")
    at = time.time() if now is None else now
    async with db.transaction() as conn:
        counted = await interactions.add(conn, article_id, user, kind, now=int(at),
                                         rank_key=lambda c: rank_key(c, at))
    return counted is not None


async def toggle_like(db: Database, *, article_id: int, user: UserRef,
                      now: float | None = None) -> bool | None:
    """Like, or un-like when liked already: True liked, False un-liked, None no such article."""
    at = time.time() if now is None else now

    def key(c: Counts) -> float | None:
        return rank_key(c, at)

    async with db.transaction() as conn:
        if await interactions.remove(conn, article_id, user, "like", rank_key=key):
            return False
        added = await interactions.add(conn, article_id, user, "like", now=int(at),
                                       rank_key=key)
    return True if added is not None else None


async def forget_reader(db: Database, user: UserRef, *, now: float | None = None) -> int:
    """Delete everything a reader did (/stop in a private chat); how many interactions."""
    at = time.time() if now is None else now
    async with db.transaction() as conn:
        return await interactions.remove_user(conn, user, rank_key=lambda c: rank_key(c, at))


async def top(db: Database, *, limit: int, category_id: int | None = None,
              now: float | None = None) -> list[Ranked]:
    """The best-scored articles published in the last `WINDOW_DAYS` days, best first."""
    at = time.time() if now is None else now
    since = window_start(at)
    # An article of the window has weight >= 1 (log2 >= 0) and published >= since, so its key
    # is at least since/H: the index walk stops there instead of reading the whole archive.
    found = await interactions.top(db, since=since, min_key=since / _HALF_LIFE,
                                   limit=limit, category_id=category_id)
    return [Ranked(c, score(c, at)) for c in found]
