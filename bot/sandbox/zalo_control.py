"""The JSON control API's Zalo side (SPEC 9): the same calls as for Telegram, with
`"channel": "zalo"` (in the body, or `?channel=zalo` in a query) and string ids.

- `POST /sandbox/messages {"channel": "zalo", "user_id", "text", "chat_id"?, "display_name"?,
  "bot"?, "chat_type"?, "event_name"?}`: a Zalo user writes; answers `{"message_id", "bot"}`;
- `GET /sandbox/sent?channel=zalo&chat_id=&after=&bot=&method=`: what the bot sent on Zalo;
- `POST /sandbox/chats/<id> {"channel": "zalo", "blocked": bool, "bot"?}`: the user blocks (or
  unblocks) the bot;
- `POST /sandbox/faults {"channel": "zalo", "method", "status", "description"?, "times"?,
  "chat_id"?, "delay"?, "bot"?}`: the next matching Zalo calls fail;
- `GET /sandbox/stats?channel=zalo`: Zalo's calls, errors, and each bot's highest rate;
- `POST /sandbox/zalo/quota {"per_second": N or null}`: Zalo answers 429 "Quota exceeded" beyond
  N sends per second (per bot).

"bot" is a bot id (the part of its token before ":"); see `zalo_state` for the default.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.state import ControlError
from bot.sandbox.zalo_api import ZALO_STATE_KEY
from bot.sandbox.zalo_state import TEXT_EVENT


def is_zalo(values: dict[str, Any] | Any) -> bool:
    """Whether a control call's body or query names the Zalo channel."""
    channel = values.get("channel") if hasattr(values, "get") else None
    if channel is None or channel == "telegram":
        return False
    if channel != "zalo":
        raise ControlError('"channel" must be "telegram" (the default) or "zalo"')
    return True


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                        status=status, content_type="application/json")


def _id(values: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    """An id as Zalo has them: a string (an integer is taken as its digits)."""
    value = values.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(f'"{key}" is required (a string)')
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ControlError(f'"{key}" must be a string')
    text = str(value)
    if len(text) > 128:
        raise ControlError(f'"{key}" is too long')
    return text


def _text(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlError(f'"{key}" must be a string')
    return value


async def post_message(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    state = request.app[ZALO_STATE_KEY]
    user_id = _id(body, "user_id", required=True)
    assert user_id is not None
    chat_type = _text(body, "chat_type") or "PRIVATE"
    message_id, bot = state.post_message(
        user_id, _text(body, "text") or "", chat_id=_id(body, "chat_id"),
        display_name=_text(body, "display_name"), bot=_id(body, "bot"),
        chat_type=chat_type.upper(), event_name=_text(body, "event_name") or TEXT_EVENT)
    return _json({"message_id": message_id, "bot": bot})


async def get_sent(request: web.Request) -> web.StreamResponse:
    state = request.app[ZALO_STATE_KEY]
    query = dict(request.query)
    after = query.get("after") or "0"
    if not after.isdigit():
        raise ControlError('"after" must be an integer')
    records = state.sent_records(chat_id=_id(query, "chat_id"), after=int(after),
                                 bot=_id(query, "bot"), method=query.get("method") or None)
    return _json({"sent": [record.to_dict() for record in records]})


async def post_chat(request: web.Request, chat_id: str, body: dict[str, Any]
                    ) -> web.StreamResponse:
    state = request.app[ZALO_STATE_KEY]
    unknown = set(body) - {"channel", "blocked", "bot"}
    if unknown:
        raise ControlError(f"unknown Zalo chat settings: {', '.join(sorted(unknown))}")
    blocked = body.get("blocked")
    if blocked is not None and not isinstance(blocked, bool):
        raise ControlError('"blocked" must be true or false')
    return _json({"chat": state.set_chat(chat_id, blocked=blocked, bot=_id(body, "bot"))})


async def post_fault(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    state = request.app[ZALO_STATE_KEY]
    method = _text(body, "method")
    if not method:
        raise ControlError('"method" is required (a Zalo API method name, or "*")')
    status = body.get("status")
    times = body.get("times", 1)
    delay = body.get("delay") or 0
    for key, value in (("status", status), ("times", times)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ControlError(f'"{key}" must be an integer')
    if isinstance(delay, bool) or not isinstance(delay, int | float):
        raise ControlError('"delay" must be a number of seconds')
    assert isinstance(status, int)
    assert isinstance(times, int)
    fault_id = state.add_fault(method, status, _text(body, "description"), times=times,
                               chat_id=_id(body, "chat_id"), delay=float(delay),
                               bot=_id(body, "bot"))
    return _json({"id": fault_id})


async def get_stats(request: web.Request) -> web.StreamResponse:
    return _json(request.app[ZALO_STATE_KEY].stats())


async def post_quota(request: web.Request) -> web.StreamResponse:
    state = request.app[ZALO_STATE_KEY]
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    value = body.get("per_second")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or value <= 0):
        raise ControlError('"per_second" must be a positive number, or null for no quota')
    state.quota = float(value) if value is not None else None
    return _json({"per_second": state.quota})
