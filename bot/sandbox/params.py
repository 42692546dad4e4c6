"""Reading Bot API call parameters from an HTTP request, the ways Telegram accepts them.

Telegram takes parameters from the query string, ``application/x-www-form-urlencoded``,
``application/json`` or ``multipart/form-data`` (https://core.telegram.org/bots/api#making-requests).
In the form encodings every value is a string, and clients JSON-encode the structured ones:
python-telegram-bot 22 sends each non-string value as ``json.dumps(value)`` (see
``telegram/request/_requestparameter.py``, ``json_value``) and strings as they are. So this module
decodes by parameter name: known structured parameters with ``json.loads``, known integers and
booleans by their type, and everything else (``text``, ``caption``, ``data``...) stays a string,
never JSON-decoded, because a user's text "123" or "[1]" must stay that text.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from bot.sandbox.errors import ApiError, bad_request

# Telegram accepts uploads up to 50 MB through the public Bot API.
MAX_BODY_BYTES = 50 * 1024 * 1024

JSON_PARAMS: frozenset[str] = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "menu_button",
    }
)
INT_PARAMS: frozenset[str] = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "from_chat_id",
        "max_connections",
    }
)
BOOL_PARAMS: frozenset[str] = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "revoke_messages",
    }
)
# getUpdates' timeout is an Integer in the Bot API, but PTB 22 sends a timedelta with a
# fractional part as a float.
FLOAT_PARAMS: frozenset[str] = frozenset({"timeout"})
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file sent as a multipart part."""

    filename: str
    content: bytes
    content_type: str


# A push sends the same keyboard to every subscriber; decoding it once instead of 100,000
# times saves ~1 KB per stored message. Decoded values are shared: treat them as read-only.
_JSON_CACHE: dict[str, Any] = {}
_JSON_CACHE_SIZE = 1024
_JSON_CACHE_MAX_CHARS = 8192


def _decode_json(name: str, value: str) -> Any:
    cached = _JSON_CACHE.get(value)
    if cached is not None:
        return cached
    try:
        decoded = json.loads(value)
    except ValueError:
        if name == "reply_markup":
            raise bad_request("can't parse reply keyboard markup JSON object") from None
        raise bad_request(f"can't parse {name} JSON object") from None
    if len(value) <= _JSON_CACHE_MAX_CHARS:
        if len(_JSON_CACHE) >= _JSON_CACHE_SIZE:
            _JSON_CACHE.clear()
        _JSON_CACHE[value] = decoded
    return decoded


def _decode_chat_id(value: Any) -> Any:
    # chat_id is "Integer or String": an id, or "@channelusername".
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        return text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _decode_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise bad_request(f'field "{name}" must be a Number') from None


def _decode_float(name: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise bad_request(f'field "{name}" must be a Number') from None


def _decode_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise bad_request(f'field "{name}" must be a Boolean')


def decode(raw: dict[str, Any]) -> dict[str, Any]:
    """Give each parameter its Bot API type; raises ApiError(400) on an undecodable value."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or isinstance(value, UploadedFile):
            params[name] = value
        elif name in ("chat_id", "from_chat_id"):
            params[name] = _decode_chat_id(value)
        elif name in JSON_PARAMS:
            params[name] = _decode_json(name, value) if isinstance(value, str) else value
        elif name in INT_PARAMS:
            params[name] = _decode_int(name, value)
        elif name in FLOAT_PARAMS:
            params[name] = _decode_float(name, value)
        elif name in BOOL_PARAMS:
            params[name] = _decode_bool(name, value)
        else:
            params[name] = value
    return params


async def _read_multipart(request: web.Request, raw: dict[str, Any]) -> None:
    # Parts are read into memory (with a cap) rather than via request.post(), which spools
    # every file part to a temporary file on disk.
    reader = await request.multipart()
    total = 0
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        chunks: list[bytes] = []
        while chunk := await part.read_chunk():
            total += len(chunk)
            if total > MAX_BODY_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            chunks.append(chunk)
        data = part.decode(b"".join(chunks))
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            raw[part.name] = UploadedFile(part.filename, data, content_type)
        else:
            raw[part.name] = data.decode(part.get_charset("utf-8"), "replace")


def _multipart_from_bytes(content_type: str, body: bytes, raw: dict[str, Any]) -> None:
    """The parts of a multipart body already read (the request recording read the stream)."""
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart/form-data")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            raw[name] = UploadedFile(filename, data, part.get_content_type())
        else:
            raw[name] = data.decode(part.get_content_charset("utf-8"), "replace")


async def read_params(request: web.Request, *, body: bytes | None = None) -> dict[str, Any]:
    """All parameters of a Bot API call: query string first, then the body over it.

    `body`: the body when it was read already (then parsed from these bytes).
    """
    raw: dict[str, Any] = dict(request.query)
    if body is not None and request.content_type == "multipart/form-data":
        _multipart_from_bytes(request.headers.get("Content-Type", ""), body, raw)
    elif request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = json.loads(await request.read() or b"{}")
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            raw.update(body)
        elif content_type == "application/x-www-form-urlencoded":
            raw.update((await request.post()).items())
        elif content_type == "multipart/form-data":
            await _read_multipart(request, raw)
    return decode(raw)
