"""`newsbot demo`: the real bot on the bundled sample news, talking to the in-process sandbox,
with the terminal as the user's chat.

The user types commands; the bot's replies are printed (HTML reduced to terminal text, photos as
their URL or file, inline buttons numbered: type the number to press one). When stdin is not a
terminal, the commands are read from it and the demo exits at end of input; on a terminal the
line can be edited (readline: arrows, history) and what the bot sends on its own (a push, a
broadcast's progress) is printed as it arrives.

After each input the demo waits until the bot has finished what it started: the reply and its
follow-ups, which admin tools pace (a broadcast's progress and report, "Lấy tin ngay"), so it
waits while a broadcast is sending, a source is being fetched or a push is queued, then until
the bot falls quiet.

The bundled sample is made to feel current (and said so): its articles are dated over the last
days, counting back from yesterday in their order, and a few sample readers' likes and opens
(readers 900001-900006) give /popular something to rank. Once the user has subscribed to a
category, one new sample article of that category "is published" (written into a copy of the
sample archive and ingested), so the push of a new article is seen.

`--channel zalo`: the same bot as a Zalo reader sees it, through the sandbox's Zalo dialect:
plain text within 2,000 characters, numbered choices answered by typing the number (sent to the
bot as a message, as on Zalo), photos as https URLs. The bot's web server runs on a free local
port, so the "Đọc bài gốc" links of archive articles open in a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.config import Settings, load_sources
from bot.core import Core
from bot.i18n import t
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.message import TELEGRAM, ChatRef, UserRef
from bot.popularity import record_interaction, toggle_like
from bot.sandbox import Sandbox
from storage import articles, broadcasts, categories, subscriptions
from storage import deliveries as outbox
from storage.db import open_database

# A made-up token of the right shape: the sandbox accepts any, and it is not a secret.
DEMO_TOKEN = "100000001:newsbot-demo-sandbox-token"
DEMO_ZALO_TOKEN = "200000002:newsbot-demo-zalo-sandbox-token"
DEMO_USER_ID = 1001
DEMO_NAME = "Bạn đọc"
# How long to wait for a first reply, then for the bot to fall quiet; at most how long to wait
# for what the bot is busy with (a broadcast, a fetch, a push).
_FIRST_REPLY_TIMEOUT = 10.0
_QUIET = 0.4
_BUSY_TIMEOUT = 120.0
# Sample readers whose likes and opens give /popular something to rank (marked in the banner).
_SAMPLE_READERS = tuple(str(900001 + n) for n in range(6))
_NEW_ARTICLE_STEM = "demo-bai-moi"


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
    if interactive:
        with contextlib.suppress(ImportError):  # line editing and history for input()
            import readline  # noqa: F401
    term = Terminal(sys.stdout, color=interactive and sys.stdout.isatty())
    lang = settings.default_language
    bundled = "sources_file" not in settings.model_fields_set
    sources_file = sample_sources_file() if bundled else settings.sources_file
    load_sources(sources_file)  # a bad sources file is a config error before anything starts
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        archive: Path | None = None
        if bundled:  # a copy, so that the new sample article can be written into it
            archive = Path(tmp) / "archive"
            await asyncio.to_thread(shutil.copytree, sample_sources_file().parent / "archive",
                                    archive)
            sources_file = Path(tmp) / "sources.toml"
            sources_file.write_text('[[source]]\nname = "mau-luu-tru"\nkind = "archive"\n'
                                    'path = "archive"\n', encoding="utf-8")
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
                # The demo writes whole files: no need to wait for them to settle.
                "archive_settle_seconds": 0.0,
            })
            term.say(str(t(lang, "demo.loading")))
            new_total = await _ingest_once(demo_settings)
            term.say(str(t(lang, "demo.loaded", count=new_total)))
            if bundled:
                await _make_sample_current(demo_settings)
                term.say(str(t(lang, "demo.sample_note")))
            app = build_application(demo_settings, admin_ids=settings.admin_ids | {DEMO_USER_ID})
            async with running(app, poll_timeout=1):
                core = app.bot_data.core
                assert core is not None
                term.say(str(t(lang, "demo.banner")))
                chat = DemoChat(sandbox, term, core, interactive=interactive, lang=lang,
                                archive=archive)
                await chat.loop()
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


async def _make_sample_current(settings: Settings) -> None:
    """Date the sample articles over the last days (the newest yesterday, each older one 18
    hours before the next, in their order) and add sample readers' likes and opens to the
    newest, so that /popular (the last 7 days) shows something."""
    db = await open_database(settings.database)
    try:
        found = await articles.latest(db, limit=1000)
        now = time.time()
        dates = {a.id: int(now - 86400 - n * 18 * 3600) for n, a in enumerate(found)}
        async with db.transaction() as conn:
            await articles.redate(conn, dates)
        readers = [UserRef(TELEGRAM, r) for r in _SAMPLE_READERS]
        # The newest five: a different number of likes, "Xem thêm" and opens each.
        for rank, article in enumerate(found[:5]):
            for n, reader in enumerate(readers):
                if n < 5 - rank:
                    await record_interaction(db, article_id=article.id, user=reader,
                                             kind="open", now=now)
                if n < 3 - rank // 2 and rank != 1:
                    await toggle_like(db, article_id=article.id, user=reader, now=now)
                if n < rank:
                    await record_interaction(db, article_id=article.id, user=reader,
                                             kind="more", now=now)
    finally:
        await db.close()


@dataclass
class DemoChat:
    """The terminal as the demo user's chat (see the module docstring)."""

    sandbox: Sandbox
    term: Terminal
    core: Core
    interactive: bool
    lang: str
    archive: Path | None
    shown: int = 0  # the seq of the last record printed
    released: bool = False  # the new sample article was published
    _printing: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def loop(self) -> None:
        state = self.sandbox.state
        self.shown = state.last_seq
        watcher = asyncio.create_task(self._watch()) if self.interactive else None
        try:
            while True:
                line = await self._read()
                if line is None:
                    break
                text = line.strip()
                if not text:
                    continue
                if text in ("/quit", "/exit", "/thoat"):
                    break
                if not self.interactive:
                    self.term.say(f"> {text}")
                async with self._printing:
                    if not self._send(text):
                        continue
                    await self._show_until_done()
                    await self._maybe_publish()
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    async def _read(self) -> str | None:
        if self.interactive:
            try:
                return await asyncio.to_thread(input, "> ")
            except EOFError:
                return None
        line = await asyncio.to_thread(sys.stdin.readline)
        return None if line == "" else line

    def _send(self, text: str) -> bool:
        """The user's input to the bot: a number presses that button (four digits are a year
        typed into a dialog, /setcluster), anything else is a message. False: nothing sent."""
        state = self.sandbox.state
        term = self.term
        if text.isdigit() and len(text) < 4 and term.buttons:
            number = int(text)
            if not 1 <= number <= len(term.buttons):
                term.say(str(t(self.lang, "demo.no_button", count=len(term.buttons))))
                return False
            button = term.buttons[number - 1]
            if button.url:
                term.say(f"  🔗 {button.url}")
                return False
            assert button.callback_data is not None
            state.press_button(DEMO_USER_ID, button.message_id, button.callback_data)
        else:
            state.post_message(DEMO_USER_ID, text, first_name=DEMO_NAME)
        return True

    async def _show_until_done(self) -> None:
        """Print the replies, then what follows while the bot is busy, until it is quiet."""
        state = self.sandbox.state
        records = await state.wait_sent(self.shown, _FIRST_REPLY_TIMEOUT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _BUSY_TIMEOUT
        while True:
            if records:
                self.term.show(records)
                self.shown = records[-1]["seq"]
            records = await state.wait_sent(self.shown, _QUIET)
            if records:
                continue
            if loop.time() > deadline or not await self._busy():
                return
            records = await state.wait_sent(self.shown, _QUIET)

    async def _busy(self) -> bool:
        """Whether the bot is still at work on something it will report: a queued push or
        broadcast, a broadcast not finished (its report is to come), a source being fetched."""
        core = self.core
        if core.admin is not None and core.admin.sources.busy:
            return True
        db = core.db
        if await broadcasts.list_by_status(db, broadcasts.SENDING):
            return True
        return bool(await outbox.all_pending_ids(db))

    async def _maybe_publish(self) -> None:
        """Once the user follows a category: one new sample article of it, pushed."""
        if self.released or self.archive is None:
            return
        chat = ChatRef(TELEGRAM, str(DEMO_USER_ID))
        followed = sorted(await subscriptions.category_ids(self.core.db, chat))
        if not followed and await subscriptions.follows_all(self.core.db, chat):
            followed = [c.id for c in await categories.list_all(self.core.db)]
        if not followed:
            return
        category = await categories.get(self.core.db, followed[0])
        if category is None:
            return
        self.released = True
        await asyncio.to_thread(_write_new_article, self.archive, category.name)
        self.term.say(str(t(self.lang, "demo.new_article", category=category.name)))
        await self.core.ingest()
        await self._show_until_done()

    async def _watch(self) -> None:
        """On a terminal: print what the bot sends on its own while the user types."""
        state = self.sandbox.state
        while True:
            records = await state.wait_sent(self.shown, 1.0)
            if records and not self._printing.locked():
                async with self._printing:
                    fresh = [r for r in records if r["seq"] > self.shown]
                    if fresh:
                        self.term.say("")
                        self.term.show(fresh)
                        self.shown = fresh[-1]["seq"]
            elif not records:
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(0.2)


def _write_new_article(archive: Path, category: str) -> None:
    """The new sample article (JSON, the archive's layout), published now."""
    article = {
        "title": "Bài mẫu mới: Ra mắt mô hình «Khu dân cư đoàn kết, văn minh»",
        "url": "https://mattran.example.vn/bai-mau/khu-dan-cu-doan-ket-van-minh.html",
        "category": category,
        "published": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": ("Bài viết mẫu của bản chạy thử: Ủy ban MTTQ Việt Nam phường ra mắt mô "
                    "hình khu dân cư đoàn kết, văn minh, với sự tham gia của đông đảo Nhân "
                    "dân."),
        "body": ("Bài viết mẫu của bản chạy thử.\n\nSáng nay, Ủy ban MTTQ Việt Nam phường ra "
                 "mắt mô hình khu dân cư đoàn kết, văn minh. Mỗi tổ dân phố đăng ký ít nhất "
                 "một việc làm cụ thể: giữ gìn vệ sinh môi trường, hỗ trợ hộ khó khăn, hòa "
                 "giải mâu thuẫn nhỏ ngay tại cơ sở.\n\nMô hình sẽ được sơ kết sau sáu "
                 "tháng."),
    }
    path = archive / f"{_NEW_ARTICLE_STEM}.json"
    path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")


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
