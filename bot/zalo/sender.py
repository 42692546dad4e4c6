"""Zalo's `Sender`: the core's messages as Zalo API calls, Zalo's answers as channel-neutral
`SendOutcome`s, and the numbered choices each message leaves behind.

- Rendering (plain text, numbered choices, 2,000 characters) is `bot/render/zalo.py`; it needs
  the chat's language for the line that tells the reader to answer with a number, which is read
  from the database per message (a primary-key read; Zalo's pace is a few messages a second).
- A message with choices becomes the chat's numbered choices once it is sent (`remember`):
  "2" then means its second choice, until the next message with choices (SPEC 5a), also after a
  restart (stored, `storage/choices.py`).
- Zalo cannot edit a message: an edit goes out as a new message. The only edits that reach the
  sender are a broadcast's progress (the admin priority): one new message per `progress_gap`
  seconds at most, the first a gap after the progress message itself, so a long broadcast does
  not flood the admin's chat (the final report is a message of its own anyway). A
  conversation's own "edits" (a redrawn picker) are sent as new messages by
  `bot.zalo.incoming.ZaloConversation`.
- No pop-ups either: `answer` does nothing (the conversation sends the notice as a message).
- Errors: 429 "Quota exceeded" -> `RETRY_AFTER` after the throttle slowed down (the same message
  goes again); 403 (the reader blocked the bot) and a chat or user not found -> `CHAT_GONE`
  (marked inactive); a 400 about the photo -> `PHOTO_REJECTED` (the card goes as text); 401 (the
  token) and 5xx and network failures -> `TEMPORARY`; anything else -> `PERMANENT`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.delivery.outbound import SendOutcome, Status
from bot.delivery.pacing import Priority
from bot.message import ChatRef, Message, MessageRef, Text
from bot.render.zalo import CHANNEL, RenderCache
from bot.zalo.client import QUOTA_EXCEEDED, ZaloApiError, ZaloClient, ZaloNetworkError
from bot.zalo.throttle import Throttle

log = logging.getLogger(__name__)

Language = Callable[[ChatRef], Awaitable[str]]
Remember = Callable[[ChatRef, str | None, tuple[str, ...]], Awaitable[None]]

# 400 descriptions (lower case) meaning the chat cannot receive anything from the bot.
_CHAT_GONE_ERRORS = ("chat not found", "user not found", "blocked", "not a follower",
                     "user is not", "recipient")
# ... and meaning the platform could not use the photo it was given.
_PHOTO_ERRORS = ("photo", "image", "ảnh")
PROBE_TIMEOUT = 5.0  # seconds the outage guard's getMe may take


async def _no_memory(chat: ChatRef, message_id: str | None, actions: tuple[str, ...]) -> None:
    return None


class ZaloSender:
    """Sends the core's messages on one Zalo bot account; never raises per-recipient errors."""

    channel = CHANNEL

    def __init__(self, client: ZaloClient, *, language: Language, remember: Remember = _no_memory,
                 throttle: Throttle | None = None, progress_gap: float = 60.0,
                 cache_size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.language = language
        self.remember = remember
        self.throttle = throttle
        self.progress_gap = progress_gap
        self._render = RenderCache(cache_size)
        self._clock = clock
        # progress message id -> when it was last sent again (edits of a broadcast's progress).
        # Per process on purpose: the progress job runs in one process (the jobs' leader); when
        # another takes over, the admin gets at most one progress message early.
        self._progress_sent: OrderedDict[str, float] = OrderedDict()
        self.sent = 0  # messages sent (tests, benchmarks)

    # -- the Sender protocol --------------------------------------------------------------------

    async def send(self, chat: ChatRef, message: Message,
                   priority: Priority = Priority.BULK) -> SendOutcome:
        lang = await self.language(chat)
        rendered = self._render.render(message, lang)
        try:
            if rendered.photo is not None:
                result = await self.client.send_photo(chat.id, rendered.photo, rendered.text)
            else:
                result = await self.client.send_message(chat.id, rendered.text)
        except ZaloApiError as exc:
            return self._refused(exc, chat, photo=rendered.photo is not None)
        except ZaloNetworkError as exc:
            return SendOutcome(Status.TEMPORARY, reason=str(exc)[:200],
                               maybe_delivered=exc.after_sending)
        if self.throttle is not None:
            self.throttle.on_success()
        self.sent += 1
        message_id = result.get("message_id")
        sent_id = str(message_id) if message_id is not None else None
        if rendered.actions:
            try:
                await self.remember(chat, sent_id, rendered.actions)
            except Exception:  # the message is out: a lost memory must not make it resend
                log.exception("zalo: chat=%s choices not stored", chat)
        return SendOutcome(Status.SENT, message_id=sent_id, shown=rendered.text)

    async def edit(self, target: MessageRef, message: Message,
                   priority: Priority = Priority.REPLY) -> SendOutcome:
        if priority == Priority.ADMIN:
            now = self._clock()
            last = self._progress_sent.get(target.id)
            if last is None or now - last < self.progress_gap:
                # The first edit comes right after the message itself went out (the confirmed
                # broadcast's progress): nothing new to say yet.
                if last is None:
                    self._progress_sent[target.id] = now
                return SendOutcome(Status.SENT, message_id=target.id, shown=target.shown)
            self._progress_sent[target.id] = now
            self._progress_sent.move_to_end(target.id)
            if len(self._progress_sent) > 256:
                self._progress_sent.popitem(last=False)
        outcome = await self.send(target.chat, message, priority)
        if outcome.status is Status.SENT:
            # The message keeps its place for the core (a progress message stays the target).
            return SendOutcome(Status.SENT, message_id=target.id, shown=outcome.shown)
        return outcome

    async def answer(self, callback: str, text: Text, alert: bool) -> SendOutcome:
        return SendOutcome(Status.SENT)  # Zalo has no pop-ups: see ZaloConversation

    async def probe(self) -> bool:
        """Whether the Zalo Bot Platform answers at all (getMe, which concerns no chat): how the
        account's outage guard tells an outage of the API from a failure about one reader
        (bot/delivery/outage.py). Any answer but a server error is an answer."""
        try:
            await self.client.call("getMe", read_timeout=PROBE_TIMEOUT)
        except ZaloApiError as exc:
            return exc.code < 500
        except ZaloNetworkError as exc:
            log.debug("zalo: getMe failed (%s)", exc)
            return False
        return True

    # -- errors ---------------------------------------------------------------------------------

    def _refused(self, exc: ZaloApiError, chat: ChatRef, *, photo: bool) -> SendOutcome:
        code, text = exc.code, exc.description.lower()
        reason = f"{code} {exc.description}".strip()[:200]
        if code == QUOTA_EXCEEDED:
            wait = self.throttle.on_quota_exceeded() if self.throttle is not None else 1.0
            return SendOutcome(Status.RETRY_AFTER, retry_after=wait,
                               reason=f"quota exceeded: slowing down, retry after {wait:g} s")
        if code == 403:
            return SendOutcome(Status.CHAT_GONE, reason=reason)
        if code == 400 and photo and any(p in text for p in _PHOTO_ERRORS):
            return SendOutcome(Status.PHOTO_REJECTED, reason=reason)
        if code in (400, 404) and any(p in text for p in _CHAT_GONE_ERRORS):
            return SendOutcome(Status.CHAT_GONE, reason=reason)
        if code == 401:
            # Nothing can be sent: back off like a network failure and say it loudly.
            log.error("zalo: the bot token is refused (401); check NEWSBOT_ZALO_BOT_TOKEN")
            return SendOutcome(Status.TEMPORARY, reason="zalo: invalid token")
        if code >= 500 or code == 408:
            return SendOutcome(Status.TEMPORARY, reason=reason)
        log.warning("zalo: chat=%s message refused: %s", chat, reason)
        return SendOutcome(Status.PERMANENT, reason=reason)
