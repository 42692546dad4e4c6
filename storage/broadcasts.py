"""Broadcasts (admin announcements): the record of each one and its deliveries in the outbox.

A broadcast is a row in `broadcasts` (draft -> sending -> done | cancelled) and, once confirmed,
one row per recipient in `deliveries` (the same persisted outbox that article pushes use, written
by `storage.deliveries`), which the delivery worker sends. Starting a broadcast with its
deliveries, and cancelling it with its pending deliveries, are each one transaction of the
caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn, Row
from storage.deliveries import StatusCounts

DRAFT = "draft"
SENDING = "sending"
CANCELLED = "cancelled"
DONE = "done"

# deliveries.reason of a delivery an admin's stop button cancelled.
CANCEL_REASON = "cancelled by an admin"


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    admin_channel: str
    admin_id: str
    text: str  # stored rich text (bot.message.from_stored), exactly as recipients receive it
    photo: str | None  # a URL or a platform's file id (photo_channel's); None = text only
    photo_channel: str | None
    category_id: int | None  # None = everyone
    audience: str | None  # the category's name when it was sent; None = everyone
    status: str
    created_at: int
    started_at: int | None
    finished_at: int | None
    progress_chat: ChatRef | None
    progress_message_id: str | None
    recipients: int  # deliveries enqueued
    left_out: int  # chats of the audience that had stopped or paused receiving: not enqueued
    sent_count: int
    skipped_count: int
    failed_count: int
    cancelled_count: int
    cancelled_by: str | None
    audience_channel: str | None = None  # None = every channel
    # The progress message: when it was last edited (unix time; later than now while an edit
    # is on its way) and the text it shows (storage, not memory: any process runs the job).
    progress_edited_at: float | None = None
    progress_shown: str | None = None
    admin_name: str | None = None  # the admin's name when the draft was made (reports)

    @property
    def admin(self) -> str:
        """How reports name the admin: "9001 (Nguyễn Văn A, @nguyenvana)", or the id alone."""
        return f"{self.admin_id} ({self.admin_name})" if self.admin_name else self.admin_id


@dataclass(frozen=True, slots=True)
class AudienceSizes:
    """Chats a broadcast would reach now, and those of its audience it would leave out
    (inactive, or news paused)."""

    everyone: int
    everyone_left_out: int
    by_category: dict[int, int]  # category id -> receiving subscribers
    left_out_by_category: dict[int, int]


_COLUMNS = (
    "id, admin_channel, admin_id, text, photo, photo_channel, category_id, audience, status, "
    "created_at, started_at, finished_at, progress_channel, progress_chat_id, "
    "progress_message_id, recipients, left_out, sent_count, skipped_count, failed_count, "
    "cancelled_count, cancelled_by, audience_channel, progress_edited_at, progress_shown, "
    "admin_name"
)


def _broadcast(row: Row) -> Broadcast:
    progress = (ChatRef(row["progress_channel"], row["progress_chat_id"])
                if row["progress_chat_id"] is not None else None)
    return Broadcast(
        id=row["id"], admin_channel=row["admin_channel"], admin_id=row["admin_id"],
        text=row["text"], photo=row["photo"], photo_channel=row["photo_channel"],
        category_id=row["category_id"], audience=row["audience"], status=row["status"],
        created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], progress_chat=progress,
        progress_message_id=row["progress_message_id"], recipients=row["recipients"],
        left_out=row["left_out"], sent_count=row["sent_count"],
        skipped_count=row["skipped_count"], failed_count=row["failed_count"],
        cancelled_count=row["cancelled_count"], cancelled_by=row["cancelled_by"],
        audience_channel=row["audience_channel"],
        progress_edited_at=row["progress_edited_at"], progress_shown=row["progress_shown"],
        admin_name=row["admin_name"])


async def create_draft(conn: Conn, *, admin_channel: str, admin_id: str,
                       text: str, photo: str | None, photo_channel: str | None, now: int,
                       admin_name: str | None = None) -> int:
    """Record a new draft (`text` is stored rich text); returns its id."""
    async with conn.execute(
        """INSERT INTO broadcasts(admin_channel, admin_id, text, photo, photo_channel, status,
                                  created_at, admin_name)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (admin_channel, admin_id, text, photo, photo_channel, DRAFT, now, admin_name),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def get(conn: Conn, broadcast_id: int) -> Broadcast | None:
    async with conn.execute(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?",
                            (broadcast_id,)) as cur:
        row = await cur.fetchone()
    return _broadcast(row) if row else None


async def list_by_status(conn: Conn, status: str) -> list[Broadcast]:
    async with conn.execute(f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY id",
                            (status,)) as cur:
        return [_broadcast(r) for r in await cur.fetchall()]


async def recent(conn: Conn, limit: int = 3) -> list[Broadcast]:
    """The latest broadcasts that were sent (drafts, also discarded ones, are no record)."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE started_at IS NOT NULL "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    ) as cur:
        return [_broadcast(r) for r in await cur.fetchall()]


# Who receives a broadcast must match `storage.deliveries.enqueue_broadcast`: active chats whose
# delivery mode is not "paused" (digest-mode chats do get announcements).
_RECEIVING = "c.active = 1 AND c.delivery_mode IN ('instant', 'digest')"


async def audience_sizes(conn: Conn, channel: str | None = None) -> AudienceSizes:
    """How many chats everyone / each category's subscribers are: receiving, and not (inactive
    or paused) whom a broadcast leaves out; of one channel's chats, or of every channel."""
    where, params = ("WHERE c.channel = ?", (channel,)) if channel is not None else ("", ())
    async with conn.execute(f"SELECT {_RECEIVING}, count(*) FROM chats c {where} GROUP BY 1",
                            params) as cur:
        by_receiving = {bool(r[0]): r[1] for r in await cur.fetchall()}
    # A category's audience: its readers (forum topics included) and those following every
    # category, each once.
    async with conn.execute(
        f"""SELECT s.category_id, {_RECEIVING}, count(*) FROM (
                SELECT channel, chat_id, thread_id, category_id FROM subscriptions
                UNION
                SELECT a.channel, a.chat_id, a.thread_id, g.id FROM subscriptions_all a
                CROSS JOIN categories g
            ) s JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id {where}
            GROUP BY 1, 2""", params
    ) as cur:
        rows = await cur.fetchall()
    return AudienceSizes(
        everyone=by_receiving.get(True, 0),
        everyone_left_out=by_receiving.get(False, 0),
        by_category={r[0]: r[2] for r in rows if r[1]},
        left_out_by_category={r[0]: r[2] for r in rows if not r[1]},
    )


async def start(conn: Conn, broadcast_id: int, *, category_id: int | None,
                audience: str | None, now: int, left_out: int) -> bool:
    """Turn a draft into a sending broadcast; False when it was no longer a draft (a second
    press of the confirm button, or another admin was quicker).

    The caller enqueues the deliveries (`storage.deliveries.enqueue_broadcast`) in the same
    transaction and then records their number with `set_recipients`.
    """
    cur = await conn.execute(
        """UPDATE broadcasts SET status = ?, category_id = ?, audience = ?, started_at = ?,
           left_out = ? WHERE id = ? AND status = ?""",
        (SENDING, category_id, audience, now, left_out, broadcast_id, DRAFT),
    )
    return cur.rowcount > 0


async def set_audience_channel(conn: Conn, broadcast_id: int, channel: str | None) -> bool:
    """Choose the draft's channel (None: every channel); False when it is no draft any more."""
    cur = await conn.execute(
        "UPDATE broadcasts SET audience_channel = ? WHERE id = ? AND status = ?",
        (channel, broadcast_id, DRAFT),
    )
    return cur.rowcount > 0


async def set_recipients(conn: Conn, broadcast_id: int, recipients: int) -> None:
    await conn.execute("UPDATE broadcasts SET recipients = ? WHERE id = ?",
                       (recipients, broadcast_id))


async def set_progress_message(conn: Conn, broadcast_id: int, chat: ChatRef,
                               message_id: str) -> None:
    await conn.execute(
        """UPDATE broadcasts SET progress_channel = ?, progress_chat_id = ?,
               progress_message_id = ? WHERE id = ?""",
        (chat.channel, chat.id, message_id, broadcast_id),
    )


async def set_progress_state(conn: Conn, broadcast_id: int, *, edited_at: float | None,
                             shown: str | None, keep_shown: bool = False) -> None:
    """Record the progress message's last edit time and text (`keep_shown`: only the time)."""
    if keep_shown:
        await conn.execute("UPDATE broadcasts SET progress_edited_at = ? WHERE id = ?",
                           (edited_at, broadcast_id))
        return
    await conn.execute(
        "UPDATE broadcasts SET progress_edited_at = ?, progress_shown = ? WHERE id = ?",
        (edited_at, shown, broadcast_id))


async def discard(conn: Conn, broadcast_id: int, *, admin_id: str,
                  now: int) -> bool:
    """Drop a draft (nothing was sent); False when it was not a draft any more."""
    cur = await conn.execute(
        """UPDATE broadcasts SET status = ?, finished_at = ?, cancelled_by = ?
           WHERE id = ? AND status = ?""",
        (CANCELLED, now, admin_id, broadcast_id, DRAFT),
    )
    return cur.rowcount > 0


async def cancel(conn: Conn, broadcast_id: int, *, admin_id: str,
                 now: int) -> bool:
    """Mark a sending broadcast cancelled; False when it was not sending (finished or cancelled
    already). The caller cancels its pending deliveries (`storage.deliveries.cancel_broadcast`)
    in the same transaction."""
    cur = await conn.execute(
        """UPDATE broadcasts SET status = ?, finished_at = ?, cancelled_by = ?
           WHERE id = ? AND status = ?""",
        (CANCELLED, now, admin_id, broadcast_id, SENDING),
    )
    return cur.rowcount > 0


async def finish(conn: Conn, broadcast_id: int, *, now: int) -> bool:
    """Mark a sending broadcast done (every delivery ended); False when it was not sending."""
    cur = await conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
        (DONE, now, broadcast_id, SENDING),
    )
    return cur.rowcount > 0


async def store_counts(conn: Conn, broadcast_id: int,
                       counts: StatusCounts) -> None:
    """Cache the final counts on the record (deliveries may later vanish with their chats)."""
    await conn.execute(
        """UPDATE broadcasts SET sent_count = ?, skipped_count = ?, failed_count = ?,
           cancelled_count = ? WHERE id = ?""",
        (counts.sent, counts.skipped, counts.failed, counts.cancelled, broadcast_id),
    )


async def reasons(conn: Conn, broadcast_id: int, status: str,
                  limit: int = 5) -> list[tuple[str, int]]:
    """The commonest reasons of the broadcast's deliveries in `status`, most frequent first."""
    async with conn.execute(
        """SELECT coalesce(reason, ''), count(*) AS n FROM deliveries
           WHERE broadcast_id = ? AND status = ? GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?""",
        (broadcast_id, status, limit),
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]
