"""`newsbot demo`: the real bot on the bundled sample news, talking to the in-process sandbox,
with the terminal as the user's chat.

The user types commands; the bot's replies are printed (HTML reduced to terminal text, photos as
their URL or file, inline buttons numbered: type the number to press one). When stdin is not a
terminal, the commands are read from it and the demo exits at end of input.
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
from bot.telegram.app import build_application, running
from storage.db import open_database

# A made-up token of the right shape: the sandbox accepts any, and it is not a secret.
DEMO_TOKEN = "100000001:newsbot-demo-sandbox-token"
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


async def run_demo(settings: Settings) -> int:
    """Run the demo until the user quits or stdin ends."""
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
