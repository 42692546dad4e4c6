"""Categories: names as publishers write them, matched by their accent-folded form."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text.fold import category_key, fold
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
    """The category a user means: an exact folded match, else the only one whose name contains
    it; each tried as written, then with punctuation ignored ("tin tuc su kien" finds "Tin tức
    - Sự kiện")."""
    folded = fold(query)
    if not folded:
        return None
    async with conn.execute("SELECT id, name, folded FROM categories") as cur:
        rows = await cur.fetchall()
    key = category_key(query)
    keys = {r["id"]: category_key(r["name"]) for r in rows} if key else {}
    for matches in (lambda r: r["folded"] == folded,
                    lambda r: bool(key) and keys[r["id"]] == key):
        exact = [r for r in rows if matches(r)]
        if exact:
            return Category(exact[0]["id"], exact[0]["name"])
    for matches in (lambda r: folded in r["folded"],
                    lambda r: bool(key) and key in keys[r["id"]]):
        partial = [r for r in rows if matches(r)]
        if len(partial) == 1:
            return Category(partial[0]["id"], partial[0]["name"])
        if partial:
            return None
    return None


# --- categories the admins have not been told about ----------------------------------------


@dataclass(frozen=True, slots=True)
class NewCategory:
    """A category the admins were not told about yet, with the sources that used it."""

    id: int
    name: str
    sources: tuple[tuple[str, int], ...]  # (source name, articles), most first


async def unannounced(conn: Conn) -> list[NewCategory]:
    """The categories not told to the admins yet, oldest first, with their sources."""
    async with conn.execute(
        "SELECT id, name FROM categories WHERE announced_at IS NULL ORDER BY id"
    ) as cur:
        found = [(r["id"], r["name"]) for r in await cur.fetchall()]
    result: list[NewCategory] = []
    for category_id, name in found:
        async with conn.execute(
            """SELECT source, count(*) AS n FROM articles WHERE category_id = ?
               GROUP BY source ORDER BY n DESC, source LIMIT 5""",
            (category_id,),
        ) as cur:
            sources = tuple((r[0], int(r[1])) for r in await cur.fetchall())
        result.append(NewCategory(category_id, name, sources))
    return result


async def any_announced(conn: Conn) -> bool:
    """Whether any category has been told (or was known before announcing began)."""
    async with conn.execute(
        "SELECT 1 FROM categories WHERE announced_at IS NOT NULL LIMIT 1"
    ) as cur:
        return await cur.fetchone() is not None


async def mark_announced(conn: Conn, category_ids: list[int], *, now: int) -> list[int]:
    """Mark the categories as told; the ids this call marked (another process's transaction
    may have marked some first: PostgreSQL's row lock makes this one wait, then skip them).
    One statement per category: they are few, and each says whether it changed a row."""
    marked: list[int] = []
    for category_id in category_ids:
        cur = await conn.execute(
            "UPDATE categories SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
            (now, category_id))
        if cur.rowcount > 0:
            marked.append(category_id)
    return marked
