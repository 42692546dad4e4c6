"""The outbox (SPEC section 6): every message to a subscriber is a `deliveries` row before sending.

A row is for exactly one of an article (push), a broadcast or a digest, and moves
``pending -> sent | skipped | failed | cancelled`` exactly once. An article row with
``summary_upto`` is a flood summary (see "the flood rule" below), not a card. ``not_before`` is
the retry back-off (unix seconds; 0 = never tried or retried at once), ``attempts`` counts failed
tries that count (a 429, a chat migration or an outage of the API does not), ``reason`` says why
a row was skipped, failed or cancelled, ``uncertain`` how many of its sends timed out after the
request went out (it may have arrived twice).

Writers, all owned by the caller's transaction:
- enqueueing is one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per audience (two for an
  article or a category's broadcast: the category's readers, then those following every
  category), so 100,000 recipients cost one statement, and enqueueing again never duplicates
  (the unique indexes ``deliveries_article`` / ``deliveries_broadcast``, per reader: a chat or
  one of its forum topics);
- results are written in batches (`record_outcomes`: a few ``executemany`` in one transaction),
  because one round trip per message would cap the delivery rate.

The flood rule (`enqueue_articles`): a reader (a chat, or one of its forum topics) gets at most
`limit` cards per `window` seconds. The articles of one batch (one poll of a source) beyond that
become ONE summary delivery per reader: the row of the first article without a card, with
``summary_upto`` = the batch's last article id; its message lists the reader's articles in that
id range (`summary_articles`). Both are rows of the same transaction as the articles, so a flood
is as crash-safe as a single push, and its cost does not grow with the flood: the cards are
decided on the first `limit` articles of each category, the summaries on the first `limit` + 1
(the first article a reader did not get as a card is always among them), with two statements
each (the category's readers, those following every category). The count is the outbox's own
(the reader's cards created within the window), never a process's memory, so the rule holds
whichever process queues; on PostgreSQL, enqueuers take turns under a transaction-level
advisory lock, so two processes queueing at once cannot both find room for `limit` cards.

Readers claim work in bounded batches (`next_new`, `due_retries`), never all rows: a push to
100,000 chats must not hold 100,000 rows in memory. Both read through the partial index
``deliveries_pending (not_before, id) WHERE status = 'pending'``: new rows (``not_before = 0``)
come out in id order from an id cursor, retries by due time.

Several processes (PostgreSQL): given a `Claim` (this process's name and lease), the same two
calls *claim* the rows they return: ``UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)``
sets ``claimed_by``/``claimed_until``, so two processes never take the same row, and rows whose
lease is still running are left alone. A process renews the leases of the rows it holds
(`renew_claims`); when it dies, its rows return to the queue as their leases run out. A retry
gives its claim up (anyone may send it when it is due). On SQLite (one process) a claim is the
plain read it always was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.message import ChatRef, is_group
from storage.db import POSTGRES, Conn, Row
from storage.digests import DigestArticle
from storage.postgres_sql import dead_claim, lock_key_sql

PENDING, SENT, SKIPPED, FAILED, CANCELLED = "pending", "sent", "skipped", "failed", "cancelled"
STATUSES = (PENDING, SENT, SKIPPED, FAILED, CANCELLED)

Kind = Literal["article", "broadcast", "digest", "summary"]


@dataclass(frozen=True, slots=True)
class Pending:
    """A delivery to make, with what the sender needs to know about its chat."""

    id: int
    chat: ChatRef  # the reader: the chat, or one of its forum topics (`chat.thread`)
    kind: Kind
    ref_id: int  # the article, broadcast or digest id
    attempts: int
    silent: bool  # asked to be silent whatever the hour
    chat_type: str
    language: str
    chat_active: bool
    delivery_mode: str
    # A summary (kind "summary"): the last article id it covers; `ref_id` is the first.
    summary_upto: int | None = None

    @property
    def group(self) -> bool:
        """Paced as a group (the chat's stored type says so)."""
        return is_group(self.chat_type)


@dataclass(frozen=True, slots=True)
class Claim:
    """Who claims (a process's unique name) and until when (unix seconds), at time `now`."""

    consumer: str
    now: int
    until: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery; ``status`` PENDING means "try again at `not_before`"."""

    delivery_id: int
    status: str
    attempts: int
    reason: str | None = None
    message_id: str | None = None
    silent: bool = False
    not_before: int = 0
    uncertain: int = 0  # sends of this attempt that timed out after the request went out


@dataclass(frozen=True, slots=True)
class StatusCounts:
    pending: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.skipped + self.failed + self.cancelled

    @property
    def finished(self) -> int:
        return self.total - self.pending


@dataclass(frozen=True, slots=True)
class ChatDelivery:
    status: str
    reason: str | None
    attempts: int
    silent: bool


@dataclass(frozen=True, slots=True)
class ArticlePhoto:
    """What the outbox knows about an article's photo on one channel: the image as ingested,
    the platform's id for it once sent, or that the platform could not use it."""

    image: str | None
    file_id: str | None
    failed: bool


@dataclass(frozen=True, slots=True)
class StoredBroadcast:
    """A broadcast as the outbox sends it: its stored text, photo (and whose file id), status."""

    text: str
    photo: str | None
    photo_channel: str | None
    status: str


# --- enqueueing --------------------------------------------------------------------------------

# Who receives a push: active instant-mode readers (chats, forum topics) subscribed to the
# article's category, then those following every category. Two statements rather than a UNION:
# a UNION sorts the whole audience to remove duplicates, while the unique index
# `deliveries_article` drops a reader that has both for free (ON CONFLICT DO NOTHING).
# `{flood}`: the flood rule's condition, or nothing.
_ENQUEUE_ARTICLE = """
    INSERT INTO deliveries(channel, chat_id, thread_id, article_id, silent, created_at)
    SELECT s.channel, s.chat_id, s.thread_id, a.id, ?, ?
    FROM articles a
    JOIN subscriptions s ON s.category_id = a.category_id
    JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id
    WHERE a.id = ? AND c.active = 1 AND c.delivery_mode = 'instant'{flood}
    ORDER BY s.channel, s.chat_id, s.thread_id
    ON CONFLICT DO NOTHING
"""
_ENQUEUE_ARTICLE_ALL = """
    INSERT INTO deliveries(channel, chat_id, thread_id, article_id, silent, created_at)
    SELECT s.channel, s.chat_id, s.thread_id, ?, ?, ?
    FROM subscriptions_all s
    JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id
    WHERE c.active = 1 AND c.delivery_mode = 'instant'
      AND EXISTS (SELECT 1 FROM articles a WHERE a.id = ?){flood}
    ORDER BY s.channel, s.chat_id, s.thread_id
    ON CONFLICT DO NOTHING
"""
# The flood rule: the reader's cards (not summaries) created within the window. Per reader (a
# chat, or one forum topic: each topic is read on its own), the outbox's own count.
_BELOW_FLOOD_LIMIT = """
      AND (SELECT count(*) FROM deliveries r
           WHERE r.channel = s.channel AND r.chat_id = s.chat_id AND r.thread_id = s.thread_id
             AND r.created_at >= ? AND r.article_id IS NOT NULL
             AND r.summary_upto IS NULL) < ?"""


async def enqueue_article(conn: Conn, article_id: int, *, now: int,
                          silent: bool = False) -> int:
    """Queue `article_id` for every active instant-mode reader of its category (and every one
    following all categories).

    Two statements whatever the number of subscribers; a second call adds nobody twice.
    Returns the number of deliveries added.
    """
    return await _enqueue_card(conn, article_id, now=now, silent=silent, flood=None)


async def _enqueue_card(conn: Conn, article_id: int, *, now: int, silent: bool,
                        flood: tuple[int, int] | None) -> int:
    """`article_id`'s cards; `flood` (window start, limit): only readers below the limit."""
    condition, extra = ("", ()) if flood is None else (_BELOW_FLOOD_LIMIT, flood)
    cur = await conn.execute(_ENQUEUE_ARTICLE.format(flood=condition),
                             (int(silent), now, article_id, *extra))
    added = cur.rowcount
    cur = await conn.execute(_ENQUEUE_ARTICLE_ALL.format(flood=condition),
                             (article_id, int(silent), now, article_id, *extra))
    return added + cur.rowcount


@dataclass(frozen=True, slots=True)
class Queued:
    """What `enqueue_articles` added: cards, and summaries (one per flooded reader)."""

    cards: int = 0
    summaries: int = 0


# A flood summary per reader that has articles of the batch left without a card: the first of
# them (`min(a.id)`, among the batch's `heads`) carries the summary up to the batch's last id.
# `{readers}`: the audience (the category's subscribers, or those following every category).
# A reader with a summary of this batch already (it has both kinds of subscription) gets none.
_ENQUEUE_SUMMARY = """
    INSERT INTO deliveries(channel, chat_id, thread_id, article_id, summary_upto, silent,
                           created_at)
    SELECT s.channel, s.chat_id, s.thread_id, min(a.id), ?, ?, ?
    FROM {readers}
    JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id
    WHERE a.id IN ({marks}) AND c.active = 1 AND c.delivery_mode = 'instant'
      AND NOT EXISTS (SELECT 1 FROM deliveries d
                      WHERE d.article_id = a.id AND d.channel = s.channel
                        AND d.chat_id = s.chat_id AND d.thread_id = s.thread_id)
      AND NOT EXISTS (SELECT 1 FROM deliveries d
                      WHERE d.channel = s.channel AND d.chat_id = s.chat_id
                        AND d.thread_id = s.thread_id AND d.summary_upto = ?
                        AND d.article_id >= ?)
    GROUP BY s.channel, s.chat_id, s.thread_id
    ORDER BY s.channel, s.chat_id, s.thread_id
    ON CONFLICT DO NOTHING
"""
# Those following every category first: their first article without a card may be of any
# category, so a reader with both kinds of subscription gets the summary that starts there.
_SUMMARY_READERS = (
    "subscriptions_all s CROSS JOIN articles a",
    "articles a JOIN subscriptions s ON s.category_id = a.category_id",
)


async def enqueue_articles(conn: Conn, batch: Sequence[tuple[int, str]], *,
                           now: int, limit: int | None, window: int,
                           silent: bool = False) -> Queued:
    """Queue a batch of new articles, given as (article id, category name), with the flood rule:
    each reader gets cards until it has `limit` of them created within the last `window`
    seconds, and one summary of the rest (see the module docstring). `limit` None: no rule,
    one card per article and subscriber.
    """
    ids = sorted({article_id for article_id, _ in batch})
    if not ids:
        return Queued()
    if limit is None:
        cards = 0
        for article_id in ids:
            cards += await enqueue_article(conn, article_id, now=now, silent=silent)
        return Queued(cards)
    if conn.backend == POSTGRES:
        # Several processes may queue at once (the jobs' leader polling, an admin's "fetch now"
        # in another process). The count of a reader's recent cards is read from the outbox,
        # and under READ COMMITTED a transaction does not see another's uncommitted cards: both
        # would find room for `limit`. One lock held to the end of the transaction makes the
        # enqueuers take turns; each statement after it sees the cards committed before.
        # (SQLite: one writer at a time already.)
        await conn.execute(f"SELECT pg_advisory_xact_lock({lock_key_sql('?')})",
                           ("flood-rule",))
    by_category: dict[str, list[int]] = {}
    for article_id, category in sorted(set(batch)):
        by_category.setdefault(category, []).append(article_id)
    # Only the first `limit` articles of a category can be a reader's cards (any later one
    # comes after `limit` others the reader gets; for a reader of every category, the batch's
    # first `limit` are among them too); in id order, so each reader's cards are its first
    # articles.
    candidates = sorted(a for found in by_category.values() for a in found[:limit])
    cards = 0
    for article_id in candidates:
        cards += await _enqueue_card(conn, article_id, now=now, silent=silent,
                                     flood=(now - window, limit))
    # A reader's first article without a card is among the first `limit` + 1 of its
    # categories.
    heads = sorted(a for found in by_category.values() for a in found[:limit + 1])
    marks = ",".join("?" * len(heads))
    summaries = 0
    for readers in _SUMMARY_READERS:
        cur = await conn.execute(_ENQUEUE_SUMMARY.format(readers=readers, marks=marks),
                                 (ids[-1], int(silent), now, *heads, ids[-1], ids[0]))
        summaries += cur.rowcount
    return Queued(cards, summaries)


async def enqueue_broadcast(conn: Conn, broadcast_id: int, *, now: int,
                            category_id: int | None = None, include_paused: bool = False,
                            silent: bool = False, channel: str | None = None) -> int:
    """Queue broadcast `broadcast_id` for its audience; returns the number of deliveries added.

    The audience is every active chat (`category_id` None: the chat itself, not its topics) or
    the active readers of one category (its subscribers, forum topics included, and those
    following every category). Chats that paused their news are left out unless
    `include_paused`; chats in digest mode are included (an announcement is not news to
    bundle). Calling it again (e.g. after a crash between enqueueing and marking the broadcast
    as sending) adds nobody twice. `channel`: only that channel's chats (None: every channel).
    """
    modes = ("instant", "digest", "paused") if include_paused else ("instant", "digest")
    marks = ",".join("?" * len(modes))
    only = " AND c.channel = ?" if channel is not None else ""
    extra: tuple[object, ...] = (channel,) if channel is not None else ()
    if category_id is None:
        cur = await conn.execute(
            f"""INSERT INTO deliveries(channel, chat_id, broadcast_id, silent, created_at)
                SELECT c.channel, c.id, ?, ?, ? FROM chats c
                WHERE c.active = 1 AND c.delivery_mode IN ({marks}){only}
                ORDER BY c.channel, c.id
                ON CONFLICT DO NOTHING""",
            (broadcast_id, int(silent), now, *modes, *extra))
        return cur.rowcount
    added = 0
    for readers, condition in (
            ("subscriptions", "s.category_id = ?"),
            ("subscriptions_all", "EXISTS (SELECT 1 FROM categories g WHERE g.id = ?)")):
        cur = await conn.execute(
            f"""INSERT INTO deliveries(channel, chat_id, thread_id, broadcast_id, silent,
                                       created_at)
                SELECT s.channel, s.chat_id, s.thread_id, ?, ?, ? FROM {readers} s
                JOIN chats c ON c.channel = s.channel AND c.id = s.chat_id
                WHERE {condition} AND c.active = 1 AND c.delivery_mode IN ({marks}){only}
                ORDER BY s.channel, s.chat_id, s.thread_id
                ON CONFLICT DO NOTHING""",
            (broadcast_id, int(silent), now, category_id, *modes, *extra))
        added += cur.rowcount
    return added


async def enqueue_digest(conn: Conn, digest_id: int, reader: ChatRef, *,
                         now: int, silent: bool = False) -> int:
    """Queue digest `digest_id` (one reader's daily message) for `reader`; returns its row id."""
    async with conn.execute(
        """INSERT INTO deliveries(channel, chat_id, thread_id, digest_id, silent, created_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
        (reader.channel, reader.id, reader.thread or "", digest_id, int(silent), now),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


# --- claiming ----------------------------------------------------------------------------------

_PENDING_SELECT = """
    SELECT d.id, d.channel, d.chat_id, d.thread_id, d.article_id, d.broadcast_id, d.digest_id,
           d.attempts, d.silent, d.summary_upto, c.type, c.language, c.active, c.delivery_mode
    FROM deliveries d JOIN chats c ON c.channel = d.channel AND c.id = d.chat_id
"""


def _channels(channels: Sequence[str]) -> tuple[str, list[str]]:
    """The SQL condition limiting rows to `channels` (the ones this process sends on)."""
    return f"d.channel IN ({','.join('?' * len(channels))})", list(channels)


def _pending(row: Row) -> Pending:
    kind: Kind
    if row["article_id"] is not None:
        kind = "article" if row["summary_upto"] is None else "summary"
        ref = row["article_id"]
    elif row["broadcast_id"] is not None:
        kind, ref = "broadcast", row["broadcast_id"]
    else:
        kind, ref = "digest", row["digest_id"]
    return Pending(
        id=row["id"], chat=ChatRef(row["channel"], row["chat_id"], row["thread_id"] or None),
        kind=kind, ref_id=ref,
        attempts=row["attempts"],
        silent=bool(row["silent"]), chat_type=row["type"], language=row["language"],
        chat_active=bool(row["active"]), delivery_mode=row["delivery_mode"],
        summary_upto=row["summary_upto"],
    )


def _claiming(conn: Conn, claim: Claim | None) -> bool:
    return claim is not None and conn.backend == POSTGRES


async def _claim(conn: Conn, claim: Claim, where: str, params: Sequence[object], order: str,
                 limit: int) -> list[Pending]:
    """Lease the first `limit` unclaimed pending rows matching `where` (PostgreSQL)."""
    sql = f"""
        WITH picked AS (
            SELECT d.id FROM deliveries d
            WHERE d.status = 'pending' AND {where}
              AND (d.claimed_until IS NULL OR d.claimed_until < ?
                   OR {dead_claim("d.claimed_by")})
            ORDER BY {order} LIMIT ? FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE deliveries d SET claimed_by = ?, claimed_until = ?
            FROM picked WHERE d.id = picked.id
            RETURNING d.id, d.channel, d.chat_id, d.thread_id, d.article_id, d.broadcast_id,
                      d.digest_id, d.attempts, d.silent, d.summary_upto, d.not_before)
        SELECT d.id, d.channel, d.chat_id, d.thread_id, d.article_id, d.broadcast_id,
               d.digest_id, d.attempts, d.silent, d.summary_upto, c.type, c.language, c.active,
               c.delivery_mode
        FROM claimed d JOIN chats c ON c.channel = d.channel AND c.id = d.chat_id
        ORDER BY {order}"""
    async with conn.execute(sql, (*params, claim.now, limit, claim.consumer, claim.until)
                            ) as cur:
        return [_pending(r) for r in await cur.fetchall()]


async def renew_claims(conn: Conn, ids: Sequence[int], claim: Claim) -> None:
    """Extend this process's leases on the rows it still holds (PostgreSQL; nothing on SQLite)."""
    if conn.backend != POSTGRES or not ids:
        return
    await conn.execute(
        """UPDATE deliveries SET claimed_until = ?
           WHERE id = ANY(?) AND claimed_by = ? AND status = 'pending'""",
        (claim.until, list(ids), claim.consumer))


async def next_new(conn: Conn, *, after_id: int, limit: int,
                   channels: Sequence[str], claim: Claim | None = None) -> list[Pending]:
    """Up to `limit` never-tried pending deliveries of `channels` with id > `after_id`, in id
    order (claimed under `claim` on PostgreSQL, where `after_id` is not used: rows other
    processes hold are skipped instead).

    A seek in the partial pending index: the cost is the rows returned, not the outbox size.
    """
    where, params = _channels(channels)
    if _claiming(conn, claim):
        assert claim is not None
        return await _claim(conn, claim, f"d.not_before = 0 AND {where}", params, "d.id",
                            limit)
    async with conn.execute(
        f"""{_PENDING_SELECT}
            WHERE d.status = 'pending' AND d.not_before = 0 AND d.id > ? AND {where}
            ORDER BY d.id LIMIT ?""",
        (after_id, *params, limit),
    ) as cur:
        return [_pending(r) for r in await cur.fetchall()]


async def due_retries(conn: Conn, *, now: int, limit: int,
                      channels: Sequence[str], claim: Claim | None = None) -> list[Pending]:
    """Up to `limit` pending deliveries of `channels` waiting on a back-off that has ended,
    oldest due first (claimed under `claim` on PostgreSQL)."""
    where, params = _channels(channels)
    if _claiming(conn, claim):
        assert claim is not None
        return await _claim(conn, claim, f"d.not_before > 0 AND d.not_before <= ? AND {where}",
                            (now, *params), "d.not_before, d.id", limit)
    async with conn.execute(
        f"""{_PENDING_SELECT}
            WHERE d.status = 'pending' AND d.not_before > 0 AND d.not_before <= ? AND {where}
            ORDER BY d.not_before, d.id LIMIT ?""",
        (now, *params, limit),
    ) as cur:
        return [_pending(r) for r in await cur.fetchall()]


async def next_retry_at(conn: Conn, channels: Sequence[str]) -> int | None:
    """When the earliest backed-off delivery of `channels` becomes due (unix seconds), None if
    none waits."""
    where, params = _channels(channels)
    async with conn.execute(
        f"""SELECT min(not_before) FROM deliveries d
            WHERE d.status = 'pending' AND d.not_before > 0 AND {where}""",
        params,
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


async def all_pending_ids(conn: Conn) -> list[int]:
    """Every pending delivery's id, in order (tests)."""
    async with conn.execute("SELECT id FROM deliveries WHERE status = 'pending' ORDER BY id"
                            ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def exists(conn: Conn, delivery_id: int) -> bool:
    async with conn.execute("SELECT 1 FROM deliveries WHERE id = ?", (delivery_id,)) as cur:
        return await cur.fetchone() is not None


# --- results -----------------------------------------------------------------------------------


async def record_outcomes(conn: Conn, outcomes: Iterable[Outcome], *,
                          now: int) -> None:
    """Write a batch of results: at most three ``executemany``, in the caller's transaction.

    "sent" is written whatever the row's status (it was sent: that is the truth, even if an
    admin cancelled meanwhile); the other results only change rows still pending.
    """
    sent: list[tuple[object, ...]] = []
    finished: list[tuple[object, ...]] = []
    retries: list[tuple[object, ...]] = []
    for o in outcomes:
        if o.status == SENT:
            sent.append((o.attempts, o.message_id, int(o.silent), now, o.uncertain,
                         o.delivery_id))
        elif o.status == PENDING:
            retries.append((o.attempts, o.not_before, o.reason, o.uncertain, o.delivery_id))
        else:
            finished.append((o.status, o.attempts, o.reason, now, o.uncertain, o.delivery_id))
    if sent:
        await conn.executemany(
            """UPDATE deliveries SET status = 'sent', attempts = ?, message_id = ?, silent = ?,
                   reason = NULL, finished_at = ?, uncertain = uncertain + ? WHERE id = ?""",
            sent,
        )
    if finished:
        await conn.executemany(
            """UPDATE deliveries SET status = ?, attempts = ?, reason = ?, finished_at = ?,
                   uncertain = uncertain + ?
               WHERE id = ? AND status = 'pending'""",
            finished,
        )
    if retries:
        # A retry gives its claim up: whichever process is free when it is due sends it.
        release = (", claimed_by = NULL, claimed_until = NULL" if conn.backend == POSTGRES
                   else "")
        await conn.executemany(
            f"""UPDATE deliveries SET attempts = ?, not_before = ?, reason = ?,
                   uncertain = uncertain + ?{release}
                WHERE id = ? AND status = 'pending'""",
            retries,
        )


async def skip_chat(conn: Conn, chat: ChatRef, reason: str, *,
                    now: int) -> int:
    """Skip every pending delivery of a chat that cannot receive messages any more (its
    topics' too)."""
    cur = await conn.execute(
        """UPDATE deliveries SET status = 'skipped', reason = ?, finished_at = ?
           WHERE channel = ? AND chat_id = ? AND status = 'pending'""",
        (reason, now, chat.channel, chat.id),
    )
    return cur.rowcount


async def skip_reader(conn: Conn, reader: ChatRef, reason: str, *,
                      now: int) -> int:
    """Skip every pending delivery of one reader (a forum topic that was deleted)."""
    cur = await conn.execute(
        """UPDATE deliveries SET status = 'skipped', reason = ?, finished_at = ?
           WHERE channel = ? AND chat_id = ? AND thread_id = ? AND status = 'pending'""",
        (reason, now, reader.channel, reader.id, reader.thread or ""),
    )
    return cur.rowcount


async def move_chat(conn: Conn, old: ChatRef, new: ChatRef) -> None:
    """Before a group migration merges into an existing chat: move its pending deliveries.

    Only when `new_id` is a stored chat (foreign key): `chats.migrate` then deletes the old chat,
    and the cascade would delete its deliveries with it. A delivery the new chat has already
    stays behind and goes with the old chat (the unique indexes stay whole: a row the new chat
    has already for the same article or broadcast is not moved).
    """
    await conn.execute(
        """UPDATE deliveries SET chat_id = ?
           WHERE channel = ? AND chat_id = ? AND status = 'pending'
             AND NOT EXISTS (
                 SELECT 1 FROM deliveries d2
                 WHERE d2.channel = deliveries.channel AND d2.chat_id = ?
                   AND d2.thread_id = deliveries.thread_id
                   AND (d2.article_id = deliveries.article_id
                        OR d2.broadcast_id = deliveries.broadcast_id))""",
        (new.id, old.channel, old.id, new.id),
    )


async def cancel_broadcast(conn: Conn, broadcast_id: int, *,
                           now: int, reason: str = "cancelled") -> int:
    """Cancel the pending deliveries of a broadcast; returns how many were cancelled."""
    cur = await conn.execute(
        """UPDATE deliveries SET status = 'cancelled', reason = ?, finished_at = ?
           WHERE broadcast_id = ? AND status = 'pending'""",
        (reason, now, broadcast_id),
    )
    return cur.rowcount


# --- counting ----------------------------------------------------------------------------------


async def counts(conn: Conn, *, article_id: int | None = None,
                 broadcast_id: int | None = None, since: int | None = None) -> StatusCounts:
    """Deliveries per status: of one article, of one broadcast, created since a time, or all."""
    where: list[str] = []
    params: list[object] = []
    if article_id is not None:
        where.append("article_id = ?")
        params.append(article_id)
    if broadcast_id is not None:
        where.append("broadcast_id = ?")
        params.append(broadcast_id)
    if since is not None:
        where.append("created_at >= ?")
        params.append(since)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    async with conn.execute(
        f"SELECT status, count(*) FROM deliveries {clause} GROUP BY status", params
    ) as cur:
        found = {r[0]: r[1] for r in await cur.fetchall()}
    return StatusCounts(**{s: int(found.get(s, 0)) for s in STATUSES})


async def reasons(conn: Conn, *, status: str, since: int | None = None,
                  limit: int = 10) -> list[tuple[str, int]]:
    """The commonest reasons of skipped/failed/cancelled deliveries (finished since `since`)."""
    params: list[object] = [status]
    extra = ""
    if since is not None:
        extra = " AND finished_at >= ?"
        params.append(since)
    params.append(limit)
    async with conn.execute(
        f"""SELECT coalesce(reason, '?'), count(*) FROM deliveries
            WHERE status = ?{extra} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?""",
        params,
    ) as cur:
        return [(r[0], int(r[1])) for r in await cur.fetchall()]


async def by_chat(conn: Conn, *, article_id: int
                  ) -> dict[ChatRef, ChatDelivery]:
    """reader -> where one article's delivery to that chat (or topic) stands (tests, small
    pushes)."""
    async with conn.execute(
        """SELECT channel, chat_id, thread_id, status, reason, attempts, silent FROM deliveries
           WHERE article_id = ?""",
        (article_id,),
    ) as cur:
        return {ChatRef(r[0], r[1], r[2] or None): ChatDelivery(r[3], r[4], r[5], bool(r[6]))
                for r in await cur.fetchall()}


# --- flood summaries ---------------------------------------------------------------------------

# The articles a summary lists: ids in [first, upto] of the given categories (None: of every
# category, for a reader following them all). The range is read through the primary key (`+`
# keeps SQLite from preferring the category index, which would read every article of the
# category instead of the few thousand of the range).
_SUMMARY_RANGE = "a.id >= ? AND a.id <= ?"
_SUMMARY_CATEGORIES = " AND +a.category_id IN ({marks})"


def _summary_where(category_ids: Sequence[int] | None) -> str:
    if category_ids is None:
        return _SUMMARY_RANGE
    return _SUMMARY_RANGE + _SUMMARY_CATEGORIES.format(marks=",".join("?" * len(category_ids)))


async def summary_counts(conn: Conn, category_ids: Sequence[int] | None, *,
                         first: int, upto: int) -> list[tuple[str, int]]:
    """(category name, articles) of a summary's range, by name (`category_ids` None: every
    category)."""
    if category_ids is not None and not category_ids:
        return []
    async with conn.execute(
        f"""SELECT g.name, count(*) FROM articles a JOIN categories g ON g.id = a.category_id
            WHERE {_summary_where(category_ids)} GROUP BY g.name ORDER BY g.name""",
        (first, upto, *(category_ids or ())),
    ) as cur:
        return [(r[0], int(r[1])) for r in await cur.fetchall()]


async def summary_articles(conn: Conn, category_ids: Sequence[int] | None, *,
                           first: int, upto: int, limit: int) -> list[DigestArticle]:
    """The newest `limit` articles of a summary's range (as a digest lists them;
    `category_ids` None: every category)."""
    if category_ids is not None and not category_ids:
        return []
    async with conn.execute(
        f"""SELECT a.id, a.title, a.url, g.name AS category, a.published
            FROM articles a JOIN categories g ON g.id = a.category_id
            WHERE {_summary_where(category_ids)} ORDER BY a.id DESC LIMIT ?""",
        (first, upto, *(category_ids or ()), limit),
    ) as cur:
        return [DigestArticle(r["id"], r["title"], r["url"], r["category"], r["published"])
                for r in await cur.fetchall()]


async def uncertain_since(conn: Conn, since: int) -> int:
    """Sends that timed out after the request went out, of deliveries finished since `since`
    (the recipient may have the message twice)."""
    async with conn.execute(
        """SELECT coalesce(sum(uncertain), 0) FROM deliveries
           WHERE finished_at >= ? AND uncertain > 0""",
        (since,),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


# --- the article's photo, as the outbox uses it ------------------------------------------------


async def article_photo(conn: Conn, article_id: int, channel: str
                        ) -> ArticlePhoto | None:
    """The article's photo as ingested and what `channel`'s platform made of it; None when the
    article does not exist."""
    async with conn.execute(
        """SELECT a.image, p.file_id, coalesce(p.failed, 0) AS failed FROM articles a
           LEFT JOIN article_photos p ON p.article_id = a.id AND p.channel = ?
           WHERE a.id = ?""",
        (channel, article_id),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return ArticlePhoto(row["image"], row["file_id"], bool(row["failed"]))


async def set_photo_file_id(conn: Conn, article_id: int, channel: str,
                            file_id: str | None) -> None:
    """Remember the platform's id for the article's photo (None forgets a stale one)."""
    await conn.execute(
        """INSERT INTO article_photos(article_id, channel, file_id) VALUES (?, ?, ?)
           ON CONFLICT(article_id, channel) DO UPDATE SET file_id = excluded.file_id""",
        (article_id, channel, file_id),
    )


async def set_photo_failed(conn: Conn, article_id: int, channel: str) -> None:
    """The platform could not use the article's photo: it goes out as text from now on."""
    await conn.execute(
        """INSERT INTO article_photos(article_id, channel, file_id, failed) VALUES (?, ?, NULL, 1)
           ON CONFLICT(article_id, channel) DO UPDATE SET file_id = NULL, failed = 1""",
        (article_id, channel),
    )


async def broadcast_message(conn: Conn, broadcast_id: int
                            ) -> StoredBroadcast | None:
    """A broadcast's stored text, photo and status, None when it does not exist."""
    async with conn.execute(
        "SELECT text, photo, photo_channel, status FROM broadcasts WHERE id = ?", (broadcast_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return StoredBroadcast(row["text"], row["photo"], row["photo_channel"], row["status"])
