"""Daily digests: which chats are due, the new articles of a chat, the digest rows.

A chat in digest mode (`chats.delivery_mode = 'digest'`, `digest_hour`) carries its bookkeeping
in two columns (migration 0005): `digest_last_day`, the local day (date ordinal) whose slot was
handled last, and `digest_after_article`, the newest article id already covered. A digest is a
`digests` row (its rich text, stored as `bot.message.to_stored` writes it) with one
`deliveries` row (storage/deliveries.py `enqueue_digest`), written in one transaction with the
bookkeeping; the delivery worker sends it. The articles that did not fit the message are kept
in `digest_overflow` for its "more" button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn, Row


@dataclass(frozen=True, slots=True)
class DigestChat:
    """A digest-mode chat as the scheduler sees it."""

    ref: ChatRef
    language: str
    digest_hour: int
    last_day: int | None
    after_article: int | None


@dataclass(frozen=True, slots=True)
class DigestArticle:
    """An article as a digest lists it (`published` in unix seconds)."""

    id: int
    title: str
    url: str
    category: str
    published: int


@dataclass(frozen=True, slots=True)
class Digest:
    id: int
    chat: ChatRef  # the reader it was made for (a chat, or one of its forum topics)
    text: str  # stored rich text (bot.message.from_stored reads it)
    created_at: int
    overflow: int  # articles that did not fit the message


_CHAT_COLUMNS = "channel, id, language, digest_hour, digest_last_day, digest_after_article"


def _chat(row: Row) -> DigestChat:
    return DigestChat(ChatRef(row["channel"], row["id"]), row["language"], row["digest_hour"],
                      row["digest_last_day"], row["digest_after_article"])


# --- bookkeeping ---------------------------------------------------------------------------------


async def due(conn: Conn, *, hour: int, day: int) -> list[ChatRef]:
    """Active digest chats of `hour` whose slot of local day `day` is not handled yet.

    Two seeks in the partial index `chats_digest_due` (an OR would scan every chat of the hour,
    including those served today already).
    """
    async with conn.execute(
        """SELECT channel, id FROM chats
           WHERE delivery_mode = 'digest' AND active = 1 AND digest_hour = ?1
             AND digest_last_day < ?2
           UNION ALL
           SELECT channel, id FROM chats
           WHERE delivery_mode = 'digest' AND active = 1 AND digest_hour = ?1
             AND digest_last_day IS NULL
           ORDER BY channel, id""",
        (hour, day),
    ) as cur:
        return [ChatRef(r[0], r[1]) for r in await cur.fetchall()]


async def chat(conn: Conn, chat: ChatRef) -> DigestChat | None:
    """The chat's digest settings and bookkeeping, None unless it is an active digest chat."""
    async with conn.execute(
        f"""SELECT {_CHAT_COLUMNS} FROM chats
            WHERE channel = ? AND id = ? AND delivery_mode = 'digest' AND active = 1
              AND digest_hour IS NOT NULL""",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    return _chat(row) if row else None


async def bookkeeping(conn: Conn, chat: ChatRef
                      ) -> tuple[int | None, int | None]:
    """(digest_last_day, digest_after_article) of any chat ((None, None) when unknown)."""
    async with conn.execute(
        "SELECT digest_last_day, digest_after_article FROM chats WHERE channel = ? AND id = ?",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    return (row[0], row[1]) if row else (None, None)


async def mark_handled(conn: Conn, chat: ChatRef, *, day: int,
                       after_article: int | None) -> None:
    """The slot of `day` is handled; articles up to `after_article` are covered (None: keep)."""
    await conn.execute(
        """UPDATE chats SET digest_last_day = ?,
               digest_after_article = coalesce(?, digest_after_article)
           WHERE channel = ? AND id = ?""",
        (day, after_article, chat.channel, chat.id),
    )


async def newest_article_id(conn: Conn) -> int:
    async with conn.execute("SELECT coalesce(max(id), 0) FROM articles") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def first_pending_article(conn: Conn, chat: ChatRef) -> int | None:
    """The oldest article still waiting in the outbox for this chat (an instant push that the
    worker will skip once the chat is in digest mode), None when there is none."""
    async with conn.execute(
        """SELECT min(article_id) FROM deliveries
           WHERE channel = ? AND chat_id = ? AND status = 'pending'
             AND article_id IS NOT NULL""",
        (chat.channel, chat.id),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


# --- content -------------------------------------------------------------------------------------


async def new_articles(conn: Conn, reader: ChatRef, *, after: int, upto: int,
                       limit: int) -> list[DigestArticle]:
    """The newest `limit` articles with id in (after, upto] of the categories the reader (a
    chat, or one of its forum topics) follows, or of every category when it follows them all,
    newest stored first."""
    key = (reader.channel, reader.id, reader.thread or "")
    async with conn.execute(
        """SELECT a.id, a.title, a.url, c.name AS category, a.published
           FROM articles a
           JOIN categories c ON c.id = a.category_id
           WHERE a.id > ? AND a.id <= ? AND (
               EXISTS (SELECT 1 FROM subscriptions s
                       WHERE s.category_id = a.category_id AND s.channel = ?
                         AND s.chat_id = ? AND s.thread_id = ?)
               OR EXISTS (SELECT 1 FROM subscriptions_all s
                          WHERE s.channel = ? AND s.chat_id = ? AND s.thread_id = ?))
           ORDER BY a.id DESC LIMIT ?""",
        (after, upto, *key, *key, limit),
    ) as cur:
        return [DigestArticle(r["id"], r["title"], r["url"], r["category"], r["published"])
                for r in await cur.fetchall()]


async def create(conn: Conn, reader: ChatRef, text: str, *, period_start: int,
                 period_end: int, now: int, overflow: Sequence[int] = ()) -> int:
    """Store a reader's digest (its stored rich text, and the ids of the articles that did not
    fit); returns its id."""
    async with conn.execute(
        """INSERT INTO digests(channel, chat_id, thread_id, text, period_start, period_end,
                               created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (reader.channel, reader.id, reader.thread or "", text, period_start, period_end, now),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    digest_id = int(row[0])
    if overflow:
        await conn.executemany(
            "INSERT INTO digest_overflow(digest_id, position, article_id) VALUES (?, ?, ?)",
            [(digest_id, n, article_id) for n, article_id in enumerate(overflow)],
        )
    return digest_id


async def get(conn: Conn, digest_id: int) -> Digest | None:
    async with conn.execute(
        """SELECT d.id, d.channel, d.chat_id, d.thread_id, d.text, d.created_at,
                  (SELECT count(*) FROM digest_overflow o WHERE o.digest_id = d.id) AS overflow
           FROM digests d WHERE d.id = ?""",
        (digest_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Digest(row["id"], ChatRef(row["channel"], row["chat_id"], row["thread_id"] or None),
                  row["text"],
                  row["created_at"], row["overflow"])


async def overflow(conn: Conn, digest_id: int, *, offset: int, limit: int
                   ) -> list[int]:
    """Ids of the digest's articles that did not fit its message, in the digest's order."""
    async with conn.execute(
        """SELECT article_id FROM digest_overflow WHERE digest_id = ?
           ORDER BY position LIMIT ? OFFSET ?""",
        (digest_id, limit, offset),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def prune(conn: Conn, *, before: int) -> int:
    """Delete digests created before `before` whose delivery has ended (their deliveries and
    overflow go with them); returns how many."""
    cur = await conn.execute(
        """DELETE FROM digests WHERE created_at < ? AND NOT EXISTS (
               SELECT 1 FROM deliveries d WHERE d.digest_id = digests.id
                 AND d.status = 'pending')""",
        (before,),
    )
    return cur.rowcount


async def count_for(conn: Conn, chat: ChatRef) -> int:
    """How many digests a chat (all its readers) has had (tests, /stats)."""
    async with conn.execute("SELECT count(*) FROM digests WHERE channel = ? AND chat_id = ?",
                            (chat.channel, chat.id)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
