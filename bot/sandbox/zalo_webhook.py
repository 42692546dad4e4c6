"""The sandbox's Zalo webhook delivery: after setWebhook, each bot's updates are POSTed to its URL.

Each update is one POST of its JSON with the `X-Bot-Api-Secret-Token` header (the secret given
to setWebhook). An update leaves the bot's queue only when the webhook answers 2xx; anything
else (another status, a refused or dropped connection, a timeout) is retried with back-off
(`retry_first` doubling to `retry_max` seconds), never given up while the sandbox runs, and
getWebhookInfo reports the last error. Bots are delivered independently: one bot's failing
webhook never holds up another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import aiohttp

from bot.sandbox.zalo_state import ZaloBot, ZaloHook, ZaloState

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloWebhookDelivery:
    """POSTs every bot's queued updates to its webhook while one is set (start/stop)."""

    def __init__(self, state: ZaloState, *, retry_first: float = 0.05, retry_max: float = 2.0,
                 timeout: float = 10.0) -> None:
        self.state = state
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}  # id(bot) -> its delivery loop
        self._watcher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=0),
            timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._watcher = asyncio.get_running_loop().create_task(self._watch(),
                                                               name="sandbox-zalo-webhooks")

    async def stop(self) -> None:
        tasks = [t for t in (self._watcher, *self._tasks.values()) if t is not None]
        self._watcher = None
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _watch(self) -> None:
        """Start a delivery loop for every bot that has a webhook (checked every 50 ms)."""
        while True:
            for bot in list(self.state.bots.values()):
                if bot.hook is not None and id(bot) not in self._tasks:
                    self._tasks[id(bot)] = asyncio.get_running_loop().create_task(
                        self._deliver_loop(bot), name=f"sandbox-zalo-webhook-{bot.id}")
            await asyncio.sleep(0.05)

    async def _deliver_loop(self, bot: ZaloBot) -> None:
        failures = 0
        try:
            while bot.hook is not None and not self.state.closing:
                hook = bot.hook
                if not bot.updates:
                    waiter = bot.waiter()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waiter.wait(), 1.0)
                    continue
                update = bot.updates[0]
                error = await self._post(hook, update)
                if error is None:
                    failures = 0
                    bot.webhook_posts += 1
                    if bot.updates and bot.updates[0] is update:
                        bot.updates.popleft()
                    continue
                failures += 1
                bot.webhook_failures += 1
                hook.last_error = error
                hook.last_error_at = int(time.time() * 1000)
                delay = min(self.retry_first * 2 ** (failures - 1), self.retry_max)
                log.info("sandbox zalo webhook: update not taken (%s); retry in %.2f s",
                         error, delay)
                await asyncio.sleep(delay)
        finally:
            self._tasks.pop(id(bot), None)

    async def _post(self, hook: ZaloHook, update: dict[str, Any]) -> str | None:
        """None when the webhook took the update, else what went wrong."""
        assert self._session is not None
        headers = {"Content-Type": "application/json", SECRET_HEADER: hook.secret_token}
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        try:
            async with self._session.post(hook.url, data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError as exc:
            return f"Connection refused ({exc.os_error.strerror if exc.os_error else exc})"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"
