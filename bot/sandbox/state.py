"""Everything the sandbox remembers, and the in-process control API over it.

Owns users, chats, messages (current content, for edits and callbacks), pending updates and
long polling, the log of what the bot sent, uploaded/known photos, commands, faults and the
call/error/rate statistics. ``bot.sandbox.api`` implements the Bot API methods on top of it and
``bot.sandbox.server`` exposes both over HTTP; tests and the terminal demo use this class
directly (``post_message``, ``press_button``, ``sent``, ``wait_sent``...).

Simplifications, all deliberate:

* Leniency about chats: the bot may send to any chat id it has never seen and the chat is created
  on the spot (a positive id is a private chat with the user of that id, a negative one a group,
  ``-100...`` a supergroup). Real Telegram answers "Bad Request: chat not found" (or "Forbidden: bot
  can't initiate conversation with a user"); the sandbox allows it so benchmarks can push to
  100,000 made-up subscribers. A chat still in its default state is not even stored (``chat``
  builds it on demand); it is stored once a user writes in it or the control API changes it.
  ``getChatMember`` likewise calls anyone not among a group's admins a "member".
* Message ids come from one global counter rather than one per chat, so a message id alone finds
  a message (O(1)) and ids never repeat, not even across ``reset()``.
* Update ids, message ids and sent sequence numbers are never rewound, not even by ``reset()``:
  a running bot keeps its getUpdates offset and a client keeps its ``after=`` cursor.
* Repeated content is shared: a push's caption, keyboard and parsed HTML exist once, however
  many chats receive them (see ``intern``, ``params._JSON_CACHE``, ``parse_text``), so records
  stay at a few hundred bytes each. Shared values are read-only; ``sent()`` hands out copies.
* Webhooks: after setWebhook, ``bot.sandbox.webhook`` POSTs each queued update to the URL (see
  there); http:// URLs and any port are accepted, as by a local Bot API server.
* Not simulated: inline mode,
  answering a callback query late, Markdown validation, photo dimensions, "@username" chat ids.
* Everything lives in memory, in one process; nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import bisect
import copy as copy_module
import functools
import hashlib
import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import DEFAULT_DESCRIPTIONS, ApiError
from bot.sandbox.html_check import ParsedText, command_entities, parse_html, plain
from bot.sandbox.limits import RateTracker
from bot.sandbox.recording import RequestRecorder

# Telegram's default allowed_updates: everything except these three must be asked for.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# A supergroup's id is -100 followed by the group's id.
_SUPERGROUP_BELOW = -1_000_000_000_000
# Dimensions reported for every photo: the sandbox never decodes images.
_PHOTO_SIZES = ((90, 68, "s"), (1280, 960, "y"))
MAX_POLL_TIMEOUT = 60.0


class ControlError(ValueError):
    """A control call that cannot be done (unknown message, contradictory chat type...)."""


@dataclass(slots=True)
class User:
    """A (fake) Telegram user the sandbox has seen."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass(slots=True)
class Chat:
    """A chat and the switches the control API flips on it."""

    id: int
    type: str  # "private", "group", "supergroup" or "channel"
    title: str | None = None
    blocked: bool = False
    deactivated: bool = False
    kicked: bool = False
    left: bool = False
    migrate_to: int | None = None
    admins: tuple[int, ...] = ()  # the first one is the creator
    is_forum: bool = False  # a supergroup with topics (someone wrote in a topic)
    bot_status: str | None = None  # the bot's own status, once a control call set it

    def summary(self) -> dict[str, Any]:
        """The control API's view of the chat."""
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "is_forum": self.is_forum,
            "member": self.bot_status,
            "blocked": self.blocked,
            "deactivated": self.deactivated,
            "kicked": self.kicked,
            "left": self.left,
            "migrate_to": self.migrate_to,
            "admins": list(self.admins),
        }


@dataclass(slots=True)
class Record:
    """One message version: a line of the sent log and/or the current content of a message.

    ``messages[message_id]`` points at the latest version (the send, then each edit), and the
    sent log holds every version the bot produced, so one compact object serves both.
    Users' messages are records too (``from_user`` set, ``seq`` 0, not in the sent log).
    """

    seq: int
    method: str
    chat_id: int
    message_id: int | None
    date: int
    text: str | None = None
    caption: str | None = None
    photo: str | None = None  # as the bot gave it: URL, file_id or "upload:<filename>"
    photo_file_id: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    disable_notification: bool | None = None
    from_user: int | None = None  # None: the bot
    edit_date: int | None = None
    extra: dict[str, Any] | None = None
    thread_id: int | None = None  # the forum topic it is in (message_thread_id)

    def to_dict(self, *, copy: bool = False) -> dict[str, Any]:
        """The /sandbox/sent view of this record.

        The reply_markup is shared with other records (decoded once per distinct keyboard);
        `copy` gives the caller its own, for in-process callers that might modify it.
        """
        markup = self.reply_markup
        if copy and markup is not None:
            markup = copy_module.deepcopy(markup)
        row: dict[str, Any] = {
            "seq": self.seq,
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "method": self.method,
            "text": self.text,
            "caption": self.caption,
            "photo": self.photo,
            "parse_mode": self.parse_mode,
            "reply_markup": markup,
            "disable_notification": bool(self.disable_notification),
            "message_thread_id": self.thread_id,
            "date": self.date,
        }
        if self.photo_file_id is not None:
            row["photo_file_id"] = self.photo_file_id
        if self.extra:
            for key, value in self.extra.items():
                row.setdefault(key, value)
        return row


@dataclass(slots=True)
class PhotoFile:
    """A photo the sandbox has "stored", under the file ids it handed out."""

    number: int
    source: str
    file_size: int
    # Stored once: every message with this photo refers to this one string.
    largest_file_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.largest_file_id = self.file_id(_PHOTO_SIZES[-1][2])

    def file_id(self, size: str) -> str:
        """The file_id of one of the photo's sizes."""
        return f"sbx-photo-{self.number}-{size}"

    def sizes(self) -> list[dict[str, Any]]:
        """The PhotoSize array of a Message, smallest first as Telegram sends it."""
        return [
            {
                "file_id": self.file_id(tag),
                "file_unique_id": f"sbxu{self.number}{tag}",
                "width": width,
                "height": height,
                "file_size": max(1, self.file_size * width // 1280),
            }
            for width, height, tag in _PHOTO_SIZES
        ]


@dataclass(slots=True)
class Fault:
    """An injected failure for the next `times` matching calls."""

    id: int
    method: str  # lower-case Bot API method name, or "*" for any
    status: int  # 0: no answer at all (the connection is dropped after `delay`)
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None
    delay: float

    def summary(self) -> dict[str, Any]:
        """The control API's view of the fault."""
        return {
            "id": self.id,
            "method": self.method,
            "status": self.status,
            "description": self.description,
            "retry_after": self.retry_after,
            "times": self.times,
            "chat_id": self.chat_id,
            "delay": self.delay,
        }


@dataclass(slots=True)
class Webhook:
    """What setWebhook set: where updates go, the secret header, parallel connections."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(slots=True)
class CallbackRef:
    """What an unanswered callback query was about."""

    chat_id: int
    message_id: int
    user_id: int


def default_chat_type(chat_id: int) -> str:
    """The chat type an id implies when nothing else says: Telegram's id ranges."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= _SUPERGROUP_BELOW else "group"


# A push sends one caption to every subscriber: parse it once. Results are shared, read-only.
_parse_html_cached = functools.lru_cache(maxsize=1024)(parse_html)


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Visible text and entities of `text` sent with `parse_mode` (HTML is checked)."""
    if parse_mode == "HTML":
        return _parse_html_cached(text)
    return plain(text)


class SandboxState:
    """The fake Telegram's memory; one instance per Sandbox."""

    def __init__(
        self,
        *,
        flood_limits: bool = False,
        bot_username: str = "newsbot_sandbox_bot",
        bot_first_name: str = "Newsbot",
        record_requests: bool = False,
    ) -> None:
        self.flood_limits = flood_limits
        # Opt-in: every request body byte for byte (bot/sandbox/recording.py).
        self.recorder = RequestRecorder(enabled=record_requests)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = 1  # replaced by the id in the token of the latest Bot API call
        # Never rewound (see the module docstring).
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._fault_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._next_seq = 1
        self._poll_generation = 0
        self._update_event: asyncio.Event | None = None
        self._sent_event: asyncio.Event | None = None
        self._closing = False
        self._clear()

    def _clear(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, Record] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.allowed_updates: frozenset[str] | None = None
        # Sent records in seq order; _sent[i].seq == _sent_base + i + 1 (seq has no gaps).
        self._sent: list[Record] = []
        self._sent_base = self._next_seq - 1
        # One record per chat is stored bare, a list only from the second on (memory: most
        # chats of a big push get exactly one message).
        self._sent_by_chat: dict[int, Record | list[Record]] = {}
        self.files: dict[str, PhotoFile] = {}
        self._photos_by_key: dict[str, PhotoFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook: Webhook | None = None
        self.webhook_posts = 0  # POSTs answered 2xx
        self.webhook_failures = 0  # POSTs answered otherwise, or not at all
        self.faults: list[Fault] = []
        self.callbacks: dict[str, CallbackRef] = {}
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.updates_total = 0
        self.updates_dropped = 0
        self.rates = RateTracker()
        self._strings: dict[str, str] = {}

    # ----------------------------------------------------------------- lifecycle

    def reset(self) -> None:
        """Forget everything (chats, messages, updates, sent log, faults, stats, commands).

        Counters go on from where they were, so a bot polling across a reset keeps working.
        """
        self._clear()
        self.recorder.clear()

    def open(self) -> None:
        """Accept waiters again (after ``close``)."""
        self._closing = False

    def close(self) -> None:
        """Release every long poll and ``wait_sent`` at once (the server is stopping)."""
        self._closing = True
        self._notify_updates()
        self._notify_sent()

    # ----------------------------------------------------------------- small helpers

    def now(self) -> float:
        """Monotonic time for rate windows."""
        return time.monotonic()

    def intern(self, text: str) -> str:
        """One shared copy of a repeated string.

        A push sends the same caption to 100,000 chats; each request decodes its own copy,
        and keeping one instead of 100,000 saves most of the sent log's memory. Bounded so
        distinct texts do not make the cache itself grow without limit.
        """
        cached = self._strings.get(text)
        if cached is not None:
            return cached
        if len(self._strings) >= 4096:
            self._strings.clear()
        self._strings[text] = text
        return text

    def bot_user(self) -> dict[str, Any]:
        """The bot as a User object (``getMe`` adds the capability flags)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(self, user_id: int) -> User:
        """A user by id; users the sandbox has not met get a made-up name."""
        known = self.users.get(user_id)
        return known if known is not None else User(user_id, f"User {user_id}")

    def chat(self, chat_id: int) -> Chat:
        """The chat with this id; one never seen is a chat in its default state.

        Default chats are not stored: a push to 100,000 made-up subscribers would otherwise
        keep 100,000 objects that say nothing. ``ensure_chat`` stores one when it changes.
        """
        chat = self.chats.get(chat_id)
        if chat is None:
            return self._new_chat(chat_id, None)
        return chat

    def ensure_chat(self, chat_id: int, chat_type: str | None = None) -> Chat:
        """The stored chat with this id, created (leniently, see the module docstring) if new."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self._new_chat(chat_id, chat_type)
            self.chats[chat_id] = chat
        return chat

    @staticmethod
    def _new_chat(chat_id: int, chat_type: str | None) -> Chat:
        kind = chat_type or default_chat_type(chat_id)
        return Chat(chat_id, kind, None if kind == "private" else f"Group {abs(chat_id)}")

    def chat_dict(self, chat: Chat) -> dict[str, Any]:
        """The Bot API Chat object."""
        if chat.type == "private":
            user = self.user(chat.id)
            result: dict[str, Any] = {
                "id": chat.id,
                "type": "private",
                "first_name": user.first_name,
            }
            if user.username:
                result["username"] = user.username
            return result
        result = {"id": chat.id, "type": chat.type,
                  "title": chat.title or f"Group {abs(chat.id)}"}
        if chat.is_forum:
            result["is_forum"] = True
        return result

    def next_message_id(self) -> int:
        """A fresh message id (global counter)."""
        return next(self._message_ids)

    # ----------------------------------------------------------------- messages

    def message_dict(
        self,
        record: Record,
        *,
        text: ParsedText | None = None,
        caption: ParsedText | None = None,
        with_reply: bool = True,
    ) -> dict[str, Any]:
        """The Bot API Message object for a record's content.

        `text`/`caption` pass the already parsed content when the caller has it, so a send
        parses its HTML once.
        """
        chat = self.chat(record.chat_id)
        message: dict[str, Any] = {
            "message_id": record.message_id,
            "date": record.date,
            "chat": self.chat_dict(chat),
        }
        if record.from_user is None:
            message["from"] = self.bot_user()
        else:
            message["from"] = self.user(record.from_user).to_dict()
        if record.thread_id is not None:
            message["message_thread_id"] = record.thread_id
            message["is_topic_message"] = True
        if record.edit_date is not None:
            message["edit_date"] = record.edit_date
        extra = record.extra or {}
        if record.text is not None:
            parsed = text or self._parsed(record.text, record.parse_mode, extra.get("entities"))
            message["text"] = parsed.text
            entities = parsed.entities or extra.get("entities")
            if entities:
                message["entities"] = list(entities)
        if record.photo_file_id is not None:
            photo = self.files.get(record.photo_file_id)
            if photo is not None:
                message["photo"] = photo.sizes()
        if extra.get("document"):
            message["document"] = dict(extra["document"])
        if record.caption:
            parsed = caption or self._parsed(
                record.caption, record.parse_mode, extra.get("caption_entities")
            )
            message["caption"] = parsed.text
            entities = parsed.entities or extra.get("caption_entities")
            if entities:
                message["caption_entities"] = list(entities)
        # Telegram only echoes inline keyboards back in a Message.
        if record.reply_markup and "inline_keyboard" in record.reply_markup:
            message["reply_markup"] = record.reply_markup
        reply_to = extra.get("reply_to_message_id")
        if with_reply and reply_to is not None:
            target = self.messages.get(reply_to)
            if target is not None:
                message["reply_to_message"] = self.message_dict(target, with_reply=False)
        return message

    @staticmethod
    def _parsed(text: str, parse_mode: str | None, entities: Any) -> ParsedText:
        if entities:
            return plain(text)
        try:
            return parse_text(text, parse_mode)
        except ValueError:
            return plain(text)

    def parsed_content(self, record: Record) -> tuple[ParsedText | None, ParsedText | None]:
        """(text, caption) of a record as Telegram holds them, for "not modified" checks."""
        extra = record.extra or {}
        text = (
            self._parsed(record.text, record.parse_mode, extra.get("entities"))
            if record.text is not None
            else None
        )
        caption = (
            self._parsed(record.caption, record.parse_mode, extra.get("caption_entities"))
            if record.caption
            else None
        )
        return text, caption

    def add_sent(self, record: Record) -> Record:
        """Append a bot action to the sent log (assigns its seq) and wake ``wait_sent``."""
        record.seq = self._next_seq
        self._next_seq += 1
        self._sent.append(record)
        by_chat = self._sent_by_chat.get(record.chat_id)
        if by_chat is None:
            self._sent_by_chat[record.chat_id] = record
        elif isinstance(by_chat, Record):
            self._sent_by_chat[record.chat_id] = [by_chat, record]
        else:
            by_chat.append(record)
        self._notify_sent()
        return record

    def admit(self, chat_id: int) -> None:
        """Count one rate-limited message to `chat_id`; with flood limits, 429 when over."""
        now = self.now()
        if self.flood_limits:
            retry_after = self.rates.retry_after(chat_id, now)
            if retry_after is not None:
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        self.rates.record(chat_id, now)

    # ----------------------------------------------------------------- photos

    def photo_for_key(self, key: str, size: int) -> PhotoFile:
        """The stored photo for a URL or an upload's content hash, created on first use."""
        photo = self._photos_by_key.get(key)
        if photo is None:
            photo = PhotoFile(next(self._file_numbers), key, size)
            self._photos_by_key[key] = photo
            for _, _, tag in _PHOTO_SIZES:
                self.files[photo.file_id(tag)] = photo
        return photo

    def photo_for_upload(self, content: bytes) -> PhotoFile:
        """The stored photo for uploaded bytes (the same bytes give the same photo)."""
        digest = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        return self.photo_for_key(f"upload:{digest}", len(content))

    # ----------------------------------------------------------------- updates

    def _notify_updates(self) -> None:
        event = self._update_event
        if event is not None:
            self._update_event = None
            event.set()

    def _notify_sent(self) -> None:
        event = self._sent_event
        if event is not None:
            self._sent_event = None
            event.set()

    def _update_waiter(self) -> asyncio.Event:
        if self._update_event is None:
            self._update_event = asyncio.Event()
        return self._update_event

    def _sent_waiter(self) -> asyncio.Event:
        if self._sent_event is None:
            self._sent_event = asyncio.Event()
        return self._sent_event

    def updates_changed(self) -> asyncio.Event:
        """An event set at the next change of the update queue or of the webhook."""
        return self._update_waiter()

    @property
    def webhook_url(self) -> str:
        return self.webhook.url if self.webhook is not None else ""

    def set_webhook(self, webhook: Webhook | None, *, drop_pending: bool = False) -> None:
        """setWebhook (None: deleteWebhook); a waiting getUpdates ends with 409 Conflict."""
        self.webhook = webhook
        if drop_pending:
            self.updates.clear()
        self._notify_updates()

    def webhook_delivered(self, update_id: int) -> None:
        """The webhook answered 2xx for this update: it is gone from the queue."""
        self.webhook_posts += 1
        for index, update in enumerate(self.updates):
            if update["update_id"] == update_id:
                del self.updates[index]
                break
        self._notify_updates()

    def webhook_failed(self, message: str) -> None:
        """The webhook did not take an update (getWebhookInfo reports the last error)."""
        self.webhook_failures += 1
        if self.webhook is not None:
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = message
        self._notify_updates()

    def _allowed(self, update_type: str) -> bool:
        if self.allowed_updates is None:
            return update_type not in _OPT_IN_UPDATES
        return update_type in self.allowed_updates

    def enqueue_update(self, update: dict[str, Any]) -> int:
        """Give `update` the next update_id and queue it for getUpdates; returns the id.

        As on Telegram, an update of a type the bot's ``allowed_updates`` excludes is not
        queued at all (it still consumes an id).
        """
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        self.updates_total += 1
        update_type = next((key for key in update if key != "update_id"), "")
        if not self._allowed(update_type):
            self.updates_dropped += 1
            return update_id
        self.updates.append(update)
        self._notify_updates()
        return update_id

    def _confirm(self, offset: int | None) -> None:
        updates = self.updates
        if not offset:
            return
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        else:
            # A negative offset keeps only the last -offset updates.
            while len(updates) > -offset:
                updates.popleft()

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        wait: float | None = None,
        allowed_updates: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then answer at once or wait up to `wait` seconds.

        A newer getUpdates call ends a waiting one with 409 Conflict, as Telegram does when two
        bot instances poll the same token.
        """
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # wake an older poll so it can see it was superseded
        if allowed_updates is not None:
            self.allowed_updates = frozenset(allowed_updates) if allowed_updates else None
        self._confirm(offset)
        count = min(max(limit or 100, 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(wait or 0.0, 0.0), MAX_POLL_TIMEOUT)
        while True:
            if self.updates:
                return list(itertools.islice(self.updates, count))
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            try:
                await asyncio.wait_for(self._update_waiter().wait(), remaining)
            except TimeoutError:
                return []
            if self.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    # ----------------------------------------------------------------- control: users act

    def post_message(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str | None = None,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        photo: bool = False,
        reply_to_message_id: int | None = None,
        chat_title: str | None = None,
        thread_id: int | None = None,
    ) -> tuple[int, int]:
        """A user writes to the bot; returns (update_id, message_id).

        `chat_id` defaults to the user's private chat. `chat_type` defaults to the existing
        chat's type, else to what the id implies (negative: group, -100...: supergroup).
        With `photo`, the user sends a photo and `text` is its caption. Writing in a private
        chat unblocks the bot, as pressing "Restart" does on Telegram. `thread_id`: the user
        writes in that topic of a forum supergroup (the chat becomes a forum).
        (A channel post has no user: ``bot.sandbox.channels.post_channel_post``.)
        """
        if chat_id is None:
            chat_id = user_id
        existing = self.chats.get(chat_id)
        kind = chat_type or (existing.type if existing else default_chat_type(chat_id))
        if kind == "private" and chat_id != user_id:
            raise ControlError("a private chat's id is its user's id")
        if kind != "private" and chat_id > 0:
            raise ControlError("group and channel ids are negative")
        if existing is not None and existing.migrate_to is not None:
            raise ControlError(f"chat {chat_id} was migrated to {existing.migrate_to}")
        if existing is not None and existing.type == "private" and existing.deactivated:
            raise ControlError(f"user {user_id} is deactivated")
        if not text and not photo:
            raise ControlError("text is empty")
        if thread_id is not None and (kind != "supergroup" or thread_id <= 0):
            raise ControlError("topics (thread_id > 0) exist only in supergroups")
        if reply_to_message_id is not None:
            target = self.messages.get(reply_to_message_id)
            if target is None or target.chat_id != chat_id:
                raise ControlError(f"message {reply_to_message_id} not found in chat {chat_id}")
        # Checked; from here on nothing fails.
        user = self.users.get(user_id)
        if user is None:
            user = User(user_id, first_name or f"User {user_id}", username, language_code)
            self.users[user_id] = user
        else:
            user.first_name = first_name or user.first_name
            user.username = username or user.username
            user.language_code = language_code or user.language_code
        chat = self.ensure_chat(chat_id, kind)
        if chat_title:
            chat.title = chat_title
        if thread_id is not None:
            chat.is_forum = True
        if chat.type == "private":
            chat.blocked = False
        extra: dict[str, Any] = {}
        if reply_to_message_id is not None:
            extra["reply_to_message_id"] = reply_to_message_id
        record = Record(0, "message", chat_id, self.next_message_id(), int(time.time()))
        record.from_user = user_id
        record.thread_id = thread_id
        if photo:
            picture = self.photo_for_key(f"user-photo:{record.message_id}", 50_000)
            record.photo_file_id = picture.largest_file_id
            record.photo = record.photo_file_id
            if text:
                record.caption = text
                extra["caption_entities"] = command_entities(text)
        else:
            record.text = text
            entities = command_entities(text)
            if entities:
                extra["entities"] = entities
        record.extra = {key: value for key, value in extra.items() if value} or None
        assert record.message_id is not None
        self.messages[record.message_id] = record
        update_id = self.enqueue_update({"message": self.message_dict(record)})
        return update_id, record.message_id

    def press_button(
        self, user_id: int, message_id: int, data: str, chat_id: int | None = None
    ) -> int:
        """A user presses an inline button carrying `data` under message `message_id`.

        The data is not checked against the keyboard: a client can send any data (bots must
        cope), and tests use that to try forged callbacks.
        """
        update_id, _ = self.press_button_with_id(user_id, message_id, data, chat_id)
        return update_id

    def press_button_with_id(
        self, user_id: int, message_id: int, data: str, chat_id: int | None = None
    ) -> tuple[int, str]:
        """Like ``press_button``, also returning the callback query id."""
        record = self.messages.get(message_id)
        if record is None or (chat_id is not None and record.chat_id != chat_id):
            raise ControlError(f"message {message_id} not found")
        if user_id not in self.users:
            self.users[user_id] = User(user_id, f"User {user_id}")
        query_id = f"cbq{next(self._query_ids)}"
        query = {
            "id": query_id,
            "from": self.users[user_id].to_dict(),
            "message": self.message_dict(record),
            "chat_instance": f"ci{record.chat_id}",
            "data": data,
        }
        self.callbacks[query_id] = CallbackRef(record.chat_id, message_id, user_id)
        return self.enqueue_update({"callback_query": query}), query_id

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue any raw Update (its update_id is replaced); returns the update_id."""
        if not isinstance(update, dict) or not any(key != "update_id" for key in update):
            raise ControlError("an update needs one field besides update_id")
        return self.enqueue_update(dict(update))

    # ----------------------------------------------------------------- control: chats, faults

    def set_chat(
        self,
        chat_id: int,
        *,
        blocked: bool | None = None,
        deactivated: bool | None = None,
        kicked: bool | None = None,
        left: bool | None = None,
        migrate_to: int | None = None,
        admins: list[int] | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Flip a chat's switches; returns the chat's summary.

        `migrate_to` turns a group into the supergroup `migrate_to` (created, with the same
        admins and title) and queues the two service messages Telegram sends.
        """
        chat = self.ensure_chat(chat_id)
        if blocked is not None:
            chat.blocked = blocked
        if deactivated is not None:
            chat.deactivated = deactivated
        if kicked is not None:
            chat.kicked = kicked
        if left is not None:
            chat.left = left
        if title is not None:
            chat.title = title
        if admins is not None:
            if chat.type == "private":
                raise ControlError("a private chat has no admins")
            chat.admins = tuple(admins)
        if migrate_to is not None:
            self._migrate(chat, migrate_to)
        return chat.summary()

    def _migrate(self, chat: Chat, new_id: int) -> None:
        if chat.type != "group":
            raise ControlError("only a (basic) group can be upgraded to a supergroup")
        if new_id >= 0 or new_id == chat.id:
            raise ControlError("migrate_to must be another, negative chat id")
        chat.migrate_to = new_id
        new_chat = self.ensure_chat(new_id, "supergroup")
        new_chat.title = chat.title
        new_chat.admins = chat.admins
        now = int(time.time())
        sender = chat.admins[0] if chat.admins else None
        for where, key, value in (
            (chat.id, "migrate_to_chat_id", new_id),
            (new_id, "migrate_from_chat_id", chat.id),
        ):
            service: dict[str, Any] = {
                "message_id": self.next_message_id(),
                "date": now,
                "chat": self.chat_dict(self.chats[where]),
                key: value,
            }
            if sender is not None:
                service["from"] = self.user(sender).to_dict()
            self.enqueue_update({"message": service})

    def add_fault(
        self,
        method: str,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
        delay: float = 0.0,
    ) -> int:
        """Make the next `times` calls of `method` (``"*"``: any) fail; returns the fault id.

        `status` 200 only delays a call that then runs normally; `status` 0 answers nothing
        and drops the connection after `delay` (a network failure); other statuses answer
        Telegram's error JSON after `delay`. A 429 always carries ``retry_after`` (default 1).
        """
        if times < 1:
            raise ControlError("times must be at least 1")
        if status != 0 and not 200 <= status <= 599:
            raise ControlError("status must be 0 or an HTTP status")
        if delay < 0:
            raise ControlError("delay must not be negative")
        if status == 429:
            retry_after = max(1, retry_after or 1)
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        fault = Fault(
            next(self._fault_ids),
            method.lower(),
            status,
            description,
            retry_after,
            times,
            chat_id,
            delay,
        )
        self.faults.append(fault)
        return fault.id

    def take_fault(self, method: str, chat_id: Any) -> Fault | None:
        """The first fault matching this call, with one use counted down; None if none."""
        if not self.faults:
            return None
        lowered = method.lower()
        for fault in self.faults:
            if fault.method not in ("*", lowered):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    # ----------------------------------------------------------------- control: reading

    @property
    def last_seq(self) -> int:
        """The seq of the latest sent record (0 before any)."""
        return self._next_seq - 1

    def sent(
        self, chat_id: int | None = None, after: int = 0, method: str | None = None,
        thread_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """What the bot sent, in order, with seq > `after` (optionally one chat / one method /
        one forum topic)."""
        return [record.to_dict(copy=True)
                for record in self.sent_records(chat_id, after, method, thread_id)]

    def sent_records(
        self, chat_id: int | None = None, after: int = 0, method: str | None = None,
        thread_id: int | None = None,
    ) -> list[Record]:
        """The records behind ``sent``, uncopied: for serialising at once, not for keeping.

        O(k) in the records returned: seqs are contiguous in the log (an index), and per-chat
        lists are searched by bisection.
        """
        if chat_id is None:
            start = max(0, after - self._sent_base)
            records: list[Record] = self._sent[start:]
        else:
            found = self._sent_by_chat.get(chat_id)
            chat_records = [found] if isinstance(found, Record) else (found or [])
            start = bisect.bisect_right(chat_records, after, key=lambda r: r.seq)
            records = chat_records[start:]
        if method is not None:
            lowered = method.lower()
            records = [r for r in records if r.method.lower() == lowered]
        if thread_id is not None:
            records = [r for r in records if r.thread_id == thread_id]
        return records

    # The terminal demo's API takes a deadline and returns [] on expiry, not a cancel scope.
    async def wait_sent(
        self,
        after_seq: int,
        timeout: float,  # noqa: ASYNC109
        chat_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records with seq > `after_seq` as soon as there is one; [] after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            found = self.sent(chat_id=chat_id, after=after_seq)
            if found:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            try:
                await asyncio.wait_for(self._sent_waiter().wait(), remaining)
            except TimeoutError:
                return []

    def stats(self) -> dict[str, Any]:
        """Calls per method, errors per status, peak rates, totals."""
        return {
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "errors_total": sum(self.errors.values()),
            **self.rates.stats(),
            "flood_limits": self.flood_limits,
            "sent_total": len(self._sent),
            "updates_total": self.updates_total,
            "updates_dropped": self.updates_dropped,
            "webhook_posts": self.webhook_posts,
            "webhook_failures": self.webhook_failures,
            "pending_updates": len(self.updates),
            "chats_stored": len(self.chats),
            "faults_pending": [fault.summary() for fault in self.faults],
        }


__all__ = [
    "Chat",
    "ControlError",
    "Fault",
    "PhotoFile",
    "Record",
    "SandboxState",
    "User",
    "Webhook",
    "default_chat_type",
    "parse_text",
]
