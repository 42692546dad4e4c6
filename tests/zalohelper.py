"""Running the real bot on Zalo (and Telegram) in one process (`bot.run.serving`) against the
sandbox, and talking to it as Zalo users through the sandbox's JSON control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.core import Core
from bot.demo import sample_sources_file
from bot.run import WebFace, serving
from bot.sandbox import Sandbox
from bot.web.server import bind
from tests.bothelper import ADMIN_ID, QUIET, REPLY_TIMEOUT, TOKEN, Chatter, ingest_sample

ZALO_TOKEN = "7000001:zalo-test-token-for-the-sandbox"
ZALO_BOT = "7000001"
ZALO_ADMIN = "zadmin01"
PUBLIC_URL = "https://bot.example.org"  # never fetched: photos are addressed under it


@dataclass
class ZaloReaders:
    """The sandbox seen as Zalo users: write, read what the bot sent, block the bot."""

    sandbox: Sandbox
    http: httpx.AsyncClient
    settings: Settings
    face: WebFace

    @property
    def core(self) -> Core:
        assert self.face.core is not None
        return self.face.core

    async def sent(self, *, chat_id: str | None = None, after: int = 0
                   ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"channel": "zalo", "after": after}
        if chat_id is not None:
            params["chat_id"] = chat_id
        response = await self.http.get("/sandbox/sent", params=params)
        response.raise_for_status()
        return list(response.json()["sent"])

    async def last_seq(self) -> int:
        return self.sandbox.zalo.last_seq

    async def replies(self, after: int, expect: int, *, chat_id: str | None = None
                      ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT
        records: list[dict[str, Any]] = []
        while loop.time() < deadline:
            records = await self.sent(after=after, chat_id=chat_id)
            if len(records) >= expect:
                break
            await asyncio.sleep(0.02)
        while True:
            await asyncio.sleep(QUIET)
            more = await self.sent(after=records[-1]["seq"] if records else after,
                                   chat_id=chat_id)
            if not more:
                return records
            records.extend(more)

    async def say(self, user_id: str, text: str, *, expect: int = 1, **extra: Any
                  ) -> list[dict[str, Any]]:
        """A Zalo user writes; what the bot sent back to that chat (waits for `expect`)."""
        after = await self.last_seq()
        body = {"channel": "zalo", "user_id": user_id, "text": text, **extra}
        response = await self.http.post("/sandbox/messages", json=body)
        response.raise_for_status()
        return await self.replies(after, expect, chat_id=user_id) if expect else []

    async def block(self, chat_id: str) -> None:
        response = await self.http.post(f"/sandbox/chats/{chat_id}",
                                        json={"channel": "zalo", "blocked": True})
        response.raise_for_status()

    async def fault(self, **body: Any) -> None:
        response = await self.http.post("/sandbox/faults", json={"channel": "zalo", **body})
        response.raise_for_status()


def text_of(record: dict[str, Any]) -> str:
    return str(record.get("text") or record.get("caption") or "")


def zalo_settings(sandbox: Sandbox, database: Path, *, telegram: bool = False,
                  **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "zalo_api_url": sandbox.zalo_base_url,
        "zalo_bot_token": SecretStr(ZALO_TOKEN),
        "zalo_admin_ids": frozenset({ZALO_ADMIN}),
        "database": database,
        "sources_file": sample_sources_file(),
        "poll_interval": 3600,
        "public_url": PUBLIC_URL,
        "updates": "polling",
        "archive_settle_seconds": 0.2,
        # Many commands to one chat one after the other: no need for Telegram's 1 s per chat.
        "private_chat_interval": 0.05,
    }
    if telegram:
        values.update(telegram_api_url=sandbox.base_url, bot_token=SecretStr(TOKEN),
                      admin_ids=frozenset({ADMIN_ID}))
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def bot_on_zalo(tmp_path: Path, *, sandbox: Sandbox | None = None,
                      telegram: bool = False, ingest_first: bool = True,
                      schedule_ingestion: bool = True, **overrides: Any
                      ) -> AsyncIterator[tuple[ZaloReaders, Chatter | None]]:
    """The real bot (`newsbot run`'s code) on Zalo, and on Telegram too with `telegram`, both
    against one sandbox; the sample news ingested first unless `ingest_first=False`."""
    own = sandbox is None
    box = sandbox or Sandbox()
    if own:
        await box.start()
    try:
        settings = zalo_settings(box, overrides.pop("database", tmp_path / "bot.db"),
                                 telegram=telegram, **overrides)
        if ingest_first:
            await ingest_sample(settings)
        async with serving(settings, sock=bind("127.0.0.1", 0), poll_timeout=1,
                           schedule_ingestion=schedule_ingestion) as face, \
                httpx.AsyncClient(base_url=box.url, timeout=30) as http:
            chatter = None
            if telegram:
                app = face.channels["telegram"].app  # type: ignore[attr-defined]
                chatter = Chatter(box, http, app, settings)
            yield ZaloReaders(box, http, settings, face), chatter
    finally:
        if own:
            await box.stop()
