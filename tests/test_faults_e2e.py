"""Faults without loss, end to end (issue 18): the real bot (python-telegram-bot over HTTP) on the
sandbox, a real database (SQLite, and PostgreSQL where a test takes `database_target` or the
webhook tests' `database`), faults played through the sandbox.

- an outage of the Bot API longer than all retries together (the sandbox stopped, then started
  again on the same port): every reader gets the article, nothing ends "failed";
- a reply waits out an outage (webhook mode: the update reaches the bot while the API does not);
- an update python-telegram-bot cannot parse, between two ordinary commands, in polling and in
  webhook mode: both commands answered, one log line about it;
- a send that times out after the request went out is counted, and /stats shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.core import Core
from bot.delivery.outage import OutageGuard
from bot.message import ChatRef, Message, Text
from bot.sandbox import Sandbox
from bot.telegram.app import build_application, running
from bot.telegram.serving import WebFace
from storage import deliveries as outbox
from storage.db import open_database
from tests.bothelper import ADMIN_ID, TOKEN, bot_on_sandbox, text_of
from tests.pushhelper import ingest, push_source, subscribe, wait_done, write_article
from tests.test_webhook_e2e import database, help_update, post_update  # noqa: F401
from tests.webhelper import bot_by_webhook

USER = 501
READERS = 300
WAIT = 30.0  # upper bounds for slow machines, not speed assertions


def port_of(sandbox: Sandbox) -> int:
    return int(sandbox.url.rsplit(":", 1)[1])


def quick_probes(outbound_guard: OutageGuard) -> None:
    """Probe the API every 0.2-1 s while it is down (tests need not wait 30 s)."""
    outbound_guard.probe_base = 0.2
    outbound_guard.probe_cap = 1.0
    outbound_guard._delay = 0.2


async def until(check: Any, what: str, timeout: float = WAIT) -> Any:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not in time: {what}")
        await asyncio.sleep(0.05)


def cards(records: list[dict[str, Any]]) -> Counter[int]:
    return Counter(r["chat_id"] for r in records if r["method"] in ("sendMessage", "sendPhoto"))


# --------------------------------------------------------------------------- the outage


async def test_an_outage_longer_than_all_retries_loses_no_delivery(
        tmp_path: Path, database_target: Path | str) -> None:
    sources, archive = push_source(tmp_path)
    # Retries: 3 attempts, 1 s then 2 s apart: a reader would be "failed" 3 s into an outage.
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              delivery_rate=60, delivery_timeout=1.0, delivery_retry_base=1,
                              delivery_max_attempts=3) as chat:
        core: Core = chat.app.bot_data.core
        assert core.delivery is not None
        outbound = core.outbound["telegram"]
        quick_probes(outbound.outage)
        readers = list(range(70_001, 70_001 + READERS))
        await subscribe(core, readers, "Thời sự")
        write_article(archive, "outage", title="Tin giữa lúc mất kết nối", category="Thời sự")
        sandbox = chat.sandbox
        start = sandbox.state.last_seq

        (article,) = await ingest(core)
        # Mid-push: about a sixth of the readers have it.
        await until(lambda: _sent_at_least(sandbox, start, READERS // 6), "the push started")
        port = port_of(sandbox)
        await sandbox.stop()
        # Longer than all the retries of a reader together (1 s + 2 s, then the claim of the
        # retry), several times over.
        await asyncio.sleep(9.0)
        still = await outbox.counts(core.db, article_id=article.id)
        assert still.failed == 0
        assert still.pending > 0
        assert outbound.outage.down
        await sandbox.start(port=port)
        counts = await wait_done(core, [article.id])

        got = cards(sandbox.state.sent(after=start))
        assert set(got) == set(readers)  # every reader got the article
        duplicates = sum(n - 1 for n in got.values())
        assert duplicates <= core.delivery.config.unconfirmed_limit  # the in-flight bound
        assert (counts[article.id].sent, counts[article.id].failed) == (READERS, 0)
        final = await outbox.by_chat(core.db, article_id=article.id)
        assert {d.status for d in final.values()} == {"sent"}
        # The outage cost nobody an attempt: every reader's delivery took one.
        assert max(d.attempts for d in final.values()) == 1
        assert core.delivery.stats.outage_waits > 0
        assert outbound.outage.outages >= 1


async def _sent_at_least(sandbox: Sandbox, after: int, count: int) -> bool:
    return len(cards(sandbox.state.sent(after=after))) >= count


async def test_a_reply_waits_out_an_outage(database: Path) -> None:  # noqa: F811
    """Webhook mode: Telegram reaches the bot, the bot cannot reach Telegram (the sandbox is
    down); the reply is neither lost nor given up after its retries, it goes once the API
    answers."""
    sandbox = Sandbox(webhook_retry_max=0.3)
    await sandbox.start()
    try:
        async with bot_by_webhook(sandbox, database) as (chat, face):
            core: Core = chat.app.bot_data.core
            outbound = core.outbound["telegram"]
            quick_probes(outbound.outage)
            # Without the outage guard this reply would be given up after 0.1 s of retries.
            outbound.max_attempts, outbound.retry_base = 2, 0.1
            port = port_of(sandbox)
            start = sandbox.state.last_seq
            await sandbox.stop()
            answered = await post_update(face, help_update(880_001, USER))
            assert answered.status_code == 200  # stored: the inbox has it
            await asyncio.sleep(3.0)
            assert outbound.outage.down
            await sandbox.start(port=port)
            replies = await until(
                lambda: _to(sandbox, start, USER), "the reply after the outage")
            assert "/latest" in text_of(replies[0])
            await _inbox_done(face)
    finally:
        await sandbox.stop()


async def _to(sandbox: Sandbox, after: int, chat_id: int) -> list[dict[str, Any]]:
    return sandbox.state.sent(chat_id=chat_id, after=after)


async def _inbox_done(face: WebFace) -> None:
    assert face.inbox is not None
    inbox = face.inbox
    await until(lambda: _true(inbox.in_flight == 0), "the inbox handled everything")


async def _true(value: bool) -> bool:
    return value


async def test_an_interactive_send_during_an_outage_is_kept_until_the_api_answers(
        tmp_path: Path) -> None:
    """An admin alert (or any reply) started while the API is down waits; it is sent after."""
    async with bot_on_sandbox(tmp_path) as chat:
        core: Core = chat.app.bot_data.core
        outbound = core.outbound["telegram"]
        quick_probes(outbound.outage)
        outbound.max_attempts, outbound.retry_base = 2, 0.1
        sandbox = chat.sandbox
        port = port_of(sandbox)
        start = sandbox.state.last_seq
        await sandbox.stop()
        sending = asyncio.ensure_future(outbound.send(
            ChatRef("telegram", str(ADMIN_ID)), Message(Text("Thông báo thử")), group=False))
        await asyncio.sleep(2.0)
        assert not sending.done()  # neither sent nor given up
        await sandbox.start(port=port)
        sent = await asyncio.wait_for(sending, WAIT)
        assert sent is not None
        (record,) = [r for r in sandbox.state.sent(chat_id=ADMIN_ID, after=start)
                     if r["method"] == "sendMessage"]
        assert record["text"] == "Thông báo thử"


# --------------------------------------------------------------------------- poison updates

# A poll without the fields python-telegram-bot requires (options, total_voter_count, ...).
POISON = {"poll": {"id": "poll-1", "question": "Bạn thấy bản tin thế nào?"}}


def _about(records: list[logging.LogRecord], update_id: int) -> list[logging.LogRecord]:
    """Log lines about one update (its id next to the word "update"), at any level."""
    number = re.compile(rf"update\w*\W{{1,3}}(?:id\W{{1,3}})?{update_id}\b", re.IGNORECASE)
    return [r for r in records if number.search(r.getMessage())
            or "Bạn thấy" in r.getMessage()]


async def test_a_poison_update_is_skipped_in_polling(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with bot_on_sandbox(tmp_path) as chat:
        state = chat.sandbox.state
        start = state.last_seq
        # One batch: /help, the poison, /start (queued without yielding to the bot).
        state.post_message(USER, "/help")
        poison_id = state.inject_update(dict(POISON))
        state.post_message(USER + 1, "/start")

        await until(lambda: _to(chat.sandbox, start, USER), "the /help answer")
        await until(lambda: _to(chat.sandbox, start, USER + 1), "the /start answer")
        help_reply = (await _to(chat.sandbox, start, USER))[0]
        start_reply = (await _to(chat.sandbox, start, USER + 1))[0]
        assert "/latest" in text_of(help_reply)
        assert "Xin chào" in text_of(start_reply)
        # Later updates are still handled (the offset moved past the poison).
        (again,) = await chat.say(USER, "/help")
        assert "/latest" in text_of(again)

    about = _about(caplog.records, poison_id)
    assert len(about) == 1, [r.getMessage() for r in about]
    assert about[0].levelno == logging.WARNING
    assert "skipped" in about[0].getMessage()
    assert "Bạn thấy" not in about[0].getMessage()  # never the payload
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_poison_update_is_skipped_in_webhook_mode(
        database: Path, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.INFO)
    sandbox = Sandbox(webhook_retry_max=0.3)
    await sandbox.start()
    try:
        async with bot_by_webhook(sandbox, database) as (chat, face):
            state = sandbox.state
            start = state.last_seq
            state.post_message(USER, "/help")
            poison_id = state.inject_update(dict(POISON))
            state.post_message(USER + 1, "/start")
            await until(lambda: _to(sandbox, start, USER), "the /help answer")
            await until(lambda: _to(sandbox, start, USER + 1), "the /start answer")
            await _inbox_done(face)
            db = await open_database(database)
            try:
                async with db.execute(
                        "SELECT handled_at IS NOT NULL FROM inbox WHERE update_key = ?",
                        (str(poison_id),)) as cur:
                    row = await cur.fetchone()
            finally:
                await db.close()
            assert row is not None
            assert row[0] == 1
    finally:
        await sandbox.stop()
    about = [r for r in _about(caplog.records, poison_id) if "skipped" in r.getMessage()]
    assert len(about) == 1
    assert about[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- ambiguous sends


async def test_a_timeout_after_sending_is_counted_and_shown_in_stats(
        tmp_path: Path, database_target: Path | str) -> None:
    sources, archive = push_source(tmp_path)
    async with bot_on_sandbox(tmp_path, sources_file=sources, database=database_target,
                              delivery_rate=2000, delivery_timeout=1.0, delivery_retry_base=1,
                              delivery_max_attempts=3) as chat:
        core: Core = chat.app.bot_data.core
        slow, fine = 71_001, [71_002, 71_003]
        await subscribe(core, [slow, *fine], "Thời sự")
        # Answered after the bot's 1 s timeout, but sent: the bot cannot know.
        response = await chat.http.post("/sandbox/faults", json={
            "method": "sendMessage", "status": 200, "delay": 2.0, "chat_id": slow})
        response.raise_for_status()
        write_article(archive, "slow", title="Tin trả lời chậm", category="Thời sự")
        (article,) = await ingest(core)
        await wait_done(core, [article.id])
        final = await outbox.by_chat(core.db, article_id=article.id)
        assert final[ChatRef("telegram", str(slow))].status == "sent"
        async with core.db.execute(
                "SELECT uncertain FROM deliveries WHERE article_id = ? AND chat_id = ?",
                (article.id, str(slow))) as cur:
            assert (await cur.fetchone())[0] == 1
        (stats,) = await chat.say(ADMIN_ID, "/stats")
        assert "Gửi không chắc chắn" in text_of(stats)
        line = next(x for x in text_of(stats).splitlines() if "không chắc chắn" in x)
        assert "1 tin đẩy" in line



# --------------------------------------------------------------------------- a frozen API


async def test_a_frozen_api_costs_at_most_the_requests_in_flight(tmp_path: Path) -> None:
    """The sandbox in a process of its own, frozen (SIGSTOP) mid-push for longer than the send
    timeout, then thawed: the requests it got while frozen are all answered late (Telegram
    would have delivered them), so their retries are duplicates. Once the API is found down
    nothing more goes out, so the duplicates stay within the requests in flight, each counted
    as ambiguous; nobody ends "failed"."""
    port = _free_port()
    box = _sandbox_process(port)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            await until(lambda: _answers(http), "the sandbox process listens")
            sources, archive = push_source(tmp_path)
            settings = Settings(
                telegram_api_url=f"{url}/bot", bot_token=SecretStr(TOKEN),
                database=tmp_path / "bot.db", sources_file=sources, admin_ids=frozenset({1}),
                poll_interval=3600, delivery_rate=60, delivery_timeout=1.0,
                delivery_retry_base=1, delivery_max_attempts=3, private_chat_interval=0.05)
            app = build_application(settings, schedule_ingestion=False)
            async with running(app, poll_timeout=1):
                core: Core = app.bot_data.core
                assert core.delivery is not None
                quick_probes(core.outbound["telegram"].outage)
                readers = list(range(72_001, 72_001 + READERS))
                await subscribe(core, readers, "Thời sự")
                write_article(archive, "frozen", title="Tin lúc API đứng", category="Thời sự")
                (article,) = await ingest(core)
                await until(lambda: _sent_over_http(http, READERS // 6), "the push started")
                os.kill(box.pid, signal.SIGSTOP)
                await asyncio.sleep(5.0)  # five send timeouts
                os.kill(box.pid, signal.SIGCONT)
                counts = await wait_done(core, [article.id])
                got = cards((await http.get("/sandbox/sent")).json()["sent"])
                uncertain = await outbox.uncertain_since(core.db, 0)
                final = await outbox.by_chat(core.db, article_id=article.id)
        assert set(got) == set(readers)
        assert (counts[article.id].sent, counts[article.id].failed) == (READERS, 0)
        assert {d.status for d in final.values()} == {"sent"}
        duplicates = sum(n - 1 for n in got.values())
        print(f"\nfrozen API: {duplicates} duplicate(s), {uncertain} ambiguous send(s) counted")
        assert duplicates <= settings.delivery_concurrency  # one round in flight, no more
        assert duplicates <= uncertain  # every duplicate was counted as ambiguous
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(box.pid, signal.SIGCONT)
        box.kill()
        box.wait(timeout=10)


def _sandbox_process(port: int) -> subprocess.Popen[bytes]:
    """`python -m bot sandbox` on `port` (waiting for it is the caller's job)."""
    return subprocess.Popen([sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _answers(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/")).status_code == 200
    except httpx.HTTPError:
        return False


async def _sent_over_http(http: httpx.AsyncClient, count: int) -> bool:
    return len(cards((await http.get("/sandbox/sent")).json()["sent"])) >= count


# --------------------------------------------------------------------------- Zalo


async def test_an_outage_of_zalos_api_loses_no_delivery(tmp_path: Path) -> None:
    """The same outage on the Zalo channel (issue 12): its account has its own outage guard,
    probing Zalo's getMe; a push to Zalo readers waits the outage out, nobody "failed"."""
    from tests.test_zalo_push import subscribe_zalo
    from tests.zalohelper import bot_on_zalo

    sources, archive = push_source(tmp_path)
    readers = [f"zo{n:03d}" for n in range(60)]
    async with bot_on_zalo(tmp_path, sources_file=sources, ingest_first=False,
                           schedule_ingestion=False, zalo_rate=20.0, delivery_retry_base=1,
                           delivery_max_attempts=3) as (zalo, _):
        core = zalo.core
        assert core.delivery is not None
        outbound = core.outbound["zalo"]
        quick_probes(outbound.outage)
        await subscribe_zalo(zalo, readers)
        write_article(archive, "zalo-outage", title="Tin lúc Zalo mất kết nối",
                      category="Tin tức")
        sandbox = zalo.sandbox
        (article,) = await ingest(core)

        def zalo_cards() -> Counter[str]:
            return Counter(r["chat_id"] for r in sandbox.zalo.sent()
                           if r["method"] in ("sendMessage", "sendPhoto"))

        async def sent_some() -> bool:
            return len(zalo_cards()) >= 10

        await until(sent_some, "the Zalo push started")
        port = port_of(sandbox)
        await sandbox.stop()
        await asyncio.sleep(6.0)  # longer than a reader's retries (1 s + 2 s) together
        still = await outbox.counts(core.db, article_id=article.id)
        assert still.failed == 0
        assert outbound.outage.down
        await sandbox.start(port=port)
        counts = await wait_done(core, [article.id], timeout=120)
        received = zalo_cards()
    assert set(received) == set(readers)
    assert sum(n - 1 for n in received.values()) <= core.delivery.config.unconfirmed_limit
    assert (counts[article.id].sent, counts[article.id].failed) == (60, 0)
    assert outbound.outage.outages >= 1
