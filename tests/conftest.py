"""Shared test fixtures: a clean environment, real databases (SQLite files in tmp dirs, and
PostgreSQL databases on a throwaway server: tests/pgserver.py), ../shared paths.

`db` (and `database_target`) run a test on both backends: SQLite always, PostgreSQL when a
server is available (else that run is skipped, saying how to enable it). A test of one
backend's own machinery asks for `sqlite_db` instead.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Per test run: several runs may share one server (NEWSBOT_TEST_POSTGRES_URL).
_TEMPLATE = f"newsbot_template_{os.getpid()}"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database to create test databases beside (see pgserver)."""
    from tests import pgserver

    url = os.environ.get(pgserver.ENV_URL)
    folder: Path | None = None
    if not url:
        if pgserver.find_binaries() is None:
            pytest.skip("PostgreSQL tests skipped: " + pgserver.HOW_TO)
        folder = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        url = pgserver.start(folder)
    # In a thread of its own: this may run inside a test's event loop (asked for by an async
    # fixture), where asyncio.run is not allowed.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(pgserver.wait_ready, url).result()
        pool.submit(asyncio.run, _make_template(url)).result()
    try:
        yield url
    finally:
        if folder is not None:
            pgserver.stop(folder)
        else:
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, drop_postgres_database(_url_of(url, _TEMPLATE))
                            ).result()


def _url_of(server: str, database: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + database


async def _make_template(server: str) -> None:
    """A migrated, empty database that each test's database is copied from (faster than
    migrating each one)."""
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_TEMPLATE} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {_TEMPLATE}")
    finally:
        await conn.close()
    template = await open_database(_url_of(server, _TEMPLATE))
    await template.close()


async def new_postgres_database(server: str, *, empty: bool = False) -> str:
    """A new database on the test server (migrated unless `empty`); its URL."""
    import asyncpg

    name = f"t{os.getpid()}_{next(_numbers)}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        template = "template0" if empty else _TEMPLATE
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    finally:
        await conn.close()
    return _url_of(server, name)


def previous_sqlite_database(path: Path, version: int, rows: str) -> None:
    """A SQLite file as the migrations up to `version` left it (foreign keys off while they
    run, as the runner does: storage/sqlite.py), with `rows` (SQL) written in it with foreign
    keys on: an installation of an older version, for upgrade tests."""
    import sqlite3

    from storage.migrations import migrations

    conn = sqlite3.connect(path)
    try:
        for number, sql in enumerate(migrations()[:version], start=1):
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(rows)
    finally:
        conn.close()


async def previous_postgres_database(server: str, version: int, rows: str) -> str:
    """A new database as the PostgreSQL migrations up to `version` left it (each applied in
    its own transaction and recorded, like the runner does), with `rows` (SQL) written in it:
    an installation of an older version, for upgrade tests. Its URL; drop it after."""
    import asyncpg

    from storage.migrations import postgres_migrations

    url = await new_postgres_database(server, empty=True)
    try:
        raw = await asyncpg.connect(url)
        try:
            await raw.execute("CREATE TABLE newsbot_schema (version INTEGER PRIMARY KEY, "
                              "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            for number, sql in enumerate(postgres_migrations()[:version], start=1):
                async with raw.transaction():
                    await raw.execute(sql)
                    await raw.execute("INSERT INTO newsbot_schema(version) VALUES ($1)", number)
            await raw.execute(rows)
        finally:
            await raw.close()
    except BaseException:
        await drop_postgres_database(url)
        raise
    return url


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    server, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(server + "/postgres")
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def database_target(request: pytest.FixtureRequest, tmp_path: Path
                          ) -> AsyncIterator[str | Path]:
    """Where a test's database is: a SQLite file, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield tmp_path / "test.db"
        return
    url = await new_postgres_database(request.getfixturevalue("postgres_server"))
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(database_target)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """For tests of SQLite's own machinery (PRAGMAs, FTS5, its query plans)."""
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
