"""Telegram's `Sender`: the core's messages as Bot API calls, Telegram's answers as channel-neutral
`SendOutcome`s, and the pacer of the bot account.

One sender per bot token sends everything: replies, answers to pressed buttons and edits go
through the Application's bot (its own connection pool), pushes through the push bots (pools of
their own), so a reply never waits for a connection behind a push, while one pacer (the
`Outbound`'s) counts both. Why several push Bots: httpcore's connection pool does work
proportional to its number of connections on every request event, so one pool of 32 connections
costs noticeably more CPU per message than four pools of 8 (bench/fanout.py measures it); each
push takes the least busy Bot, so no pool ever has more requests than connections.

Photos: a URL is given to Telegram to fetch; when Telegram cannot fetch it (or says the content is
not a photo), the sender downloads it once itself (a size cap, an image content type) and uploads
it; the file id Telegram returns is reused for the same photo from then on (and handed to the core,
which stores it per article). Only when that fails too is the photo refused (the core then sends
the text). A local file (an archive's photo) is read in exactly one place, `_read_local_photo`.

Timeouts: a timeout after the request went out is ambiguous (Telegram may have delivered the
message, and a retry then duplicates it), so a text keeps a short one (NEWSBOT_DELIVERY_TIMEOUT,
also the reply bot's 5 s) and only a photo that is uploaded or that Telegram must fetch from its
URL gets the long one (NEWSBOT_DELIVERY_UPLOAD_TIMEOUT). `probe` (getMe, short timeouts) is how
the account's outage guard asks whether the API answers at all (bot/delivery/outage.py).

Sends ask the Bot API through `Bot.do_api_request` and read Telegram's answer as the plain JSON
object it is: the sender needs two fields of it (the message id and the photo's file id), and
python-telegram-bot's typed `Message` built from every answer (its chat, sender, photo sizes and
keyboard as frozen objects) was about a tenth of a push's CPU (bench/fanout.py --profile). The
keyboard and the link-preview option go out as JSON encoded once per distinct keyboard, not per
message. Everything else is still the library's: the request, its timeouts, uploads, and the
errors raised from Telegram's answers.

The order of the `except` clauses matters: in python-telegram-bot, `BadRequest` and `TimedOut`
are subclasses of `NetworkError`, and `RetryAfter`/`ChatMigrated` are raised from the answer's
``parameters`` whatever its status.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram import LinkPreviewOptions as _LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.delivery.outbound import SendOutcome, Status
from bot.delivery.pacing import Pacer, Priority, SharedSchedule
from bot.localfiles import read_photo
from bot.message import ChatRef, Message, MessageRef, Photo, Text
from bot.render.telegram import CHANNEL, Keyboard, RenderCache, answer_text

log = logging.getLogger(__name__)

_NO_PREVIEW = _LinkPreviewOptions(is_disabled=True)
_NO_PREVIEW_JSON = _NO_PREVIEW.to_json()  # what a text send carries, encoded once
_NONE: Mapping[str, object] = {}  # no extra parameters
# Telegram's answer to a send, as JSON (see the module's docstring).
Answer = Mapping[str, object]
# The methods a send calls. Telegram matches method names case-insensitively
# (https://core.telegram.org/bots/api#making-requests); in lower case they have no typed twin on
# `Bot`, so `do_api_request` does not warn "Please use Bot.send_photo" on every message (a warning
# that `-W error` or PYTHONWARNINGS would turn into a failed delivery).
SEND_MESSAGE, SEND_PHOTO, SEND_DOCUMENT = "sendmessage", "sendphoto", "senddocument"
# `MessageRef.shown` of a photo message: its caption is not edited, only its buttons.
PHOTO_SHOWN = "\x00photo"

# BadRequest descriptions (lower case) meaning Telegram could not use the photo we gave it:
# a URL it could not download or whose content is not an image, a file id it does not know, a
# file it could not process. https://core.telegram.org/bots/api#sending-files
_PHOTO_ERRORS = (
    "wrong file identifier",
    "http url specified",
    "failed to get http url content",
    "wrong type of the web page content",
    "web page content",
    "image_process_failed",
    "photo_invalid_dimensions",
    "photo_save_file_invalid",
    "photo_ext_invalid",
    "wrong remote file identifier",
    "file must be non-empty",
    "wrong padding",
    "file reference",
    "can't use file of type",
    "type of file mismatch",
)
# The chat cannot receive anything from the bot (as 400 rather than 403).
_CHAT_GONE_ERRORS = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "user is deactivated",
    "group chat was deactivated",
    "chat was deleted",
    "have no rights to send a message",
    "chat_write_forbidden",
    "chat_restricted",
    "need administrator rights in the channel chat",
    "bot was kicked",
    "bot is not a member",
)
# The forum topic a message was sent to no longer exists (its chat is still there).
_TOPIC_GONE_ERRORS = ("message thread not found", "topic_deleted", "topic_id_invalid")
# The chat refuses photos only (a group's member permissions).
_NO_PHOTO_ERRORS = ("not enough rights to send photos", "chat_send_photos_forbidden")
_NOT_MODIFIED = "message is not modified"
# answerCallbackQuery too late (about 15 s after the press, or after a restart): normal.
_EXPIRED_QUERY = ("query is too old", "query id is invalid")
# getMe, asked while the API may be down: a short answer or none.
PROBE_TIMEOUT = 5.0

# httpx errors after which the request had been sent: the message may have been delivered.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                  httpx.RemoteProtocolError)

# Downloading a photo Telegram could not fetch: what Telegram takes as a photo upload
# (https://core.telegram.org/bots/api#sendphoto: at most 10 MB).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
_PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _read_local_photo(path: Path) -> bytes:
    """The one place that reads a local photo file (an archive's photo) for an upload.

    Only a regular file inside a configured archive folder, never any other local path, whatever
    an article says (`bot.localfiles`: symlinks, /proc, devices and FIFOs are refused).
    """
    return read_photo(str(path), max_bytes=PHOTO_MAX_BYTES)


class TelegramSender:
    """Sends the core's messages with python-telegram-bot; never raises per-recipient errors."""

    channel = CHANNEL

    def __init__(self, push_bots: Sequence[Bot], reply_bot: Bot, *,
                 http: httpx.AsyncClient | None = None, cache_size: int = 256,
                 upload_timeout: float = 30.0, paid_broadcast: bool = False) -> None:
        if not push_bots:
            raise ValueError("at least one push Bot")
        self.bots = list(push_bots)
        self.reply_bot = reply_bot
        self.http = http  # downloads photos Telegram could not fetch (None: never)
        self.upload_timeout = upload_timeout  # a photo upload or fetch by URL (not a file id)
        # NEWSBOT_PAID_BROADCAST: pushes ask for paid broadcasting (Telegram then allows up to
        # 1000 messages/s, charged in Stars); without the flag it answers 429 above ~30/s.
        # Replies never need it. https://core.telegram.org/bots/api#paid-broadcasts
        self._paid = {"allow_paid_broadcast": True} if paid_broadcast else {}
        self._busy = [0] * len(self.bots)  # requests in flight per push Bot (connection pool)
        self._render = RenderCache(cache_size)
        self._markups: OrderedDict[Keyboard, tuple[InlineKeyboardMarkup, str]] = OrderedDict()
        self._cache_size = cache_size
        # A photo (URL or local path) -> Telegram's file id for it, once uploaded or fetched.
        self._file_ids: OrderedDict[str, str] = OrderedDict()
        self.downloads = 0  # photos this sender downloaded itself (tests, logs)

    async def initialize(self) -> None:
        await asyncio.gather(*(bot.initialize() for bot in self.bots))

    async def shutdown(self) -> None:
        await asyncio.gather(*(bot.shutdown() for bot in self.bots))

    # -- the Sender protocol ------------------------------------------------------------------

    async def send(self, chat: ChatRef, message: Message,
                   priority: Priority = Priority.BULK) -> SendOutcome:
        if priority != Priority.BULK:
            return await self._classified(self._send(self.reply_bot, chat, message), message)
        busy = self._busy
        index = busy.index(min(busy))
        busy[index] += 1
        try:
            return await self._classified(
                self._send(self.bots[index], chat, message, self._paid), message)
        finally:
            busy[index] -= 1

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority = Priority.REPLY) -> SendOutcome:
        return await self._classified(self._edit(target, message), message)

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome:
        async def call() -> SendOutcome:
            await self.reply_bot.answer_callback_query(callback, answer_text(text) or None,
                                                       show_alert=alert)
            return SendOutcome(Status.SENT)

        return await self._classified(call(), None)

    async def probe(self) -> bool:
        """Whether the Bot API answers at all (getMe, which concerns no chat)."""
        try:
            await self.reply_bot.get_me(read_timeout=PROBE_TIMEOUT, write_timeout=PROBE_TIMEOUT,
                                        connect_timeout=PROBE_TIMEOUT,
                                        pool_timeout=PROBE_TIMEOUT)
        except RetryAfter:
            return True  # flood control is an answer
        except TelegramError as exc:
            log.debug("telegram: getMe failed (%s)", type(exc).__name__)
            return False
        return True

    # -- requests -----------------------------------------------------------------------------

    async def _send(self, bot: Bot, chat: ChatRef, message: Message,
                    extra: Mapping[str, object] = _NONE) -> SendOutcome:
        """One message; `extra`: more parameters of the send (a paid broadcast's flag)."""
        rendered = self._render.render(message)
        params: dict[str, object] = {"chat_id": int(chat.id), "parse_mode": ParseMode.HTML.value}
        if markup := self._markup_json(rendered.buttons):
            params["reply_markup"] = markup
        if rendered.silent:
            params["disable_notification"] = True
        if chat.thread:  # a forum topic's reader: the message goes into that topic only
            params["message_thread_id"] = int(chat.thread)
        params.update(extra)
        if rendered.document is not None:
            params["document"] = InputFile(rendered.document.content,
                                           filename=rendered.document.name)
            if rendered.text:
                params["caption"] = rendered.text
            sent = await self._call(bot, SEND_DOCUMENT, params)
            return SendOutcome(Status.SENT, message_id=_message_id(sent), shown=PHOTO_SHOWN)
        if rendered.photo is None:
            params.update(text=rendered.text, link_preview_options=_NO_PREVIEW_JSON)
            sent = await self._call(bot, SEND_MESSAGE, params)
            return SendOutcome(Status.SENT, message_id=_message_id(sent), shown=rendered.text)
        photo = rendered.photo
        known = self._file_ids.get(photo.ref) if photo.kind != "file_id" else None
        given: str | InputFile
        if known is not None:
            given = known
        elif photo.kind == "file":
            path = Path(photo.ref)
            try:
                content = await asyncio.to_thread(_read_local_photo, path)
            except OSError as exc:
                return SendOutcome(Status.PHOTO_REJECTED,
                                   reason=f"cannot read {path.name}: {exc.strerror or exc}")
            given = InputFile(content, filename=path.name)
        else:
            given = photo.ref
        params.update(photo=given, caption=rendered.text)
        # An upload, or a URL Telegram fetches before it answers: the long timeout.
        slow = isinstance(given, InputFile) or (photo.kind == "url" and known is None)
        try:
            sent = await self._call(bot, SEND_PHOTO, params, slow=slow)
        except BadRequest as exc:
            if photo.kind != "url" or known is not None or not _is_photo_error(exc):
                raise
            upload = await self._download(photo.ref)
            if upload is None:
                raise
            params["photo"] = upload
            sent = await self._call(bot, SEND_PHOTO, params, slow=True)
        file_id = _photo_file_id(sent)
        if file_id and photo.kind != "file_id":
            self._remember_file_id(photo, file_id)
        return SendOutcome(Status.SENT, message_id=_message_id(sent), photo_file_id=file_id,
                           shown=PHOTO_SHOWN)

    async def _call(self, bot: Bot, method: str, params: dict[str, object], *,
                    slow: bool = False) -> Answer:
        """One send (SEND_MESSAGE, SEND_PHOTO or SEND_DOCUMENT): Telegram's answer as JSON.
        `slow`: the upload timeout (a document, an upload, always gets PTB's media one)."""
        timeouts = ({"read_timeout": self.upload_timeout, "write_timeout": self.upload_timeout}
                    if slow else {})
        answer = await bot.do_api_request(method, params, **timeouts)  # type: ignore[arg-type]
        return answer if isinstance(answer, Mapping) else _NONE

    async def _edit(self, target: MessageRef, message: Message) -> SendOutcome:
        rendered = self._render.render(message)
        markup = self._markup(rendered.buttons)
        chat_id, message_id = int(target.chat.id), int(target.id)
        # A text message whose text changes (or is unknown) gets its text edited; otherwise
        # (the same text, or a photo's caption) only its buttons.
        if target.shown != PHOTO_SHOWN and target.shown != rendered.text:
            await self.reply_bot.edit_message_text(
                rendered.text, chat_id=chat_id, message_id=message_id,
                parse_mode=ParseMode.HTML, reply_markup=markup,
                link_preview_options=_NO_PREVIEW)
            return SendOutcome(Status.SENT, message_id=target.id, shown=rendered.text)
        await self.reply_bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                                       reply_markup=markup)
        return SendOutcome(Status.SENT, message_id=target.id, shown=target.shown)

    async def _classified(self, request: object, message: Message | None) -> SendOutcome:
        try:
            return await request  # type: ignore[misc]
        except RetryAfter as exc:
            seconds = _seconds(exc)
            return SendOutcome(Status.RETRY_AFTER, retry_after=seconds,
                               reason=f"flood control: retry after {seconds:g} s")
        except ChatMigrated as exc:
            return SendOutcome(Status.MIGRATED, reason=str(exc),
                               new_chat_id=str(exc.new_chat_id))
        except Forbidden as exc:
            return SendOutcome(Status.CHAT_GONE, reason=str(exc))
        except BadRequest as exc:  # before NetworkError: it is a subclass
            return _bad_request(exc, message)
        except TimedOut as exc:  # before NetworkError: it is a subclass
            cause = exc.__cause__
            return SendOutcome(Status.TEMPORARY, reason=f"timed out ({type(cause).__name__})",
                               maybe_delivered=isinstance(cause, _AFTER_SENDING))
        except NetworkError as exc:  # 5xx, connection refused or dropped
            cause = exc.__cause__
            return SendOutcome(Status.TEMPORARY, reason=str(exc)[:200],
                               maybe_delivered=isinstance(cause, _AFTER_SENDING))
        except (InvalidToken, EndPointNotFound) as exc:
            # `do_api_request` names a refused token EndPointNotFound once the Bot is initialized
            # (a 404 could also mean an unknown method; ours all exist). Nothing can be sent;
            # back off like a network failure and say it loudly.
            log.error("telegram: the bot token is refused (%s)", type(exc).__name__)
            return SendOutcome(Status.TEMPORARY, reason="invalid token")
        except TelegramError as exc:
            return SendOutcome(Status.PERMANENT, reason=str(exc)[:200])

    # -- photos -------------------------------------------------------------------------------

    async def _download(self, url: str) -> InputFile | None:
        """The photo at `url` fetched by us (Telegram could not), ready to upload; None when it
        is no usable image (too large, not an image, unreachable)."""
        if self.http is None:
            return None
        try:
            async with self.http.stream("GET", url, follow_redirects=True) as response:
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                declared = response.headers.get("content-length", "")
                if response.status_code != 200 or kind not in _PHOTO_TYPES or (
                        declared.isdigit() and int(declared) > PHOTO_MAX_BYTES):
                    log.info("photo %s: not downloaded (HTTP %s, %s, %s bytes)", _short(url),
                             response.status_code, kind or "no content type", declared or "?")
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > PHOTO_MAX_BYTES:
                        log.info("photo %s: larger than %d bytes", _short(url), PHOTO_MAX_BYTES)
                        return None
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            log.info("photo %s: download failed (%s)", _short(url), type(exc).__name__)
            return None
        if not size:
            return None
        self.downloads += 1
        log.info("photo %s: Telegram could not fetch it; downloaded (%d bytes) to upload",
                 _short(url), size)
        return InputFile(b"".join(chunks), filename="photo" + _PHOTO_TYPES[kind])

    def _remember_file_id(self, photo: Photo, file_id: str) -> None:
        self._file_ids[photo.ref] = file_id
        self._file_ids.move_to_end(photo.ref)
        if len(self._file_ids) > self._cache_size:
            self._file_ids.popitem(last=False)

    def _markup(self, buttons: Keyboard) -> InlineKeyboardMarkup | None:
        """The inline keyboard for an edit, built once per distinct keyboard."""
        known = self._keyboard(buttons)
        return known[0] if known else None

    def _markup_json(self, buttons: Keyboard) -> str | None:
        """The inline keyboard as the JSON a send carries, encoded once per distinct keyboard
        (a push reuses one)."""
        known = self._keyboard(buttons)
        return known[1] if known else None

    def _keyboard(self, buttons: Keyboard) -> tuple[InlineKeyboardMarkup, str] | None:
        """The library's `InlineKeyboardMarkup` (which checks each button) and its JSON."""
        if not buttons:
            return None
        known = self._markups.get(buttons)
        if known is None:
            markup = InlineKeyboardMarkup([
                [InlineKeyboardButton(b.text, url=b.url, callback_data=b.callback_data)
                 for b in row]
                for row in buttons
            ])
            known = self._markups[buttons] = (markup, markup.to_json())
            if len(self._markups) > self._cache_size:
                self._markups.popitem(last=False)
        return known

def _message_id(answer: Answer) -> str | None:
    """The id of the message Telegram says it sent (None if its answer lacks one)."""
    message_id = answer.get("message_id")
    return str(message_id) if isinstance(message_id, int) else None


def _photo_file_id(answer: Answer) -> str | None:
    """Telegram's file id of the largest size of the photo it says it sent (its last)."""
    sizes = answer.get("photo")
    if isinstance(sizes, list) and sizes and isinstance(sizes[-1], Mapping):
        file_id = sizes[-1].get("file_id")
        return file_id if isinstance(file_id, str) and file_id else None
    return None


def _is_photo_error(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return any(p in text for p in _PHOTO_ERRORS)


def _bad_request(exc: BadRequest, message: Message | None) -> SendOutcome:
    text = str(exc).lower()
    if _NOT_MODIFIED in text:
        # Pressing twice quickly can ask for the same text and buttons again: harmless.
        return SendOutcome(Status.SENT)
    if any(p in text for p in _EXPIRED_QUERY):
        return SendOutcome(Status.EXPIRED, reason=str(exc))
    has_photo = message is not None and message.photo is not None
    if has_photo and _is_photo_error(exc):
        return SendOutcome(Status.PHOTO_REJECTED, reason=str(exc))
    if has_photo and any(p in text for p in _NO_PHOTO_ERRORS):
        return SendOutcome(Status.NO_PHOTO_HERE, reason=str(exc))
    if any(p in text for p in _TOPIC_GONE_ERRORS):
        return SendOutcome(Status.THREAD_GONE, reason=str(exc))
    if any(p in text for p in _CHAT_GONE_ERRORS):
        return SendOutcome(Status.CHAT_GONE, reason=str(exc))
    return SendOutcome(Status.PERMANENT, reason=str(exc)[:200])


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; accept both forms.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def _short(url: str) -> str:
    """A URL for a log line: host and path only (no query string)."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"[:120]


# --- assembly ------------------------------------------------------------------------------------


POOL_CONNECTIONS = 8  # connections per push Bot (see the module docstring)


def file_url(base_url: str) -> str:
    """Telegram serves files at /file/bot<token>/...; a base of ".../bot" maps to ".../file/bot"."""
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url


def push_bots(settings: Settings, token: str) -> list[Bot]:
    """The push Bots: ceil(concurrency / 8) connection pools, together one connection per
    concurrent push. Text sends time out after NEWSBOT_DELIVERY_TIMEOUT; photo uploads and
    fetches get NEWSBOT_DELIVERY_UPLOAD_TIMEOUT (per request, see `TelegramSender`)."""
    timeout = settings.delivery_timeout
    count = math.ceil(settings.delivery_concurrency / POOL_CONNECTIONS)
    size = math.ceil(settings.delivery_concurrency / count)
    base_url = settings.telegram_api_url
    return [
        Bot(token, base_url=base_url, base_file_url=file_url(base_url), request=HTTPXRequest(
            connection_pool_size=size,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            # Pushes never outnumber the connections, so waiting for one means trouble.
            pool_timeout=timeout,
            media_write_timeout=max(timeout, settings.delivery_upload_timeout),
        ))
        for _ in range(count)
    ]


def pacer_for(settings: Settings, shared: SharedSchedule | None = None) -> Pacer:
    """Telegram's limits as configured (paid broadcasts raise the global rate). Replies, edits
    and pushes share this one pacer, replies first; `shared`: the account's schedule shared
    with the other processes (PostgreSQL)."""
    rate = settings.paid_broadcast_rate if settings.paid_broadcast else settings.delivery_rate
    return Pacer(global_rate=rate, private_interval=settings.private_chat_interval,
                 group_per_minute=settings.group_messages_per_minute, shared=shared)
