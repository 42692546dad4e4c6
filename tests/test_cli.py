"""The `newsbot` command line for a newcomer: --version, misspelt settings named, a missing
sources file and a database of the wrong kind refused with exit 2 and one line.

The CLI runs in-process through `bot.cli.main(argv)` (the environment monkeypatched), and once as
the real `python -m bot`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import main
from bot.sandbox import Sandbox
from storage.db import DatabaseError, open_database
from tests.bothelper import TOKEN


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`main` configures the root logger for the process: give pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@contextmanager
def sandbox_in_a_thread() -> Iterator[Sandbox]:
    """The sandbox on its own event loop, so `main` can run its own with asyncio.run."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sandbox = Sandbox()
    asyncio.run_coroutine_threadsafe(sandbox.start(), loop).result(30)
    try:
        yield sandbox
    finally:
        asyncio.run_coroutine_threadsafe(sandbox.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


@contextmanager
def closed_port() -> Iterator[int]:
    """An ephemeral port held (bound, not listening) so that a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --version -------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_installed_version(flag: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    out, err = capsys.readouterr()
    assert out == f"newsbot {metadata.version('newsbot')}\n"
    assert err == ""


def test_version_as_a_real_process(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"newsbot {metadata.version('newsbot')}"


def test_usage_error_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# Misspelt settings ------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["environment", ".env"])
def test_misspelt_setting_is_named_and_the_bot_still_runs(
        where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE", str(tmp_path / "bot.db"))
    if where == "environment":
        monkeypatch.setenv("NEWSBOT_POLL_INTERVALL", "60")
    else:  # the tests run in tmp_path (conftest), where the .env is read
        (tmp_path / ".env").write_text("NEWSBOT_POLL_INTERVALL=60\n", encoding="utf-8")
    assert main(["rescan-clusters"]) == 0
    err = capsys.readouterr().err
    expected = ("NEWSBOT_POLL_INTERVALL in the environment" if where == "environment"
                else "NEWSBOT_POLL_INTERVALL in .env")
    assert f"WARNING newsbot: {expected} is not a setting; did you mean NEWSBOT_POLL_INTERVAL?" \
        in err


# newsbot run without its sources file ------------------------------------------------------------

def test_run_without_sources_file_exits_2_before_starting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with closed_port() as port:
        # Were the bot started, its first call (getMe) would fail here: exit 1, not 2.
        monkeypatch.setenv("NEWSBOT_TELEGRAM_API_URL", f"http://127.0.0.1:{port}/bot")
        monkeypatch.setenv("NEWSBOT_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("NEWSBOT_DATABASE", str(tmp_path / "bot.db"))
        monkeypatch.setenv("NEWSBOT_SOURCES_FILE", str(tmp_path / "missing.toml"))
        assert main(["run"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line == f"newsbot: NEWSBOT_SOURCES_FILE: {tmp_path / 'missing.toml'} does not exist"
    assert not (tmp_path / "bot.db").exists()


def test_run_without_sources_file_as_a_real_process(tmp_path: Path) -> None:
    with closed_port() as port:
        env = {"PATH": "/usr/bin:/bin", "NEWSBOT_BOT_TOKEN": TOKEN,
               "NEWSBOT_TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot"}
        proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == "newsbot: NEWSBOT_SOURCES_FILE: sources.toml does not exist"


# Exit codes of database problems -----------------------------------------------------------------

def _newer_schema(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    return path


def _not_a_database(path: Path) -> Path:
    path.write_text("NEWSBOT_DATABASE points here by mistake: this is a text file\n" * 20,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "says"), [
    (_newer_schema, "has schema version 999, newer than this newsbot knows"),
    (_not_a_database, "is not a newsbot database: file is not a database"),
])
def test_wrong_database_file_exits_2(make: object, says: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = make(tmp_path / "other.db")  # type: ignore[operator]
    monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
    assert main(["rescan-clusters"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"newsbot: NEWSBOT_DATABASE: {path} ")
    assert says in line


def test_newer_schema_database_exits_2_from_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "local"\nkind = "rss"\nurl = "feed.xml"\n',
                       encoding="utf-8")
    path = _newer_schema(tmp_path / "newer.db")
    with sandbox_in_a_thread() as sandbox:
        monkeypatch.setenv("NEWSBOT_TELEGRAM_API_URL", sandbox.base_url)
        monkeypatch.setenv("NEWSBOT_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("NEWSBOT_DATABASE", str(path))
        monkeypatch.setenv("NEWSBOT_SOURCES_FILE", str(sources))
        monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "ERROR")
        # Were the database accepted, the web server could not bind here (exit 1): the test
        # fails rather than the bot running on.
        with closed_port() as port:
            monkeypatch.setenv("NEWSBOT_WEB_PORT", str(port))
            assert main(["run"]) == 2
        assert "getUpdates" not in sandbox.state.calls  # never started receiving
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"newsbot: NEWSBOT_DATABASE: {path} has schema version 999")


def test_other_database_problem_keeps_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()  # SQLite cannot open a directory: not a wrong file, a broken place
    monkeypatch.setenv("NEWSBOT_DATABASE", str(folder))
    assert main(["rescan-clusters"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"newsbot: cannot open database {folder}")


async def test_failed_open_leaves_no_thread_behind(tmp_path: Path) -> None:
    """aiosqlite's worker thread is finished when open_database raises, so the CLI's
    asyncio.run cannot close the loop under it (a traceback after the one line, now and then)."""
    def workers() -> set[threading.Thread]:  # named "Thread-N (<target>)" since Python 3.10
        return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}

    before = workers()
    with pytest.raises(DatabaseError, match="cannot open database"):
        await open_database(tmp_path)  # a directory
    assert workers() - before == set()


def test_readme_lists_every_command() -> None:
    """The README's command-line table names every subcommand of `newsbot --help`."""
    from bot.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sub.choices is not None
    missing = [name for name in sub.choices if f"| `newsbot {name}" not in table]
    assert missing == []
    assert "| `newsbot --version`" in table
