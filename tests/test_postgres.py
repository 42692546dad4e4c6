"""NEWSBOT_DATABASE as a postgresql:// URL: the setting, `newsbot migrate`, two processes
migrating at once, elections, and `newsbot copy-db` (a round trip of the bundled sample).

Real PostgreSQL databases on the test server (tests/conftest.py `postgres_server`); skipped,
with how to enable them, when there is none.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from storage import articles, search
from storage.db import open_database
from storage.migrations import postgres_migrations, schema_version
from tests.conftest import drop_postgres_database, new_postgres_database


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


# --- the setting ---------------------------------------------------------------------------


def test_a_postgresql_url_is_never_taken_as_a_file_path(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """Before: the URL became a relative path and a folder named "postgresql:" appeared."""
    monkeypatch.setenv("NEWSBOT_DATABASE", "postgresql://newsbot:s3cret@127.0.0.1:9/none")
    assert load_settings().database == "postgresql://newsbot:s3cret@127.0.0.1:9/none"
    assert main(["migrate"]) == 1  # nothing listens on port 9
    line = one_line(capsys.readouterr().err)
    assert line.startswith("newsbot: cannot connect to postgresql://newsbot:***@127.0.0.1:9/none")
    assert "s3cret" not in line
    assert list(tmp_path.iterdir()) == []  # no "postgresql:" folder, no file


@pytest.mark.parametrize("value", ["mysql://u:pw@host/db", "postgresql:nodb"])
def test_another_url_is_refused_with_exit_2(value: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE", value)
    assert main(["migrate"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("newsbot: NEWSBOT_DATABASE: expected a SQLite file path or a "
                           "postgresql://user@host/dbname URL")
    assert "pw@" not in line


def test_migrate_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")  # a version-0 file
    monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
    assert main(["migrate"]) == 0
    assert f"migrated from schema version 0 to {schema_version()}" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


# --- on a server ---------------------------------------------------------------------------


@pytest.fixture
async def empty_url(postgres_server: str) -> object:
    url = await new_postgres_database(postgres_server, empty=True)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.mark.postgres
async def test_migrate_command_and_two_processes_starting_at_once(
        empty_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Two processes start together on a new database: one migrates, the other waits and
    # finds the work done (an advisory lock), neither fails.
    first, second = await asyncio.gather(open_database(empty_url), open_database(empty_url))
    try:
        assert await first.schema_version() == len(postgres_migrations())
        assert await second.schema_version() == len(postgres_migrations())
    finally:
        await first.close()
        await second.close()
    monkeypatch.setenv("NEWSBOT_DATABASE", empty_url)
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


@pytest.mark.postgres
async def test_a_newer_postgres_schema_is_refused(empty_url: str) -> None:
    from storage.db import WrongDatabaseError

    db = await open_database(empty_url)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO newsbot_schema(version) VALUES (999)")
    await db.close()
    with pytest.raises(WrongDatabaseError, match="newer than this newsbot knows"):
        await open_database(empty_url)


@pytest.mark.postgres
async def test_one_leader_at_a_time_and_the_next_takes_over(empty_url: str) -> None:
    one, two = await open_database(empty_url), await open_database(empty_url)
    try:
        assert await one.lead("jobs")
        assert await one.lead("jobs")  # held: still leading
        assert not await two.lead("jobs")
        assert await two.lead("poll:telegram")
        await one.close()  # the process goes away: the server releases its locks
        for _ in range(50):
            if await two.lead("jobs"):
                break
            await asyncio.sleep(0.1)
        assert await two.lead("jobs")
    finally:
        await two.close()


# --- copy-db -------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_copy_db_moves_the_sample_with_every_count(tmp_path: Path, empty_url: str,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from bot.config import Settings
    from tests.bothelper import ingest_sample

    source = tmp_path / "bot.db"
    settings = Settings(database=source, sources_file=Path(__file__).parents[1] / "bot"
                        / "sample" / "sources.toml")
    stored = await ingest_sample(settings)
    assert stored > 0
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(main, ["copy-db", str(source), empty_url]) == 0
    out, err = capsys.readouterr()
    assert f"articles: {stored}" in out
    assert "every count verified" in out
    assert "copying articles" in err

    copy = await open_database(empty_url)
    original = await open_database(source)
    try:
        assert [a.title for a in await articles.latest(copy, limit=50)] == \
            [a.title for a in await articles.latest(original, limit=50)]
        # Search works on the copy (the index was built), and new ids follow the copied ones.
        from bot.search.engine import search as run_search
        from bot.search.query import parse_query

        for words in ("mat tran", "đại đoàn kết", "HAI PHONG"):
            found = await run_search(copy, parse_query(words), now=2e9)
            expected = await run_search(original, parse_query(words), now=2e9)
            assert found.ids == expected.ids, words
        async with copy.transaction() as tx:
            await tx.execute("INSERT INTO categories(name, folded) VALUES ('Mới', 'moi')")
        assert await search.indexed_words(copy, "Mới") == ["moi"]
    finally:
        await copy.close()
        await original.close()

    # A second copy into the same (now full) database is refused, unless forced.
    assert await asyncio.to_thread(main, ["copy-db", str(source), empty_url]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["copy-db", str(source), empty_url, "--force"]) == 0


@pytest.mark.postgres
async def test_copy_db_knows_every_table_and_column(tmp_path: Path, empty_url: str) -> None:
    """Every table and column of SQLite's schema has its place in PostgreSQL's and in copy-db's
    list (copy-db copies the columns both sides have: one missing in PostgreSQL's migrations
    would be lost without a word); PostgreSQL's own tables are running state only."""
    import asyncpg

    from storage.copy import TABLES

    db = await open_database(tmp_path / "schema.db")
    await db.close()
    lite = sqlite3.connect(tmp_path / "schema.db")
    try:
        tables = [r[0] for r in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_index%' ORDER BY name")]
        columns = {t: {r[1] for r in lite.execute(f"PRAGMA table_info({t})")} for t in tables}
    finally:
        lite.close()
    assert sorted(TABLES) == tables
    pg = await open_database(empty_url)
    await pg.close()
    raw = await asyncpg.connect(empty_url)
    try:
        pg_columns: dict[str, set[str]] = {}
        for row in await raw.fetch("SELECT table_name, column_name FROM information_schema.columns"
                                   " WHERE table_schema = current_schema()"):
            pg_columns.setdefault(row["table_name"], set()).add(row["column_name"])
    finally:
        await raw.close()
    for table in tables:
        assert columns[table] <= pg_columns.get(table, set()), (
            table, columns[table] - pg_columns.get(table, set()))
    running_state = {"search_index", "send_rate", "send_throttle", "newsbot_schema"}
    assert set(pg_columns) - set(tables) <= running_state, set(pg_columns) - set(tables)
