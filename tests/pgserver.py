"""A throwaway PostgreSQL server for the tests (and benchmarks), from the machine's binaries.

The PostgreSQL tests need a server. In order:
1. NEWSBOT_TEST_POSTGRES_URL (a database URL the tests may fill and empty: they create their
   own databases next to it) -- CI exports the one `.ci/run` starts;
2. else, when PostgreSQL's server programs are installed (Debian: `apt-get install
   postgresql`; found under /usr/lib/postgresql/*/bin or on PATH), a private server in a
   temporary folder on a free port, for this test run only;
3. else the PostgreSQL tests are skipped, with the reason.

Run as root (CI), the server runs as the `postgres` user (PostgreSQL refuses root).

From the shell: `python -m tests.pgserver start DIR` starts one in DIR and prints its URL,
`python -m tests.pgserver stop DIR` stops it (`.ci/run` does both).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ENV_URL = "NEWSBOT_TEST_POSTGRES_URL"
HOW_TO = (f"set {ENV_URL}=postgresql://user@host/db or install PostgreSQL's server "
          "(apt-get install postgresql) to run the PostgreSQL tests too")


def find_binaries() -> Path | None:
    """The folder of initdb/pg_ctl, None when PostgreSQL's server is not installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """Run as `postgres` when we are root (initdb and postgres refuse root)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def start(folder: Path) -> str:
    """Start a private server with its data in `folder`; returns a URL of its `postgres`
    database (user `postgres`, trusted on 127.0.0.1 only)."""
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL's server programs are not installed: " + HOW_TO)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    if not data.exists():
        subprocess.run(_as_server_user([
            str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True)
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
               "-c shared_buffers=256MB")
    subprocess.run(_as_server_user([
        str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l",
        str(folder / "server.log"), "-w", "-t", "60", "start"]), check=True,
        capture_output=True)
    (folder / "port").write_text(str(port))
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    binaries = find_binaries()
    data = folder / "data"
    if binaries is None or not data.exists():
        return
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast",
                                    "-w", "stop"]), check=False, capture_output=True)


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Block until the server at `url` accepts connections."""
    import asyncio

    import asyncpg

    async def ping() -> None:
        conn = await asyncpg.connect(url)
        await conn.close()

    deadline = time.monotonic() + timeout
    while True:
        try:
            asyncio.run(ping())
            return
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.pgserver start|stop DIR", file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "start":
        url = start(folder)
        print(url)
        return 0
    with contextlib.suppress(Exception):
        stop(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
