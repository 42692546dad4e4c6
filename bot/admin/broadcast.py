"""Broadcasts: an admin's announcement to every chat or to one category's subscribers.

The flow, each step a button on one control message:
  draft (the exact preview + the audience picker) -> audience chosen (recipient count, confirm)
  -> sending (the control message becomes the progress message, with a stop button)
  -> done (final figures, and a report message) or cancelled (stopped by an admin).

What subscribers receive is `BroadcastMessage` exactly as previewed: the admin's text as rich
text, in which everything typed stays as typed (so "<b>", "<script>", "&" and a lone "<" arrive
as written) and only the formatting the admin applied with the app's own menu (bold, italic,
links...: the adapter reads it from the message) is formatting. Its length is checked against
the limits of the admin's channel (on Telegram 4096 for a text, 1024 for a photo caption, both
after entity parsing): too long is refused with the limit, never cut.

Sending goes through the persisted outbox (storage.broadcasts.start enqueues one delivery per
recipient in one transaction) and the delivery worker; `tick()` turns the outbox's counts into
progress edits, at most one per broadcast per call, and the adapter calls it every few seconds.
Everything lives in the database, so a restart resumes both the sending and the progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.admin import callbacks as cb
from bot.admin.format import duration, number, percent, progress_bar, when
from bot.chat.common import Common
from bot.i18n import t
from bot.message import (
    Choice,
    Message,
    MessageRef,
    Notice,
    Photo,
    Text,
    Who,
    to_stored,
)
from storage import broadcasts, categories, deliveries
from storage.broadcasts import Broadcast
from storage.db import Database
from storage.deliveries import StatusCounts

log = logging.getLogger(__name__)

_MAX_PICKER_CATEGORIES = 30
# An edit handed to the adapter counts as "in progress" this long, until `mark_edited` says when
# it happened: no other edit of the message may overtake it (e.g. while it waits for pacing).
_EDIT_IN_PROGRESS = 30.0


class Outbox(Protocol):
    """The delivery worker, as broadcasts need it (`bot.delivery.worker.DeliveryWorker`)."""

    def wake(self) -> None:
        """New deliveries are committed: send them now."""

    def forget_broadcast(self, broadcast_id: int) -> None:
        """The broadcast changed (stopped): re-read it before sending any more of it."""


class _NoOutbox:
    def wake(self) -> None:
        pass

    def forget_broadcast(self, broadcast_id: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class BroadcastMessage:
    """What every recipient gets: rich text (the caption when there is a photo) and a photo
    (the admin's, as the platform's file id, or a URL)."""

    text: Text
    photo: Photo | None = None

    def message(self) -> Message:
        return Message(self.text, photo=self.photo)


@dataclass(frozen=True, slots=True)
class Draft:
    """The answer to /broadcast: the exact preview (None when refused) and the control message."""

    preview: Message | None
    control: Message


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """One edit of a progress message, and the final report to send when the broadcast ended."""

    broadcast_id: int
    target: MessageRef
    view: Message
    report: Message | None = None


class Broadcasts:
    """Drafting, confirming, stopping and reporting broadcasts."""

    def __init__(self, common: Common, outbox: Callable[[], Outbox | None] = lambda: None, *,
                 min_gap: float = 3.0, clock: Callable[[], float] = time.time) -> None:
        self.common = common
        self.db: Database = common.db
        self._outbox = outbox  # the worker may be built after the admin tools
        # Progress messages are edited at most once per `min_gap` seconds each.
        self.min_gap = min_gap
        # The clock of the edits' spacing: wall time, as the edit times are stored (each
        # broadcast's progress_edited_at / progress_shown) and several processes compare them.
        self._mono = clock

    # -- helpers -----------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.common.clock())

    @property
    def outbox(self) -> Outbox:
        return self._outbox() or _NoOutbox()

    async def _audience_label(self, lang: str, category_id: int | None,
                              channel: str | None = None) -> Text | None:
        """The audience in words (with its channel, when only one), or None when the category
        no longer exists."""
        if category_id is None or category_id == cb.EVERYONE:
            return t(lang, "admin.bc.everyone") + _on_channel(channel)
        category = await categories.get(self.db, category_id)
        return Text(category.name) + _on_channel(channel) if category else None

    # -- drafting ----------------------------------------------------------------------------

    async def draft(self, who: Who, message: BroadcastMessage | None) -> Draft:
        """/broadcast: check the message, record the draft, show the preview and the picker."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Draft(None, Message(t(lang, "admin.refused")))
        if message is None or (not str(message.text).strip() and not message.photo):
            return Draft(None, Message(t(lang, "admin.bc.usage")))
        limit = self.common.limits(who.chat.channel).of(photo=message.photo is not None)
        if message.text.length > limit:
            key = "admin.bc.too_long_caption" if message.photo else "admin.bc.too_long"
            return Draft(None, Message(t(lang, key, limit=number(limit, lang),
                                         length=number(message.text.length, lang))))
        assert who.user_id is not None  # an admin is a known user
        photo = message.photo
        async with self.db.transaction() as conn:
            broadcast_id = await broadcasts.create_draft(
                conn, admin_channel=who.chat.channel, admin_id=who.user_id,
                text=to_stored(message.text), photo=photo.ref if photo else None,
                photo_channel=photo.channel if photo else None, now=self._now(),
                admin_name=who.user_name)
        log.info("broadcast draft: broadcast_id=%s admin_id=%s length=%s photo=%s",
                 broadcast_id, who.user_id, message.text.length, bool(photo))
        return Draft(message.message(), await self._picker(lang, broadcast_id))

    async def _picker(self, lang: str, broadcast_id: int, channel: str | None = None
                      ) -> Message:
        sizes = await broadcasts.audience_sizes(self.db, channel)
        everyone = Choice(str(t(lang, "admin.bc.button_everyone",
                                count=number(sizes.everyone, lang))),
                          action=cb.make(cb.AUDIENCE, broadcast_id, cb.EVERYONE))
        rows: list[tuple[Choice, ...]] = [(everyone,)]
        for category in (await categories.list_all(self.db))[:_MAX_PICKER_CATEGORIES]:
            count = number(sizes.by_category.get(category.id, 0), lang)
            rows.append((Choice(f"{category.name} · {count}",
                                action=cb.make(cb.AUDIENCE, broadcast_id, category.id)),))
        text = t(lang, "admin.bc.pick", id=broadcast_id)
        channels = self.common.channels
        if len(channels) > 1:  # Telegram and Zalo: to both, or to one of them
            options = [(cb.ALL_CHANNELS, t(lang, "admin.bc.channel_all")),
                       *((name, Text(channel_name(name))) for name in channels)]
            rows.append(tuple(
                Choice(("✅ " if (channel or cb.ALL_CHANNELS) == value else "") + str(label),
                       action=cb.make(cb.CHANNEL, broadcast_id, channel=value))
                for value, label in options))
            chosen = Text(channel_name(channel)) if channel else t(lang, "admin.bc.channel_all")
            text += "\n" + t(lang, "admin.bc.channel", channel=chosen)
        rows.append((Choice(str(t(lang, "admin.bc.button_discard")),
                            action=cb.make(cb.DISCARD, broadcast_id)),))
        return Message(text, tuple(rows))

    async def set_channel(self, who: Who, broadcast_id: int, channel: str) -> Notice:
        """A channel choice of the picker: the draft goes to that channel (or to all)."""
        lang, draft, notice = await self._draft_or_notice(who, broadcast_id)
        if draft is None:
            assert notice is not None
            return notice
        chosen = None if channel == cb.ALL_CHANNELS else channel
        if chosen is not None and chosen not in self.common.channels:
            return Notice(t(lang, "button.invalid"),
                          edit=await self._picker(lang, broadcast_id, draft.audience_channel))
        async with self.db.transaction() as conn:
            await broadcasts.set_audience_channel(conn, broadcast_id, chosen)
        return Notice(edit=await self._picker(lang, broadcast_id, chosen))

    async def _draft_or_notice(self, who: Who, broadcast_id: int
                               ) -> tuple[str, Broadcast | None, Notice | None]:
        """The draft the button is about, or the notice to answer instead."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return lang, None, Notice(t(lang, "admin.refused"), alert=True)
        found = await broadcasts.get(self.db, broadcast_id)
        if found is None:
            return lang, None, Notice(t(lang, "button.invalid"))
        if found.status != broadcasts.DRAFT:
            return lang, None, Notice(t(lang, "admin.bc.not_draft", id=broadcast_id),
                                      edit=await self._view(lang, found))
        return lang, found, None

    async def choose(self, who: Who, broadcast_id: int, category_id: int) -> Notice:
        """An audience button: show how many will receive it, and ask to confirm."""
        lang, draft, notice = await self._draft_or_notice(who, broadcast_id)
        if draft is None:
            assert notice is not None
            return notice
        channel = draft.audience_channel
        audience = await self._audience_label(lang, category_id, channel)
        if audience is None:
            return Notice(t(lang, "button.invalid"),
                          edit=await self._picker(lang, broadcast_id, channel))
        sizes = await broadcasts.audience_sizes(self.db, channel)
        active, left_out = _audience(sizes, category_id)
        back = Choice(str(t(lang, "admin.bc.button_back")),
                      action=cb.make(cb.BACK, broadcast_id))
        discard = Choice(str(t(lang, "admin.bc.button_discard")),
                         action=cb.make(cb.DISCARD, broadcast_id))
        if active == 0:
            text = t(lang, "admin.bc.nobody", audience=audience)
            return Notice(edit=Message(text, ((back, discard),)))
        text = t(lang, "admin.bc.confirm", id=broadcast_id, count=number(active, lang),
                 audience=audience)
        if left_out:
            text += "\n" + t(lang, "admin.bc.inactive_note", count=number(left_out, lang))
        send = Choice(str(t(lang, "admin.bc.button_send", count=number(active, lang))),
                      action=cb.make(cb.CONFIRM, broadcast_id, category_id))
        return Notice(edit=Message(text, ((send,), (back, discard))))

    async def back(self, who: Who, broadcast_id: int) -> Notice:
        """Back to the audience picker."""
        lang, draft, notice = await self._draft_or_notice(who, broadcast_id)
        if draft is None:
            assert notice is not None
            return notice
        return Notice(edit=await self._picker(lang, broadcast_id, draft.audience_channel))

    async def discard(self, who: Who, broadcast_id: int) -> Notice:
        """Drop the draft: nothing is sent."""
        lang, draft, notice = await self._draft_or_notice(who, broadcast_id)
        if draft is None:
            assert notice is not None
            return notice
        async with self.db.transaction() as conn:
            await broadcasts.discard(conn, broadcast_id, admin_id=who.user_id or "",
                                     now=self._now())
        text = t(lang, "admin.bc.discarded", id=broadcast_id)
        return Notice(text, edit=Message(text))

    # -- sending -----------------------------------------------------------------------------

    async def confirm(self, who: Who, broadcast_id: int, category_id: int,
                      pressed: MessageRef) -> Notice:
        """Send: enqueue every delivery in one transaction; the pressed message shows progress."""
        lang, draft, notice = await self._draft_or_notice(who, broadcast_id)
        if draft is None:
            assert notice is not None
            return notice
        channel = draft.audience_channel
        audience = await self._audience_label(lang, category_id, channel)
        if audience is None:
            return Notice(t(lang, "button.invalid"),
                          edit=await self._picker(lang, broadcast_id, channel))
        category = None if category_id == cb.EVERYONE else category_id
        name = None
        if category is not None:
            found = await categories.get(self.db, category)
            name = found.name if found else None
        now = self._now()
        total: int | None = None
        async with self.db.transaction() as conn:
            _, left_out = _audience(await broadcasts.audience_sizes(conn, channel), category_id)
            if await broadcasts.start(conn, broadcast_id, category_id=category, audience=name,
                                      now=now, left_out=left_out):
                # Quiet hours are the worker's business: it sends silently at night.
                total = await deliveries.enqueue_broadcast(conn, broadcast_id, now=now,
                                                           category_id=category, channel=channel)
                await broadcasts.set_recipients(conn, broadcast_id, total)
                await broadcasts.set_progress_message(conn, broadcast_id, pressed.chat,
                                                      pressed.id)
        if total is None:  # another press or another admin was first
            current = await broadcasts.get(self.db, broadcast_id)
            assert current is not None
            return Notice(t(lang, "admin.bc.not_draft", id=broadcast_id),
                          edit=await self._view(lang, current))
        self.outbox.wake()
        log.info("broadcast started: broadcast_id=%s admin_id=%s audience=%s channel=%s "
                 "deliveries=%s", broadcast_id, who.user_id, name or "everyone",
                 channel or "all", total)
        started = await broadcasts.get(self.db, broadcast_id)
        assert started is not None
        view = await self._view(lang, started)
        async with self.db.transaction() as conn:
            await broadcasts.set_progress_state(conn, broadcast_id, shown=str(view.text),
                                                edited_at=self._mono() + _EDIT_IN_PROGRESS)
        return Notice(t(lang, "admin.bc.started", count=number(total, lang)), edit=view)

    async def stop(self, who: Who, broadcast_id: int) -> Notice:
        """The stop button: cancel every delivery not sent yet, and report."""
        lang = await self.common.language(who.chat)
        if not self.common.is_admin(who):
            return Notice(t(lang, "admin.refused"), alert=True)
        found = await broadcasts.get(self.db, broadcast_id)
        if found is None:
            return Notice(t(lang, "button.invalid"))
        now = self._now()
        cancelled: int | None = None
        async with self.db.transaction() as conn:
            if await broadcasts.cancel(conn, broadcast_id, admin_id=who.user_id or "", now=now):
                cancelled = await deliveries.cancel_broadcast(
                    conn, broadcast_id, now=now, reason=broadcasts.CANCEL_REASON)
                await broadcasts.store_counts(
                    conn, broadcast_id, await deliveries.counts(conn, broadcast_id=broadcast_id))
        # The worker may hold some of its rows in memory already: it must re-read the status.
        self.outbox.forget_broadcast(broadcast_id)
        current = await broadcasts.get(self.db, broadcast_id)
        assert current is not None
        if cancelled is None:
            return Notice(t(lang, "admin.bc.not_sending", id=broadcast_id),
                          edit=await self._view(lang, current))
        log.info("broadcast cancelled: broadcast_id=%s admin_id=%s cancelled=%s",
                 broadcast_id, who.user_id, cancelled)
        async with self.db.transaction() as conn:
            await broadcasts.set_progress_state(conn, broadcast_id, edited_at=None, shown=None)
        return Notice(t(lang, "admin.bc.stopped", count=number(cancelled, lang)),
                      edit=await self._view(lang, current),
                      send=await self._report(lang, current))

    async def mark_edited(self, broadcast_id: int) -> None:
        """The adapter edited the progress message just now (the next edit waits `min_gap`)."""
        async with self.db.transaction() as conn:
            await broadcasts.set_progress_state(conn, broadcast_id, edited_at=self._mono(),
                                                shown=None, keep_shown=True)

    async def tick(self) -> list[ProgressUpdate]:
        """The progress edits due now: one per sending broadcast whose figures changed and whose
        message was last edited at least `min_gap` seconds ago (the adapter reports its edits
        with `mark_edited`), so the admin's chat never gets a flood of edits.

        A broadcast whose deliveries have all ended is marked done here, and its update carries
        the final report.
        """
        updates: list[ProgressUpdate] = []
        for item in await broadcasts.list_by_status(self.db, broadcasts.SENDING):
            chat, message_id = item.progress_chat, item.progress_message_id
            if chat is None or message_id is None:
                continue
            edited_at = item.progress_edited_at
            if edited_at is not None and self._mono() - edited_at < self.min_gap:
                continue
            lang = await self.common.language(chat)
            counts = await deliveries.counts(self.db, broadcast_id=item.id)
            report = None
            if counts.pending == 0:
                async with self.db.transaction() as conn:
                    finished = await broadcasts.finish(conn, item.id, now=self._now())
                    if finished:
                        await broadcasts.store_counts(
                            conn, item.id, await deliveries.counts(conn, broadcast_id=item.id))
                if not finished:  # cancelled meanwhile: the stop button reported it
                    continue
                item = await broadcasts.get(self.db, item.id) or item
                log.info("broadcast done: broadcast_id=%s sent=%s skipped=%s failed=%s",
                         item.id, item.sent_count, item.skipped_count, item.failed_count)
                report = await self._report(lang, item)
            view = await self._view(lang, item, counts)
            if report is None and item.progress_shown == str(view.text):
                continue
            async with self.db.transaction() as conn:
                await broadcasts.set_progress_state(
                    conn, item.id, edited_at=self._mono() + _EDIT_IN_PROGRESS,
                    shown=None if report is not None else str(view.text))
            updates.append(ProgressUpdate(item.id, MessageRef(chat, message_id), view, report))
        return updates

    # -- views -------------------------------------------------------------------------------

    async def _counts(self, item: Broadcast) -> StatusCounts:
        if item.status == broadcasts.SENDING:
            return await deliveries.counts(self.db, broadcast_id=item.id)
        # Finished: the figures cached on the record (its chats may have left since).
        return StatusCounts(0, item.sent_count, item.skipped_count, item.failed_count,
                            item.cancelled_count)

    async def _view(self, lang: str, item: Broadcast, counts: StatusCounts | None = None
                    ) -> Message:
        """The control/progress message for the broadcast's current state."""
        if item.status == broadcasts.DRAFT:
            return await self._picker(lang, item.id, item.audience_channel)
        if item.status == broadcasts.CANCELLED and item.started_at is None:
            return Message(t(lang, "admin.bc.discarded", id=item.id))
        counts = counts or await self._counts(item)
        total = item.recipients or counts.total
        audience = audience_text(lang, item)
        head_key = {broadcasts.SENDING: "admin.bc.progress_title",
                    broadcasts.DONE: "admin.bc.done_title",
                    broadcasts.CANCELLED: "admin.bc.cancelled_title"}[item.status]
        done = counts.finished if item.status == broadcasts.SENDING else total
        lines: list[Text | str] = [
            t(lang, head_key, id=item.id, audience=audience),
            f"{progress_bar(done, total)} {percent(done, total)}%",
            t(lang, "admin.bc.progress", sent=number(counts.sent, lang),
              total=number(total, lang), failed=number(counts.failed, lang)),
        ]
        if counts.skipped:
            lines.append(t(lang, "admin.bc.progress_skipped", count=number(counts.skipped, lang)))
        if counts.cancelled:
            lines.append(t(lang, "admin.bc.progress_cancelled",
                           count=number(counts.cancelled, lang)))
        choices: tuple[tuple[Choice, ...], ...] = ()
        if item.status == broadcasts.SENDING:
            choices = ((Choice(str(t(lang, "admin.bc.button_stop")),
                               action=cb.make(cb.STOP, item.id)),),)
        return Message(Text.join("\n", lines), choices)

    async def _report(self, lang: str, item: Broadcast) -> Message:
        """The final report: who, when, audience, and the outcome with reasons."""
        counts = await self._counts(item)
        audience = audience_text(lang, item)
        lines: list[Text | str] = [
            t(lang, "admin.bc.report_title", id=item.id),
            t(lang, "admin.bc.report_audience", audience=audience,
              total=number(item.recipients or counts.total, lang)),
            t(lang, "admin.bc.report_sent", count=number(counts.sent, lang)),
            t(lang, "admin.bc.report_skipped", count=number(counts.skipped, lang)),
        ]
        lines += await self._reasons(lang, item.id, "skipped")
        lines.append(t(lang, "admin.bc.report_failed", count=number(counts.failed, lang)))
        lines += await self._reasons(lang, item.id, "failed")
        if item.status == broadcasts.CANCELLED:
            lines.append(t(lang, "admin.bc.report_cancelled",
                           count=number(counts.cancelled, lang)))
        if item.left_out:
            lines.append(t(lang, "admin.bc.report_left_out", count=number(item.left_out, lang)))
        started = when(item.started_at, self.common.tz)
        finished = when(item.finished_at, self.common.tz)
        if started and finished and item.started_at is not None and item.finished_at is not None:
            lines.append(t(lang, "admin.bc.report_time", start=started, end=finished,
                           took=duration(item.finished_at - item.started_at, lang)))
        lines.append(t(lang, "admin.bc.report_by", admin=item.admin))
        return Message(Text.join("\n", lines))

    async def _reasons(self, lang: str, broadcast_id: int, status: str) -> list[Text | str]:
        found = await broadcasts.reasons(self.db, broadcast_id, status)
        lines: list[Text | str] = []
        for reason, count in found:
            text = reason[:120] if reason else str(t(lang, "admin.bc.no_reason"))
            lines.append(f"   • {text}: {number(count, lang)}")
        return lines


def channel_name(channel: str | None) -> str:
    """A channel as admins read it: "Telegram", "Zalo"."""
    return {"telegram": "Telegram", "zalo": "Zalo"}.get(channel or "", channel or "")


def _on_channel(channel: str | None) -> str:
    return f" · {channel_name(channel)}" if channel else ""


def audience_text(lang: str, item: Broadcast) -> Text:
    """Who a broadcast went to: everyone or the category, and the channel when only one."""
    audience = Text(item.audience) if item.audience else t(lang, "admin.bc.everyone")
    return audience + _on_channel(item.audience_channel)


def _audience(sizes: broadcasts.AudienceSizes, category_id: int) -> tuple[int, int]:
    """(receiving, left out) of everyone or of one category."""
    if category_id == cb.EVERYONE:
        return sizes.everyone, sizes.everyone_left_out
    return (sizes.by_category.get(category_id, 0),
            sizes.left_out_by_category.get(category_id, 0))
