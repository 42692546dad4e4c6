"""The sandbox's webhooks (SPEC section 9): after setWebhook it POSTs each update to the URL with
Telegram's secret header, retries what is not answered 2xx, and refuses getUpdates meanwhile.

The webhook side is a small aiohttp server on a free port that records what it receives and
answers what the test tells it to; the bot side is the real python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, Conflict

from bot.sandbox import Sandbox

TOKEN = "123456:ABC-def_ghi"
SECRET = "s3cret_token-1"
WAIT = 15.0  # an upper bound for slow machines, not a speed assertion


@dataclass
class Receiver:
    """A webhook endpoint: records (headers, update) and answers `statuses` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.received.append((dict(request.headers), body))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hook.url = f"http://127.0.0.1:{port}/hook"
    yield hook
    await runner.cleanup()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(webhook_retry_max=0.2)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as client:
        yield client


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        yield client


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_updates_are_posted_with_the_secret_header(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    posted = (await control.post("/sandbox/messages", json={"user_id": 7, "text": "/start"})).json()
    await until(lambda: len(receiver.received) == 1)
    headers, update = receiver.received[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
    assert update["update_id"] == posted["update_id"]
    assert update["message"]["text"] == "/start"
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0


async def test_no_secret_header_without_a_secret(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url)
    await control.post("/sandbox/messages", json={"user_id": 7, "text": "hi"})
    await until(lambda: len(receiver.received) == 1)
    assert "X-Telegram-Bot-Api-Secret-Token" not in receiver.received[0][0]


async def test_non_2xx_answers_are_retried_until_taken(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.statuses = [500, 403, 404]
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await control.post("/sandbox/messages", json={"user_id": 7, "text": "hello"})
    await until(lambda: len(receiver.received) == 4)
    ids = {update["update_id"] for _, update in receiver.received}
    assert len(ids) == 1  # the same update, four times
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 404 Not Found"
    stats = (await control.get("/sandbox/stats")).json()
    assert stats["webhook_failures"] == 3
    assert stats["webhook_posts"] == 1


async def test_an_unreachable_webhook_keeps_updates_until_a_new_one_takes_them(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver, sandbox: Sandbox
) -> None:
    # A port nobody listens on: bind one, note it, close it.
    probe = web.AppRunner(web.Application())
    await probe.setup()
    site = web.TCPSite(probe, "127.0.0.1", 0)
    await site.start()
    dead_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await probe.cleanup()
    await bot.set_webhook(f"http://127.0.0.1:{dead_port}/hook")
    for n in range(3):
        await control.post("/sandbox/messages", json={"user_id": 7, "text": f"m{n}"})
    await until(lambda: sandbox.state.webhook_failures >= 2)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 3
    assert info.last_error_message is not None
    assert "Connection refused" in info.last_error_message
    await bot.set_webhook(receiver.url)
    await until(lambda: len(receiver.received) == 3)
    assert sorted(u["message"]["text"] for _, u in receiver.received) == ["m0", "m1", "m2"]


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 1000  # never taken: the update stays queued
    await bot.set_webhook(receiver.url)
    await control.post("/sandbox/messages", json={"user_id": 7, "text": "kept"})
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["kept"]


async def test_a_waiting_long_poll_ends_when_a_webhook_is_set(
    sandbox: Sandbox, bot: telegram.Bot, receiver: Receiver
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await until(lambda: sandbox.state.calls["getUpdates"] == 1)
    await asyncio.sleep(0.05)
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict):
        await poll


async def test_delete_webhook_can_drop_pending_updates(
    bot: telegram.Bot, control: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 1000
    await bot.set_webhook(receiver.url)
    await control.post("/sandbox/messages", json={"user_id": 7, "text": "dropped"})
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


@pytest.mark.parametrize("secret", ["has space", "ü", "x" * 257])
async def test_a_malformed_secret_token_is_refused(bot: telegram.Bot, receiver: Receiver,
                                                   secret: str) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook(receiver.url, secret_token=secret)


async def test_max_connections_is_checked_and_reported(bot: telegram.Bot,
                                                       receiver: Receiver) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook(receiver.url, max_connections=101)
    await bot.set_webhook(receiver.url, max_connections=5)
    assert (await bot.get_webhook_info()).max_connections == 5
