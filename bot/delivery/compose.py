"""What each delivery says: the article card (rendered once per article and language, not per
subscriber), a broadcast's message, a digest's text; and the state of an article's photo.

An article's photo goes out as the platform's file id as soon as there is one: a local archive
photo is uploaded once, a photo URL is fetched by the platform once, and every later recipient
gets the file id (cheaper for the platform, and no second fetch of the publisher's server). Until
the first send succeeds, one recipient at a time is the *probe* and the others wait for its
result, so a photo the platform cannot fetch is tried once; the article then goes out as text to
everyone (``articles.photo_failed``), including the waiting recipients.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import tzinfo

from bot.delivery.card import Card, is_web_url, render_card
from bot.delivery.worker import OutMessage, Photo, SendOutcome, Status
from bot.digest.compose import more_buttons
from bot.models import Article
from storage import articles, digests
from storage import deliveries as outbox
from storage.db import Database
from storage.deliveries import Pending

log = logging.getLogger(__name__)

# How long a recipient waits for another one's photo probe before probing itself.
_PROBE_WAIT = 60.0
# A broadcast's text and status are re-read this often (so a cancel is noticed quickly).
_BROADCAST_TTL = 2.0


@dataclass(slots=True)
class _PhotoState:
    source: str | None  # URL or local path as ingested
    file_id: str | None
    failed: bool
    probe: asyncio.Event | None = None  # set when the running probe ends
    prober: int | None = None  # the delivery id probing


def _photo_for(ref: str) -> Photo:
    if is_web_url(ref):
        return Photo(ref, "url")
    if os.path.isabs(ref):
        return Photo(ref, "file")
    return Photo(ref, "file_id")


class Composer:
    """Turns deliveries into messages, with small LRU caches (bounded whatever the push size)."""

    def __init__(self, db: Database, tz: tzinfo, *, cache_size: int = 256,
                 public_url: str | None = None) -> None:
        self.db = db
        self.tz = tz
        self.public_url = public_url  # NEWSBOT_PUBLIC_URL: archive articles link to their page
        self.cache_size = cache_size
        self._articles: OrderedDict[int, Article | None] = OrderedDict()
        self._cards: OrderedDict[tuple[int, str, bool], Card] = OrderedDict()
        self._photos: OrderedDict[int, _PhotoState] = OrderedDict()
        self._broadcasts: OrderedDict[int, tuple[float, OutMessage | str]] = OrderedDict()
        self._broadcast_no_photo: set[int] = set()
        self.renders = 0  # cards rendered (for tests: once per article and language)

    # -- the MessageSource protocol ---------------------------------------------------------------

    async def message(self, item: Pending) -> OutMessage | str:
        if item.kind == "article":
            return await self._article_message(item)
        if item.kind == "broadcast":
            return await self._broadcast_message(item.ref_id)
        return await self._digest_message(item)

    async def text_message(self, item: Pending) -> OutMessage | str:
        if item.kind == "article":
            article = await self._article(item.ref_id)
            if article is None:
                return "article not found"
            card = self._card(article, item.language, with_photo=False)
            return OutMessage(card.text, card.buttons)
        composed = await self.message(item)
        if isinstance(composed, str):
            return composed
        return OutMessage(composed.text, composed.buttons)

    async def after_send(self, item: Pending, message: OutMessage, outcome: SendOutcome) -> None:
        if message.photo is None:
            return
        if item.kind == "broadcast":
            if outcome.status is Status.PHOTO_REJECTED:
                self._broadcast_no_photo.add(item.ref_id)
                self._broadcasts.pop(item.ref_id, None)
            return
        if item.kind != "article":
            return
        state = self._photos.get(item.ref_id)
        if state is None:
            return
        status = outcome.status
        if message.photo.kind == "file_id":
            if status is Status.PHOTO_REJECTED and not state.failed:
                # A stale file id (e.g. another bot token): forget it, probe the source again.
                log.info("article_id=%s: photo file id refused, trying the original",
                         item.ref_id)
                state.file_id = None
                async with self.db.transaction() as conn:
                    await outbox.set_photo_file_id(conn, item.ref_id, None)
            return
        if state.prober != item.id:
            return
        if status in (Status.RETRY_AFTER, Status.MIGRATED):
            return  # the same recipient tries again: still the probe
        if status is Status.SENT and outcome.photo_file_id:
            state.file_id = outcome.photo_file_id
            async with self.db.transaction() as conn:
                await outbox.set_photo_file_id(conn, item.ref_id, outcome.photo_file_id)
        elif status is Status.PHOTO_REJECTED:
            log.warning("article_id=%s: photo %s not usable (%s): sending as text from now on",
                        item.ref_id, state.source, outcome.reason)
            state.failed = True
            async with self.db.transaction() as conn:
                await outbox.set_photo_failed(conn, item.ref_id)
        self._end_probe(state)

    def done(self, item: Pending) -> None:
        if item.kind != "article":
            return
        state = self._photos.get(item.ref_id)
        if state is not None and state.prober == item.id:
            self._end_probe(state)  # ended without a usable answer: let another recipient try

    # -- articles ---------------------------------------------------------------------------------

    async def _article_message(self, item: Pending) -> OutMessage | str:
        article = await self._article(item.ref_id)
        if article is None:
            return "article not found"
        state = await self._photo_state(article)
        while True:
            if state.failed or not state.source:
                card = self._card(article, item.language, with_photo=False)
                return OutMessage(card.text, card.buttons)
            card = self._card(article, item.language, with_photo=True)
            if state.file_id:
                return OutMessage(card.text, card.buttons, Photo(state.file_id, "file_id"))
            if state.probe is None or state.prober == item.id:
                state.probe = asyncio.Event()
                state.prober = item.id
                return OutMessage(card.text, card.buttons, _photo_for(state.source))
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
        article = await articles.get(self.db.conn, article_id)
        self._remember(self._articles, article_id, article)
        return article

    async def _photo_state(self, article: Article) -> _PhotoState:
        state = self._photos.get(article.id)
        if state is not None:
            self._photos.move_to_end(article.id)
            return state
        stored = await outbox.article_photo(self.db.conn, article.id)
        state = self._photos.get(article.id)
        if state is not None:  # another recipient loaded it meanwhile: share one state
            return state
        if stored is None:
            state = _PhotoState(article.image, None, not article.image)
        else:
            state = _PhotoState(stored.image, stored.file_id, stored.failed or not stored.image)
        # Never evict a state with a probe running: its waiters hold on to it.
        self._remember(self._photos, article.id, state)
        return state

    def _card(self, article: Article, lang: str, *, with_photo: bool) -> Card:
        key = (article.id, lang, with_photo)
        card = self._cards.get(key)
        if card is None:
            card = render_card(article, lang, self.tz, with_photo=with_photo,
                               public_url=self.public_url)
            self.renders += 1
            self._remember(self._cards, key, card)
        else:
            self._cards.move_to_end(key)
        return card

    # -- digests (issue 7) ------------------------------------------------------------------------

    async def _digest_message(self, item: Pending) -> OutMessage | str:
        """The digest's text, with a "more" button when articles did not fit; a chat that
        paused its news after the digest was made does not get it."""
        if item.delivery_mode == "paused":
            return "delivery paused"
        digest = await digests.get(self.db.conn, item.ref_id)
        if digest is None:
            return "digest not found"
        return OutMessage(digest.text, more_buttons(digest.id, digest.overflow, item.language))

    # -- broadcasts -------------------------------------------------------------------------------

    def forget_broadcast(self, broadcast_id: int) -> None:
        """An admin stopped the broadcast: re-read it now, not after the cache's TTL, so no
        delivery of it is composed after the cancel is committed."""
        self._broadcasts.pop(broadcast_id, None)

    async def _broadcast_message(self, broadcast_id: int) -> OutMessage | str:
        now = time.monotonic()
        cached = self._broadcasts.get(broadcast_id)
        if cached is not None and now - cached[0] < _BROADCAST_TTL:
            return cached[1]
        found = await outbox.broadcast_message(self.db.conn, broadcast_id)
        composed: OutMessage | str
        if found is None:
            composed = "broadcast not found"
        elif found[2] == "cancelled":
            composed = "cancelled"
        else:
            text, photo, _ = found
            use_photo = photo and broadcast_id not in self._broadcast_no_photo
            composed = OutMessage(text, (), _photo_for(photo) if use_photo and photo else None)
        self._remember(self._broadcasts, broadcast_id, (now, composed))
        return composed

    def _remember(self, cache: OrderedDict, key: object, value: object) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.cache_size:
            oldest_key, oldest = next(iter(cache.items()))
            if isinstance(oldest, _PhotoState) and oldest.probe is not None:
                cache.move_to_end(oldest_key)
                break
            cache.popitem(last=False)
