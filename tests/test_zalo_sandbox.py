"""The sandbox's Zalo dialect (SPEC 9): the Zalo Bot Platform's methods, limits and error codes at
/zalo/bot<token>/<method>, the control API's "channel": "zalo", webhook delivery with the
X-Bot-Api-Secret-Token header, and several bots (tokens) that never disturb each other. Over
real HTTP, with the bot's own client (`bot.zalo.client`) where the bot would call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.sandbox import Sandbox
from bot.zalo.client import ZaloApiError, ZaloClient

TOKEN = "3000001:sandbox-zalo-token-one"
OTHER = "3000002:sandbox-zalo-token-two"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as box:
        yield box


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
        yield http


async def raw(sandbox: Sandbox, token: str, method: str, body: Any = None
              ) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{sandbox.zalo_base_url}{token}/{method}", json=body or {})
    return response.status_code, response.json()


async def test_send_and_read_back_through_the_control_api(sandbox: Sandbox,
                                                          control: httpx.AsyncClient) -> None:
    client = ZaloClient(sandbox.zalo_base_url, TOKEN)
    try:
        me = await client.get_me()
        assert me["id"] == "3000001"
        sent = await client.send_message("u1", "Xin chào")
        assert isinstance(sent["message_id"], str)
        await client.send_photo("u1", "https://cdn.example.vn/a.jpg", "Chú thích")
        await client.send_chat_action("u1")
    finally:
        await client.aclose()
    records = (await control.get("/sandbox/sent", params={"channel": "zalo",
                                                          "chat_id": "u1"})).json()["sent"]
    assert [r["method"] for r in records] == ["sendMessage", "sendPhoto", "sendChatAction"]
    assert records[0]["text"] == "Xin chào"
    assert records[1]["photo"] == "https://cdn.example.vn/a.jpg"
    assert records[1]["caption"] == "Chú thích"
    assert records[0]["chat_id"] == "u1"  # ids are strings
    # The Telegram side did not see any of it.
    telegram = (await control.get("/sandbox/sent")).json()["sent"]
    assert telegram == []


@pytest.mark.parametrize(
    ("method", "body", "code", "says"),
    [
        ("sendMessage", {"chat_id": "u1", "text": ""}, 400, "text"),
        ("sendMessage", {"chat_id": "u1", "text": "a" * 2001}, 400, "1-2000"),
        ("sendMessage", {"chat_id": 12345, "text": "hi"}, 400, "chat_id"),
        ("sendMessage", {"text": "hi"}, 400, "chat_id"),
        ("sendPhoto", {"chat_id": "u1", "photo": "http://x.vn/a.jpg"}, 400, "https"),
        ("sendPhoto", {"chat_id": "u1", "photo": "/etc/passwd"}, 400, "https"),
        ("sendPhoto", {"chat_id": "u1", "photo": "https://x.vn/a.jpg", "caption": "c" * 2001},
         400, "caption"),
        ("sendChatAction", {"chat_id": "u1", "action": "dancing"}, 400, "action"),
        ("sendSticker", {"chat_id": "u1"}, 404, "Not Found"),
    ],
)
async def test_zalos_limits_and_errors(sandbox: Sandbox, method: str, body: dict[str, Any],
                                       code: int, says: str) -> None:
    status, answer = await raw(sandbox, TOKEN, method, body)
    assert status == code
    assert answer["ok"] is False
    assert answer["error_code"] == code
    assert says in answer["description"]


async def test_a_text_of_exactly_2000_characters_is_accepted(sandbox: Sandbox) -> None:
    status, answer = await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u1",
                                                               "text": "ă" * 2000})
    assert (status, answer["ok"]) == (200, True)


async def test_a_bad_token_is_401(sandbox: Sandbox) -> None:
    status, answer = await raw(sandbox, "not-a-token", "getMe")
    assert (status, answer["error_code"]) == (401, 401)
    await raw(sandbox, TOKEN, "getMe")
    status, _ = await raw(sandbox, "3000001:another-secret-for-the-same-bot", "getMe")
    assert status == 401  # a bot's id with another secret: a revoked token


async def test_get_updates_one_at_a_time_then_408(sandbox: Sandbox,
                                                  control: httpx.AsyncClient) -> None:
    await raw(sandbox, TOKEN, "getMe")  # the bot exists
    for text in ("/start", "/latest"):
        response = await control.post("/sandbox/messages", json={
            "channel": "zalo", "user_id": "u7", "text": text, "display_name": "Lan"})
        assert response.status_code == 200
    first = await raw(sandbox, TOKEN, "getUpdates", {"timeout": "1"})
    second = await raw(sandbox, TOKEN, "getUpdates", {"timeout": "1"})
    assert first[1]["result"]["message"]["text"] == "/start"
    assert second[1]["result"]["message"]["text"] == "/latest"
    update = first[1]["result"]
    assert update["event_name"] == "message.text.received"
    assert update["message"]["chat"] == {"id": "u7", "chat_type": "PRIVATE"}
    assert update["message"]["from"] == {"id": "u7", "display_name": "Lan", "is_bot": False}
    assert isinstance(update["message"]["message_id"], str)
    # Nothing new (and no offset: what was handed out is gone).
    status, answer = await raw(sandbox, TOKEN, "getUpdates", {"timeout": "0.2"})
    assert (status, answer["error_code"]) == (408, 408)
    client = ZaloClient(sandbox.zalo_base_url, TOKEN)
    try:
        assert await client.get_updates(0.2) is None  # the client reads 408 as "nothing"
    finally:
        await client.aclose()


async def test_a_long_poll_answers_as_soon_as_a_user_writes(sandbox: Sandbox,
                                                            control: httpx.AsyncClient) -> None:
    await raw(sandbox, TOKEN, "getMe")
    poll = asyncio.create_task(raw(sandbox, TOKEN, "getUpdates", {"timeout": "20"}))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await control.post("/sandbox/messages", json={"channel": "zalo", "user_id": "u1",
                                                  "text": "hi"})
    status, answer = await asyncio.wait_for(poll, 10)
    assert status == 200
    assert answer["result"]["message"]["text"] == "hi"


async def test_a_blocked_chat_is_403_until_the_user_writes_again(
        sandbox: Sandbox, control: httpx.AsyncClient) -> None:
    await raw(sandbox, TOKEN, "getMe")
    response = await control.post("/sandbox/chats/u5", json={"channel": "zalo",
                                                             "blocked": True})
    assert response.json()["chat"]["blocked"] is True
    status, answer = await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u5", "text": "x"})
    assert (status, answer["error_code"]) == (403, 403)
    await control.post("/sandbox/messages", json={"channel": "zalo", "user_id": "u5",
                                                  "text": "/start"})
    status, _ = await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u5", "text": "x"})
    assert status == 200


async def test_faults_and_the_quota(sandbox: Sandbox, control: httpx.AsyncClient) -> None:
    await raw(sandbox, TOKEN, "getMe")
    response = await control.post("/sandbox/faults", json={
        "channel": "zalo", "method": "sendMessage", "status": 429, "times": 2})
    assert response.status_code == 200
    for _ in range(2):
        status, answer = await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u1",
                                                                   "text": "x"})
        assert (status, answer["description"]) == (429, "Quota exceeded")
    assert (await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u1", "text": "x"}))[0] == 200
    # A quota: beyond N sends a second, 429.
    response = await control.post("/sandbox/zalo/quota", json={"per_second": 3})
    assert response.json() == {"per_second": 3.0}
    await asyncio.sleep(1.0)
    statuses = [(await raw(sandbox, TOKEN, "sendMessage", {"chat_id": f"q{n}", "text": "x"}))[0]
                for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    stats = (await control.get("/sandbox/stats", params={"channel": "zalo"})).json()
    assert stats["errors"]["429"] == 4
    assert stats["bots"]["3000001"]["max_per_second"] == 3
    # The Telegram side's faults and stats are its own.
    assert (await control.get("/sandbox/stats")).json()["errors_total"] == 0


async def test_control_errors_name_what_is_wrong(control: httpx.AsyncClient) -> None:
    response = await control.post("/sandbox/messages", json={"channel": "zalo", "text": "x"})
    assert response.status_code == 400
    assert "user_id" in response.json()["error"]
    response = await control.post("/sandbox/messages", json={"channel": "viber",
                                                             "user_id": "1", "text": "x"})
    assert response.status_code == 400
    assert '"channel"' in response.json()["error"]
    # Telegram stays the default and keeps its integer ids.
    response = await control.post("/sandbox/messages", json={"user_id": 5, "text": "/start"})
    assert response.status_code == 200
    assert isinstance(response.json()["update_id"], int)


async def test_several_bots_never_disturb_each_other(sandbox: Sandbox,
                                                     control: httpx.AsyncClient) -> None:
    await raw(sandbox, TOKEN, "getMe")
    await raw(sandbox, OTHER, "getMe")
    for bot, text in (("3000001", "cho bot một"), ("3000002", "cho bot hai")):
        await control.post("/sandbox/messages", json={"channel": "zalo", "user_id": "u1",
                                                      "text": text, "bot": bot})
    one = await raw(sandbox, TOKEN, "getUpdates", {"timeout": "1"})
    two = await raw(sandbox, OTHER, "getUpdates", {"timeout": "1"})
    assert one[1]["result"]["message"]["text"] == "cho bot một"
    assert two[1]["result"]["message"]["text"] == "cho bot hai"
    # A user blocks one bot, not the other.
    await control.post("/sandbox/chats/u1", json={"channel": "zalo", "blocked": True,
                                                  "bot": "3000002"})
    assert (await raw(sandbox, TOKEN, "sendMessage", {"chat_id": "u1", "text": "a"}))[0] == 200
    assert (await raw(sandbox, OTHER, "sendMessage", {"chat_id": "u1", "text": "b"}))[0] == 403
    sent = (await control.get("/sandbox/sent", params={"channel": "zalo", "chat_id": "u1",
                                                       "bot": "3000001"})).json()["sent"]
    assert [r["text"] for r in sent] == ["a"]


async def test_webhook_delivery_with_the_secret_header(sandbox: Sandbox,
                                                       control: httpx.AsyncClient) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    refuse_first = [True]

    async def hook(request: web.Request) -> web.Response:
        if refuse_first[0]:  # a non-2xx answer is retried
            refuse_first[0] = False
            return web.Response(status=500)
        received.append((request.headers.get("X-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/zalo", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        status, answer = await raw(sandbox, TOKEN, "setWebhook", {
            "url": f"http://127.0.0.1:{port}/zalo", "secret_token": "hook-secret-123"})
        assert (status, answer["ok"]) == (200, True)
        status, answer = await raw(sandbox, TOKEN, "getUpdates", {"timeout": "0.1"})
        assert status == 409  # no polling while a webhook is set
        await control.post("/sandbox/messages", json={"channel": "zalo", "user_id": "u2",
                                                      "text": "/help"})
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.05)
        assert len(received) == 1
        secret, update = received[0]
        assert secret == "hook-secret-123"
        assert update["message"]["text"] == "/help"
        info = await raw(sandbox, TOKEN, "getWebhookInfo")
        assert info[1]["result"]["url"] == f"http://127.0.0.1:{port}/zalo"
        assert "500" in (info[1]["result"]["last_error_message"] or "")
        status, answer = await raw(sandbox, TOKEN, "setWebhook", {
            "url": f"http://127.0.0.1:{port}/zalo", "secret_token": "short"})
        assert status == 400
    finally:
        await raw(sandbox, TOKEN, "deleteWebhook")
        await runner.cleanup()


async def test_the_client_raises_the_platforms_code(sandbox: Sandbox) -> None:
    client = ZaloClient(sandbox.zalo_base_url, TOKEN)
    try:
        with pytest.raises(ZaloApiError) as refused:
            await client.send_message("u1", "")
        assert refused.value.code == 400
    finally:
        await client.aclose()
