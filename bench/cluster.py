"""The cluster reader (bot/cluster): how right it is, and how fast, next to plain regex scanning.

Three parts, each printed with a baseline measured in the same run:
1. quality on the labelled corpus (tests/cluster_corpus.py): precision of the facts shown,
   recall (a fact shown, or a restatement asked about), shown recall, questions that are noise;
2. speed of `read_leadership` on the corpus sentences and on generated articles (sentences/s,
   articles/s), next to a plain regex scan of the same text for role words and years (the
   least any reader must do);
3. `newsbot rescan-clusters` over a generated database (100,000 articles by default: most are
   ordinary news, some mention clusters, some state leaderships or traps), next to reading the
   same articles in the same batches without extracting anything.

Usage: python bench/cluster.py [--articles 100000] [--repeat 20] [--cache DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import sys
import time
from pathlib import Path
from tempfile import gettempdir
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cluster import read_leadership  # noqa: E402
from bot.cluster.scanner import ClusterScanner  # noqa: E402
from storage import cluster_candidates, cluster_scan  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.migrations import migrations  # noqa: E402
from tests.cluster_corpus import CASES, Case, Fact, score  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The baseline: what any reader must at least do, scan every sentence for roles and years.
_BASELINE = re.compile(r"(?i)cụm\s+(?:trưởng|phó)|(?:trưởng|phó)\s+cụm|năm\s+\d{4}")

_FILLER = (
    "Ủy ban MTTQ Việt Nam thành phố đã phối hợp với các sở, ngành tổ chức nhiều hoạt động an "
    "sinh xã hội, chăm lo cho hộ nghèo, gia đình chính sách trên địa bàn.",
    "Các đại biểu đánh giá cao kết quả công tác vận động, tập hợp Nhân dân năm qua.",
    "Hội nghị cũng dành thời gian thảo luận về công tác giám sát, phản biện xã hội.",
    "Nhiều mô hình hay ở khu dân cư được nhân rộng, góp phần xây dựng khối đại đoàn kết.",
    "Phong trào thi đua yêu nước tiếp tục được triển khai sâu rộng ở cơ sở.",
    "Dịp này, Ban Thường trực đã trao quà cho các hộ gia đình có hoàn cảnh khó khăn.",
    "Ông Nguyễn Văn An, Trưởng ban Công tác Mặt trận khu dân cư số 4, chia sẻ kinh nghiệm.",
    "Cụm dân cư số 3 đã vận động bà con hiến đất mở rộng đường ngõ xóm.",
    "Cụm thi đua các quận đã tổ chức hội thảo chuyên đề về chuyển đổi số ở khu dân cư.",
    "Năm 2024, Mặt trận các cấp tích cực tham gia xây dựng Đảng, chính quyền trong sạch.",
)


def _corpus_reader(case: Case) -> tuple[set[Fact], set[Fact]]:
    readings = read_leadership(case.text, default_year=case.default_year,
                               default_cluster=case.default_cluster)
    shown = {(r.fact.cluster, r.fact.year, r.fact.role, r.fact.unit) for r in readings if r.shown}
    asked = {(r.fact.cluster, r.fact.year, r.fact.role, r.fact.unit) for r in readings
             if not r.shown}
    return shown, asked


def quality() -> None:
    result = score(_corpus_reader)
    positives = result.cases - result.traps
    print("== quality on the labelled corpus (tests/cluster_corpus.py)")
    print(f"  cases {result.cases}: {positives} with leaderships ({result.sentences} lines in "
          f"all), {result.traps} traps; {result.expected_shown} facts to show, "
          f"{result.expected_asked} to ask about")
    print(f"  precision (facts shown)        {result.precision:7.1%}  "
          f"({result.shown_right}/{result.shown}, wrong: {len(result.wrong)})")
    print(f"  recall (shown, or asked)       {result.recall:7.1%}  "
          f"({result.delivered}/{result.expected_shown + result.expected_asked})")
    print(f"  recall of facts to show        {result.shown_recall:7.1%}")
    print(f"  questions that are noise       {result.noise:7d}")
    held = score(_corpus_reader, [c for c in CASES if c.id.startswith("h-")])
    print(f"  of which the held-out batch    precision {held.precision:.1%}, recall "
          f"{held.recall:.1%} over {held.cases} cases ({held.traps} traps)")
    for case_id, fact in result.missed:
        print(f"  missed: {case_id}: {fact}")


def _timed(fn: object, texts: list[str], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            fn(text)  # type: ignore[operator]
    return time.perf_counter() - started


def _baseline(text: str) -> int:
    return sum(1 for _ in _BASELINE.finditer(text))


def _read(text: str) -> int:
    return len(read_leadership(text, default_year=2024))


def speed(repeat: int) -> None:
    texts = [c.text for c in CASES]
    sentences = sum(len(t.splitlines()) for t in texts) * repeat
    base = _timed(_baseline, texts, repeat)
    ours = _timed(_read, texts, repeat)
    print("== speed on the corpus (every case read as one article)")
    print(f"  regex scan (baseline)  {sentences / base:12,.0f} sentences/s")
    print(f"  read_leadership        {sentences / ours:12,.0f} sentences/s   "
          f"({ours / base:.0f}x the baseline's time, {ours / sentences * 1e6:.0f} µs/sentence)")
    rng = random.Random(16)
    articles = [_article_body(rng, i)[1] for i in range(2_000)]
    base = _timed(_baseline, articles, 1)
    ours = _timed(_read, articles, 1)
    print("== speed on 2,000 generated articles (like the rescan's)")
    print(f"  regex scan (baseline)  {len(articles) / base:12,.0f} articles/s")
    print(f"  read_leadership        {len(articles) / ours:12,.0f} articles/s   "
          f"({ours / base:.1f}x the baseline's time)")


# --- a generated database for the rescan ----------------------------------------------------
def _article_body(rng: random.Random, i: int) -> tuple[str, str]:
    """(title, body) of article i: ordinary news; 1 in 10 mentions clusters; 1 in 25 states a
    leadership or a trap from the corpus."""
    paragraphs = [" ".join(rng.choice(_FILLER) for _ in range(rng.randint(3, 6)))
                  for _ in range(rng.randint(4, 8))]
    title = f"Hoạt động Mặt trận tuần {i}"
    if i % 25 == 0:
        case = CASES[(i // 25) % len(CASES)]
        paragraphs.insert(rng.randint(0, len(paragraphs)), case.text)
        title = f"Cụm thi đua tổng kết năm 2024 (bài {i})"
    elif i % 10 == 0:
        paragraphs.insert(1, "Cụm thi đua các quận tổ chức ký kết giao ước thi đua năm 2025, "
                             "thống nhất các nội dung trọng tâm.")
    return title, "\n\n".join(paragraphs)


def build(folder: Path, articles: int) -> Path:
    schema = len(migrations())
    path = folder / f"cluster-{articles}-v{schema}.db"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()

    async def migrate() -> None:
        db = await open_database(tmp)
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(16)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.execute("INSERT INTO categories(id, name, folded) VALUES (1, 'Tin', 'tin')")
        rows = []
        for i in range(1, articles + 1):
            title, body = _article_body(rng, i)
            rows.append((i, f"k{i}", "bench", f"https://tin.example.vn/{i}", title, 1,
                         1_735_689_600 + i * 60, 0, body[:200], body))
            if len(rows) == 10_000:
                conn.executemany(_INSERT, rows)
                rows.clear()
        conn.executemany(_INSERT, rows)
    conn.close()
    tmp.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s")
    return path


_INSERT = ("INSERT INTO articles(id, dedupe_key, source, url, title, category_id, published, "
           "fetched_at, summary, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


async def rescan(path: Path) -> None:
    db = await open_database(path)
    try:
        total = await cluster_scan.article_count(db)
        started = time.perf_counter()
        after = 0
        while batch := await cluster_scan.articles_after(db, after, 200):
            after = batch[-1].id
        read_only = time.perf_counter() - started
        started = time.perf_counter()
        after = 0
        while batch := await cluster_scan.articles_after(db, after, 200):
            after = batch[-1].id
            for article in batch:
                _baseline(f"{article.title}\n\n{article.body}")
        base = time.perf_counter() - started
        started = time.perf_counter()
        report = await ClusterScanner(TZ).rescan(db)
        ours = time.perf_counter() - started
        pending = await cluster_candidates.count(db, "pending")
    finally:
        await db.close()
    print(f"== newsbot rescan-clusters over {total:,} generated articles")
    print(f"  read only, no scan, no writes (baseline) {read_only:6.1f} s  "
          f"{total / read_only:10,.0f} articles/s")
    print(f"  read + regex scan, no writes (baseline) {base:7.1f} s  {total / base:10,.0f} "
          "articles/s")
    print(f"  ClusterScanner.rescan                {ours:7.1f} s  {total / ours:10,.0f} "
          f"articles/s  ({ours / base:.1f}x the baseline's time)")
    print(f"  found {report.facts:,} facts to show and {report.candidates:,} readings for the "
          f"admins ({pending:,} stored as pending)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cache", type=Path, default=Path(gettempdir()) / "newsbot-bench")
    parser.add_argument("--skip-rescan", action="store_true")
    args = parser.parse_args()
    quality()
    speed(args.repeat)
    if not args.skip_rescan:
        asyncio.run(rescan(build(args.cache, args.articles)))


if __name__ == "__main__":
    main()
