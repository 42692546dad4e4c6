"""The sandbox's HTTP face: Bot API routes, the JSON control API, and the server's lifecycle.

Routes, all on one port (SPEC section 9):

* ``/bot<token>/<method>``: the Bot API (``bot.sandbox.api``), any token shaped like
  ``123456:ABC-def``; anything else under ``/bot...`` is 404 "Not Found" as on Telegram.
* ``/sandbox/...``: the control API, a thin JSON layer over ``SandboxState``'s methods. Control
  errors are ``400 {"error": "..."}``.

Faults (``POST /sandbox/faults``) are applied here, before the method runs, because they may
delay or drop the connection: ``delay`` seconds are waited first; then status 200 runs the call
normally (a slow answer), status 0 closes the connection without any answer (what a client sees
as a network failure, or a timeout when its read timeout is shorter than the delay), and any
other status answers Telegram's error JSON with that status.

Access logging is off: a benchmark sends 100,000 requests and a line per request would cost
more than answering them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox import channels, zalo_control
from bot.sandbox.api import METHODS
from bot.sandbox.errors import ApiError, not_found
from bot.sandbox.params import MAX_BODY_BYTES, read_params
from bot.sandbox.state import ControlError, Fault, SandboxState
from bot.sandbox.webhook import WebhookDelivery
from bot.sandbox.zalo_api import ZALO_STATE_KEY, zalo_api, zalo_not_found
from bot.sandbox.zalo_state import ZaloState
from bot.sandbox.zalo_webhook import ZaloWebhookDelivery

_LOG = logging.getLogger(__name__)
# The shape of a bot token: "<bot id>:<secret>" (https://core.telegram.org/bots/api#authorizing-your-bot).
_TOKEN = re.compile(r"([0-9]{1,20}):[A-Za-z0-9_-]{1,100}")
STATE_KEY: web.AppKey[SandboxState] = web.AppKey("sandbox_state", SandboxState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=_dumps(data), status=status, content_type="application/json")


class _Dropped(Exception):
    """The connection was closed on purpose (a status-0 fault): nothing to answer."""


# --------------------------------------------------------------------------- Bot API


def _api_error(state: SandboxState, error: ApiError) -> web.Response:
    state.errors[str(error.status)] += 1
    return _json(error.body(), error.status)


async def _apply_fault(
    request: web.Request, state: SandboxState, fault: Fault
) -> web.Response | None:
    """Play a fault; returns the error response, or None to run the call normally."""
    if fault.delay > 0:
        await asyncio.sleep(fault.delay)
    if fault.status == 200:
        return None
    if fault.status == 0:
        state.errors["dropped"] += 1
        if request.transport is not None:
            request.transport.close()
        raise _Dropped
    parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
    return _api_error(state, ApiError(fault.status, fault.description, parameters))


async def _bot_api(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    token = _TOKEN.fullmatch(request.match_info["token"])
    method = METHODS.get(request.match_info["method"].lower())
    if token is None or method is None:
        return _api_error(state, not_found())
    state.bot_id = int(token.group(1))
    state.calls[method.name] += 1
    try:
        body: bytes | None = None
        if state.recorder.enabled:
            body = await request.read() if request.body_exists else b""
            state.recorder.record(request.match_info["method"], request.content_type,
                                  request.query_string, body)
        params = await read_params(request, body=body)
        fault = state.take_fault(method.name, params.get("chat_id"))
        if fault is not None:
            response = await _apply_fault(request, state, fault)
            if response is not None:
                return response
        if method.async_handler is not None:
            result = await method.async_handler(state, params)
        else:
            assert method.handler is not None
            result = method.handler(state, params)
    except ApiError as error:
        return _api_error(state, error)
    except _Dropped:
        # The transport is closed; aiohttp discards whatever is returned.
        return web.Response(status=499)
    return _json({"ok": True, "result": result})


async def _not_found(request: web.Request) -> web.StreamResponse:
    return _api_error(request.app[STATE_KEY], not_found())


# --------------------------------------------------------------------------- control API helpers


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _int(body: dict[str, Any], key: str, *, required: bool = False) -> int | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(f'"{key}" is required')
        return None
    if isinstance(value, bool):
        raise ControlError(f'"{key}" must be an integer')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f'"{key}" must be an integer') from None


def _req_int(body: dict[str, Any], key: str) -> int:
    value = _int(body, key, required=True)
    assert value is not None
    return value


def _str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(f'"{key}" must be a string')
    return value


def _bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ControlError(f'"{key}" must be true or false')
    return value


def _control(handler: Handler) -> Handler:
    """Turn ControlError (and bad JSON) into 400 {"error": ...}."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ControlError as error:
            return _json({"error": str(error)}, 400)

    return wrapped


# --------------------------------------------------------------------------- control API routes


async def _post_message(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    body = await _body(request)
    if zalo_control.is_zalo(body):
        return await zalo_control.post_message(request, body)
    text = _str(body, "text") or ""
    if _str(body, "chat_type") == "channel":  # a channel post: no user
        update_id, message_id = channels.post_channel_post(
            state, _req_int(body, "chat_id"), text, chat_title=_str(body, "chat_title"),
            author_signature=_str(body, "author_signature"))
        return _json({"update_id": update_id, "message_id": message_id})
    update_id, message_id = state.post_message(
        _req_int(body, "user_id"),
        text,
        chat_id=_int(body, "chat_id"),
        chat_type=_str(body, "chat_type"),
        first_name=_str(body, "first_name"),
        username=_str(body, "username"),
        language_code=_str(body, "language_code"),
        photo=bool(_bool(body, "photo")),
        reply_to_message_id=_int(body, "reply_to_message_id"),
        chat_title=_str(body, "chat_title"),
        thread_id=_int(body, "thread_id"),
    )
    return _json({"update_id": update_id, "message_id": message_id})


async def _post_callback(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    body = await _body(request)
    data = _str(body, "data")
    if data is None:
        raise ControlError('"data" is required')
    update_id, query_id = state.press_button_with_id(
        _req_int(body, "user_id"), _req_int(body, "message_id"), data, _int(body, "chat_id")
    )
    return _json({"update_id": update_id, "callback_query_id": query_id})


async def _get_sent(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    query = dict(request.query)
    if zalo_control.is_zalo(query):
        return await zalo_control.get_sent(request)
    records = state.sent_records(
        chat_id=_int(query, "chat_id"),
        after=_int(query, "after") or 0,
        method=query.get("method") or None,
        thread_id=_int(query, "thread_id"),
    )
    return _json({"sent": [record.to_dict() for record in records]})


_CHAT_SWITCHES = frozenset(
    {"blocked", "deactivated", "kicked", "left", "migrate_to", "admins", "title"}
)
# The bot added to or removed from the chat (a my_chat_member update; bot/sandbox/channels.py).
_MEMBER_SWITCHES = frozenset({"member", "chat_type", "title", "user_id", "can_post", "admins"})


async def _post_chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    body = await _body(request)
    if zalo_control.is_zalo(body) or zalo_control.is_zalo(dict(request.query)):
        return await zalo_control.post_chat(request, request.match_info["chat_id"], body)
    chat_id = _req_int(dict(request.match_info), "chat_id")
    if "member" in body:
        return _json({"chat": _set_member(state, chat_id, body)})
    unknown = set(body) - _CHAT_SWITCHES
    if unknown:
        raise ControlError(f"unknown chat settings: {', '.join(sorted(unknown))}")
    admins = _admins(body)
    summary = state.set_chat(
        chat_id,
        blocked=_bool(body, "blocked"),
        deactivated=_bool(body, "deactivated"),
        kicked=_bool(body, "kicked"),
        left=_bool(body, "left"),
        migrate_to=_int(body, "migrate_to"),
        admins=admins,
        title=_str(body, "title"),
    )
    return _json({"chat": summary})


def _admins(body: dict[str, Any]) -> list[int] | None:
    admins = body.get("admins")
    if admins is not None and (
        not isinstance(admins, list)
        or not all(isinstance(a, int) and not isinstance(a, bool) for a in admins)
    ):
        raise ControlError('"admins" must be a list of user ids')
    return admins


def _set_member(state: SandboxState, chat_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """{"member": "administrator"|"member"|"left"|"kicked", "chat_type"?, "title"?,
    "user_id"? (who did it), "can_post"? (a channel admin's right to post), "admins"?}."""
    unknown = set(body) - _MEMBER_SWITCHES
    if unknown:
        raise ControlError(f"unknown membership settings: {', '.join(sorted(unknown))}")
    return channels.set_membership(
        state, chat_id, _str(body, "member") or "", chat_type=_str(body, "chat_type"),
        title=_str(body, "title"), by_user=_int(body, "user_id"),
        can_post=_bool(body, "can_post") is not False, admins=_admins(body))


async def _get_chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    chat = state.chats.get(_req_int(dict(request.match_info), "chat_id"))
    if chat is None:
        return _json({"error": "chat not found"}, 404)
    return _json({"chat": chat.summary()})


async def _post_fault(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    body = await _body(request)
    if zalo_control.is_zalo(body):
        return await zalo_control.post_fault(request, body)
    method = _str(body, "method")
    if not method:
        raise ControlError('"method" is required (a Bot API method name, or "*")')
    delay = body.get("delay") or 0
    if not isinstance(delay, int | float) or isinstance(delay, bool):
        raise ControlError('"delay" must be a number of seconds')
    fault_id = state.add_fault(
        method,
        _req_int(body, "status"),
        _str(body, "description"),
        retry_after=_int(body, "retry_after"),
        times=1 if body.get("times") is None else _req_int(body, "times"),
        chat_id=_int(body, "chat_id"),
        delay=float(delay),
    )
    return _json({"id": fault_id})


async def _get_faults(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    zalo = request.app[ZALO_STATE_KEY]
    return _json({"faults": [fault.summary() for fault in state.faults]
                  + [fault.summary() for fault in zalo.faults]})


async def _delete_faults(request: web.Request) -> web.StreamResponse:
    request.app[STATE_KEY].faults.clear()
    request.app[ZALO_STATE_KEY].faults.clear()
    return _json({"ok": True})


async def _get_stats(request: web.Request) -> web.StreamResponse:
    if zalo_control.is_zalo(dict(request.query)):
        return await zalo_control.get_stats(request)
    return _json(request.app[STATE_KEY].stats())


async def _post_update(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    return _json({"update_id": state.inject_update(await _body(request))})


async def _post_recording(request: web.Request) -> web.StreamResponse:
    recorder = request.app[STATE_KEY].recorder
    enabled = _bool(await _body(request), "enabled")
    if enabled is None:
        raise ControlError('"enabled" (true or false) is required')
    recorder.set_enabled(enabled)
    return _json({"enabled": recorder.enabled})


async def _get_recording(request: web.Request) -> web.StreamResponse:
    recorder = request.app[STATE_KEY].recorder
    after = _int(dict(request.query), "after") or 0
    return _json({"enabled": recorder.enabled,
                  "requests": [r.to_dict() for r in recorder.after(after)]})


async def _post_reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE_KEY].reset()
    request.app[ZALO_STATE_KEY].reset()
    return _json({"ok": True})


_INDEX = """newsbot sandbox: a local fake Telegram Bot API.

Bot API:      /bot<token>/<method>   (point the bot at  <this URL>/bot); after setWebhook,
              updates are POSTed to the webhook (X-Telegram-Bot-Api-Secret-Token) instead
Control API:  POST /sandbox/messages {"user_id", "text", "chat_id"?, "chat_type"?,
                                     "thread_id"? (a forum topic)}
                   {"chat_type": "channel", "chat_id", "text"}  (a channel post: no user)
              POST /sandbox/callbacks {"user_id", "message_id", "data", "chat_id"?}
              GET  /sandbox/sent?chat_id=&after=&thread_id=
              POST /sandbox/chats/<id> {"blocked"|"deactivated"|"kicked"|"left": bool}
                                       {"migrate_to": id} {"admins": [user ids]}
                                       {"member": "administrator"|"member"|"left"|"kicked",
                                        "chat_type"?, "title"?, "user_id"?, "can_post"?}
                                       (the bot added or removed: a my_chat_member update)
              POST /sandbox/faults {"method", "status", "description"?, "retry_after"?,
                                    "times"?, "chat_id"?, "delay"?}
              GET  /sandbox/stats    POST /sandbox/updates {raw Update}    POST /sandbox/reset
              POST /sandbox/recording {"enabled": bool}   GET /sandbox/recording?after=
                   (every Bot API request body, byte for byte; off unless enabled)

Zalo:         /zalo/bot<token>/<method>   (point the bot at  <this URL>/zalo/bot); the control
              calls above take "channel": "zalo" (string ids; ?channel=zalo on GETs), plus
              POST /sandbox/zalo/quota {"per_second": N|null}   (429 "Quota exceeded" beyond N/s)
"""


async def _index(request: web.Request) -> web.StreamResponse:
    return web.Response(text=_INDEX)


def build_app(state: SandboxState, zalo: ZaloState | None = None) -> web.Application:
    """The aiohttp application serving `state` (and the Zalo dialect's `zalo`)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE_KEY] = state
    app[ZALO_STATE_KEY] = zalo if zalo is not None else ZaloState()
    router = app.router
    router.add_get("/", _index)
    router.add_post("/sandbox/messages", _control(_post_message))
    router.add_post("/sandbox/callbacks", _control(_post_callback))
    router.add_get("/sandbox/sent", _control(_get_sent))
    router.add_post("/sandbox/chats/{chat_id}", _control(_post_chat))
    router.add_get("/sandbox/chats/{chat_id}", _control(_get_chat))
    router.add_post("/sandbox/faults", _control(_post_fault))
    router.add_get("/sandbox/faults", _control(_get_faults))
    router.add_delete("/sandbox/faults", _control(_delete_faults))
    router.add_get("/sandbox/stats", _control(_get_stats))
    router.add_post("/sandbox/updates", _control(_post_update))
    router.add_post("/sandbox/reset", _control(_post_reset))
    router.add_post("/sandbox/recording", _control(_post_recording))
    router.add_get("/sandbox/recording", _control(_get_recording))
    router.add_post("/sandbox/zalo/quota", _control(zalo_control.post_quota))
    router.add_route("*", "/zalo/bot{token}/{method}", zalo_api)
    router.add_route("*", "/zalo/{tail:.*}", zalo_not_found)
    router.add_route("*", "/bot{token}/{method}", _bot_api)
    router.add_route("*", "/bot{tail:.*}", _not_found)
    return app


# --------------------------------------------------------------------------- lifecycle


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _client_host(host: str) -> str:
    # A wildcard address is where the server listens, not where a client connects.
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class Sandbox:
    """A fake Telegram Bot API server on a local port, with its state in-process.

    >>> sandbox = Sandbox()
    >>> await sandbox.start()                      # port 0: a free port
    >>> bot = telegram.Bot("123:abc", base_url=sandbox.base_url)
    >>> sandbox.state.post_message(42, "/start")   # a user writes
    """

    def __init__(
        self,
        *,
        flood_limits: bool = False,
        bot_username: str = "newsbot_sandbox_bot",
        bot_first_name: str = "Newsbot",
        record_requests: bool = False,
        webhook_retry_max: float = 2.0,
        zalo_quota: float | None = None,
    ) -> None:
        self.state = SandboxState(
            flood_limits=flood_limits, bot_username=bot_username, bot_first_name=bot_first_name,
            record_requests=record_requests,
        )
        # POSTs updates to the webhook once the bot sets one (and retries what is refused).
        self.webhooks = WebhookDelivery(self.state, retry_max=webhook_retry_max)
        # The Zalo dialect (bot/sandbox/zalo_*.py) on the same port.
        self.zalo = ZaloState(quota=zalo_quota)
        self.zalo_webhooks = ZaloWebhookDelivery(self.zalo, retry_max=webhook_retry_max)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host`:`port` (port 0 picks a free one); see ``url``."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self.state.open()
        self.zalo.open()
        # A short shutdown timeout: long polls are released by state.close(), and a fault's
        # delay must not hold stop() for a minute.
        runner = web.AppRunner(
            build_app(self.state, self.zalo), access_log=None, handle_signals=False,
            shutdown_timeout=0.5
        )
        await runner.setup()
        try:
            sock = _bind(host, port)
            site = web.SockSite(runner, sock, backlog=1024)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        bound_host, bound_port = sock.getsockname()[:2]
        await self.webhooks.start()
        await self.zalo_webhooks.start()
        self._runner = runner
        self._url = f"http://{_client_host(bound_host)}:{bound_port}"

    async def stop(self) -> None:
        """Stop serving; waiting long polls return at once. Safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.state.close()
        self.zalo.close()
        await self.webhooks.stop()
        await self.zalo_webhooks.stop()
        await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._url is None:
            raise RuntimeError("the sandbox is not started")
        return self._url

    @property
    def base_url(self) -> str:
        """What PTB's ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)`` takes."""
        return f"{self.url}/bot"

    @property
    def zalo_base_url(self) -> str:
        """NEWSBOT_ZALO_API_URL for the Zalo dialect."""
        return f"{self.url}/zalo/bot"


async def serve_forever(host: str, port: int, flood_limits: bool, *,
                        zalo_quota: float | None = None) -> None:
    """Run a sandbox until cancelled (the ``newsbot sandbox`` command)."""
    sandbox = Sandbox(flood_limits=flood_limits, zalo_quota=zalo_quota)
    await sandbox.start(host, port)
    _LOG.info(
        "Sandbox Bot API listening on %s (flood limits %s); run the bot with "
        "NEWSBOT_TELEGRAM_API_URL=%s and/or NEWSBOT_ZALO_API_URL=%s",
        sandbox.url,
        "on" if flood_limits else "off",
        sandbox.base_url,
        sandbox.zalo_base_url,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
