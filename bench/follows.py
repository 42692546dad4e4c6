"""Keyword follows: what matching new articles against many follows costs per article.

Stores the same generated articles (Vietnamese-like text, ~400 words each) three ways, each in
a fresh SQLite database with the same subscribers, in the ingestion's one transaction per
batch: the baseline (store + queue the subscribers' deliveries, no follows), then with 1,000
and with `--follows` follows (one per chat, two- or three-word phrases drawn from the text's
vocabulary). Twice: with a news-like vocabulary (Zipf frequencies over `--vocabulary` words),
and the worst case (80 words: every follow is a candidate for every article, and hundreds
match each). Prints ms per article, the ratio to the baseline, and how many keyword
deliveries were queued (matching does real work, it is not skipped).

Usage: python bench/follows.py [--articles 500] [--follows 20000] [--vocabulary 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.chat.follows import folded_words, match_articles  # noqa: E402
from bot.message import ChatRef  # noqa: E402
from storage import articles, bulk, categories, chats  # noqa: E402
from storage import deliveries as outbox  # noqa: E402
from storage import follows as store  # noqa: E402
from storage.db import open_database  # noqa: E402

_TEXT = ("hải phòng đà nẵng hà nội mặt trận tổ quốc việt nam ủy ban nhân dân thành phố "
             "quận huyện xã phường hội nghị tổng kết thi đua khen thưởng an sinh xã hội "
             "bạch long vĩ cát hải kiến thụy thủy nguyên đồ sơn chuyển đổi số khu dân cư "
             "đại đoàn kết giám sát phản biện cử tri bầu cử đại biểu quốc hội công nhân lao "
             "động nông dân phụ nữ thanh niên cựu chiến binh người có công")
SYLLABLES = tuple(_TEXT.split(" "))
SUBSCRIBERS = 2000


class Words:
    """Draws words: from the 80 syllables above (the worst case: every article holds nearly
    every follow's key word), or from a news-like vocabulary of `size` words with Zipf
    frequencies (a few very common, most rare: names and subjects)."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.words = list(SYLLABLES) if size <= len(SYLLABLES) else (
            list(SYLLABLES) + [f"tu{n}" for n in range(size - len(SYLLABLES))])
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def draw(self, k: int) -> list[str]:
        return self.rng.choices(self.words, self.weights, k=k)


def article_text(words: Words, n: int) -> str:
    return " ".join(words.draw(n)).capitalize() + "."


async def run(path: Path, n_articles: int, n_follows: int, seed: int,
              vocabulary: int) -> tuple[float, int]:
    rng = random.Random(seed)
    vocab = Words(rng, vocabulary)
    db = await open_database(path)
    try:
        async with db.transaction() as conn:
            category = await categories.ensure(conn, "Thời sự")
            await bulk.add_subscribers(conn, list(range(1, SUBSCRIBERS + 1)), category.id,
                                       now=1)
            # The followers are other chats (they subscribe to nothing).
            for chat_id in range(SUBSCRIBERS + 1, SUBSCRIBERS + n_follows + 1):
                await chats.ensure(conn, ChatRef("telegram", str(chat_id)), "private", "vi",
                                   now=1)
                words = vocab.draw(rng.choice((2, 3)))
                phrase = folded_words(" ".join(words))
                await store.add(conn, ChatRef("telegram", str(chat_id)),
                                words=" ".join(words), phrase=" ".join(phrase),
                                key_word=max(phrase, key=len), now=1)
        items = [articles.NewArticle(
            dedupe_key=f"k{i}", source="bench", url=f"https://x.vn/{i}",
            title=article_text(vocab, 12), category="Thời sự",
            published=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            summary=article_text(vocab, 40), body=article_text(vocab, 400), image=None,
            image_caption=None, author=None) for i in range(n_articles)]
        started = time.perf_counter()
        ids: list[int] = []
        for start in range(0, n_articles, 50):  # the ingestion's batches
            async with db.transaction() as conn:
                stored = await articles.insert_new(conn, items[start:start + 50],
                                                   fetched_at=1)
                for article in stored:
                    await outbox.enqueue_article(conn, article.id, now=1)
                await match_articles(conn, stored, now=1)
            ids.extend(a.id for a in stored)
        took = time.perf_counter() - started
        queued = sum([(await outbox.counts(db, article_id=i)).total for i in ids])
        return took / n_articles * 1000, queued - SUBSCRIBERS * len(ids)
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--follows", type=int, default=20000)
    parser.add_argument("--vocabulary", type=int, default=5000,
                        help="distinct words of the generated news (80: the worst case)")
    args = parser.parse_args()
    print(f"{args.articles} articles of ~450 words, {SUBSCRIBERS:,} subscribers each")
    for vocabulary in (args.vocabulary, 80):
        with tempfile.TemporaryDirectory() as tmp:
            rows = []
            for label, follows in (("no follows (baseline)", 0), ("1,000 follows", 1000),
                                   (f"{args.follows:,} follows", args.follows)):
                ms, keyword = await run(Path(tmp) / f"{follows}.db", args.articles, follows,
                                        7, vocabulary)
                rows.append((label, ms, keyword))
        base = rows[0][1]
        kind = "worst case: " if vocabulary <= len(SYLLABLES) else ""
        print(f"{kind}a vocabulary of {vocabulary:,} words")
        for label, ms, keyword in rows:
            print(f"  {label:24} {ms:7.2f} ms/article  ×{ms / base:4.2f}  "
                  f"keyword deliveries queued: {keyword:,}")


if __name__ == "__main__":
    asyncio.run(main())
