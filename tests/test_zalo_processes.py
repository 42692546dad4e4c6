"""Two bot processes on one PostgreSQL database serving one Zalo bot (SPEC 14 with SPEC 5a), end
to end through the sandbox: one getUpdates loop at a time (the other stands by and takes over
when the first stops), each message answered once; a push through the one outbox reaches every
reader once, and a 429 storm answered to either process slows both down (one throttled rate).

The two "processes" are two `newsbot run` servings in one test process, each with its own
database connections (so its own advisory locks: PostgreSQL sees two sessions, as for two
processes); tests/test_postgres_e2e.py runs real processes for Telegram.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from bot.elected import LeaderOnly
from bot.sandbox import Sandbox
from tests.conftest import drop_postgres_database, new_postgres_database
from tests.pushhelper import push_source, wait_done
from tests.test_zalo_push import push, subscribe_zalo, throttle
from tests.zalohelper import ZaloReaders, bot_on_zalo, text_of

pytestmark = pytest.mark.postgres


def polling(zalo: ZaloReaders) -> bool:
    poller = zalo.face.channels["zalo"].poller  # type: ignore[attr-defined]
    return poller is not None and poller.running


async def until(condition: Any, seconds: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("not within the time allowed")
        await asyncio.sleep(0.05)


async def test_two_processes_one_poller_and_one_rate(tmp_path: Path, postgres_server: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LeaderOnly, "CHECK_EVERY", 0.2)
    url = await new_postgres_database(postgres_server)
    sources, archive = push_source(tmp_path)
    box = Sandbox()
    await box.start()
    common: dict[str, Any] = dict(sandbox=box, sources_file=sources, ingest_first=False,
                                  schedule_ingestion=False, database=url, zalo_rate=40.0)
    try:
        async with AsyncExitStack() as second:
            first = AsyncExitStack()
            async with first:
                one, _ = await first.enter_async_context(bot_on_zalo(tmp_path, **common))
                two, _ = await second.enter_async_context(bot_on_zalo(tmp_path, **common))
                # One getUpdates loop for the bot (Zalo would split the updates between two).
                assert [polling(one), polling(two)] == [True, False]
                (welcome,) = await one.say("zu1", "/start")
                assert "Xin chào" in text_of(welcome)

                # A push through the one outbox, its rows claimed by either process: each
                # reader gets the article once. Zalo answers ten sends with 429 "Quota
                # exceeded": the rate of the account is cut, for both processes.
                readers = [f"p{n:03d}" for n in range(80)]
                await subscribe_zalo(one, readers)
                await one.fault(method="sendMessage", status=429, description="Quota exceeded",
                                times=10)
                article_id = await push(one, archive, "chung")
                await until(lambda: sum(throttle(z).quota_exceeded for z in (one, two)) == 10,
                            120)
                # Whichever process the 429s were answered to, the other follows the cut at
                # its next send (well before the rate may climb back: 5 s without a 429).
                for zalo in (one, two):
                    throttle(zalo).on_success()
                    await throttle(zalo).aclose()
                    assert throttle(zalo).rate < 40.0
                counts = await wait_done(one.core, [article_id], timeout=180)
                await wait_done(two.core, [article_id], timeout=60)
                assert counts[article_id].sent == 80
                assert counts[article_id].failed == counts[article_id].skipped == 0
                cards = [r["chat_id"] for r in await one.sent() if r["chat_id"] in readers]
                assert sorted(cards) == readers  # each reader exactly once
            # The polling process stopped: the other one takes over, and answers once.
            await until(lambda: polling(two))
            (again,) = await two.say("zu1", "/help")
            assert "/latest" in text_of(again) or "/tinmoi" in text_of(again)
    finally:
        await box.stop()
        await drop_postgres_database(url)
