"""The full-text index `search_index`: matching article ids, on either backend.

SQLite: FTS5 (rowid = article id, migration 0005); PostgreSQL: a tsvector per article with a
GIN index (storage/migrations/postgres/0001_schema.sql). Both are kept in step with `articles`
by triggers, so nothing here writes them, and both fold words the same way (see the
migrations; tests/test_search.py checks both against bot.text.fold.fold()).

What to match is a `Match` (words, every one in any column or in the title, or as a phrase),
rendered here as an FTS5 expression or a tsquery. Words are always quoted: user text is never
query syntax on either backend.

Why "newest first" and not FTS5's `ORDER BY rank`: bm25 needs, for every word, the number of
articles containing it, which FTS5 counts by walking the word's whole list of articles (about
13 ms per word found in 500,000 articles, measured), and `ORDER BY rank` scores every match.
`ORDER BY rowid DESC LIMIT n` instead reads the lists from the newest end and stops after `n`
matches: about a millisecond whatever the archive size (see bot/search/engine.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text.fold import fold
from storage.db import POSTGRES, Conn

_PIECE = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Match:
    """Every word of `words` (folded or not: the index folds them), anywhere in an article or
    only in its title (`title`), or all of them next to each other in order (`phrase`)."""

    words: tuple[str, ...]
    phrase: bool = False
    title: bool = False


def fts5_string(text: str) -> str:
    """An FTS5 string: inside double quotes everything is text; a quote is written twice."""
    return '"' + text.replace('"', '""') + '"'


def fts5_expression(match: Match) -> str:
    """`match` in FTS5's query syntax (every word quoted)."""
    inner = (fts5_string(" ".join(match.words)) if match.phrase
             else " ".join(fts5_string(w) for w in match.words))
    return f"{{title}} : ({inner})" if match.title else inner


def tsquery_text(match: Match) -> str:
    """`match` in PostgreSQL's to_tsquery syntax: each word folded as the index folds it
    (bot.text.fold.fold(), equal to the index's newsbot_fold: tested) and quoted."""
    lexemes: list[str] = []
    for word in match.words:
        lexemes.extend(_PIECE.findall(fold(word)))
    weight = ":A" if match.title else ""
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" + weight
              for w in lexemes]
    return (" <-> " if match.phrase else " & ").join(quoted)


@dataclass(frozen=True, slots=True)
class Signals:
    """What ranking needs about candidate articles: which match each feature expression, and
    when each was published (unix seconds)."""

    hits: tuple[frozenset[int], ...]
    published: dict[int, int]


async def newest_matches(conn: Conn, match: Match, *, limit: int) -> list[int]:
    """Ids of the `limit` most recently stored articles matching `match`, newest first."""
    if conn.backend == POSTGRES:
        return await _newest_matches_postgres(conn, tsquery_text(match), limit)
    async with conn.execute(
        "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?",
        (fts5_expression(match), limit),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


# PostgreSQL has no statistics for a rare word (it guesses 0.5% of the rows) and reads the
# articles newest first, testing each, for a word found once in 1,000,000: a second. So the
# newest rows are tested first, `_RECENT_ROWS_PER_RESULT` per wanted id (5,000 for 200: a few
# ms), which is enough for any common word; when they hold fewer matches than wanted, the GIN
# index lists every match (fenced by OFFSET 0 so the planner cannot turn it back into the
# newest-first scan) and the newest are kept: a rare word has few matches to sort.
_RECENT_ROWS_PER_RESULT = 25


async def _newest_matches_postgres(conn: Conn, query: str, limit: int) -> list[int]:
    async with conn.execute(
        """SELECT article_id FROM search_index WHERE doc @@ to_tsquery('simple', ?)
               AND article_id > (SELECT max(article_id) FROM search_index) - ?
           ORDER BY article_id DESC LIMIT ?""",
        (query, limit * _RECENT_ROWS_PER_RESULT, limit),
    ) as cur:
        recent = [r[0] for r in await cur.fetchall()]
    if len(recent) >= limit:
        return recent
    async with conn.execute(
        """SELECT article_id FROM (SELECT article_id FROM search_index
                                   WHERE doc @@ to_tsquery('simple', ?) OFFSET 0) AS found
           ORDER BY article_id DESC LIMIT ?""",
        (query, limit),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def signals(conn: Conn, candidates: Sequence[int],
                  features: Sequence[Match]) -> Signals:
    """For each feature expression, the candidates it matches; and the candidates' dates.

    One statement. SQLite: each feature is looked up only within the candidates' id range (FTS5
    seeks to it), which is narrow when the words are common and short when they are rare.
    PostgreSQL: `_signals_postgres`.
    """
    if not candidates:
        return Signals(tuple(frozenset() for _ in features), {})
    if conn.backend == POSTGRES:
        return await _signals_postgres(conn, candidates, features)
    parts: list[str] = []
    params: list[object] = []
    low, high = min(candidates), max(candidates)
    for number, feature in enumerate(features):
        parts.append(f"SELECT rowid, {number}, NULL FROM search_index "
                     "WHERE search_index MATCH ? AND rowid BETWEEN ? AND ?")
        params.extend((fts5_expression(feature), low, high))
    marks = ",".join("?" * len(candidates))
    # Dates come back as feature number -1.
    parts.append(f"SELECT id, -1, published FROM articles WHERE id IN ({marks})")
    params.extend(candidates)
    hits: list[set[int]] = [set() for _ in features]
    published: dict[int, int] = {}
    async with conn.execute(" UNION ALL ".join(parts), params) as cur:
        for article_id, number, when in await cur.fetchall():
            if number >= 0:
                hits[number].add(article_id)
            else:
                published[article_id] = when
    return Signals(tuple(frozenset(h) for h in hits), published)


async def _signals_postgres(conn: Conn, candidates: Sequence[int],
                            features: Sequence[Match]) -> Signals:
    """Each candidate's row of the index read once, every feature tested on it (rather than a
    lookup of the candidates per feature: 200 index rows read instead of 400 for two features,
    ~2 ms less per search at 1,000,000 articles), with its date from `articles`."""
    tests = "".join(f", s.doc @@ to_tsquery('simple', ?) AS f{n}" for n in range(len(features)))
    hits: list[set[int]] = [set() for _ in features]
    published: dict[int, int] = {}
    async with conn.execute(
        f"""SELECT a.id, a.published {tests}
            FROM articles a LEFT JOIN search_index s ON s.article_id = a.id
            WHERE a.id = ANY(?)""",
        [*(tsquery_text(f) for f in features), list(candidates)],
    ) as cur:
        for row in await cur.fetchall():
            published[row[0]] = row[1]
            for number in range(len(features)):
                if row[2 + number]:  # NULL (no index row) is no match
                    hits[number].add(row[0])
    return Signals(tuple(frozenset(h) for h in hits), published)


async def indexed_words(conn: Conn, text: str) -> list[str]:
    """The words the index makes of `text`, in order (PostgreSQL; tests compare them with
    bot.text.fold.fold())."""
    async with conn.execute(
        """SELECT w.lexeme FROM unnest(to_tsvector('simple', newsbot_fold(?))) AS w,
                  unnest(w.positions) AS p
           ORDER BY p""",
        (text,),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]
