"""The sandbox's webhook delivery: after setWebhook, queued updates are POSTed to the URL.

As Telegram does (https://core.telegram.org/bots/api#setwebhook):
- each update is one POST of its JSON, with ``X-Telegram-Bot-Api-Secret-Token`` when a
  secret_token was set; up to ``max_connections`` (default 40) requests at once;
- an update leaves the queue only when the webhook answers 2xx; any other answer, a refused or
  dropped connection, or a timeout is retried with back-off (from ``retry_first`` doubling to
  ``retry_max`` seconds), and getWebhookInfo reports the last error. The sandbox never gives
  up (Telegram gives up "after a reasonable amount of attempts", within 24 hours); a new
  setWebhook retries at once;
- getUpdates answers 409 Conflict while a webhook is set (``SandboxState.get_updates``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from bot.sandbox.state import SandboxState, Webhook

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """POSTs the queue of `state` to its webhook while one is set (start/stop with the server)."""

    def __init__(self, state: SandboxState, *, retry_first: float = 0.05, retry_max: float = 2.0,
                 timeout: float = 10.0) -> None:
        self.state = state
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._posts: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()  # update ids being POSTed
        self._failures = 0  # in a row; reset by a success or a new setWebhook
        self._retry_at = 0.0  # loop time before which nothing is POSTed (back-off)
        self._hook: Webhook | None = None

    async def start(self) -> None:
        # No connection reuse: a restarted bot on the same port must not get a dead socket.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=0),
            timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for post in list(self._posts):
            post.cancel()
        await asyncio.gather(*self._posts, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            changed = self.state.updates_changed()
            hook = self.state.webhook
            if hook is not self._hook:  # a new setWebhook: try at once
                self._hook, self._failures, self._retry_at = hook, 0, 0.0
            wait: float | None = None
            if hook is not None:
                delay = self._retry_at - loop.time()
                if delay > 0:
                    wait = delay
                else:
                    for update in self._next(hook.max_connections - len(self._in_flight)):
                        self._post(hook, update)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)

    def _next(self, room: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for update in self.state.updates:
            if len(found) >= room:
                break
            if update["update_id"] not in self._in_flight:
                found.append(update)
        return found

    def _post(self, hook: Webhook, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        self._in_flight.add(update_id)
        task = asyncio.get_running_loop().create_task(self._deliver(hook, update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def _deliver(self, hook: Webhook, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        try:
            error = await self._request(hook, update)
        finally:
            self._in_flight.discard(update_id)
        if error is None:
            self._failures = 0
            self.state.webhook_delivered(update_id)
        else:
            self._failures += 1
            delay = min(self.retry_first * 2 ** (self._failures - 1), self.retry_max)
            self._retry_at = asyncio.get_running_loop().time() + delay
            log.info("sandbox webhook: update %s not taken (%s); retry in %.2f s", update_id,
                     error, delay)
            self.state.webhook_failed(error)

    async def _request(self, hook: Webhook, update: dict[str, Any]) -> str | None:
        """None when the webhook took the update, else Telegram's wording of what went wrong."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
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
