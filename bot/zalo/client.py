"""The Zalo Bot Platform's REST API over httpx (SPEC 5a): `POST <base><token>/<method>` with a
JSON body, answered `{"ok", "result", "error_code", "description"}`.

Every method answers the envelope; `ok: false` becomes `ZaloApiError(error_code, description)`
whatever the HTTP status (the platform's own code wins, as for Telegram), and a failure to get an
answer at all becomes `ZaloNetworkError`, which says whether the request had been sent (then the
platform may have acted on it). `getUpdates` long-polls and returns one update or, on error 408
("nothing new"), None.

The token is part of every URL (`/bot<token>/...`): httpx's own request log lines are turned down
by `bot.logs`, and nothing raised from here carries the URL or the token (exception texts are
redacted, the request is never attached).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from bot.logs import redact

log = logging.getLogger(__name__)

NOTHING_NEW = 408  # getUpdates: no update arrived within the timeout
QUOTA_EXCEEDED = 429
# httpx errors after which the request had been sent: the platform may have acted on it.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                  httpx.RemoteProtocolError)
# An answer is a small JSON object; anything bigger is not the Zalo API.
_MAX_ANSWER_BYTES = 1024 * 1024


class ZaloError(Exception):
    """A call to the Zalo API that did not succeed."""


class ZaloApiError(ZaloError):
    """The platform answered `ok: false` (or something that is no answer of the API)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ZaloNetworkError(ZaloError):
    """No answer: the connection failed or timed out. `after_sending`: the request was sent."""

    def __init__(self, reason: str, *, after_sending: bool) -> None:
        super().__init__(reason)
        self.after_sending = after_sending


class ZaloClient:
    """One bot account's API client (its own connection pool)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 connections: int = 32, transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        self._token = token
        # "<base>/bot" + token + "/": the base ends with "/bot" (the sandbox's is
        # http://127.0.0.1:8081/zalo/bot), as Telegram's does.
        self._prefix = f"{base_url.rstrip('/')}{token}/"
        self.timeout = timeout
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections),
            headers={"User-Agent": "newsbot (Zalo Bot Platform client)"},
            transport=transport,
            # The platform does not redirect; a redirect would carry the token elsewhere.
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the envelope ---------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any] | None = None, *,
                   read_timeout: float | None = None) -> Any:
        """Call `method`; its `result`, or ZaloApiError / ZaloNetworkError. `read_timeout`:
        this call's own (a long poll waits longer than a send)."""
        given = httpx.Timeout(self.timeout, read=read_timeout) if read_timeout is not None \
            else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._http.post(self._prefix + method, json=params or {},
                                             timeout=given)
        except httpx.HTTPError as exc:
            # Never str(exc.request): it is the URL, with the token in it.
            detail = redact(str(exc), [self._token])[:160]
            reason = f"{type(exc).__name__}" + (f": {detail}" if detail else "")
            raise ZaloNetworkError(reason, after_sending=isinstance(exc, _AFTER_SENDING)
                                   ) from None
        body = response.content[:_MAX_ANSWER_BYTES]
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            raise ZaloApiError(response.status_code,
                               f"HTTP {response.status_code}: not an answer of the Zalo API")
        if answer["ok"]:
            return answer.get("result")
        code = answer.get("error_code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = response.status_code
        description = redact(str(answer.get("description") or ""), [self._token])[:300]
        raise ZaloApiError(code, description)

    # -- methods ----------------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, wait: float) -> dict[str, Any] | None:
        """One update, or None when none arrived within `wait` seconds (error 408)."""
        try:
            # Zalo takes the timeout as a string of seconds.
            result = await self.call("getUpdates", {"timeout": str(int(wait))},
                                     read_timeout=wait + self.timeout)
        except ZaloApiError as exc:
            if exc.code == NOTHING_NEW:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo: str, caption: str) -> dict[str, Any]:
        params = {"chat_id": chat_id, "photo": photo}
        if caption:
            params["caption"] = caption
        result = await self.call("sendPhoto", params)
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
