"""`newsbot demo`: the real bot on the bundled sample news, talking to the in-process sandbox,
with the terminal as the user's chat.

The user types commands; the bot's replies are printed (HTML reduced to terminal text, photos as
their URL or file, inline buttons numbered: type the number to press one). When stdin is not a
terminal, the commands are read from it and the demo exits at end of input.

`--channel zalo`: the same bot as a Zalo reader sees it, through the sandbox's Zalo dialect:
plain text within 2,000 characters, numbered choices answered by typing the number (sent to the
bot as a message, as on Zalo), photos as https URLs. The bot's web server runs on a free local
port, so the "Đọc bài gốc" links of archive articles open in a browser.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.config import Settings, load_sources
from bot.i18n import t
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.sandbox import Sandbox
from storage.db import open_database

# A made-up token of the right shape: the sandbox accepts any, and it is not a secret.
DEMO_TOKEN = "100000001:newsbot-demo-sandbox-token"
DEMO_ZALO_TOKEN = "200000002:newsbot-demo-zalo-sandbox-token"
DEMO_USER_ID = 1001
DEMO_NAME = "Bạn đọc"
# How long to wait for a first reply, then for the bot to fall quiet.
_FIRST_REPLY_TIMEOUT = 10.0
_QUIET = 0.4


def sample_sources_file() -> Path:
    """The bundled sample's sources file (inside the installed package)."""
    return Path(str(resources.files("bot") / "sample" / "sources.toml"))


@dataclass
class PressableButton:
    message_id: int
    text: str
    callback_data: str | None
    url: str | None


class Terminal:
    """Prints the bot's messages and remembers the buttons of the last batch."""

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self.out = out
        self.color = color
        self.buttons: list[PressableButton] = []

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def to_terminal(self, text: str) -> str:
        """Telegram HTML as terminal text: bold/italic as ANSI (on a tty), links as 'text (url)'."""
        bold, italic, reset = ("\033[1m", "\033[3m", "\033[0m") if self.color else ("", "", "")
        text = re.sub(r'<a href="([^"]*)">(.*?)</a>',
                      lambda m: m.group(2) if m.group(1) in m.group(2)
                      else f"{m.group(2)} ({html.unescape(m.group(1))})", text, flags=re.S)
        text = re.sub(r"</?(b|strong)>", lambda m: reset if m.group(0).startswith("</") else bold,
                      text)
        text = re.sub(r"</?(i|em)>", lambda m: reset if m.group(0).startswith("</") else italic,
                      text)
        text = re.sub(r"<[^>]+>", "", text)
        return html.unescape(text)

    def show(self, records: list[dict[str, Any]]) -> None:
        batch: list[PressableButton] = []
        for rec in records:
            method = rec["method"]
            if method == "answerCallbackQuery":
                if rec.get("text"):
                    self.say(f"  💬 {rec['text']}")
                continue
            if method == "deleteMessage":
                continue
            if method.startswith("edit"):
                self.say(f"  ✏️  (tin #{rec['message_id']} được cập nhật / message updated)")
            body = rec.get("text") or rec.get("caption") or ""
            if rec.get("photo"):
                self.say(f"  🖼  {rec['photo']}")
            if body:
                for line in self.to_terminal(body).splitlines():
                    self.say(f"  {line}")
            markup = rec.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                labels = []
                for button in row:
                    batch.append(PressableButton(rec["message_id"], button["text"],
                                                 button.get("callback_data"), button.get("url")))
                    labels.append(f"[{len(batch)}] {button['text']}")
                self.say("  " + "   ".join(labels))
            self.say("")
        if batch:
            self.buttons = batch


async def run_demo(settings: Settings, channel: str = "telegram") -> int:
    """Run the demo until the user quits or stdin ends (`channel`: telegram or zalo)."""
    if channel == "zalo":
        return await run_zalo_demo(settings)
    from bot.telegram.app import build_application, running

    interactive = sys.stdin.isatty()
    term = Terminal(sys.stdout, color=interactive and sys.stdout.isatty())
    lang = settings.default_language
    sources_file = (settings.sources_file if "sources_file" in settings.model_fields_set
                    else sample_sources_file())
    load_sources(sources_file)  # a bad sources file is a config error before anything starts
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        database = (settings.database if "database" in settings.model_fields_set
                    else Path(tmp) / "demo.db")
        sandbox = Sandbox()
        await sandbox.start()
        try:
            demo_settings = settings.model_copy(update={
                "telegram_api_url": sandbox.base_url,
                "bot_token": SecretStr(DEMO_TOKEN),
                "database": database,
                "sources_file": sources_file,
                # The terminal is one chat and the demo's sandbox counts no rates: Telegram's
                # second between two messages to a chat would only make an edit (a pressed
                # button's answer) arrive after the demo has stopped listening for it.
                "private_chat_interval": 0.05,
            })
            term.say(str(t(lang, "demo.loading")))
            new_total = await _ingest_once(demo_settings)
            term.say(str(t(lang, "demo.loaded", count=new_total)))
            app = build_application(demo_settings, admin_ids=settings.admin_ids | {DEMO_USER_ID})
            async with running(app, poll_timeout=1):
                term.say(str(t(lang, "demo.banner")))
                await _chat_loop(sandbox, term, interactive=interactive, lang=lang)
        finally:
            await sandbox.stop()
    return 0


async def _ingest_once(settings: Settings) -> int:
    db = await open_database(settings.database)
    try:
        async with make_client(settings.fetch_timeout) as http:
            ingestor = Ingestor(db, load_sources(settings.sources_file), settings, http)
            report = await ingestor.run_once(respect_backoff=False)
    finally:
        await db.close()
    return report.new_total


async def _chat_loop(sandbox: Sandbox, term: Terminal, *, interactive: bool, lang: str) -> None:
    state = sandbox.state
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if line == "":
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "/thoat"):
            break
        if not interactive:
            term.say(f"> {text}")
        after = state.last_seq
        # A number presses that button; four digits are a year typed into a dialog (/setcluster).
        if text.isdigit() and len(text) < 4 and term.buttons:
            number = int(text)
            if not 1 <= number <= len(term.buttons):
                term.say(str(t(lang, "demo.no_button", count=len(term.buttons))))
                continue
            button = term.buttons[number - 1]
            if button.url:
                term.say(f"  🔗 {button.url}")
                continue
            assert button.callback_data is not None
            state.press_button(DEMO_USER_ID, button.message_id, button.callback_data)
        else:
            state.post_message(DEMO_USER_ID, text, first_name=DEMO_NAME)
        term.show(await _collect_replies(sandbox, after))


async def _collect_replies(sandbox: Sandbox, after: int) -> list[dict[str, Any]]:
    """What the bot sent after `after`: wait for the first message, then until it falls quiet."""
    state = sandbox.state
    records = await state.wait_sent(after, _FIRST_REPLY_TIMEOUT)
    while records:
        more = await state.wait_sent(records[-1]["seq"], _QUIET)
        if not more:
            break
        records.extend(more)
    return records


# --- the Zalo reader's view --------------------------------------------------------------------


async def run_zalo_demo(settings: Settings) -> int:
    """`newsbot demo --channel zalo`: the terminal chat as a Zalo reader sees it."""
    from bot.run import serving
    from bot.web.server import bind, bound_port

    interactive = sys.stdin.isatty()
    lang = settings.default_language
    sources_file = (settings.sources_file if "sources_file" in settings.model_fields_set
                    else sample_sources_file())
    load_sources(sources_file)
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        database = (settings.database if "database" in settings.model_fields_set
                    else Path(tmp) / "demo.db")
        sandbox = Sandbox()
        await sandbox.start()
        sock = bind("127.0.0.1", 0)
        try:
            demo_settings = settings.model_copy(update={
                "zalo_api_url": sandbox.zalo_base_url,
                "zalo_bot_token": SecretStr(DEMO_ZALO_TOKEN),
                "zalo_admin_ids": settings.zalo_admin_ids | {str(DEMO_USER_ID)},
                "bot_token": None,
                "database": database,
                "sources_file": sources_file,
                # Pages on the local web server (a browser opens them); updates by polling.
                "public_url": f"http://127.0.0.1:{bound_port(sock)}",
                "updates": "polling",
            })
            print(t(lang, "demo.loading"), flush=True)
            new_total = await _ingest_once(demo_settings)
            print(t(lang, "demo.loaded", count=new_total), flush=True)
            async with serving(demo_settings, sock=sock, poll_timeout=1):
                print(t(lang, "demo.banner_zalo"), flush=True)
                await _zalo_chat_loop(sandbox, interactive=interactive)
        finally:
            sock.close()
            await sandbox.stop()
    return 0


async def _zalo_chat_loop(sandbox: Sandbox, *, interactive: bool) -> None:
    state = sandbox.zalo
    user = str(DEMO_USER_ID)
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if line == "":
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "/thoat"):
            break
        if not interactive:
            print(f"> {text}", flush=True)
        after = state.last_seq
        # A number is a message too: on Zalo the reader answers a list by writing its number.
        state.post_message(user, text, display_name=DEMO_NAME)
        records = await state.wait_sent(after, _FIRST_REPLY_TIMEOUT, chat_id=user)
        while records:
            more = await state.wait_sent(records[-1]["seq"], _QUIET, chat_id=user)
            if not more:
                break
            records.extend(more)
        for record in records:
            if record["method"] == "sendChatAction":
                continue
            if record.get("photo"):
                print(f"  🖼  {record['photo']}", flush=True)
            for body_line in str(record.get("text") or record.get("caption") or "").splitlines():
                print(f"  {body_line}", flush=True)
            print("", flush=True)
