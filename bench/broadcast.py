"""An admin broadcast to many recipients through the sandbox with Telegram's flood limits.

The sandbox runs in its own process (`python -m bot sandbox --flood-limits --port N`), the bot
in this one (the real python-telegram-bot, polling the sandbox over HTTP, with the delivery worker
and the progress job). The admin writes /broadcast, picks "everyone" and confirms, exactly as in
the chat; the script then watches until the final report arrives.

Figures printed:
- the sustained delivery rate (from 5% to 95% of the recipients) next to Telegram's 30/s limit
  and to a baseline measured in the same run: a bare python-telegram-bot loop sending at exactly
  1/30 s intervals through the same sandbox;
- 429 answers seen by the sandbox (the target is zero) and the highest rates it measured;
- the progress message: edits in total, the most in any minute and the smallest gap between two
  edits (as seen by polling the sandbox every 0.25 s), i.e. no flood on the admin chat;
- the time to 100,000 recipients extrapolated from the measured rate.

At 30 messages/s, 100,000 recipients take about 55 minutes, so the size is a flag:
    python bench/broadcast.py                      # 3,000 recipients (~100 s), extrapolated
    python bench/broadcast.py --recipients 100000  # the full run (~56 min)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.error import RetryAfter  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.telegram.app import build_application, running  # noqa: E402
from storage import bulk, categories, deliveries  # noqa: E402
from storage.db import open_database  # noqa: E402

TOKEN = "123456:bench-token-for-the-sandbox"
ADMIN_ID = 9001
FIRST_CHAT = 1_000_000
TELEGRAM_RATE = 30.0
# An admin reads a screen before pressing its button: with --flood-limits the sandbox refuses a
# second message to one chat within a second, as Telegram may.
THINK = 1.2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_up(http: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await http.get("/")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit("the sandbox did not start")


async def _sent(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await http.get("/sandbox/sent", params=params)
    response.raise_for_status()
    return list(response.json()["sent"])


async def _say(http: httpx.AsyncClient, text: str) -> list[dict[str, Any]]:
    """The admin writes; returns what the bot answered in the admin's chat."""
    before = await _sent(http, chat_id=ADMIN_ID)
    after = before[-1]["seq"] if before else 0
    (await http.post("/sandbox/messages", json={"user_id": ADMIN_ID, "text": text})
     ).raise_for_status()
    return await _answers(http, after)


async def _press(http: httpx.AsyncClient, message_id: int, data: str) -> list[dict[str, Any]]:
    await asyncio.sleep(THINK)
    before = await _sent(http, chat_id=ADMIN_ID)
    after = before[-1]["seq"] if before else 0
    (await http.post("/sandbox/callbacks", json={
        "user_id": ADMIN_ID, "message_id": message_id, "data": data})).raise_for_status()
    return await _answers(http, after)


async def _answers(http: httpx.AsyncClient, after: int) -> list[dict[str, Any]]:
    """What the bot sent the admin after `after`, once a message with buttons is among it."""
    for _ in range(500):
        found = await _sent(http, chat_id=ADMIN_ID, after=after)
        if any(r.get("reply_markup") for r in found if r["method"] != "answerCallbackQuery"):
            return found
        await asyncio.sleep(0.02)
    raise SystemExit("the bot did not answer")


def _button(records: list[dict[str, Any]], prefix: str) -> tuple[int, str]:
    for record in records:
        for row in (record.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"].startswith(prefix):
                    return record["message_id"], button["callback_data"]
    raise SystemExit(f"no button {prefix!r} in {records}")


async def baseline(base_url: str, http: httpx.AsyncClient, count: int) -> tuple[float, int]:
    """A bare PTB loop: one send_message every 1/30 s to distinct chats (rate, 429s)."""
    bot = Bot(TOKEN, base_url=base_url)
    await bot.initialize()
    before = (await http.get("/sandbox/stats")).json()["errors"].get("429", 0)
    flood = 0
    started = time.perf_counter()
    try:
        for n in range(count):
            target = started + n / TELEGRAM_RATE
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await bot.send_message(FIRST_CHAT - 1 - n, "baseline")
            except RetryAfter:
                flood += 1
        elapsed = time.perf_counter() - started
    finally:
        await bot.shutdown()
    after = (await http.get("/sandbox/stats")).json()["errors"].get("429", 0)
    return count / elapsed, max(flood, after - before)


async def run(args: argparse.Namespace) -> None:
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--flood-limits", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            await _wait_up(http)
            print(f"sandbox: {url} (own process, --flood-limits)")
            base_rate, base_429 = await baseline(f"{url}/bot", http, args.baseline)
            await asyncio.sleep(1.5)  # let the baseline's windows empty
            with TemporaryDirectory() as folder:
                await broadcast(args, url, http, Path(folder), base_rate, base_429)
    finally:
        sandbox.terminate()
        await sandbox.wait()


async def broadcast(args: argparse.Namespace, url: str, http: httpx.AsyncClient, folder: Path,
                    base_rate: float, base_429: int) -> None:
    settings = Settings(
        telegram_api_url=f"{url}/bot", bot_token=SecretStr(TOKEN), database=folder / "bench.db",
        sources_file=folder / "none.toml", admin_ids=frozenset({ADMIN_ID}),
        poll_interval=3600, broadcast_progress_interval=args.interval,
    )
    recipients = list(range(FIRST_CHAT, FIRST_CHAT + args.recipients))
    db = await open_database(settings.database)
    async with db.transaction() as conn:
        category = await categories.ensure(conn, "Thông báo")
        await bulk.add_subscribers(conn, recipients, category.id, now=int(time.time()))
    await db.close()
    blocked = recipients[:: max(1, args.recipients // max(1, args.blocked))][: args.blocked]
    for chat_id in blocked:
        (await http.post(f"/sandbox/chats/{chat_id}", json={"blocked": True})).raise_for_status()

    app = build_application(settings, schedule_ingestion=False)
    async with running(app, poll_timeout=1):
        core = app.bot_data.core
        assert core is not None
        picker = await _say(http, "/broadcast Thông báo: họp trực tuyến lúc 8:00 sáng mai.")
        message_id, everyone = _button(picker, "👥")
        confirm = await _press(http, message_id, everyone)
        message_id, send = _button(confirm, "✅")
        last_seq = confirm[-1]["seq"]
        await asyncio.sleep(THINK)
        started = time.perf_counter()
        (await http.post("/sandbox/callbacks", json={
            "user_id": ADMIN_ID, "message_id": message_id, "data": send})).raise_for_status()
        samples: list[tuple[float, int]] = []
        edits: list[float] = []  # when each progress edit was first seen (polled every 0.25 s)
        report: dict[str, Any] | None = None
        while report is None:
            await asyncio.sleep(0.25)
            counts = await deliveries.counts(core.db)
            now = time.perf_counter() - started
            samples.append((now, counts.finished))
            if len(samples) % 40 == 0:
                print(f"  {now:6.0f} s: {counts.finished:,}/{args.recipients:,}", flush=True)
            for record in await _sent(http, chat_id=ADMIN_ID, after=last_seq):
                last_seq = record["seq"]
                if record["method"] == "editMessageText" and record["message_id"] == message_id:
                    edits.append(now)
                if "Báo cáo thông báo" in (record.get("text") or ""):
                    report = record
        total_time = time.perf_counter() - started
        flood_waits = core.delivery.stats.flood_waits if core.delivery else -1

    stats = (await http.get("/sandbox/stats")).json()
    rate = _sustained(samples, args.recipients)
    most_in_a_minute = max(sum(1 for e in edits if t <= e < t + 60) for t in edits)
    gaps = [b - a for a, b in zip(edits, edits[1:], strict=False)]
    print()
    print(f"broadcast to {args.recipients:,} recipients ({len(blocked)} blocked the bot), "
          f"progress edited every {args.interval:g} s at most")
    print(f"  baseline, bare PTB loop at 1/30 s: {base_rate:6.2f} msg/s, 429s: {base_429}")
    print(f"  our broadcast, sustained 5-95%:    {rate:6.2f} msg/s "
          f"({rate / TELEGRAM_RATE:.1%} of Telegram's 30/s, {rate / base_rate:.1%} of the "
          f"baseline); all done in {total_time:.0f} s")
    print(f"  429 answers (sandbox): {stats['errors'].get('429', 0) - base_429} "
          f"(worker flood waits: {flood_waits})")
    print(f"  sandbox peak rates: {_rates(stats)}")
    print(f"  progress message: {len(edits)} edits in {edits[-1] - edits[0]:.0f} s, at most "
          f"{most_in_a_minute} in any minute, gaps: smallest {min(gaps, default=0):.2f} s, "
          f"median {statistics.median(gaps) if gaps else 0:.2f} s (seen by polling every "
          f"0.25 s)")
    print(f"  100,000 recipients at this rate: {100_000 / rate / 60:.0f} min (extrapolated)")
    print("  final report:")
    for line in (report.get("text") or "").splitlines():
        print(f"    {line}")


def _sustained(samples: list[tuple[float, int]], total: int) -> float:
    """Messages per second between 5% and 95% of the recipients done."""
    low = next((s for s in samples if s[1] >= total * 0.05), samples[0])
    high = next((s for s in samples if s[1] >= total * 0.95), samples[-1])
    if high[0] <= low[0]:
        return high[1] / max(high[0], 1e-9)
    return (high[1] - low[1]) / (high[0] - low[0])


def _rates(stats: dict[str, Any]) -> str:
    return (f"{stats.get('max_per_second_overall')}/s overall (window "
            f"{stats['windows']['overall_seconds']} s), {stats.get('max_per_second_chat')}/s "
            f"to one chat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--blocked", type=int, default=5, help="recipients that blocked the bot")
    parser.add_argument("--interval", type=float, default=3.0,
                        help="NEWSBOT_BROADCAST_PROGRESS_INTERVAL (seconds)")
    parser.add_argument("--baseline", type=int, default=300, help="messages of the bare loop")
    parser.add_argument("--port", type=int, default=0, help="the sandbox's port (0: a free one)")
    args = parser.parse_args()
    os.environ.pop("NEWSBOT_BOT_TOKEN", None)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
