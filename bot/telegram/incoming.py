"""A Telegram update as the core sees it: `Who` is asking, and the `Request` or `Press` that the
handlers (handlers/) receive, with the conversation their answers go back through.

Replies to different people go out in the order their updates arrived: an update's place in
line is its `update_id` (Telegram numbers updates in the order it receives them), whatever order
their handlers happen to finish in.
"""

from __future__ import annotations

import logging
import re
import time

from telegram import ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.delivery.outbound import Conversation
from bot.message import TELEGRAM, ChatRef, MessageRef, Photo, Text, Who
from bot.render.html import parse_html
from bot.telegram.context import NewsContext
from bot.telegram.sender import PHOTO_SHOWN
from handlers import Content, Press, Request

log = logging.getLogger(__name__)

_ADMIN_CACHE_SECONDS = 60.0
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?")


def chat_ref(chat_id: int) -> ChatRef:
    return ChatRef(TELEGRAM, str(chat_id))


async def who(update: Update, context: NewsContext) -> Who | None:
    """The asking chat and user; None for updates without a chat (nothing to answer)."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    can_manage = True
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        can_manage = user is not None and await is_group_admin(context, chat.id, user.id)
    elif chat.type == ChatType.CHANNEL:
        can_manage = False
    return Who(chat=chat_ref(chat.id), chat_type=chat.type,
               user_id=str(user.id) if user else None, can_manage=can_manage,
               language_hint=user.language_code if user else None,
               user_name=display_name(user.full_name, user.username) if user else None)


def display_name(full_name: str, username: str | None) -> str:
    """"Nguyễn Văn A, @nguyenvana": how admins are named in reports."""
    name = " ".join(full_name.split())[:64]
    return f"{name}, @{username}" if username else name


async def is_group_admin(context: NewsContext, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the group (asked from Telegram, cached for a minute)."""
    cache = context.bot_data.group_admin_cache
    cached = cache.get((chat_id, user_id))
    now = time.monotonic()
    if cached and now - cached[1] < _ADMIN_CACHE_SECONDS:
        return cached[0]
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
        is_admin = member.status in _ADMIN_STATUSES
    except TelegramError as exc:
        log.warning("chat_id=%s user_id=%s admin check failed: %s", chat_id, user_id, exc)
        return False
    if len(cache) > 10_000:
        cache.clear()
    cache[(chat_id, user_id)] = (is_admin, now)
    return is_admin


def split_command(text: str) -> tuple[str, str]:
    """("start", "a_12") of "/start@our_bot a_12": the command and the raw text after it."""
    match = COMMAND.match(text)
    if match is None:
        return "", text
    return match.group(1), text[match.end():].lstrip()


def content(message: Message, *, replied: bool = True) -> Content:
    """The message's formatted text (from Telegram's entities), its photo, and the message it
    answers."""
    if message.photo:
        text = parse_html(message.caption_html) if message.caption else Text()
        photo: Photo | None = Photo(message.photo[-1].file_id, "file_id", TELEGRAM)
    else:
        text = parse_html(message.text_html) if message.text else Text()
        photo = None
    answered = message.reply_to_message if replied else None
    return Content(text, photo, content(answered, replied=False) if answered else None)


async def request(update: Update, context: NewsContext, *, rich: bool = False
                  ) -> Request | None:
    """The command or message in `update` as the handlers take it; None when there is no chat
    to answer."""
    arrival = update.update_id
    message = update.effective_message
    asker = await who(update, context)
    if asker is None or message is None:
        return None
    command, argument = split_command(message.text or message.caption or "")
    out = Conversation(context.outbound, asker.chat, group=asker.group, arrival=arrival)
    return Request(asker, context.core, out, command, argument,
                   content(message) if rich else None)


async def press(update: Update, context: NewsContext) -> Press | None:
    """The pressed inline button in `update`; None when there is no chat to answer."""
    arrival = update.update_id
    query = update.callback_query
    asker = await who(update, context)
    if query is None or asker is None:
        return None
    message = query.message
    pressed = None
    if isinstance(message, Message):
        shown = message.text_html if message.text is not None else PHOTO_SHOWN
        pressed = MessageRef(chat_ref(message.chat.id), str(message.message_id), shown)
    out = Conversation(context.outbound, asker.chat, group=asker.group, arrival=arrival,
                       callback=query.id, pressed=pressed)
    return Press(asker, context.core, out, query.data or "")
