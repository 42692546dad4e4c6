"""Telegram's webhook (``POST /telegram``) and the Telegram side of the inbox.

Telegram sends every update with the secret given to setWebhook in the
``X-Telegram-Bot-Api-Secret-Token`` header (https://core.telegram.org/bots/api#setwebhook).
A request without the right secret gets 403, compared in constant time (hmac.compare_digest) so
the answer time says nothing about how much of a guess was right. A request with it is stored in
the inbox and only then answered 200: what Telegram hears "taken" is on disk. Telegram retries
anything else, and the inbox ignores an update it already has.

The secret is never logged.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.inbox import Handle, Inbox

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Updates are a few kilobytes; Telegram has no documented maximum, this is far above any.
MAX_UPDATE_BYTES = 1024 * 1024
# Refused requests are logged at most this often (a flood of forged requests must not flood
# the log); the next line says how many were not logged.
REFUSED_LOG_INTERVAL = 60.0


class TelegramWebhook:
    """The ``/telegram`` route: check the secret, store the update, answer."""

    def __init__(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self._secret = secret.encode("utf-8")
        self.refused = 0  # requests without the right secret
        self._logged_at: float | None = None
        self._unlogged = 0

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            self._log_refused(request.remote)
            return web.Response(status=403, text="Forbidden")
        body = await request.read()
        update_id = _update_id(body)
        if update_id is None:
            log.warning("webhook: a request with the right secret carried no update (%d bytes)",
                        len(body))
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        await self.inbox.receive(str(update_id), body.decode("utf-8"))
        return web.Response(status=200)


    def _log_refused(self, remote: str | None) -> None:
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < REFUSED_LOG_INTERVAL:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more since the last line)" if self._unlogged else ""
        log.warning("webhook: refused a request from %s without the right secret header%s",
                    remote, more)
        self._logged_at, self._unlogged = now, 0


def _update_id(body: bytes) -> int | None:
    """The update_id of a JSON Update, or None when the body is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        return None
    return update_id


def application_handler(app: Application[Any, Any, Any, Any, Any, Any]) -> Handle:
    """Feeds a stored update to the PTB Application; returns when its handlers are done.

    Like PTB's own update fetcher (and its custom-webhook examples, which put updates into
    `update_queue`), but awaited, so the inbox knows when the update is handled. The update
    processor keeps PTB's limit on concurrently processed updates.
    """

    async def handle(payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))

    return handle
