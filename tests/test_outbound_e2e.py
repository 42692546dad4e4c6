"""One outbound path, end to end: the real bot on the sandbox with Telegram's flood limits.

Replies, button answers, edits and pushes go through one sender and one pacer per bot token, so
the sandbox (which counts every message, replies included, as Telegram does) never has to answer
429, no reply is lost in a burst, replies go out in the order people wrote, and a push to people
who have just been answered waits for their chats instead of hitting the per-chat limit. And a
photo Telegram cannot fetch is downloaded by the bot and uploaded once.

No timing is asserted here (bench/burst.py and bench/fanout.py measure the speed).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram.warnings import PTBUserWarning

from bot.delivery.outbound import Status
from bot.delivery.pacing import Priority
from bot.demo import sample_sources_file
from bot.ingest.fetch import NetworkGuard, make_client
from bot.message import ChatRef, Choice, Message, Photo, bold
from bot.telegram.sender import PHOTO_SHOWN, TelegramSender
from storage import deliveries as outbox
from tests.bothelper import Chatter, bot_on_sandbox, text_of
from tests.pushhelper import ingest, push_source, subscribe, wait_done, write_article

BURST = 120  # people writing within a second (bench/burst.py: 1,000)
READERS = 60  # people who subscribe, then get a push right away
GENEROUS = 180.0  # an upper bound for slow machines, not a speed assertion
SAMPLE_PHOTO = sample_sources_file().parent / "archive" / (
    "2022-09-28_ban-giao-nha-dai-doan-ket-cho-ho-ngheo.png")


async def _stats(chat: Chatter) -> dict[str, Any]:
    response = await chat.http.get("/sandbox/stats")
    response.raise_for_status()
    return dict(response.json())


async def _until_each_has(chat: Chatter, users: list[int], after: int, count: int
                          ) -> list[dict[str, Any]]:
    """What the bot sent after `after`, once each of `users` has `count` messages."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GENEROUS
    wanted = set(users)
    while True:
        records = [r for r in await chat.sent(after=after)
                   if r["method"] in ("sendMessage", "sendPhoto") and r["chat_id"] in wanted]
        per_chat: dict[int, int] = defaultdict(int)
        for record in records:
            per_chat[record["chat_id"]] += 1
        if all(per_chat[u] >= count for u in users):
            return records
        if loop.time() > deadline:
            missing = [u for u in users if per_chat[u] < count]
            raise AssertionError(f"{len(missing)} chats still waiting, e.g. {missing[:5]}")
        await asyncio.sleep(0.2)


async def test_a_burst_of_people_all_get_their_answer_in_order(tmp_path: Path) -> None:
    async with bot_on_sandbox(tmp_path, flood_limits=True) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        outbound = core.outbound["telegram"]
        # The order in which the bot starts its requests (the real sender still sends them).
        started: list[str] = []
        real_send = outbound.sender.send

        async def recording_send(target: Any, message: Any, priority: Any) -> Any:
            started.append(target.id)
            return await real_send(target, message, priority)

        outbound.sender.send = recording_send  # type: ignore[method-assign]
        users = list(range(700_001, 700_001 + BURST))
        after = await chat.last_seq()
        for user in users:  # as fast as the control API takes them: well within a second
            response = await chat.http.post("/sandbox/messages",
                                            json={"user_id": user, "text": "/help"})
            response.raise_for_status()
        replies = await _until_each_has(chat, users, after, 1)
        await asyncio.sleep(1.5)  # nothing more comes (no duplicate answers)
        replies = [r for r in await chat.sent(after=after) if r["chat_id"] in set(users)]
        assert sorted(r["chat_id"] for r in replies) == users  # one answer each
        # The bot sends them in arrival order, whatever each handler's own time...
        assert [int(c) for c in started if int(c) in set(users)] == users
        # ...and they arrive so: two requests in flight at once (slots are 1/30 s apart) may be
        # read by the server in either order on a loaded machine, no further apart than that.
        received = [r["chat_id"] for r in replies]
        assert all(abs(received.index(u) - i) <= 2 for i, u in enumerate(users))
        assert all("Bot tin tức" in text_of(r) for r in replies)
        # Each update was announced to the pacer and settled (none left to the reply hold).
        assert outbound.pacer.expected_replies == 0
        stats = await _stats(chat)
        assert stats["errors"].get("429", 0) == 0
        assert stats["max_per_second_overall"] <= 30


@pytest.fixture
async def push_chat(tmp_path: Path) -> AsyncIterator[tuple[Chatter, Path]]:
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, flood_limits=True) as chat:
        yield chat, archive


async def test_a_push_to_people_just_answered_gets_no_429(
        push_chat: tuple[Chatter, Path]) -> None:
    chat, archive = push_chat
    core = chat.app.bot_data.core
    assert core is not None
    await subscribe(core, [], "Thời sự")  # the category exists; nobody follows it yet
    readers = list(range(710_001, 710_001 + READERS))
    after = await chat.last_seq()
    for user in readers:
        response = await chat.http.post("/sandbox/messages",
                                        json={"user_id": user, "text": "/dangky thoi su"})
        response.raise_for_status()
    await _until_each_has(chat, readers, after, 1)  # every one answered "subscribed"
    write_article(archive, "p", title="Tin đẩy ngay", category="Thời sự")
    (article,) = await ingest(core)
    counts = (await wait_done(core, [article.id]))[article.id]

    assert (counts.sent, counts.pending, counts.failed) == (READERS, 0, 0)
    records = await _until_each_has(chat, readers, after, 2)
    per_chat: dict[int, list[str]] = defaultdict(list)
    for record in records:
        per_chat[record["chat_id"]].append(text_of(record))
    for user in readers:  # the answer, then the card: nothing lost, nothing twice
        answer, card = per_chat[user]
        assert "Thời sự" in answer
        assert card.startswith("<b>Tin đẩy ngay</b>")
    stats = await _stats(chat)
    assert stats["errors"].get("429", 0) == 0
    assert stats["max_per_second_chat"] <= 1


async def test_a_reply_refused_with_429_is_sent_again(push_chat: tuple[Chatter, Path]) -> None:
    chat, _ = push_chat
    user = 720_001
    response = await chat.http.post("/sandbox/faults", json={
        "method": "sendMessage", "status": 429, "retry_after": 1, "chat_id": user, "times": 1})
    response.raise_for_status()
    after = await chat.last_seq()
    await chat.http.post("/sandbox/messages", json={"user_id": user, "text": "/help"})
    (reply,) = await _until_each_has(chat, [user], after, 1)
    assert "Bot tin tức" in text_of(reply)
    assert (await _stats(chat))["errors"] == {"429": 1}
    core = chat.app.bot_data.core
    assert core is not None
    assert core.outbound["telegram"].flood_waits == 1


@pytest.fixture
async def photo_server() -> AsyncIterator[str]:
    """A publisher's web server whose photos Telegram "cannot fetch" (the sandbox refuses URLs
    with "unfetchable" in their path) but the bot can."""

    async def photo(request: web.Request) -> web.StreamResponse:
        return web.Response(body=SAMPLE_PHOTO.read_bytes(), content_type="image/png")

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html>not a photo</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/unfetchable/photo.png", photo)
    app.router.add_get("/unfetchable/page.png", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/unfetchable"
    finally:
        await runner.cleanup()


async def test_a_photo_telegram_cannot_fetch_is_downloaded_and_uploaded_once(
        tmp_path: Path, photo_server: str) -> None:
    sources, archive = push_source(tmp_path)
    # The photo server is on 127.0.0.1, an internal address the bot never fetches from
    # (bot/ingest/fetch.py's guard): here it stands for a public host.
    permissive = make_client(10, guard=NetworkGuard(is_internal=lambda ip: False))
    async with permissive, bot_on_sandbox(tmp_path, sources_file=sources,
                                          delivery_rate=2000) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        sender = core.outbound["telegram"].sender
        assert isinstance(sender, TelegramSender)
        sender.http = permissive
        readers = list(range(730_001, 730_031))
        await subscribe(core, readers, "Thời sự")
        write_article(archive, "ok", title="Ảnh tải về", category="Thời sự",
                      image=f"{photo_server}/photo.png")
        write_article(archive, "bad", title="Không phải ảnh", category="Thời sự",
                      image=f"{photo_server}/page.png")
        after = await chat.last_seq()
        stored = {a.title: a for a in await ingest(core)}
        await wait_done(core, [a.id for a in stored.values()])

        sent = [r for r in await chat.sent(after=after) if r["chat_id"] in set(readers)]
        photos = [r for r in sent if r["method"] == "sendPhoto"]
        texts = [r for r in sent if r["method"] == "sendMessage"]
        assert len(photos) == len(readers) == len(texts)
        assert all(text_of(r).startswith("<b>Ảnh tải về</b>") for r in photos)
        assert all(text_of(r).startswith("<b>Không phải ảnh</b>") for r in texts)
        # Uploaded once by the bot; everyone else got Telegram's file id.
        assert [r["photo"] for r in photos].count("upload:photo.png") == 1
        file_id = photos[-1]["photo"]
        assert sum(r["photo"] == file_id for r in photos) == len(readers) - 1
        ok = await outbox.article_photo(core.db, stored["Ảnh tải về"].id, "telegram")
        assert ok is not None
        assert ok.file_id == file_id
        assert not ok.failed
        bad = await outbox.article_photo(core.db, stored["Không phải ảnh"].id, "telegram")
        assert bad is not None
        assert bad.failed
        # Each URL was refused by Telegram once, before the bot fetched it itself.
        assert (await _stats(chat))["errors"] == {"400": 2}


async def test_a_photo_on_an_internal_address_is_never_fetched_by_the_bot(
        tmp_path: Path, photo_server: str) -> None:
    """What a feed names as its photo never makes the bot reach an internal service: Telegram
    cannot fetch the URL, the bot does not either (bot/ingest/fetch.py's guard), text goes out."""
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, delivery_rate=2000) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        readers = list(range(731_001, 731_004))
        await subscribe(core, readers, "Thời sự")
        write_article(archive, "internal", title="Ảnh nội bộ", category="Thời sự",
                      image=f"{photo_server}/photo.png")
        after = await chat.last_seq()
        stored = await ingest(core)
        await wait_done(core, [a.id for a in stored])
        sent = [r for r in await chat.sent(after=after) if r["chat_id"] in set(readers)]
        assert [r["method"] for r in sent] == ["sendMessage"] * len(readers)
        assert not any(str(r.get("photo") or "").startswith("upload:") for r in sent)


async def test_a_send_reads_telegrams_answer_and_warns_nothing(
        tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    """Sends read Telegram's answer as plain JSON (bot/telegram/sender.py): the message id and
    the photo's file id are the ones the sandbox gave, the keyboard and the silent flag arrive,
    the file id is reused, and the library warns nothing on the way (`-W error` would turn a
    warning into a failed delivery)."""
    async with bot_on_sandbox(tmp_path) as chat:
        core = chat.app.bot_data.core
        assert core is not None
        sender = core.outbound["telegram"].sender
        assert isinstance(sender, TelegramSender)
        choices = ((Choice("Đọc bài gốc", url="https://mattran.example.vn/tin/1.html"),),
                   (Choice("Xem thêm", action="more:1"),))
        card = Message(bold("Tin mới") + "\n\nTóm tắt.", choices,
                       Photo("https://mattran.example.vn/anh/card.png", "url"), silent=True)
        after = await chat.last_seq()
        first = await sender.send(ChatRef("telegram", 733_001), card, Priority.BULK)
        second = await sender.send(ChatRef("telegram", 733_002), card, Priority.BULK)
        text = await sender.send(ChatRef("telegram", 733_003),
                                 Message(bold("Chỉ chữ"), choices), Priority.REPLY)
        records = await chat.sent(after=after)
    assert [r["method"] for r in records] == ["sendPhoto", "sendPhoto", "sendMessage"]
    assert [o.status for o in (first, second, text)] == [Status.SENT] * 3
    assert [o.message_id for o in (first, second, text)] == [
        str(r["message_id"]) for r in records]
    assert first.photo_file_id == records[0]["photo_file_id"]
    assert records[1]["photo"] == first.photo_file_id  # Telegram's copy, not the URL again
    assert first.shown == PHOTO_SHOWN
    assert text.shown == "<b>Chỉ chữ</b>"
    keyboard = [[{"text": "Đọc bài gốc", "url": "https://mattran.example.vn/tin/1.html"}],
                [{"text": "Xem thêm", "callback_data": "more:1"}]]
    assert all(r["reply_markup"] == {"inline_keyboard": keyboard} for r in records)
    assert [r.get("disable_notification") for r in records] == [True, True, False]
    assert all(r["parse_mode"] == "HTML" for r in records)
    assert not [w for w in recwarn if issubclass(w.category, PTBUserWarning)]
