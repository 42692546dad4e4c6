"""Webhook mode end to end: the sandbox POSTs updates to the bot's own web server (/telegram),
the real python-telegram-bot answers through the sandbox; a real SQLite file.

Each bot listens on a free port and registers http://127.0.0.1:<port>/telegram with the sandbox
(setWebhook), as `newsbot run` registers NEWSBOT_PUBLIC_URL + "/telegram" with Telegram.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram

from bot.config import Settings
from bot.demo import sample_sources_file
from bot.sandbox import Sandbox
from bot.telegram.serving import WebFace
from bot.web.server import bind, bound_port
from bot.web.telegram import SECRET_HEADER
from storage import inbox
from storage.db import Database, open_database
from tests.bothelper import TOKEN, button_data, ingest_sample, text_of
from tests.webhelper import SECRET, bot_by_webhook

WAIT = 20.0  # an upper bound for slow machines, not a speed assertion


@asynccontextmanager
async def opened(path: Path | str) -> AsyncIterator[Database]:
    db = await open_database(path)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(webhook_retry_max=0.3)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def database(database_target: Path) -> Path:
    """The sample ingested into a database of each backend (PostgreSQL: its URL)."""
    path = database_target
    settings = Settings(database=path, sources_file=sample_sources_file())
    await ingest_sample(settings)
    return path


async def eventually(check: Any, what: str) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not in time: {what}")
        await asyncio.sleep(0.05)


def help_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A raw Telegram update: `user_id` sends /help in the private chat."""
    person = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
    return {"update_id": update_id, "message": {
        "message_id": 700000 + update_id, "date": int(time.time()), "from": person,
        "chat": {"id": user_id, "type": "private", "first_name": person["first_name"]},
        "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}


async def post_update(face: WebFace, update: dict[str, Any], secret: str | None = SECRET
                      ) -> httpx.Response:
    headers = {SECRET_HEADER: secret.encode("utf-8")} if secret is not None else {}
    async with httpx.AsyncClient(base_url=face.url) as client:
        return await client.post("/telegram", content=json.dumps(update), headers=headers)


async def test_commands_and_buttons_are_answered_by_webhook(sandbox: Sandbox,
                                                            database: Path) -> None:
    async with bot_by_webhook(sandbox, database) as (chat, face):
        info = await chat.app.bot.get_webhook_info()
        assert info.url == f"{face.url}/telegram"
        (welcome,) = await chat.say(501, "/start")
        assert "Xin chào" in text_of(welcome)
        picker_data = next(d for _, d in button_data(welcome)
                           if d and d.startswith(("sub:", "sw:")))
        pressed = await chat.press(501, welcome["message_id"], str(picker_data), expect=2)
        assert any(r["method"] == "answerCallbackQuery" for r in pressed)
        (listing,) = await chat.say(501, "/latest 1")
        assert text_of(listing).startswith("📰 <b>Tin mới nhất</b>")
        # An archive article (no URL of its own) with a photo: "Đọc bài gốc" on its card opens
        # its page on the bot's web server, which shows the photo from the archive.
        async with opened(database) as db, db.execute(
                "SELECT id FROM articles WHERE url LIKE 'file:%' AND image IS NOT NULL LIMIT 1"
        ) as cur:
            article_id = (await cur.fetchone())[0]
        (card,) = await chat.say(501, f"/start a_{article_id}")
        read = dict(button_data(card))["Đọc bài gốc"]
        assert read == f"{face.url}/a/{article_id}"
        async with httpx.AsyncClient() as browser:
            page = await browser.get(str(read))
            photo = await browser.get(f"{face.url}/media/{article_id}")
        assert page.status_code == 200
        title = text_of(card).split("</b>")[0].removeprefix("<b>")
        assert f"<h1>{title}</h1>" in page.text
        assert f'<img src="/media/{article_id}"' in page.text
        assert photo.status_code == 200
        assert photo.headers["content-type"].startswith("image/")
    stats = sandbox.state.stats()
    assert stats["calls"].get("getUpdates", 0) == 0  # nothing was polled
    assert stats["webhook_posts"] >= 3
    assert stats["webhook_failures"] == 0


async def test_a_forged_secret_gets_403_and_is_not_handled(
        sandbox: Sandbox, database: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with bot_by_webhook(sandbox, database) as (chat, face):
        for secret in ("wrong-secret", "", SECRET[:-1], SECRET + "x", None, "ẞ-non-ascii"):
            response = await post_update(face, help_update(9001, 601), secret)
            assert response.status_code == 403, secret
        refused = [r for r in caplog.records if "refused a request" in r.getMessage()]
        assert len(refused) == 1  # a flood of forged requests does not flood the log
        assert SECRET not in caplog.text
        garbage = await post_update(face, {"no": "update_id"})
        assert garbage.status_code == 400
        await asyncio.sleep(0.5)
        assert await chat.sent(chat_id=601) == []
        async with opened(database) as db:
            assert await inbox.unhandled_by_channel(db) == {}
        # Through the sandbox: a webhook registered with another secret is refused with 403
        # by the bot, so Telegram (the sandbox) keeps the update and reports the error.
        async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as other:
            await other.set_webhook(f"{face.url}/telegram", secret_token="not-the-bot-secret")
            await chat.say(602, "/help", expect=0)
            info = await eventually(lambda: _with_error(other), "the sandbox saw the 403")
            assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
            assert info.pending_update_count == 1
            assert await chat.sent(chat_id=602) == []
            # The right secret again: the kept update arrives and is answered.
            await other.set_webhook(f"{face.url}/telegram", secret_token=SECRET)
            await eventually(lambda: chat.sent(chat_id=602), "the kept update was answered")


async def _with_error(bot: telegram.Bot) -> telegram.WebhookInfo | None:
    info = await bot.get_webhook_info()
    return info if info.last_error_message else None


async def test_a_restart_loses_no_update_and_handles_none_twice(sandbox: Sandbox,
                                                                database: Path) -> None:
    async with bot_by_webhook(sandbox, database) as (chat, face):
        for user in (1, 2):
            (reply,) = await chat.say(user, "/help")
            assert "/latest" in text_of(reply)
    # The bot is down. Users keep writing: Telegram (the sandbox) cannot deliver and retries.
    failures = sandbox.state.webhook_failures
    async with httpx.AsyncClient(base_url=sandbox.url) as control:
        for user in (3, 4, 5):
            (await control.post("/sandbox/messages", json={"user_id": user, "text": "/help"})
             ).raise_for_status()
    await eventually(lambda: _true(sandbox.state.webhook_failures > failures),
                     "the sandbox tried the stopped bot")
    # And one update was stored and acknowledged but not handled when the bot died (kill -9).
    orphan = help_update(800001, 6)
    async with opened(database) as db, db.transaction() as conn:
        assert await inbox.add(conn, "telegram", "800001", json.dumps(orphan), now=0)

    async with bot_by_webhook(sandbox, database) as (chat, face):
        for user in (3, 4, 5, 6):
            await eventually(lambda u=user: chat.sent(chat_id=u), f"user {user} answered")
        # Telegram delivers again what it thinks was lost: ignored, stored once.
        async with opened(database) as db, db.execute(
                "SELECT payload FROM inbox WHERE update_key = (SELECT min(update_key) FROM inbox)"
        ) as cur:
            first = json.loads((await cur.fetchone())[0])
        for again in (first, orphan):
            assert (await post_update(face, again)).status_code == 200
        await asyncio.sleep(1.0)
        for user in (1, 2, 3, 4, 5, 6):
            replies = await chat.sent(chat_id=user)
            assert len(replies) == 1, (user, replies)
        assert face.inbox is not None
        assert face.inbox.duplicates == 2
    async with opened(database) as db:
        assert await inbox.unhandled_by_channel(db) == {}
        async with db.execute("SELECT count(*), count(handled_at) FROM inbox") as cur:
            assert tuple(await cur.fetchone()) == (6, 6)
    assert sandbox.state.stats()["pending_updates"] == 0


async def _true(value: bool) -> bool:
    return value


async def newsbot_run(sandbox: Sandbox, database: Path, cwd: Path, mode: str = "webhook"
                      ) -> tuple[asyncio.subprocess.Process, int]:
    """`newsbot run` in its own process on a free port: (the process, its port)."""
    probe = bind("127.0.0.1", 0)
    port = bound_port(probe)
    probe.close()  # the bot binds it again (a tiny window another process could take it in)
    env = {**os.environ, "NEWSBOT_TELEGRAM_API_URL": sandbox.base_url,
           "NEWSBOT_BOT_TOKEN": TOKEN, "NEWSBOT_DATABASE": str(database),
           "NEWSBOT_SOURCES_FILE": str(sample_sources_file()), "NEWSBOT_POLL_INTERVAL": "3600",
           "NEWSBOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "NEWSBOT_WEB_PORT": str(port),
           "NEWSBOT_WEBHOOK_SECRET": SECRET, "NEWSBOT_UPDATES": mode}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    return proc, port


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_newsbot_run_answers_serves_and_stops_on_sigterm(sandbox: Sandbox, database: Path,
                                                               tmp_path: Path, mode: str) -> None:
    """The real `newsbot run` in its own process: web server, updates, clean stop."""
    proc, port = await newsbot_run(sandbox, database, tmp_path, mode)
    try:
        started = ((lambda: _true(sandbox.state.webhook is not None)) if mode == "webhook"
                   else (lambda: _true(sandbox.state.calls["getUpdates"] > 0)))
        await eventually(started, f"the bot started ({mode})")
        async with httpx.AsyncClient(base_url=sandbox.url) as control:
            (await control.post("/sandbox/messages", json={"user_id": 77, "text": "/help"})
             ).raise_for_status()
        reply = await eventually(lambda: _true(sandbox.state.sent(chat_id=77)), "the reply")
        assert reply
        async with httpx.AsyncClient() as web:
            health = await web.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode()
    assert SECRET not in stderr.decode()


async def test_kill_9_loses_no_update(sandbox: Sandbox, database: Path, tmp_path: Path) -> None:
    """`newsbot run` killed (SIGKILL) while updates stream in, then started again: every user
    is answered; a repeat is possible only for an update handled in the last moments before
    the kill (its "handled" mark not yet written), never more than the consumer's concurrency.
    """
    users = list(range(1000, 1060))
    proc, _ = await newsbot_run(sandbox, database, tmp_path)
    async with httpx.AsyncClient(base_url=sandbox.url) as control:
        await eventually(lambda: _true(sandbox.state.webhook is not None), "the first start")
        for user in users[:30]:
            (await control.post("/sandbox/messages", json={"user_id": user, "text": "/help"})
             ).raise_for_status()
        await eventually(lambda: _true(len(sandbox.state.sent()) >= 5), "the first answers")
        proc.kill()
        await proc.wait()
        for user in users[30:]:  # while the bot is dead: the sandbox keeps and retries them
            (await control.post("/sandbox/messages", json={"user_id": user, "text": "/help"})
             ).raise_for_status()
        before = sandbox.state.webhook
        proc, _ = await newsbot_run(sandbox, database, tmp_path)
        try:
            await eventually(lambda: _true(sandbox.state.webhook is not before), "the restart")
            for user in users:
                await eventually(lambda u=user: _true(bool(sandbox.state.sent(chat_id=u))),
                                 f"user {user} answered")
            await asyncio.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.communicate(), WAIT)
    replies = {user: len(sandbox.state.sent(chat_id=user)) for user in users}
    assert all(count >= 1 for count in replies.values())
    assert sum(replies.values()) - len(users) <= 64  # InboxConfig.concurrency
    async with opened(database) as db:
        assert await inbox.unhandled_by_channel(db) == {}
