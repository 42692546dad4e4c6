"""Search results kept for their page buttons (bot/chat/search.py): any process shows any page.

A result is kept under a short random id with the chat that searched, what was typed, and the
ranked article ids. `used` counts up at each save and each page shown; only the `keep` most
recently used results are kept, so the table stays small whatever the traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import ChatRef
from storage.db import Conn, Row


@dataclass(frozen=True, slots=True)
class StoredSearch:
    chat: ChatRef
    echo: str  # what the user typed, shortened
    ids: tuple[int, ...]  # ranked article ids
    more: bool  # further (older) matches were not ranked
    truncated: bool  # the query had more words than are searched


def _search(row: Row) -> StoredSearch:
    ids = tuple(int(i) for i in str(row["ids"]).split(",") if i)
    return StoredSearch(ChatRef(row["channel"], row["chat_id"]), row["echo"], ids,
                        bool(row["more"]), bool(row["truncated"]))


async def save(conn: Conn, key: str, found: StoredSearch, *, keep: int) -> bool:
    """Keep `found` under `key` (False when the key is taken: pick another), forgetting all but
    the `keep` most recently used results."""
    async with conn.execute(
        """INSERT INTO search_results(id, channel, chat_id, echo, ids, more, truncated, used)
           SELECT ?, ?, ?, ?, ?, ?, ?, coalesce(max(used), 0) + 1 FROM search_results
           WHERE true
           ON CONFLICT (id) DO NOTHING""",
        (key, found.chat.channel, found.chat.id, found.echo,
         ",".join(str(i) for i in found.ids), int(found.more), int(found.truncated)),
    ) as cur:
        if cur.rowcount != 1:
            return False
    await _prune(conn, keep)
    return True


async def use(conn: Conn, key: str) -> StoredSearch | None:
    """The result kept under `key` (None: never, or forgotten), now the most recently used."""
    await conn.execute(
        """UPDATE search_results SET used = (SELECT max(used) FROM search_results) + 1
           WHERE id = ?""",
        (key,),
    )
    async with conn.execute(
        "SELECT channel, chat_id, echo, ids, more, truncated FROM search_results WHERE id = ?",
        (key,),
    ) as cur:
        row = await cur.fetchone()
    return _search(row) if row is not None else None


async def _prune(conn: Conn, keep: int) -> None:
    await conn.execute(
        """DELETE FROM search_results
           WHERE used <= (SELECT max(used) FROM search_results) - ?""",
        (keep,),
    )
