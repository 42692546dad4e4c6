"""When digests are due, and making them: one message a day per digest chat, at its hour.

The digest of local day D for a chat with hour H is due from D H:00 (the zone is
NEWSBOT_TIMEZONE). `run_due` (a repeating job, every minute) handles every due slot once:
- it lists the chat's new articles (stored after the last digest, in the categories it follows,
  or every category when it follows them all); a forum's topics that subscribed are readers of
  their own: each gets its own digest in its topic (the hour and language are the chat's);
- if there are some, it stores the digest text and its delivery in the outbox, in the same
  transaction as the bookkeeping (the delivery worker then sends it, and a crash can neither
  lose nor repeat it); if there are none, nothing is sent but the slot still counts as handled;
- a slot missed while the bot was down is handled when it comes back, once: only the latest
  slot counts (two days down give one digest, with everything new).
The clock is the chat core's (`Common.clock`), so tests set the time in one place. A title links
to the article's page, else to what the chat's channel offers to open the article in the chat
(`article_link`, e.g. Telegram's deep link), else nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.chat.common import Common
from bot.delivery.card import is_web_url
from bot.digest.compose import compose_digest, order
from bot.message import ChatRef, to_stored
from bot.web.links import without_tracking
from storage import deliveries, digests, subscriptions
from storage.db import Database
from storage.digests import DigestArticle

# (channel, article id) -> a link that opens the article in a chat of that channel, or None.
ArticleLink = Callable[[str, int], str | None]

log = logging.getLogger(__name__)

# A digest lists at most this many articles (the newest stored); older ones are left out.
MAX_ARTICLES = 300
KEEP_DAYS = 30  # digests older than this are deleted (their delivery history with them)
_PRUNE_EVERY = 3600.0


def slot_day(now: float, hour: int, tz: tzinfo) -> date:
    """The local day of the latest digest slot at `hour` that has begun by `now`."""
    local = datetime.fromtimestamp(now, tz)
    day = local.date()
    return day if local.hour >= hour else day - timedelta(days=1)


def title_link(channel: str, article_link: ArticleLink) -> Callable[[DigestArticle], str | None]:
    """Where a digest's title points in a chat of `channel`: the article's page, else the
    channel's link to the article (which opens the card in the chat), else nowhere."""

    def link(article: DigestArticle) -> str | None:
        if is_web_url(article.url):
            return without_tracking(article.url)
        return article_link(channel, article.id)

    return link


def no_links(channel: str, article_id: int) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class DigestRun:
    """What one pass did: slots handled, digests queued, chats that failed (logged)."""

    handled: int = 0
    queued: int = 0
    failed: int = 0


class DigestScheduler:
    """Makes due digests; `run_due` is idempotent and safe to call at any time."""

    def __init__(self, common: Common, article_link: ArticleLink = no_links) -> None:
        self.common = common
        self.db: Database = common.db
        self.article_link = article_link
        self._pruned_at = float("-inf")

    @property
    def tz(self) -> tzinfo:
        return self.common.tz

    async def run_due(self) -> DigestRun:
        """Handle every due slot; returns the counts (queue deliveries -> wake the worker)."""
        now = self.common.clock()
        handled = queued = failed = 0
        for hour in range(24):
            day = slot_day(now, hour, self.tz)
            for chat in await digests.due(self.db, hour=hour, day=day.toordinal()):
                try:
                    made = await self._one(chat, day, now)
                except Exception:  # one chat's bad data must not stop the others' digests
                    log.exception("digest: chat=%s failed", chat)
                    failed += 1
                    continue
                if made is not None:
                    handled += 1
                    queued += made
        if now - self._pruned_at >= _PRUNE_EVERY:
            self._pruned_at = now
            async with self.db.transaction() as conn:
                pruned = await digests.prune(conn, before=int(now) - KEEP_DAYS * 86400)
            if pruned:
                log.info("digest: %d digests older than %d days deleted", pruned, KEEP_DAYS)
        if handled:
            log.info("digest: %d slots handled, %d digests queued", handled, queued)
        return DigestRun(handled, queued, failed)

    async def _one(self, ref: ChatRef, day: date, now: float) -> int | None:
        """Handle one chat's slot: the number of digests queued (one per reader of the chat
        with something new: the chat itself, each forum topic that subscribed), None if the
        slot was handled meanwhile (or the chat left digest mode)."""
        async with self.db.transaction() as conn:
            chat = await digests.chat(conn, ref)
            if chat is None or slot_day(now, chat.digest_hour, self.tz) != day or (
                chat.last_day is not None and chat.last_day >= day.toordinal()
            ):
                return None
            upto = await digests.newest_article_id(conn)
            after = chat.after_article if chat.after_article is not None else upto
            queued = 0
            for reader in await subscriptions.readers_of(conn, ref):
                found = await digests.new_articles(conn, reader, after=after, upto=upto,
                                                   limit=MAX_ARTICLES)
                if not found:
                    continue
                composed = compose_digest(
                    order(found), lang=chat.language, day=day,
                    link=title_link(ref.channel, self.article_link),
                    limit=self.common.limits(ref.channel).text)
                digest_id = await digests.create(
                    conn, reader, to_stored(composed.text),
                    period_start=min(a.published for a in found), period_end=int(now),
                    now=int(now), overflow=composed.overflow)
                await deliveries.enqueue_digest(conn, digest_id, reader, now=int(now))
                queued += 1
                log.info("digest: chat=%s digest_id=%s with %d articles", reader, digest_id,
                         len(found))
            await digests.mark_handled(conn, ref, day=day.toordinal(), after_article=upto)
        return queued
