"""Categories: names as publishers write them, matched by their accent-folded form."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text.fold import fold
from storage.db import Conn


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str


async def ensure(conn: Conn, name: str) -> Category:
    """The category called `name` (or its folded twin), created when new."""
    folded = fold(name)
    await conn.execute(
        "INSERT INTO categories(name, folded) VALUES (?, ?) ON CONFLICT DO NOTHING", (name, folded)
    )
    async with conn.execute("SELECT id, name FROM categories WHERE folded = ?", (folded,)) as cur:
        row = await cur.fetchone()
    assert row is not None
    return Category(row["id"], row["name"])


async def list_all(conn: Conn) -> list[Category]:
    async with conn.execute("SELECT id, name FROM categories ORDER BY name") as cur:
        return [Category(r["id"], r["name"]) for r in await cur.fetchall()]


async def get(conn: Conn, category_id: int) -> Category | None:
    async with conn.execute("SELECT id, name FROM categories WHERE id = ?", (category_id,)) as cur:
        row = await cur.fetchone()
    return Category(row["id"], row["name"]) if row else None


async def find(conn: Conn, query: str) -> Category | None:
    """The category a user means: exact folded match, else the only one whose name contains it."""
    folded = fold(query)
    if not folded:
        return None
    async with conn.execute("SELECT id, name, folded FROM categories") as cur:
        rows = await cur.fetchall()
    exact = [r for r in rows if r["folded"] == folded]
    if exact:
        return Category(exact[0]["id"], exact[0]["name"])
    partial = [r for r in rows if folded in r["folded"]]
    if len(partial) == 1:
        return Category(partial[0]["id"], partial[0]["name"])
    return None
