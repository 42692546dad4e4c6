"""Telegram's `Sender` for the delivery worker (python-telegram-bot), and the worker's assembly.

The worker has its *own* `telegram.Bot`s with their own HTTPX connection pools: a push of 100,000
messages never occupies the connections that command replies use (those go through the
Application's bot), so a reply is never queued behind a push (SPEC section 11).

Why several Bots: httpcore's connection pool does work proportional to its number of
connections on every request event, so one pool of 32 connections costs noticeably more CPU per
message than four pools of 8 (bench/fanout.py measures it: a bare `send_photo` loop at
concurrency 32 is ~40% faster over four pools). Each send takes the least busy Bot, so no pool
ever has more requests than connections.

Telegram's answers become channel-neutral `SendOutcome`s. The order of the `except` clauses
matters: in python-telegram-bot, `BadRequest` and `TimedOut` are subclasses of `NetworkError`,
and `RetryAfter`/`ChatMigrated` are raised from the answer's ``parameters`` whatever its status.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import math
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram import LinkPreviewOptions as _LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
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
from bot.delivery.compose import Composer
from bot.delivery.pacing import Pacer
from bot.delivery.worker import (
    DeliveryWorker,
    Keyboard,
    OutMessage,
    SendOutcome,
    Status,
    WorkerConfig,
)
from bot.localfiles import read_photo
from storage.db import Database

log = logging.getLogger(__name__)

_NO_PREVIEW = _LinkPreviewOptions(is_disabled=True)

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
# The chat refuses photos only (a group's member permissions).
_NO_PHOTO_ERRORS = ("not enough rights to send photos", "chat_send_photos_forbidden")

# httpx errors after which the request had been sent: the message may have been delivered.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                  httpx.RemoteProtocolError)


class TelegramSender:
    """Sends `OutMessage`s with python-telegram-bot `Bot`s; never raises per-recipient errors."""

    def __init__(self, bots: Sequence[Bot], *, markup_cache: int = 256) -> None:
        if not bots:
            raise ValueError("at least one Bot")
        self.bots = list(bots)
        self._busy = [0] * len(self.bots)  # requests in flight per Bot (per connection pool)
        self._markups: OrderedDict[Keyboard, InlineKeyboardMarkup | None] = OrderedDict()
        self._markup_cache = markup_cache

    async def send(self, chat_id: int, message: OutMessage) -> SendOutcome:
        busy = self._busy
        index = busy.index(min(busy))
        busy[index] += 1
        try:
            return await self._classified(self.bots[index], chat_id, message)
        finally:
            busy[index] -= 1

    async def _classified(self, bot: Bot, chat_id: int, message: OutMessage) -> SendOutcome:
        try:
            return await self._send(bot, chat_id, message)
        except RetryAfter as exc:
            return SendOutcome(Status.RETRY_AFTER, reason=str(exc),
                               retry_after=_seconds(exc))
        except ChatMigrated as exc:
            return SendOutcome(Status.MIGRATED, reason=str(exc), new_chat_id=int(exc.new_chat_id))
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
        except InvalidToken as exc:
            # Nothing can be sent; back off like a network failure and say it loudly.
            log.error("delivery: Telegram refuses the bot token (%s)", type(exc).__name__)
            return SendOutcome(Status.TEMPORARY, reason="invalid token")
        except TelegramError as exc:
            return SendOutcome(Status.PERMANENT, reason=str(exc)[:200])

    async def _send(self, bot: Bot, chat_id: int, message: OutMessage) -> SendOutcome:
        markup = self._markup(message.buttons)
        if message.photo is None:
            sent = await bot.send_message(
                chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=markup,
                disable_notification=message.silent, link_preview_options=_NO_PREVIEW)
            return SendOutcome(Status.SENT, message_id=sent.message_id)
        photo: str | InputFile = message.photo.ref
        if message.photo.kind == "file":
            path = Path(message.photo.ref)
            try:
                # Only a file of an archive folder, never any other local path (bot/localfiles).
                content = await asyncio.to_thread(read_photo, message.photo.ref)
            except OSError as exc:
                return SendOutcome(Status.PHOTO_REJECTED,
                                   reason=f"cannot read {path.name}: {exc.strerror or exc}")
            photo = InputFile(content, filename=path.name)
        sent = await bot.send_photo(
            chat_id, photo, caption=message.text, parse_mode=ParseMode.HTML, reply_markup=markup,
            disable_notification=message.silent)
        file_id = sent.photo[-1].file_id if sent.photo else None
        return SendOutcome(Status.SENT, message_id=sent.message_id, photo_file_id=file_id)

    def _markup(self, buttons: Keyboard) -> InlineKeyboardMarkup | None:
        """The inline keyboard, built once per distinct keyboard (a push reuses one)."""
        if not buttons:
            return None
        markup = self._markups.get(buttons)
        if markup is None:
            markup = InlineKeyboardMarkup([
                [InlineKeyboardButton(b.text, url=b.url, callback_data=b.callback_data)
                 for b in row]
                for row in buttons
            ])
            self._markups[buttons] = markup
            if len(self._markups) > self._markup_cache:
                self._markups.popitem(last=False)
        return markup


def _bad_request(exc: BadRequest, message: OutMessage) -> SendOutcome:
    text = str(exc).lower()
    if message.photo is not None and any(p in text for p in _PHOTO_ERRORS):
        return SendOutcome(Status.PHOTO_REJECTED, reason=str(exc))
    if message.photo is not None and any(p in text for p in _NO_PHOTO_ERRORS):
        return SendOutcome(Status.NO_PHOTO_HERE, reason=str(exc))
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


# --- assembly ------------------------------------------------------------------------------------


POOL_CONNECTIONS = 8  # connections per push Bot (see the module docstring)


def push_bots(settings: Settings, token: str) -> list[Bot]:
    """The worker's own Bots: ceil(concurrency / 8) connection pools, together one connection
    per concurrent send."""
    timeout = settings.delivery_timeout
    count = math.ceil(settings.delivery_concurrency / POOL_CONNECTIONS)
    size = math.ceil(settings.delivery_concurrency / count)
    base_url = settings.telegram_api_url
    file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url
    return [
        Bot(token, base_url=base_url, base_file_url=file_url, request=HTTPXRequest(
            connection_pool_size=size,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            # Sends never outnumber the connections, so waiting for one means trouble.
            pool_timeout=timeout,
            media_write_timeout=max(timeout, 20.0),
        ))
        for _ in range(count)
    ]


# Command replies share Telegram's overall limit with pushes but are never queued behind them
# (they go through the Application's bot), so pushes leave them this many messages per second.
REPLY_RESERVE = 1.0


def pacer_for(settings: Settings) -> Pacer:
    """Telegram's limits as configured (paid broadcasts raise the global rate).

    The push uses the configured rate minus `REPLY_RESERVE` (30/s -> 29/s): at the full rate a
    reply sent during a push would push the overall count over the limit and get a 429.
    """
    rate = settings.paid_broadcast_rate if settings.paid_broadcast else settings.delivery_rate
    return Pacer(global_rate=max(rate - REPLY_RESERVE, rate / 2),
                 private_interval=settings.private_chat_interval,
                 group_per_minute=settings.group_messages_per_minute)


class TelegramDelivery(DeliveryWorker):
    """The delivery worker on Telegram: owns its Bots (initialised on start, shut down on stop).

    It shares the application's database connection: SQLite allows one writer at a time anyway,
    and a second connection would break the code that reads and writes through the shared one
    (a read in progress there pins an old snapshot, and its next write transaction then fails at
    once with "database is locked" whenever another connection committed meanwhile).
    """

    def __init__(self, settings: Settings, db: Database, token: str) -> None:
        self.bots = push_bots(settings, token)
        self.composer = Composer(db, settings.tz, public_url=settings.public_url)
        config = WorkerConfig(
            concurrency=settings.delivery_concurrency,
            max_attempts=settings.delivery_max_attempts,
            retry_base=settings.delivery_retry_base,
        )
        super().__init__(db, TelegramSender(self.bots), self.composer, pacer_for(settings),
                         tz=settings.tz, config=config)

    async def start(self) -> None:
        await asyncio.gather(*(bot.initialize() for bot in self.bots))
        await super().start()

    async def stop(self, grace: float = 5.0) -> None:
        try:
            await super().stop(grace)
        finally:
            await asyncio.gather(*(bot.shutdown() for bot in self.bots))
