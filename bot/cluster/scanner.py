"""Emulation-cluster leadership from stored articles: extraction on ingest, catch-up, re-scan.

Owns when the extractor (bot/cluster) runs and what of its output is stored:
- `ClusterScanner.after_store` is an Ingestor `after_store` hook: inside the transaction that
  stores new articles it scans every article not scanned yet (the new ones, plus any stored by a
  process without the hook), so an article is never stored without its facts;
- `catch_up` does the same at start-up, in batches (articles ingested by `newsbot ingest`, the
  demo or the tests before the bot started);
- `rescan` re-reads every stored article (the `newsbot rescan-clusters` command), for when the
  extractor improves: per batch, an article's old extracted facts are replaced by the new ones,
  so the bot keeps answering while it runs and running it twice gives the same facts.
A watermark (`cluster_scan`) records how far the scan has read. Admin facts are never touched.

What the reader is sure of is stored as facts (shown by /cluster); what it is unsure of is
stored as candidates for the admins to confirm or reject (storage/cluster_candidates.py), and
never shown to readers. An admin's answer to a candidate survives every re-scan.

Precision: a fact is stored only for a plausible year (at most one year after the article's
publication, at most ten before it): an election for "năm 2042" in a 2023 article is a typo or
a plan, and a wrong leader shown to an official is worse than none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.cluster import Reading, cluster_key, read_leadership
from bot.models import Article
from bot.text.fold import fold
from storage import cluster_candidates, cluster_facts, cluster_scan
from storage.cluster_candidates import NewCandidate
from storage.cluster_facts import NewFact
from storage.cluster_scan import ArticleText
from storage.db import Conn, Database

log = logging.getLogger(__name__)

BATCH = 200
YEARS_AHEAD = 1
YEARS_BACK = 10

Progress = Callable[[int, int], None]  # (articles done, articles in all)


@dataclass(frozen=True, slots=True)
class ScanReport:
    articles: int
    facts: int
    candidates: int = 0


def readings_of(article: ArticleText, tz: tzinfo) -> list[Reading]:
    """The storable readings of an article (title and body): plausible years, named clusters."""
    year = datetime.fromtimestamp(article.published, UTC).astimezone(tz).year
    found = read_leadership(f"{article.title}\n\n{article.body}", default_year=year)
    return [r for r in found if year - YEARS_BACK <= r.fact.year <= year + YEARS_AHEAD
            and cluster_key(r.fact.cluster)]


def facts_of(article: ArticleText, tz: tzinfo) -> list[NewFact]:
    """The leadership facts an article states surely enough to show readers."""
    return [_fact(r) for r in readings_of(article, tz) if r.shown]


def _fact(reading: Reading) -> NewFact:
    f = reading.fact
    return NewFact(cluster_key=cluster_key(f.cluster), cluster=f.cluster, year=f.year,
                   role=f.role, unit=f.unit, unit_key=fold(f.unit), sentence=f.sentence)


def _candidate(reading: Reading) -> NewCandidate:
    f = reading.fact
    return NewCandidate(cluster_key=cluster_key(f.cluster), cluster=f.cluster, year=f.year,
                        role=f.role, unit=f.unit, unit_key=fold(f.unit), sentence=f.sentence,
                        confidence=reading.confidence, reasons=reading.reasons)


class ClusterScanner:
    """Runs the extractor over stored articles; `tz` decides an article's publication year."""

    def __init__(self, tz: tzinfo, clock: Callable[[], float] = time.time) -> None:
        self.tz = tz
        self.clock = clock

    async def after_store(self, conn: Conn, stored: list[Article]) -> None:
        """Ingestor hook: scan what is new, inside the storing transaction."""
        del stored  # everything after the watermark is scanned: the new ones are among them
        while await self._scan_batch(conn, await cluster_scan.scan_mark(conn)) is not None:
            pass

    async def after_update(self, conn: Conn, updated: list[Article]) -> None:
        """Ingestor hook for corrections: each corrected article's facts become those of its
        new text, inside the transaction that stores the correction (articles after the
        watermark are not scanned yet: the next scan reads their new text anyway)."""
        mark = await cluster_scan.scan_mark(conn)
        texts = [ArticleText(a.id, a.title, a.body, int(a.published.timestamp()))
                 for a in updated if a.id <= mark]
        if not texts:
            return
        read = [(t, r) for t in texts for r in self._readings(t)]
        ids = [t.id for t in texts]
        now = int(self.clock())
        await cluster_facts.replace_extracted(
            conn, ids, [(t.id, t.published, _fact(r)) for t, r in read if r.shown], now=now)
        await cluster_candidates.replace_candidates(
            conn, ids, [(t.id, _candidate(r)) for t, r in read if not r.shown], now=now)

    async def catch_up(self, db: Database) -> ScanReport:
        """Scan the articles stored since the last scan, one transaction per batch."""
        articles = facts = candidates = 0
        while True:
            async with db.transaction() as conn:
                result = await self._scan_batch(conn, await cluster_scan.scan_mark(conn))
            if result is None:
                break
            articles += result.articles
            facts += result.facts
            candidates += result.candidates
        if articles:
            log.info("cluster scan: %d article(s) read, %d fact(s) found, %d for admin review",
                     articles, facts, candidates)
        return ScanReport(articles, facts, candidates)

    async def rescan(self, db: Database, progress: Progress | None = None) -> ScanReport:
        """Re-read every stored article and replace its extracted facts."""
        total = await cluster_scan.article_count(db)
        done = facts = candidates = 0
        after = 0
        while True:
            async with db.transaction() as conn:
                result = await self._scan_batch(conn, after)
            if result is None:
                break
            done += result.articles
            facts += result.facts
            candidates += result.candidates
            after = result.last_id
            if progress is not None:
                progress(done, max(total, done))
        if candidates:
            log.info("cluster re-scan: %d reading(s) for admin review", candidates)
        return ScanReport(done, facts, candidates)

    async def _scan_batch(self, conn: Conn, after: int) -> _Batch | None:
        batch = await cluster_scan.articles_after(conn, after, BATCH)
        if not batch:
            return None
        read = [(a, r) for a in batch for r in self._readings(a)]
        facts = [(a.id, a.published, _fact(r)) for a, r in read if r.shown]
        asked = [(a.id, _candidate(r)) for a, r in read if not r.shown]
        ids = [a.id for a in batch]
        now = int(self.clock())
        await cluster_facts.replace_extracted(conn, ids, facts, now=now)
        await cluster_candidates.replace_candidates(conn, ids, asked, now=now)
        await cluster_scan.set_scan_mark(conn, batch[-1].id)
        return _Batch(len(batch), len(facts), len(asked), batch[-1].id)

    def _readings(self, article: ArticleText) -> Sequence[Reading]:
        try:
            return readings_of(article, self.tz)
        except Exception:  # one odd article must not stop ingestion nor the scan
            log.exception("article_id=%s cluster extraction failed", article.id)
            return ()


@dataclass(frozen=True, slots=True)
class _Batch:
    articles: int
    facts: int
    candidates: int
    last_id: int
