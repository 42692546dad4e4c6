"""Zalo's webhook (``POST /zalo``): what arrives is checked and stored in the inbox.

Zalo sends every update with the secret given to setWebhook in the ``X-Bot-Api-Secret-Token``
header (SPEC 5a). A request without the right secret gets 403, compared in constant time
(hmac.compare_digest), as for Telegram's webhook (bot/web/telegram.py). A request with it is
stored in the inbox (keyed by the update's message id, so a repeat is stored once) and only then
answered 200; the inbox's consumer hands stored updates to the handlers
(`bot/zalo/incoming.py`). The web server (bot/web/app.py) serves this route at /zalo.

The secret is never logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot.inbox import Inbox
from bot.web.secret import SecretGate
from bot.zalo.incoming import update_key

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloWebhook:
    """The ``/zalo`` route: check the secret, store the update, answer."""

    def __init__(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self.gate = SecretGate(SECRET_HEADER, secret, route="zalo webhook")

    async def handle(self, request: web.Request) -> web.Response:
        if (refusal := self.gate.refusal(request)) is not None:
            return refusal
        body = await request.read()
        update = _update(body)
        if update is None:
            log.warning("zalo webhook: a request with the right secret carried no update "
                        "(%d bytes)", len(body))
            return web.Response(status=400, text="Bad Request: not a Zalo update")
        await self.inbox.receive(update_key(update), body.decode("utf-8"))
        return web.Response(status=200, content_type="application/json",
                            text='{"message": "Success"}')



def _update(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a Zalo update, None when the body is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    result = data.get("result")
    inner: dict[str, Any] = result if isinstance(result, dict) else data
    if not isinstance(inner.get("message"), dict) and "event_name" not in inner:
        return None
    return data
