"""Shared test fixtures: a clean environment, real SQLite files in tmp dirs, ../shared paths."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.message import ChatRef, Message, Text, UserRef
from bot.render.telegram import html as telegram_html
from storage.db import Database, open_database

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared (seed and fixtures) is not beside this clone")
    return path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No NEWSBOT_ setting of the developer's shell or .env leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("NEWSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # a stray .env in the checkout is not read either
    return


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.close()


def tg(chat_id: int | str) -> ChatRef:
    """A Telegram chat as the core names it."""
    return ChatRef("telegram", str(chat_id))


def tg_user(user_id: int | str) -> UserRef:
    """A Telegram user as the core names them."""
    return UserRef("telegram", str(user_id))


def html(value: Text | Message) -> str:
    """What Telegram is sent for a core text (or a message's text): its HTML."""
    return telegram_html(value.text if isinstance(value, Message) else value)
