"""Push delivery end to end: the real bot (python-telegram-bot over HTTP) on the sandbox, articles
dropped into an archive source and ingested, subscribers loaded in bulk into a real SQLite file.

What the sandbox recorded is the evidence: which chat got which card, with which photo, how many
errors it answered, and when (its records carry the acceptance time). The faults API plays
Telegram's failures: 429 flood control, timeouts, dropped connections, 5xx, bad requests.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core
from bot.demo import sample_sources_file
from bot.render.telegram import CAPTION_LIMIT, TEXT_LIMIT
from storage import chats
from storage import deliveries as outbox
from tests.bothelper import Chatter, bot_on_sandbox, button_data, text_of
from tests.conftest import tg
from tests.pushhelper import clock_at, ingest, push_source, subscribe, wait_done, write_article
from tests.test_card import visible_length

SAMPLE_PHOTO = sample_sources_file().parent / "archive" / (
    "2022-09-28_ban-giao-nha-dai-doan-ket-cho-ho-ngheo.png")


@dataclass
class Push:
    chat: Chatter
    core: Core
    archive: Path

    async def fault(self, **fault: Any) -> None:
        response = await self.chat.http.post("/sandbox/faults", json=fault)
        response.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        response = await self.chat.http.get("/sandbox/stats")
        response.raise_for_status()
        return dict(response.json())

    def at_local(self, hour: int, minute: int = 0) -> None:
        """Make the delivery worker's clock say hour:minute local time (time still runs)."""
        assert self.core.delivery is not None
        offset = clock_at(hour, minute, self.core.settings.tz)
        self.core.delivery.clock = lambda: time.time() + offset


@pytest.fixture
async def push(tmp_path: Path, database_target: Path | str) -> AsyncIterator[Push]:
    """The bot on the sandbox with an empty archive source; fast pacing unless a test says.
    On each backend."""
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, delivery_rate=2000,
                              database=database_target,
                              delivery_timeout=1.0, delivery_retry_base=1,
                              delivery_max_attempts=3) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        assert core.delivery is not None
        yield Push(chat, core, archive)


def by_chat(records: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record["method"] in ("sendPhoto", "sendMessage"):
            found[record["chat_id"]].append(record)
    return found


def titles(records: list[dict[str, Any]]) -> list[str]:
    """The bold first line of each card."""
    return sorted(text_of(r).split("</b>", 1)[0].removeprefix("<b>") for r in records)


async def test_each_subscriber_gets_exactly_its_cards(push: Push) -> None:
    only_a = list(range(1001, 1121))  # 120 private chats, Vietnamese
    only_b = list(range(2001, 2061))  # 60 private chats, English
    both = list(range(3001, 3031))  # 30 private chats in both categories
    groups_a = list(range(-4010, -4000))  # 10 groups
    blocked, old_group = 5001, -6001
    new_group = -1_000_000_006_001
    await subscribe(push.core, only_a + groups_a + both + [blocked, old_group], "Thời sự")
    await subscribe(push.core, both + [blocked, old_group], "An sinh")
    await subscribe(push.core, only_b, "An sinh", language="en")
    await push.chat.chat(blocked, blocked=True)
    await push.chat.chat(old_group, migrate_to=new_group)
    write_article(push.archive, "a", title="Tin A: hội nghị", category="Thời sự",
                  image="https://photos.example.org/a.jpg", image_caption="Quang cảnh hội nghị")
    write_article(push.archive, "b", title="Tin B: trao nhà", category="An sinh")
    shutil.copy(SAMPLE_PHOTO, push.archive / "b.png")  # a local photo: uploaded once
    write_article(push.archive, "c", title="Tin C: không ai đăng ký", category="Văn hóa")
    push.at_local(12)
    start = await push.chat.last_seq()

    stored = {a.title: a for a in await ingest(push.core)}
    counts = await wait_done(push.core, [a.id for a in stored.values()])

    got = by_chat(await push.chat.sent(after=start))
    for chat_id in only_a + groups_a:
        assert titles(got[chat_id]) == ["Tin A: hội nghị"], chat_id
    for chat_id in only_b:
        assert titles(got[chat_id]) == ["Tin B: trao nhà"], chat_id
    for chat_id in both:
        assert titles(got[chat_id]) == ["Tin A: hội nghị", "Tin B: trao nhà"], chat_id
    assert set(got) == {*only_a, *only_b, *both, *groups_a, new_group}
    # Cards as SPEC section 6 draws them, in the chat's language; daytime: not silent.
    card = got[only_a[0]][0]
    assert card["method"] == "sendPhoto"
    assert card["photo"] == card["photo_file_id"]
    assert "<i>Quang cảnh hội nghị</i>" in card["caption"]
    assert [t for t, _ in button_data(card)] == ["Đọc bài gốc", "Xem thêm", "👍"]
    assert [t for t, _ in button_data(got[only_b[0]][0])] == ["Read the original", "Read more",
                                                              "👍"]
    assert not any(r["disable_notification"] for rs in got.values() for r in rs)
    # The URL photo is fetched once, then sent by its file id; the local one uploaded once.
    photos = [r["photo"] for rs in got.values() for r in rs]
    assert photos.count("https://photos.example.org/a.jpg") == 1
    assert photos.count(card["photo"]) == len(only_a + groups_a + both)  # 161 - the URL one
    assert sum(1 for p in photos if p.startswith("upload:")) == 1
    b_photo = await outbox.article_photo(push.core.db, stored["Tin B: trao nhà"].id,
                                         "telegram")
    assert b_photo is not None
    assert b_photo.file_id
    assert photos.count(b_photo.file_id) == len(only_b) + len(both)
    # One render per article and language, not per subscriber.
    assert push.core.delivery is not None
    assert push.core.delivery.source.renders == 3  # type: ignore[attr-defined]
    # The blocked chat: tried once, marked inactive, its other delivery skipped untried.
    stats = await push.stats()
    assert stats["errors"].get("403") == 1
    gone = await chats.get(push.core.db, tg(blocked))
    assert gone is not None
    assert not gone.active
    assert "blocked" in (gone.inactive_reason or "")
    # The migrated group: both articles at the new id, the chat moved in the database.
    assert titles(got[new_group]) == ["Tin A: hội nghị", "Tin B: trao nhà"]
    assert await chats.get(push.core.db, tg(old_group)) is None
    moved = await chats.get(push.core.db, tg(new_group))
    assert moved is not None
    assert moved.active
    assert moved.type == "supergroup"
    assert stats["errors"].get("400") == 1  # one ChatMigrated answer, then straight to the new id
    # Every delivery ended.
    a, b, c = (counts[stored[t].id] for t in ("Tin A: hội nghị", "Tin B: trao nhà",
                                               "Tin C: không ai đăng ký"))
    assert (a.sent, a.skipped, a.failed, a.pending) == (161, 1, 0, 0)
    assert (b.sent, b.skipped, b.failed, b.pending) == (91, 1, 0, 0)
    assert c.total == 0
    per_chat = await outbox.by_chat(push.core.db, article_id=stored["Tin B: trao nhà"].id)
    assert per_chat[tg(blocked)].status == "skipped"


async def test_flood_control_pauses_everyone_then_resends(push: Push) -> None:
    subscribers = list(range(10_001, 10_201))
    await subscribe(push.core, subscribers, "Thời sự")
    flooded = subscribers[100]
    await push.fault(method="sendPhoto", status=429, retry_after=2, chat_id=flooded)
    write_article(push.archive, "f", title="Tin nhanh", category="Thời sự",
                  image="https://photos.example.org/f.jpg")
    start = await push.chat.last_seq()

    (article,) = await ingest(push.core)
    counts = await wait_done(push.core, [article.id])

    records = [r for r in await push.chat.sent(after=start) if r["method"] == "sendPhoto"]
    assert counts[article.id].sent == len(subscribers) == len(records)
    assert len({r["chat_id"] for r in records}) == len(subscribers)
    # The sandbox accepted nothing for ~2 s: consecutive acceptance times (whole seconds) show
    # one gap of at least 2 s, and the flooded chat's message came after it.
    dates = [r["date"] for r in records]
    gaps = [(later - earlier, i) for i, (earlier, later) in enumerate(zip(dates, dates[1:],
                                                                          strict=False))]
    widest, where = max(gaps)
    assert widest >= 2
    flooded_at = next(i for i, r in enumerate(records) if r["chat_id"] == flooded)
    assert flooded_at > where
    assert push.core.delivery is not None
    assert push.core.delivery.stats.flood_waits == 1
    stats = await push.stats()
    assert stats["errors"] == {"429": 1}


async def test_unfetchable_photo_goes_out_as_text_and_limits_hold(push: Push) -> None:
    subscribers = list(range(20_001, 20_021))
    english = list(range(21_001, 21_006))
    await subscribe(push.core, subscribers, "Thời sự")
    await subscribe(push.core, english, "Thời sự", language="en")
    hostile = 'Hội nghị <b>MTTQ</b> & "Đại đoàn kết" <script>alert(1)</script> 🇻🇳 '
    long_title = hostile + "tổng kết công tác Mặt trận năm 2024 " * 6
    summary = ("Chiều 15/12, Ủy ban MTTQ Việt Nam thành phố tổ chức hội nghị tổng kết công tác "
               "Mặt trận năm 2024 & triển khai nhiệm vụ năm 2025 <với> nhiều điểm mới. ") * 5
    caption = "Đồng chí Chủ tịch Ủy ban MTTQ phát biểu <tại> hội nghị & trao thưởng " * 6
    write_article(push.archive, "bad", title="Ảnh hỏng: " + long_title, category="Thời sự",
                  summary=summary, image="https://photos.invalid/a.jpg", image_caption=caption)
    write_article(push.archive, "long", title="Ảnh tốt: " + long_title, category="Thời sự",
                  summary=summary, image="https://photos.example.org/ok.jpg",
                  image_caption=caption)
    push.at_local(23, 30)  # night: pushes are silent
    start = await push.chat.last_seq()

    stored = await ingest(push.core)
    counts = await wait_done(push.core, [a.id for a in stored])

    assert all(c.sent == 25 and c.pending == 0 for c in counts.values())
    got = by_chat(await push.chat.sent(after=start))
    texts = [r for rs in got.values() for r in rs if r["method"] == "sendMessage"]
    photos = [r for rs in got.values() for r in rs if r["method"] == "sendPhoto"]
    # The unfetchable URL was tried once; then text for everyone, that recipient included.
    assert (await push.stats())["errors"] == {"400": 1}
    assert len(texts) == 25
    assert all(t["text"].startswith("<b>Ảnh hỏng") for t in texts)
    bad = next(a for a in stored if a.title.startswith("Ảnh hỏng"))
    state = await outbox.article_photo(push.core.db, bad.id, "telegram")
    assert state is not None
    assert state.failed
    # Limits after entity parsing (the sandbox checks them too), everything escaped.
    assert len(photos) == 25
    for record in photos:
        assert visible_length(record["caption"]) <= CAPTION_LIMIT
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in record["caption"]
        assert "<script>" not in record["caption"]
        assert "&amp;" in record["caption"]
    for record in texts:
        assert visible_length(record["text"]) <= TEXT_LIMIT
        assert "&lt;b&gt;MTTQ&lt;/b&gt;" in record["text"]
    assert any("…" in r["caption"] for r in photos)  # the long caption was cut, with "…"
    # Night: every push silent, and recorded as such.
    assert all(r["disable_notification"] for r in texts + photos)
    assert all(d.silent for d in (await outbox.by_chat(push.core.db,
                                                       article_id=bad.id)).values())


async def test_timeouts_and_server_errors_are_retried(push: Push) -> None:
    dropped, slow_error, flaky, broken, slow_ok, too_long, unknown = range(30_001, 30_008)
    fine = list(range(30_101, 30_111))
    everyone = [dropped, slow_error, flaky, broken, slow_ok, too_long, unknown, *fine]
    await subscribe(push.core, everyone, "Thời sự")
    faults: list[dict[str, Any]] = [
        {"chat_id": dropped, "status": 0},  # connection closed, no answer
        {"chat_id": slow_error, "status": 503, "delay": 2.0},  # longer than the 1 s timeout
        {"chat_id": flaky, "status": 500, "times": 2},
        {"chat_id": broken, "status": 500, "times": 10},  # more than the 3 attempts
        # Answered after our timeout, but Telegram did send it: the documented ambiguity.
        {"chat_id": slow_ok, "status": 200, "delay": 2.0},
        {"chat_id": too_long, "status": 400, "description": "Bad Request: message is too long"},
        {"chat_id": unknown, "status": 400, "description": "Bad Request: chat not found"},
    ]
    for fault in faults:
        await push.fault(method="sendMessage", **fault)
    write_article(push.archive, "t", title="Tin có lỗi mạng", category="Thời sự")
    start = await push.chat.last_seq()

    (article,) = await ingest(push.core)
    counts = await wait_done(push.core, [article.id])

    got = by_chat(await push.chat.sent(after=start))
    for chat_id in [dropped, slow_error, flaky, *fine]:
        assert len(got[chat_id]) == 1, chat_id
    assert len(got[slow_ok]) == 2  # at-least-once after a read timeout (see worker docs)
    assert broken not in got
    assert too_long not in got
    assert unknown not in got
    final = {int(chat.id): found for chat, found in
             (await outbox.by_chat(push.core.db, article_id=article.id)).items()}
    assert final[broken].status == "failed"
    assert "after 3 attempts" in (final[broken].reason or "")
    assert (final[too_long].status, final[too_long].reason) == ("failed", "Message is too long")
    assert final[too_long].attempts == 1
    assert final[unknown].status == "skipped"
    gone = await chats.get(push.core.db, tg(unknown))
    assert gone is not None
    assert not gone.active
    assert (counts[article.id].sent, counts[article.id].failed,
            counts[article.id].skipped) == (len(fine) + 4, 2, 1)
    assert push.core.delivery is not None
    stats = push.core.delivery.stats
    assert stats.uncertain >= 2  # the slow answers (and the dropped connection)
    assert (final[flaky].attempts, final[dropped].attempts, final[slow_error].attempts) == (
        3, 2, 2)


async def test_a_paid_broadcast_asks_telegram_for_it_on_every_push_only(tmp_path: Path) -> None:
    """NEWSBOT_PAID_BROADCAST: every pushed card carries allow_paid_broadcast (without it
    Telegram answers 429 above ~30/s, whatever the bot's own rate); a reply never does."""
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, paid_broadcast=True,
                              database=tmp_path / "paid.db") as chat:
        core = chat.app.bot_data.core
        assert core is not None
        readers = list(range(7001, 7021))
        await subscribe(core, readers, "Thời sự")
        write_article(archive, "paid", title="Tin trả phí", category="Thời sự",
                      image="https://photos.example.org/paid.jpg")
        start = await chat.last_seq()
        stored = await ingest(core)
        await wait_done(core, [a.id for a in stored])
        replies = await chat.say(7001, "/help")
        cards = [r for r in await chat.sent(after=start) if r["method"] == "sendPhoto"]
    assert sorted(r["chat_id"] for r in cards) == readers
    assert all(r.get("allow_paid_broadcast") is True for r in cards)
    assert replies
    assert not any(r.get("allow_paid_broadcast") for r in replies)
