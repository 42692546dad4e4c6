"""The sandbox's Zalo Bot Platform methods, with Zalo's checks, limits and error codes (SPEC 5a).

`POST /zalo/bot<token>/<method>` with a JSON body (a form or the query string are read too).
Every answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description"}`
with the same HTTP status:
- 401 a token not shaped "<id>:<secret>", or a second secret for a known bot id;
- 404 an unknown method;
- 400 a missing or non-string chat_id, a text or caption outside 1-2,000 characters, a photo that
  is not an https URL, an unknown chat action;
- 403 the chat blocked this bot (`POST /sandbox/chats/<id> {"channel": "zalo", "blocked": true}`);
- 408 getUpdates found nothing within its timeout (it hands out one update per call, and forgets
  it: Zalo has no offset); 409 getUpdates while a webhook is set;
- 429 "Quota exceeded" beyond the sandbox's Zalo quota (`--zalo-quota`), or injected.
Faults (`POST /sandbox/faults {"channel": "zalo", ...}`) are applied before the method runs, as
on the Telegram side: a delay, then a dropped connection (status 0) or the error.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.sandbox.zalo_state import (
    DEFAULT_POLL_TIMEOUT,
    MAX_TEXT,
    ZaloApiError,
    ZaloBot,
    ZaloHook,
    ZaloState,
)

_TOKEN = re.compile(r"[0-9]{1,30}:[A-Za-z0-9_-]{1,200}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{8,256}")
_CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
_MAX_BODY = 1024 * 1024
ZALO_STATE_KEY: web.AppKey[ZaloState] = web.AppKey("zalo_state", ZaloState)


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answer(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=_dumps(data), status=status, content_type="application/json")


def _error(state: ZaloState, error: ZaloApiError) -> web.Response:
    state.errors[str(error.code)] += 1
    return _answer(error.body(), error.code)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    body = await request.read()
    if len(body) > _MAX_BODY:
        raise ZaloApiError(400, "Bad Request: request too large")
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    if not body.strip():
        return params
    try:
        data = json.loads(body)
    except ValueError:
        raise ZaloApiError(400, "Bad Request: the body is not JSON") from None
    if not isinstance(data, dict):
        raise ZaloApiError(400, "Bad Request: the body must be a JSON object")
    params.update(data)
    return params


def _chat_id(params: dict[str, Any]) -> str:
    value = params.get("chat_id")
    if not isinstance(value, str) or not value.strip():
        # Zalo's ids are strings; a number here is a client bug worth catching.
        raise ZaloApiError(400, "Bad Request: chat_id is required and must be a string")
    return value


def _text(params: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = params.get(key)
    if value is None or (value == "" and not required):
        if required:
            raise ZaloApiError(400, f"Bad Request: {key} is required")
        return None
    if not isinstance(value, str):
        raise ZaloApiError(400, f"Bad Request: {key} must be a string")
    if not 1 <= len(value) <= MAX_TEXT:
        raise ZaloApiError(400, f"Bad Request: {key} must be 1-{MAX_TEXT} characters, "
                                f"got {len(value)}")
    return value


def _check_chat(bot: ZaloBot, chat_id: str) -> None:
    if chat_id in bot.blocked:
        raise ZaloApiError(403, "Forbidden: the user has blocked the bot")


# --------------------------------------------------------------------------- methods


async def _get_me(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                  request: web.Request) -> Any:
    return {"id": bot.id, "account_name": f"bot.sandbox{bot.id}", "account_type": "BASIC",
            "can_join_groups": False}


async def _get_updates(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                       request: web.Request) -> Any:
    raw = params.get("timeout", DEFAULT_POLL_TIMEOUT)
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        raise ZaloApiError(400, "Bad Request: timeout must be a number of seconds") from None
    update = await state.next_update(bot, timeout)
    if update is None:
        raise ZaloApiError(408, "Request timeout")
    transport = request.transport
    if transport is None or transport.is_closing():
        # The client gave up waiting (a bot that stopped): nobody will read this answer, so
        # the update stays for the next caller instead of vanishing.
        bot.updates.appendleft(update)
        raise ZaloApiError(408, "Request timeout")
    return update


async def _set_webhook(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                       request: web.Request) -> Any:
    url = params.get("url")
    secret = params.get("secret_token")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).netloc:
        raise ZaloApiError(400, "Bad Request: url must be an http(s) URL")
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise ZaloApiError(400, "Bad Request: secret_token must be 8-256 letters, digits, "
                                "'_' or '-'")
    now = int(time.time() * 1000)
    bot.hook = ZaloHook(url, secret, now)
    bot.notify()  # a waiting getUpdates answers 409; the webhook delivery starts
    return {"url": url, "updated_at": now}


async def _delete_webhook(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                          request: web.Request) -> Any:
    bot.hook = None
    bot.notify()
    return {"url": "", "updated_at": int(time.time() * 1000)}


async def _get_webhook_info(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                            request: web.Request) -> Any:
    hook = bot.hook
    return {"url": hook.url if hook else "", "updated_at": hook.updated_at if hook else 0,
            "pending_update_count": len(bot.updates),
            "last_error_message": hook.last_error if hook else None,
            "last_error_date": hook.last_error_at if hook else None}


async def _send_message(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                        request: web.Request) -> Any:
    chat_id = _chat_id(params)
    text = _text(params, "text", required=True)
    _check_chat(bot, chat_id)
    now = time.monotonic()
    state.check_quota(bot, now)
    record = state.record(bot, "sendMessage", chat_id, text=text, now=now)
    return {"message_id": record.message_id, "date": record.date}


async def _send_photo(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                      request: web.Request) -> Any:
    chat_id = _chat_id(params)
    photo = params.get("photo")
    if not isinstance(photo, str) or not photo.lower().startswith("https://") \
            or not urlsplit(photo).netloc:
        raise ZaloApiError(400, "Bad Request: photo must be an https URL")
    caption = _text(params, "caption", required=False)
    _check_chat(bot, chat_id)
    now = time.monotonic()
    state.check_quota(bot, now)
    record = state.record(bot, "sendPhoto", chat_id, caption=caption, photo=photo, now=now)
    return {"message_id": record.message_id, "date": record.date}


async def _send_chat_action(state: ZaloState, bot: ZaloBot, params: dict[str, Any],
                            request: web.Request) -> Any:
    chat_id = _chat_id(params)
    action = params.get("action")
    if action not in _CHAT_ACTIONS:
        raise ZaloApiError(400, "Bad Request: action must be one of "
                                + ", ".join(sorted(_CHAT_ACTIONS)))
    _check_chat(bot, chat_id)
    state.record(bot, "sendChatAction", chat_id, action=str(action), now=time.monotonic())
    return True


METHODS = {name.lower(): (name, handler) for name, handler in (
    ("getMe", _get_me),
    ("getUpdates", _get_updates),
    ("setWebhook", _set_webhook),
    ("deleteWebhook", _delete_webhook),
    ("getWebhookInfo", _get_webhook_info),
    ("sendMessage", _send_message),
    ("sendPhoto", _send_photo),
    ("sendChatAction", _send_chat_action),
)}


# --------------------------------------------------------------------------- the route


async def zalo_api(request: web.Request) -> web.StreamResponse:
    """`/zalo/bot<token>/<method>`."""
    state = request.app[ZALO_STATE_KEY]
    token = request.match_info["token"]
    if not _TOKEN.fullmatch(token):
        return _error(state, ZaloApiError(401, "Unauthorized: invalid token"))
    found = METHODS.get(request.match_info["method"].lower())
    if found is None:
        return _error(state, ZaloApiError(404, "Not Found: unknown method"))
    name, handler = found
    state.calls[name] += 1
    try:
        bot = state.bot_for_token(token)
        params = await _params(request)
        fault = state.take_fault(bot, name, params.get("chat_id"))
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status == 0:
                state.errors["dropped"] += 1
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=499)
            if fault.status != 200:
                raise ZaloApiError(fault.status, fault.description)
        result = await handler(state, bot, params, request)
    except ZaloApiError as error:
        return _error(state, error)
    return _answer({"ok": True, "result": result})


async def zalo_not_found(request: web.Request) -> web.StreamResponse:
    return _error(request.app[ZALO_STATE_KEY], ZaloApiError(404, "Not Found"))
