"""Telegram's webhook (``POST /telegram``): what arrives is checked and stored in the inbox.

(The inbox's consumer that hands a stored update to python-telegram-bot is the Telegram
adapter's: bot/telegram/serving.py.)

Telegram sends every update with the secret given to setWebhook in the
``X-Telegram-Bot-Api-Secret-Token`` header (https://core.telegram.org/bots/api#setwebhook).
A request without the right secret gets 403, compared in constant time (hmac.compare_digest) so
the answer time says nothing about how much of a guess was right. A request with it is stored in
the inbox and only then answered 200: what Telegram hears "taken" is on disk. Telegram retries
anything else, and the inbox ignores an update it already has.

The secret is never logged.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.inbox import Inbox
from bot.web.secret import SecretGate

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Updates are a few kilobytes; Telegram has no documented maximum, this is far above any.
MAX_UPDATE_BYTES = 1024 * 1024


class TelegramWebhook:
    """The ``/telegram`` route: check the secret, store the update, answer."""

    def __init__(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self.gate = SecretGate(SECRET_HEADER, secret, route="webhook")

    async def handle(self, request: web.Request) -> web.Response:
        if (refusal := self.gate.refusal(request)) is not None:
            return refusal
        body = await request.read()
        update_id = _update_id(body)
        if update_id is None:
            log.warning("webhook: a request with the right secret carried no update (%d bytes)",
                        len(body))
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        await self.inbox.receive(str(update_id), body.decode("utf-8"))
        return web.Response(status=200)




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
