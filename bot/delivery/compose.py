"""What each delivery says: the article card (made once per article, language and channel, not
per subscriber), a broadcast's message, a digest's text; and the state of an article's photo.

An article's photo goes out as the platform's file id as soon as there is one (per channel: a
file id is only valid on the platform, and the account, that issued it): a local archive photo is
uploaded once, a photo URL is fetched by the platform once, and every later recipient gets the
file id (cheaper for the platform, and no second fetch of the publisher's server). Until the first
send succeeds, one recipient at a time is the *probe* and the others wait for its result, so a
photo the platform cannot fetch is tried once (the sender may download it itself and upload it,
see bot/telegram/sender.py); if that fails too, the article goes out as text to everyone on that
channel (``article_photos.failed``), including the waiting recipients.

A digest's choices ("more") belong to the digest feature: `digest_choices` is given by the core
(bot/chat/digest.py `more_choices`), so the outbox imports nothing of it.

A flood summary (the flood rule, storage/deliveries.py) says "12 bài mới trong chuyên mục …" and
lists the newest of those articles, titles linking to them, as a digest lays them out (within the
channel's text limit, the rest counted). It is made once per range, set of categories, language
and channel, and shared by every reader that has the same (a reader following every category
gets every category's articles of the range).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import tzinfo

from bot.delivery.card import article_card, channel_photo, is_web_url, photo_of
from bot.delivery.outbound import SendOutcome, Status
from bot.digest.compose import compose_listing, order
from bot.i18n import t
from bot.message import Choices, Limits, Message, Photo, from_stored
from bot.models import Article
from storage import articles, digests, subscriptions
from storage import deliveries as outbox
from storage.db import Database
from storage.deliveries import Pending
from storage.digests import DigestArticle

log = logging.getLogger(__name__)

# How long a recipient waits for another one's photo probe before probing itself.
_PROBE_WAIT = 60.0
# A broadcast's text and status are re-read this often (so a cancel is noticed quickly).
_BROADCAST_TTL = 2.0

# A flood summary lists at most this many titles (more never fit in one message).
SUMMARY_TITLES = 60

# (digest id, articles that did not fit, language) -> the digest message's choices.
DigestChoices = Callable[[int, int, str], Choices]
# (channel, article id) -> a link that opens the article in a chat of that channel, or None.
ArticleLink = Callable[[str, int], str | None]


def _no_link(channel: str, article_id: int) -> str | None:
    return None


def _no_choices(digest_id: int, overflow: int, lang: str) -> Choices:
    return ()


@dataclass(slots=True)
class _PhotoState:
    source: str | None  # URL or local path as ingested
    file_id: str | None
    failed: bool
    probe: asyncio.Event | None = None  # set when the running probe ends
    prober: int | None = None  # the delivery id probing
    # The platform took the photo as given and returned no id of its own (Zalo takes only a
    # URL it fetches itself): every later recipient gets the same, without a probe.
    verified: bool = False


class Composer:
    """Turns deliveries into messages, with small LRU caches (bounded whatever the push size).

    `limits` gives each channel's room for a card (shared with the chat core, which may learn
    of channels later).
    """

    def __init__(self, db: Database, tz: tzinfo, limits: Callable[[str], Limits], *,
                 digest_choices: DigestChoices = _no_choices, cache_size: int = 256,
                 public_url: str | None = None, article_link: ArticleLink = _no_link) -> None:
        self.db = db
        self.tz = tz
        self.limits = limits
        self.digest_choices = digest_choices
        self.article_link = article_link  # where an archive article's title links to
        self.public_url = public_url  # NEWSBOT_PUBLIC_URL: archive articles link to their page
        self.cache_size = cache_size
        self._articles: OrderedDict[int, Article | None] = OrderedDict()
        # (article, language, channel, with a photo) -> the card as the core lays it out;
        # (..., the photo to send) -> that card with that photo, one object shared by every
        # recipient (the sender renders a message object once).
        self._cards: OrderedDict[tuple[int, str, str, bool], Message] = OrderedDict()
        self._with_photo: OrderedDict[tuple[int, str, str, Photo], Message] = OrderedDict()
        self._photos: OrderedDict[tuple[int, str], _PhotoState] = OrderedDict()
        self._broadcasts: OrderedDict[int, tuple[float, Message | str]] = OrderedDict()
        self._broadcast_no_photo: set[tuple[int, str]] = set()
        # (first, upto, categories (None: all), language, channel) -> the flood summary.
        self._summaries: OrderedDict[
            tuple[int, int, frozenset[int] | None, str, str], Message | str] = OrderedDict()
        self.renders = 0  # cards made (for tests: once per article, language and channel)

    # -- the MessageSource protocol ---------------------------------------------------------------

    async def message(self, item: Pending) -> Message | str:
        if item.kind == "article":
            return await self._article_message(item)
        if item.kind == "broadcast":
            return await self._broadcast_message(item)
        if item.kind == "summary":
            return await self._summary_message(item)
        return await self._digest_message(item)

    async def text_message(self, item: Pending) -> Message | str:
        if item.kind == "article":
            article = await self._article(item.ref_id)
            if article is None:
                return "article not found"
            return self._card(article, item, None)
        composed = await self.message(item)
        if isinstance(composed, str):
            return composed
        return replace(composed, photo=None)

    async def after_send(self, item: Pending, message: Message, outcome: SendOutcome) -> None:
        if message.photo is None:
            return
        channel = item.chat.channel
        if item.kind == "broadcast":
            if outcome.status is Status.PHOTO_REJECTED:
                self._broadcast_no_photo.add((item.ref_id, channel))
            return
        if item.kind != "article":
            return
        state = self._photos.get((item.ref_id, channel))
        if state is None:
            return
        status = outcome.status
        if message.photo.kind == "file_id":
            if status is Status.PHOTO_REJECTED and not state.failed:
                # A stale file id (e.g. another bot token): forget it, probe the source again.
                log.info("article_id=%s: photo file id refused on %s, trying the original",
                         item.ref_id, channel)
                state.file_id = None
                async with self.db.transaction() as conn:
                    await outbox.set_photo_file_id(conn, item.ref_id, channel, None)
            return
        if state.prober != item.id:
            return
        if status in (Status.RETRY_AFTER, Status.MIGRATED):
            return  # the same recipient tries again: still the probe
        if status is Status.SENT and outcome.photo_file_id:
            state.file_id = outcome.photo_file_id
            async with self.db.transaction() as conn:
                await outbox.set_photo_file_id(conn, item.ref_id, channel, outcome.photo_file_id)
        elif status is Status.SENT:
            state.verified = True
        elif status is Status.PHOTO_REJECTED:
            log.warning("article_id=%s: photo %s not usable on %s (%s): sending as text from "
                        "now on", item.ref_id, state.source, channel, outcome.reason)
            state.failed = True
            async with self.db.transaction() as conn:
                await outbox.set_photo_failed(conn, item.ref_id, channel)
        self._end_probe(state)

    def done(self, item: Pending) -> None:
        if item.kind != "article":
            return
        state = self._photos.get((item.ref_id, item.chat.channel))
        if state is not None and state.prober == item.id:
            self._end_probe(state)  # ended without a usable answer: let another recipient try

    # -- articles ---------------------------------------------------------------------------------

    async def _article_message(self, item: Pending) -> Message | str:
        article = await self._article(item.ref_id)
        if article is None:
            return "article not found"
        channel = item.chat.channel
        state = await self._photo_state(article, channel)
        while True:
            if state.failed or not state.source:
                return self._card(article, item, None)
            if state.file_id:
                return self._card(article, item, photo_of(state.file_id, channel))
            # The photo as this channel takes it (Zalo: an https URL only), or none at all.
            source = channel_photo(article, photo_of(state.source, channel),
                                   self.limits(channel), self.public_url)
            if source is None:
                return self._card(article, item, None)
            if state.verified:
                return self._card(article, item, source)
            if state.probe is None or state.prober == item.id:
                state.probe = asyncio.Event()
                state.prober = item.id
                return self._card(article, item, source)
            probe = state.probe
            try:
                await asyncio.wait_for(probe.wait(), _PROBE_WAIT)
            except TimeoutError:
                log.warning("article_id=%s: photo probe took too long; probing again",
                            item.ref_id)
                if state.probe is probe:
                    self._end_probe(state)

    @staticmethod
    def _end_probe(state: _PhotoState) -> None:
        if state.probe is not None:
            state.probe.set()
        state.probe = None
        state.prober = None

    async def _article(self, article_id: int) -> Article | None:
        if article_id in self._articles:
            self._articles.move_to_end(article_id)
            return self._articles[article_id]
        article = await articles.get(self.db, article_id)
        self._remember(self._articles, article_id, article)
        return article

    async def _photo_state(self, article: Article, channel: str) -> _PhotoState:
        key = (article.id, channel)
        state = self._photos.get(key)
        if state is not None:
            self._photos.move_to_end(key)
            return state
        stored = await outbox.article_photo(self.db, article.id, channel)
        state = self._photos.get(key)
        if state is not None:  # another recipient loaded it meanwhile: share one state
            return state
        if stored is None:
            state = _PhotoState(article.image, None, not article.image)
        else:
            state = _PhotoState(stored.image, stored.file_id, stored.failed or not stored.image)
        # Never evict a state with a probe running: its waiters hold on to it.
        self._remember(self._photos, key, state)
        return state

    def _card(self, article: Article, item: Pending, photo: Photo | None) -> Message:
        """The card with `photo` (the platform's file id or the photo as ingested), or none."""
        channel = item.chat.channel
        key = (article.id, item.language, channel, photo is not None)
        card = self._cards.get(key)
        if card is None:
            card = article_card(article, item.language, self.tz, self.limits(channel),
                                with_photo=photo is not None, public_url=self.public_url)
            self.renders += 1
            self._remember(self._cards, key, card)
        else:
            self._cards.move_to_end(key)
        if photo is None:
            return card
        variant_key = (article.id, item.language, channel, photo)
        variant = self._with_photo.get(variant_key)
        if variant is None:
            variant = replace(card, photo=photo)
            self._remember(self._with_photo, variant_key, variant)
        return variant

    # -- digests ----------------------------------------------------------------------------------

    async def _digest_message(self, item: Pending) -> Message | str:
        """The digest's text, with a "more" choice when articles did not fit; a chat that
        paused its news after the digest was made does not get it."""
        if item.delivery_mode == "paused":
            return "delivery paused"
        digest = await digests.get(self.db, item.ref_id)
        if digest is None:
            return "digest not found"
        return Message(from_stored(digest.text),
                       self.digest_choices(digest.id, digest.overflow, item.language))

    # -- flood summaries --------------------------------------------------------------------------

    async def _summary_message(self, item: Pending) -> Message | str:
        """"12 bài mới trong chuyên mục …" with the newest titles of the summary's range."""
        first, upto = item.ref_id, item.summary_upto or item.ref_id
        channel = item.chat.channel
        # The reader's categories (a chat, or one forum topic); None: it follows them all.
        followed: frozenset[int] | None = None
        if not await subscriptions.follows_all(self.db, item.chat):
            followed = frozenset(await subscriptions.category_ids(self.db, item.chat))
        key = (first, upto, followed, item.language, channel)
        if key in self._summaries:
            self._summaries.move_to_end(key)
            return self._summaries[key]
        conn = self.db
        categories = None if followed is None else sorted(followed)
        counts = await outbox.summary_counts(conn, categories, first=first, upto=upto)
        total = sum(count for _, count in counts)
        composed: Message | str
        if not total:
            composed = "nothing left to summarise (unsubscribed)"
        else:
            found = await outbox.summary_articles(conn, categories, first=first,
                                                  upto=upto, limit=SUMMARY_TITLES)
            lang = item.language
            head = [t(lang, "flood.title", count=total,
                      categories=", ".join(name for name, _ in counts)),
                    t(lang, "flood.why")]

            def target(article: DigestArticle) -> str | None:
                if is_web_url(article.url):
                    return article.url
                return self.article_link(channel, article.id)

            listing = compose_listing(head, order(found), lang=lang, link=target,
                                      limit=self.limits(channel).text, total=total)
            composed = Message(listing.text)
            self.renders += 1
        self._remember(self._summaries, key, composed)
        return composed

    # -- broadcasts -------------------------------------------------------------------------------

    def forget_broadcast(self, broadcast_id: int) -> None:
        """An admin stopped the broadcast: re-read it now, not after the cache's TTL, so no
        delivery of it is composed after the cancel is committed."""
        self._broadcasts.pop(broadcast_id, None)

    async def _broadcast_message(self, item: Pending) -> Message | str:
        broadcast_id = item.ref_id
        now = time.monotonic()
        cached = self._broadcasts.get(broadcast_id)
        if cached is not None and now - cached[0] < _BROADCAST_TTL:
            composed = cached[1]
        else:
            found = await outbox.broadcast_message(self.db, broadcast_id)
            if found is None:
                composed = "broadcast not found"
            elif found.status == "cancelled":
                composed = "cancelled"
            else:
                photo = photo_of(found.photo, found.photo_channel) if found.photo else None
                composed = Message(from_stored(found.text), photo=photo)
            self._remember(self._broadcasts, broadcast_id, (now, composed))
        if isinstance(composed, str) or composed.photo is None:
            return composed
        photo = composed.photo
        usable = (photo.kind != "file_id" or photo.channel == item.chat.channel) and (
            (broadcast_id, item.chat.channel) not in self._broadcast_no_photo)
        return composed if usable else replace(composed, photo=None)

    def _remember(self, cache: OrderedDict, key: object, value: object) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.cache_size:
            oldest_key, oldest = next(iter(cache.items()))
            if isinstance(oldest, _PhotoState) and oldest.probe is not None:
                cache.move_to_end(oldest_key)
                break
            cache.popitem(last=False)
