"""Pushes to Zalo readers through the one outbox: a 429 storm slows the push down and drops
nothing, a reader who blocked the bot (403) is marked inactive, photos go as https URLs or the
card goes as text. Through the sandbox's Zalo dialect, over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.message import ChatRef
from storage import bulk, categories, chats
from storage import deliveries as outbox
from tests.pushhelper import ingest, push_source, wait_done, write_article
from tests.zalohelper import PUBLIC_URL, ZaloReaders, bot_on_zalo, text_of

CATEGORY = "Tin tức"


async def subscribe_zalo(zalo: ZaloReaders, readers: list[str]) -> None:
    async with zalo.core.db.transaction() as conn:
        category_id = (await categories.ensure(conn, CATEGORY)).id
        await bulk.add_subscribers(conn, readers, category_id, now=int(time.time()),
                                   channel="zalo")


def throttle(zalo: ZaloReaders) -> Any:
    return zalo.face.channels["zalo"].throttle  # type: ignore[attr-defined]


async def push(zalo: ZaloReaders, archive: Path, stem: str, **fields: Any) -> int:
    write_article(archive, stem, title=fields.pop("title", f"Bài {stem}"), category=CATEGORY,
                  **fields)
    (article,) = await ingest(zalo.core)
    return article.id


async def test_a_quota_storm_slows_the_push_and_drops_nothing(tmp_path: Path,
                                                              database_target: Path | str
                                                              ) -> None:
    """On both backends (PostgreSQL: the cuts go through the shared throttled rate)."""
    sources, archive = push_source(tmp_path)
    readers = [f"z{n:03d}" for n in range(60)]
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False, zalo_rate=40.0,
                           database=database_target) as (zalo, _):
        await subscribe_zalo(zalo, readers)
        # Zalo answers the next 10 sends with 429 "Quota exceeded" (no retry_after: Zalo
        # never says how long).
        await zalo.fault(method="sendMessage", status=429, description="Quota exceeded",
                         times=10)
        article_id = await push(zalo, archive, "bao")
        counts = await wait_done(zalo.core, [article_id], timeout=180)
        assert counts[article_id].sent == 60
        assert counts[article_id].failed == counts[article_id].skipped == 0
        received = [r["chat_id"] for r in await zalo.sent() if r["method"] == "sendMessage"]
        assert sorted(received) == readers  # each reader exactly once
        stats = (await zalo.http.get("/sandbox/stats", params={"channel": "zalo"})).json()
        assert stats["errors"]["429"] == 10
        slowed = throttle(zalo)
        assert slowed.quota_exceeded == 10
        assert slowed.lowest <= 40.0 / 8  # it slowed down (cutting the rate at each 429)...
        worker = zalo.core.delivery
        assert worker is not None
        assert worker.stats.flood_waits == 10  # ...and sent the same message again each time


async def test_beyond_zalos_quota_the_bot_slows_down_and_everyone_gets_it(tmp_path: Path
                                                                          ) -> None:
    """The sandbox holds a quota below the configured rate: 429s come, the throttle finds a
    rate Zalo accepts, and every reader gets the article once."""
    sources, archive = push_source(tmp_path)
    readers = [f"q{n:03d}" for n in range(40)]
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False, zalo_rate=30.0) as (zalo, _):
        zalo.sandbox.zalo.quota = 8.0
        await subscribe_zalo(zalo, readers)
        article_id = await push(zalo, archive, "quota")
        counts = await wait_done(zalo.core, [article_id], timeout=180)
        assert counts[article_id].sent == 40
        assert counts[article_id].failed == 0
        received = [r["chat_id"] for r in await zalo.sent()]
        assert sorted(received) == readers
        assert throttle(zalo).quota_exceeded > 0
        assert throttle(zalo).rate < 30.0


async def test_a_reader_who_blocked_the_bot_is_marked_inactive(tmp_path: Path,
                                                               database_target: Path | str
                                                               ) -> None:
    sources, archive = push_source(tmp_path)
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False,
                           database=database_target) as (zalo, _):
        await subscribe_zalo(zalo, ["za", "zb", "zc"])
        await zalo.block("zb")
        first = await push(zalo, archive, "mot")
        counts = await wait_done(zalo.core, [first])
        assert (counts[first].sent, counts[first].skipped, counts[first].failed) == (2, 1, 0)
        by_chat = await outbox.by_chat(zalo.core.db, article_id=first)
        assert by_chat[ChatRef("zalo", "zb")].status == "skipped"
        assert "403" in (by_chat[ChatRef("zalo", "zb")].reason or "")
        found = await chats.get(zalo.core.db, ChatRef("zalo", "zb"))
        assert found is not None
        assert not found.active
        # From then on the reader is left out.
        second = await push(zalo, archive, "hai")
        await wait_done(zalo.core, [second])
        by_chat = await outbox.by_chat(zalo.core.db, article_id=second)
        assert set(by_chat) == {ChatRef("zalo", "za"), ChatRef("zalo", "zc")}
        # Writing to the bot again makes the reader active (and unblocks it in the sandbox).
        await zalo.say("zb", "/start")
        found = await chats.get(zalo.core.db, ChatRef("zalo", "zb"))
        assert found is not None
        assert found.active


async def test_photos_go_as_https_urls_or_the_card_goes_as_text(tmp_path: Path) -> None:
    sources, archive = push_source(tmp_path)
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False) as (zalo, _):
        await subscribe_zalo(zalo, ["zp"])
        https = await push(zalo, archive, "https", image="https://cdn.example.vn/anh.jpg")
        http = await push(zalo, archive, "http", image="http://cdn.example.vn/anh.jpg")
        await wait_done(zalo.core, [https, http])
        sent = {text_of(r).split("\n")[0]: r for r in await zalo.sent(chat_id="zp")}
        assert sent["Bài https"]["method"] == "sendPhoto"
        assert sent["Bài https"]["photo"] == "https://cdn.example.vn/anh.jpg"
        assert sent["Bài http"]["method"] == "sendMessage"  # Zalo takes https only
        # Zalo refuses a photo: the card goes as text, to everyone from then on.
        await zalo.fault(method="sendPhoto", status=400,
                         description="Bad Request: photo could not be downloaded")
        refused = await push(zalo, archive, "refused", image="https://cdn.example.vn/x.jpg")
        counts = await wait_done(zalo.core, [refused])
        assert counts[refused].sent == 1
        last = (await zalo.sent(chat_id="zp"))[-1]
        assert last["method"] == "sendMessage"
        assert text_of(last).startswith("Bài refused")


async def test_archive_photos_without_a_public_https_address_go_as_text(tmp_path: Path) -> None:
    import shutil

    from tests.test_zalo_e2e import SAMPLE_PHOTO

    sources, archive = push_source(tmp_path)
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False, public_url=None) as (zalo, _):
        await subscribe_zalo(zalo, ["zq"])
        shutil.copy(SAMPLE_PHOTO, archive / "kho.png")
        article = await push(zalo, archive, "kho")
        await wait_done(zalo.core, [article])
        (card,) = await zalo.sent(chat_id="zq")
        assert card["method"] == "sendMessage"
        assert PUBLIC_URL not in text_of(card)


async def test_temporary_errors_are_retried_until_sent(tmp_path: Path) -> None:
    sources, archive = push_source(tmp_path)
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False, delivery_retry_base=1.0) as (zalo, _):
        await subscribe_zalo(zalo, ["zt"])
        await zalo.fault(method="sendMessage", status=502, times=2)
        article = await push(zalo, archive, "tam")
        counts = await wait_done(zalo.core, [article], timeout=120)
        assert counts[article].sent == 1
        assert len(await zalo.sent(chat_id="zt")) == 1
