"""Keyword follows (/follow): which chat wants new articles holding which words.

A follow is stored with its words as typed (shown back), its `phrase` (the folded words,
space-separated) and its `key_word` (its longest folded word). Matching a new article never
searches per follow: the caller folds the article once and asks `by_key_words` for the follows
whose key word the article contains (one indexed lookup per batch of words), then checks each
candidate's whole phrase (bot/chat/follows.py). `enqueue` queues the article for the matched
chats in the outbox, where the unique index per (article, chat) makes a chat that also
subscribes to the article's category get it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn, Row

# Words per lookup: well under SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    chat: ChatRef  # the reader: a chat, or one of its forum topics
    words: str
    phrase: str
    key_word: str


def _follow(row: Row) -> Follow:
    return Follow(int(row["id"]),
                  ChatRef(row["channel"], row["chat_id"], row["thread_id"] or None),
                  row["words"], row["phrase"], row["key_word"])


_COLUMNS = "id, channel, chat_id, thread_id, words, phrase, key_word"


def _thread(reader: ChatRef) -> str:
    return reader.thread or ""


async def add(conn: Conn, chat: ChatRef, *, words: str, phrase: str, key_word: str,
              now: int) -> bool:
    """Follow `phrase`; False when the chat follows it already."""
    cur = await conn.execute(
        """INSERT INTO follows(channel, chat_id, thread_id, words, phrase, key_word, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        (chat.channel, chat.id, _thread(chat), words, phrase, key_word, now),
    )
    return cur.rowcount > 0


async def of_chat(conn: Conn, chat: ChatRef) -> list[Follow]:
    """The chat's follows, oldest first."""
    async with conn.execute(
        f"""SELECT {_COLUMNS} FROM follows
            WHERE channel = ? AND chat_id = ? AND thread_id = ? ORDER BY id""",
        (chat.channel, chat.id, _thread(chat)),
    ) as cur:
        return [_follow(r) for r in await cur.fetchall()]


async def count(conn: Conn, chat: ChatRef) -> int:
    async with conn.execute(
            "SELECT count(*) FROM follows WHERE channel = ? AND chat_id = ? AND thread_id = ?",
            (chat.channel, chat.id, _thread(chat))) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def remove(conn: Conn, chat: ChatRef, follow_id: int) -> Follow | None:
    """Stop following; the follow removed, None when the chat had no such follow."""
    async with conn.execute(
        f"""DELETE FROM follows WHERE id = ? AND channel = ? AND chat_id = ? AND thread_id = ?
            RETURNING {_COLUMNS}""",
        (follow_id, chat.channel, chat.id, _thread(chat)),
    ) as cur:
        row = await cur.fetchone()
    return _follow(row) if row else None


async def remove_all(conn: Conn, reader: ChatRef) -> int:
    """Every follow of one reader (a forum topic's /stop; a chat's go with the chat)."""
    cur = await conn.execute(
        "DELETE FROM follows WHERE channel = ? AND chat_id = ? AND thread_id = ?",
        (reader.channel, reader.id, _thread(reader)))
    return cur.rowcount


async def any_follow(conn: Conn) -> bool:
    """Whether anyone follows anything (ingestion skips folding articles when nobody does)."""
    async with conn.execute("SELECT 1 FROM follows LIMIT 1") as cur:
        return await cur.fetchone() is not None


async def by_key_words(conn: Conn, words: Iterable[str]) -> list[Follow]:
    """The follows (of active chats in instant mode) whose key word is one of `words`."""
    found: list[Follow] = []
    pending = sorted(set(words))
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        async with conn.execute(
            f"""SELECT f.id, f.channel, f.chat_id, f.thread_id, f.words, f.phrase, f.key_word
                FROM follows f JOIN chats c ON c.channel = f.channel AND c.id = f.chat_id
                WHERE f.key_word IN ({marks}) AND c.active = 1
                  AND c.delivery_mode = 'instant'""",
            chunk,
        ) as cur:
            found.extend(_follow(r) for r in await cur.fetchall())
    return found


async def enqueue(conn: Conn, article_id: int, chats: Sequence[ChatRef], *, now: int,
                  silent: bool = False) -> int:
    """Queue `article_id` for `chats` (matched follows); a reader that has the article queued
    already (its subscription, another follow) gets nothing more. Returns the rows added.

    Two statements per chunk of readers whatever their number: which of them have the article
    queued already (the unique index (article, reader) answers), then one batch of inserts for
    the others (ON CONFLICT DO NOTHING still guards a race with another writer)."""
    readers = sorted(set(chats), key=lambda c: (c.channel, c.id, _thread(c)))
    added = 0
    for start in range(0, len(readers), _CHUNK // 2):
        chunk = readers[start:start + _CHUNK // 2]
        marks = ",".join("?" * len(chunk))
        async with conn.execute(
            f"""SELECT channel, chat_id, thread_id FROM deliveries
                WHERE article_id = ? AND chat_id IN ({marks})""",
            (article_id, *sorted({c.id for c in chunk})),
        ) as cur:
            queued = {(r[0], r[1], r[2]) for r in await cur.fetchall()}
        missing = [c for c in chunk if (c.channel, c.id, _thread(c)) not in queued]
        await conn.executemany(
            """INSERT INTO deliveries(channel, chat_id, thread_id, article_id, silent,
                                      created_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [(c.channel, c.id, _thread(c), article_id, int(silent), now) for c in missing])
        added += len(missing)
    return added
