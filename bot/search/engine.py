"""Ranking search results: relevance (where the words are) with recency, within a time budget.

How (SPEC section 11 asks p99 <= 20 ms over 1,000,000 articles):
1. Candidates: the most recently stored articles containing every word (in the title, summary
   or body), read newest-first from the index and stopping there: about a millisecond whatever
   the archive size, also for words found in every article. The work of each step grows with
   words x candidates, so the number of candidates is `WORK_BUDGET // words`, between
   `MIN_CANDIDATES` and `MAX_CANDIDATES` (200 for one or two words, 100 for four, 50 for eight).
2. Relevance of each candidate, from two more index lookups restricted to the candidates' id
   range (one statement, storage.search.signals):
       +3 every word in the title      +2 the words as a phrase, in order (2 to 4 words: longer
                                       runs of words are rarely a phrase, and cost more)
   so a headline with "Hải Phòng" scores 5 for "hai phong", an article that only mentions
   "phòng" and "Hải" apart in its body scores 0.
3. Recency: + RECENCY_WEIGHT · 2^(−age / RECENCY_HALF_LIFE_DAYS), age from the publication date
   (3 for today's article, 1.5 a month ago, 0.2 after four months).
   score = relevance + recency; ties go to the article stored last.

Trade-off (also in the README): when more articles match than there are candidates, only the
newest candidates are ranked, so an older article with very common words is out of reach (the reply
says "more than N"; more words narrow the search). Why not FTS5's bm25: it counts, for each
word, every article containing it, on every query (~13 ms per word found in 500,000 articles,
measured), and `ORDER BY rank` scores every match (~2 s for 500,000). Among candidates that all
contain every word, what bm25 adds is mostly term frequency and length normalisation; where the
words are (headline, phrase) is the stronger signal for news, and it is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.search.query import SearchQuery
from storage import search as index
from storage.db import Conn

MAX_CANDIDATES = 200
MIN_CANDIDATES = 50
WORK_BUDGET = 400  # words x candidates
PHRASE_WORDS = range(2, 5)
TITLE_POINTS = 3.0
PHRASE_POINTS = 2.0
RECENCY_WEIGHT = 3.0
RECENCY_HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Article ids, best first; `more` when further (older) articles match too."""

    ids: tuple[int, ...]
    more: bool = False


def recency(age_seconds: float) -> float:
    """The recency bonus: RECENCY_WEIGHT for a new article, halved every half-life."""
    age_days = max(age_seconds, 0.0) / 86400
    return RECENCY_WEIGHT * 2.0 ** (-age_days / RECENCY_HALF_LIFE_DAYS)


def candidate_limit(words: int) -> int:
    """How many of the newest matches are ranked, for a query of `words` words."""
    return max(MIN_CANDIDATES, min(MAX_CANDIDATES, WORK_BUDGET // max(words, 1)))


async def search(conn: Conn, query: SearchQuery, *, now: float
                 ) -> SearchResult:
    """The articles matching every word of `query`, ranked."""
    if not query:
        return SearchResult(())
    limit = candidate_limit(len(query.words))
    found = await index.newest_matches(conn, query.every_word(), limit=limit + 1)
    more = len(found) > limit
    candidates = found[:limit]
    if not candidates:
        return SearchResult(())
    features = [(query.in_title(), TITLE_POINTS)]
    if len(query.words) in PHRASE_WORDS:
        features.append((query.as_phrase(), PHRASE_POINTS))
    signals = await index.signals(conn, candidates, [f for f, _ in features])
    scores: dict[int, float] = {}
    for article_id in candidates:
        when = signals.published.get(article_id)
        if when is None:
            continue  # deleted meanwhile
        score = recency(now - when)
        for (_, points), hits in zip(features, signals.hits, strict=True):
            if article_id in hits:
                score += points
        scores[article_id] = score
    ranked = sorted(scores, key=lambda i: (scores[i], i), reverse=True)
    return SearchResult(tuple(ranked), more)
