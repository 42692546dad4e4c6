"""Running the real bot (python-telegram-bot over HTTP) against the sandbox, and talking to it
as users through the sandbox's JSON control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import Settings, load_sources
from bot.demo import sample_sources_file
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.sandbox import Sandbox
from bot.telegram.app import NewsApplication, build_application, running
from storage.db import open_database

TOKEN = "123456:test-token-for-the-sandbox"
ADMIN_ID = 9001

# Generous upper bounds so a slow CI machine never fails a test; they are not speed assertions.
REPLY_TIMEOUT = 15.0
QUIET = 0.3


@dataclass
class Chatter:
    """The sandbox seen as users: send messages, press buttons, read what the bot sent."""

    sandbox: Sandbox
    http: httpx.AsyncClient
    app: NewsApplication
    settings: Settings

    async def sent(self, *, chat_id: int | None = None, after: int = 0) -> list[dict[str, Any]]:
        params: dict[str, int] = {"after": after}
        if chat_id is not None:
            params["chat_id"] = chat_id
        response = await self.http.get("/sandbox/sent", params=params)
        response.raise_for_status()
        return list(response.json()["sent"])

    async def last_seq(self) -> int:
        everything = await self.sent()
        return everything[-1]["seq"] if everything else 0

    async def _replies(self, after: int, expect: int) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT
        records: list[dict[str, Any]] = []
        while loop.time() < deadline:
            records = await self.sent(after=after)
            if len(records) >= expect:
                break
            await asyncio.sleep(0.02)
        # Then let the bot finish whatever else it sends for this input.
        while True:
            await asyncio.sleep(QUIET)
            more = await self.sent(after=records[-1]["seq"] if records else after)
            if not more:
                return records
            records.extend(more)

    async def say(self, user_id: int, text: str, *, chat_id: int | None = None,
                  chat_type: str | None = None, expect: int = 1, **extra: Any
                  ) -> list[dict[str, Any]]:
        """A user writes; returns what the bot sent in reply (waits for `expect` records)."""
        after = await self.last_seq()
        body: dict[str, Any] = {"user_id": user_id, "text": text, **extra}
        if chat_id is not None:
            body["chat_id"] = chat_id
        if chat_type is not None:
            body["chat_type"] = chat_type
        response = await self.http.post("/sandbox/messages", json=body)
        response.raise_for_status()
        return await self._replies(after, expect) if expect else []

    async def post(self, chat_id: int, text: str, *, expect: int = 1) -> list[dict[str, Any]]:
        """Someone posts in channel `chat_id` (a channel post: no user); what the bot sent in
        answer."""
        after = await self.last_seq()
        response = await self.http.post(
            "/sandbox/messages", json={"chat_type": "channel", "chat_id": chat_id, "text": text})
        response.raise_for_status()
        return await self._replies(after, expect) if expect else []

    async def press(self, user_id: int, message_id: int, data: str, *,
                    chat_id: int | None = None, expect: int = 1) -> list[dict[str, Any]]:
        after = await self.last_seq()
        body: dict[str, Any] = {"user_id": user_id, "message_id": message_id, "data": data}
        if chat_id is not None:
            body["chat_id"] = chat_id
        response = await self.http.post("/sandbox/callbacks", json=body)
        response.raise_for_status()
        return await self._replies(after, expect)

    async def inject(self, update: dict[str, Any]) -> None:
        response = await self.http.post("/sandbox/updates", json=update)
        response.raise_for_status()

    async def chat(self, chat_id: int, **settings: Any) -> None:
        response = await self.http.post(f"/sandbox/chats/{chat_id}", json=settings)
        response.raise_for_status()


async def confirm_stop(chatter: Chatter, user_id: int, *, chat_id: int | None = None,
                       **extra: Any) -> dict[str, Any]:
    """/stop, then its "yes": the edited question (which then says what was done)."""
    (question,) = await chatter.say(user_id, "/stop", chat_id=chat_id, **extra)
    yes = next(d for _, d in button_data(question) if d == "stop:yes")
    answers = await chatter.press(user_id, question["message_id"], str(yes), chat_id=chat_id,
                                  expect=2)
    return next(r for r in answers if r["method"].startswith("edit"))


def button_data(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(text, callback_data or url) of every inline button of a sent record."""
    rows = (record.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url")) for row in rows for b in row]


def text_of(record: dict[str, Any]) -> str:
    return str(record.get("text") or record.get("caption") or "")


async def ingest_sample(settings: Settings) -> int:
    db = await open_database(settings.database)
    try:
        async with make_client(settings.fetch_timeout) as http:
            report = await Ingestor(db, load_sources(settings.sources_file), settings,
                                    http).run_once()
    finally:
        await db.close()
    return report.new_total


@asynccontextmanager
async def bot_on_sandbox(tmp_path: Path, *, sources_file: Path | None = None,
                         flood_limits: bool = False, record_requests: bool = False,
                         ingest_first: bool = True, schedule_ingestion: bool = True,
                         **overrides: Any
                         ) -> AsyncIterator[Chatter]:
    """The sample news ingested, the sandbox started, the real bot polling it.

    `record_requests`: the sandbox keeps every Bot API request body (bot/sandbox/recording.py)
    from the bot's first request on. `ingest_first=False`: nothing is ingested before the bot
    starts (the test polls through the app's own Ingestor, which pushes);
    `schedule_ingestion=False`: only the test polls (in the order it chooses).
    """
    sandbox = Sandbox(flood_limits=flood_limits, record_requests=record_requests)
    await sandbox.start()
    try:
        values: dict[str, Any] = {
            "telegram_api_url": sandbox.base_url,
            "bot_token": SecretStr(TOKEN),
            "database": tmp_path / "bot.db",
            "sources_file": sources_file or sample_sources_file(),
            "admin_ids": frozenset({ADMIN_ID}),
            "poll_interval": 3600,
            # Archive files written by a test are complete: a short settle keeps tests quick
            # (tests/test_hostile_sources.py covers the default behaviour).
            "archive_settle_seconds": 0.2,
        }
        if not flood_limits:
            # The sandbox counts no rates without flood limits, and these tests send command
            # after command to one chat: the 1 s between two messages to a chat would only slow
            # them down. Tests of pacing turn flood limits on and keep Telegram's rates.
            values["private_chat_interval"] = 0.05
        values.update(overrides)
        settings = Settings(**values)
        if ingest_first:
            await ingest_sample(settings)
        app = build_application(settings, schedule_ingestion=schedule_ingestion)
        async with running(app, poll_timeout=1), httpx.AsyncClient(base_url=sandbox.url,
                                                                   timeout=30) as http:
            yield Chatter(sandbox, http, app, settings)
    finally:
        await sandbox.stop()
