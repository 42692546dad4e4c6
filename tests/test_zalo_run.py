"""Running the bot on Zalo: `newsbot run` with only a Zalo token (no Telegram token needed), by
long polling or by webhook on the web server's /zalo (the secret checked, an update seen twice
handled once), a refused token stopping the start with one line, and the token in no log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.demo import sample_sources_file
from bot.run import serving
from bot.sandbox import Sandbox
from bot.web.server import bind, bound_port
from tests.bothelper import ingest_sample
from tests.test_cli import one_line, sandbox_in_a_thread
from tests.zalohelper import ZALO_BOT, ZALO_TOKEN, ZaloReaders, text_of, zalo_settings

REPO = Path(__file__).resolve().parents[1]
SECRET = "zalo-hook-secret-for-tests"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _free_port() -> int:
    sock = bind("127.0.0.1", 0)
    try:
        return bound_port(sock)
    finally:
        sock.close()


def test_newsbot_run_on_zalo_alone_as_a_real_process(tmp_path: Path) -> None:
    """No NEWSBOT_BOT_TOKEN: the bot serves Zalo, never calls Telegram, logs no token (even at
    DEBUG, with failing calls), and stops cleanly on SIGTERM."""
    with sandbox_in_a_thread() as sandbox:
        # A failing first poll and a refused first reply: error paths log too.
        sandbox.zalo.add_fault("getUpdates", 500, "Internal Server Error")
        sandbox.zalo.add_fault("sendMessage", 502, "Bad Gateway")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env.update({
            "PYTHONPATH": str(REPO),
            "NEWSBOT_ZALO_BOT_TOKEN": ZALO_TOKEN,
            "NEWSBOT_ZALO_API_URL": sandbox.zalo_base_url,
            "NEWSBOT_DATABASE": str(tmp_path / "bot.db"),
            "NEWSBOT_SOURCES_FILE": str(sample_sources_file()),
            "NEWSBOT_WEB_PORT": str(_free_port()),
            "NEWSBOT_LOG_LEVEL": "DEBUG",
        })
        log = tmp_path / "bot.log"
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path,
                                    env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                reply = _first_reply(sandbox, proc, log)
            finally:
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(60)
        text = log.read_text()
        assert code == 0, text
        assert "Xin chào" in reply
        assert ZALO_TOKEN not in text
        assert ZALO_TOKEN.split(":")[1] not in text
        assert "serving zalo" in text
        assert sandbox.state.calls == {}  # Telegram was never called


def _first_reply(sandbox: Sandbox, proc: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=sandbox.url, timeout=30) as http:
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            if sandbox.zalo.bots.get(ZALO_BOT) is not None:
                break
            time.sleep(0.1)
        http.post("/sandbox/messages", json={"channel": "zalo", "user_id": "zu1",
                                             "text": "/start"}).raise_for_status()
        while time.monotonic() < deadline:
            sent = http.get("/sandbox/sent", params={"channel": "zalo", "chat_id": "zu1"})
            records = sent.json()["sent"]
            if records:
                return str(records[0]["text"])
            time.sleep(0.1)
    raise AssertionError(f"no reply: {log.read_text()}")


def test_a_refused_zalo_token_stops_the_start_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sandbox_in_a_thread() as sandbox:
        monkeypatch.setenv("NEWSBOT_ZALO_BOT_TOKEN", "not-a-zalo-token-at-all")
        monkeypatch.setenv("NEWSBOT_ZALO_API_URL", sandbox.zalo_base_url)
        monkeypatch.setenv("NEWSBOT_DATABASE", str(tmp_path / "bot.db"))
        monkeypatch.setenv("NEWSBOT_SOURCES_FILE", str(sample_sources_file()))
        monkeypatch.setenv("NEWSBOT_WEB_PORT", str(_free_port()))
        assert main(["run"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("newsbot: NEWSBOT_ZALO_BOT_TOKEN: Zalo refused the token (401)")
    assert "not-a-zalo-token-at-all" not in line


def test_run_without_any_token_names_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_SOURCES_FILE", str(sample_sources_file()))
    assert main(["run"]) == 2
    assert "NEWSBOT_BOT_TOKEN: not set" in one_line(capsys.readouterr().err)


async def test_zalo_updates_by_webhook(tmp_path: Path) -> None:
    async with Sandbox() as sandbox:
        sock = bind("127.0.0.1", 0)
        settings = zalo_settings(sandbox, tmp_path / "bot.db",
                                 public_url=f"http://127.0.0.1:{bound_port(sock)}",
                                 updates="auto", zalo_webhook_secret=SecretStr(SECRET))
        assert settings.webhook_mode
        await ingest_sample(settings)
        async with serving(settings, sock=sock, poll_timeout=1) as face, \
                httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
            zalo = ZaloReaders(sandbox, http, settings, face)
            hook = sandbox.zalo.bots[ZALO_BOT].hook
            assert hook is not None
            assert (hook.url, hook.secret_token) == (f"{face.url}/zalo", SECRET)
            (reply,) = await zalo.say("zw1", "/huongdan")
            assert "/latest" in text_of(reply)

            # Forged: no secret, or the wrong one.
            update = {"event_name": "message.text.received", "message": {
                "from": {"id": "zw2", "display_name": "A", "is_bot": False},
                "chat": {"id": "zw2", "chat_type": "PRIVATE"}, "text": "/help",
                "message_id": "dup-1", "date": 1700000000000}}
            async with httpx.AsyncClient(base_url=face.url) as web:
                for headers in ({}, {"X-Bot-Api-Secret-Token": "guess"}):
                    refused = await web.post("/zalo", json=update, headers=headers)
                    assert refused.status_code == 403
                # The same update twice (Zalo retries when our answer got lost): once.
                for _ in range(2):
                    taken = await web.post("/zalo", content=json.dumps(update),
                                           headers={"X-Bot-Api-Secret-Token": SECRET})
                    assert taken.status_code == 200
                bad = await web.post("/zalo", content=b"[]",
                                     headers={"X-Bot-Api-Secret-Token": SECRET})
                assert bad.status_code == 400
            await asyncio.sleep(1.0)
            answers = await zalo.sent(chat_id="zw2")
            assert len(answers) == 1
            inbox = face.inboxes["zalo"]
            assert inbox.duplicates == 1
