"""A Telegram update as the core sees it: `Who` is asking, and the `Request` or `Press` that the
handlers (handlers/) receive, with the conversation their answers go back through.

Who may change a chat's subscriptions (`Who.can_manage`): anyone in a private chat; a group's
admins (asked from Telegram); in a channel, a post (a `channel_post` has no user: anyone who
can post in a channel is its admin) or a button pressed by one of the channel's admins (anyone
reading a channel can press its buttons). A message in a forum topic (`is_topic_message`) comes
from that topic's reader: `Who.chat` carries the topic (`ChatRef.thread`), so the answer goes
into that topic and a subscription made there is the topic's. A channel post copied into its
discussion group (`is_automatic_forward`) is no command to the group: it is ignored.

Replies to different people go out in the order their updates arrived: an update's place in
line is its `update_id` (Telegram numbers updates in the order it receives them), whatever order
their handlers happen to finish in.

The one guard of pressed buttons (`press`): the button's message must be one the bot sent, in a
chat the presser is in (a private chat is the presser's own). Telegram only sends a bot the
presses on its own messages, so anything else is forged: it is answered "invalid" and no handler
runs. (In a channel, posts carry no sender: a channel's buttons are accepted as the bot's.)

Group admins: whether a person administers a group is asked from Telegram and cached for a
minute for what a message only reads; before anything changes (a press, or a command that
changes the group's subscriptions or settings) the core asks again (`RightsCheck`), so an admin
demoted a moment ago cannot change anything any more.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    CallbackQuery,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.chat.memberships import MembershipChange
from bot.delivery.outbound import Conversation
from bot.i18n import t
from bot.message import TELEGRAM, ChatRef, MessageRef, Photo, Text, UserRef, Who
from bot.render.html import parse_html
from bot.telegram.context import NewsContext
from bot.telegram.sender import PHOTO_SHOWN
from handlers import Content, Press, Request

log = logging.getLogger(__name__)

_ADMIN_CACHE_SECONDS = 60.0
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?")


def chat_ref(chat_id: int, thread: int | None = None) -> ChatRef:
    return ChatRef(TELEGRAM, str(chat_id), str(thread) if thread else None)


def topic_of(message: Message | None) -> int | None:
    """The forum topic a message is in (None: the chat itself, or its "General" topic).

    Only `is_topic_message` counts: in a supergroup that is no forum, a reply carries the
    `message_thread_id` of its reply thread, which is not a place of its own."""
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def who(update: Update, context: NewsContext) -> Who | None:
    """The asking chat (or forum topic) and user; None for updates without a chat (nothing
    to answer)."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    can_manage = True
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        can_manage = user is not None and await is_group_admin(context, chat.id, user.id)
    elif chat.type == ChatType.CHANNEL:
        # A channel post has no user, and only the channel's admins can post.
        can_manage = user is None or await is_group_admin(context, chat.id, user.id)
    if update.callback_query is not None:
        pressed = update.callback_query.message
        thread = topic_of(pressed) if isinstance(pressed, Message) else None
    else:
        thread = topic_of(update.effective_message)
    return Who(chat=chat_ref(chat.id, thread), chat_type=chat.type,
               user_id=str(user.id) if user else None, can_manage=can_manage,
               language_hint=user.language_code if user else None,
               user_name=display_name(user.full_name, user.username) if user else None)


def display_name(full_name: str, username: str | None) -> str:
    """"Nguyễn Văn A, @nguyenvana": how admins are named in reports."""
    name = " ".join(full_name.split())[:64]
    return f"{name}, @{username}" if username else name


async def is_group_admin(context: NewsContext, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the group (asked from Telegram, cached for a minute)."""
    return await ask_group_admin(context.bot, context.bot_data.group_admin_cache, chat_id,
                                 user_id)


AdminCache = dict[tuple[int, int], tuple[bool, float]]


async def ask_group_admin(bot: Bot, cache: AdminCache, chat_id: int, user_id: int, *,
                          fresh: bool = False) -> bool:
    """Whether the user administers the group: from the minute-long cache, or (`fresh`, or
    nothing cached) from Telegram."""
    cached = cache.get((chat_id, user_id))
    now = time.monotonic()
    if cached and now - cached[1] < _ADMIN_CACHE_SECONDS and not fresh:
        return cached[0]
    try:
        member = await bot.get_chat_member(chat_id, user_id)
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
    if message is not None and message.is_automatic_forward:
        return None  # a channel post copied into its discussion group (see the docstring)
    asker = await who(update, context)
    if asker is None or message is None:
        return None
    command, argument = split_command(message.text or message.caption or "")
    out = Conversation(context.outbound, asker.chat, group=asker.group, arrival=arrival)
    return Request(asker, context.core, out, command, argument,
                   content(message) if rich else None)


async def press(update: Update, context: NewsContext) -> Press | None:
    """The pressed inline button in `update`; None when there is no chat to answer, or when the
    button cannot be one of the bot's (answered "invalid", logged)."""
    arrival = update.update_id
    query = update.callback_query
    asker = await who(update, context)
    if query is None or asker is None:
        return None
    message = query.message
    pressed = None
    if isinstance(message, Message):
        shown = message.text_html if message.text is not None else PHOTO_SHOWN
        pressed = MessageRef(chat_ref(message.chat.id, topic_of(message)),
                             str(message.message_id), shown)
    out = Conversation(context.outbound, asker.chat, group=asker.group, arrival=arrival,
                       callback=query.id, pressed=pressed)
    foreign = not_ours(query, context.bot.id)
    if foreign is not None:
        log.warning("user_id=%s chat=%s pressed a button on %s: ignored", asker.user_id,
                    asker.chat, foreign)
        await out.answer(t(await context.core.reader.language(asker), "button.invalid"))
        return None
    return Press(asker, context.core, out, query.data or "")


def not_ours(query: CallbackQuery, bot_id: int) -> str | None:
    """Why the pressed button cannot be on one of the bot's messages, or None when it can."""
    message = query.message
    if message is None:
        return "no message (the bot offers no inline mode)"
    chat = message.chat
    if chat.type == ChatType.PRIVATE and chat.id != query.from_user.id:
        return f"someone else's private chat {chat.id}"
    if isinstance(message, Message):
        sender = message.from_user
        if sender is None:
            if chat.type != ChatType.CHANNEL:  # channel posts carry no sender
                return "a message without a sender"
        elif sender.id != bot_id:
            return f"a message of user {sender.id}, not the bot's"
    return None


def rights_check(bot: Bot, cache: AdminCache) -> Callable[[Who], Awaitable[bool]]:
    """The core's `RightsCheck` for Telegram: whether `asker` may change their group's
    settings right now (asked from Telegram again, not from the minute-long cache)."""

    async def may_manage(asker: Who) -> bool:
        if asker.chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP) or asker.user_id is None:
            return asker.can_manage
        return await ask_group_admin(bot, cache, int(asker.chat.id), int(asker.user_id),
                                     fresh=True)

    return may_manage


def membership(update: Update) -> MembershipChange | None:
    """The bot's new status in a chat (a `my_chat_member` update), in the core's terms."""
    changed = update.my_chat_member
    if changed is None:
        return None
    chat = changed.chat
    member = changed.new_chat_member
    status = member.status
    if isinstance(member, ChatMemberRestricted):
        # Restricted but no longer in the chat is as good as gone.
        can_post = member.is_member and member.can_send_messages
        if not member.is_member:
            status = ChatMember.LEFT
    elif isinstance(member, ChatMemberAdministrator):
        # In a channel only an admin allowed to post may post; in a group any admin may.
        can_post = chat.type != ChatType.CHANNEL or bool(member.can_post_messages)
    else:
        can_post = status == ChatMember.OWNER or (
            status == ChatMember.MEMBER and chat.type != ChatType.CHANNEL)
    by = changed.from_user
    return MembershipChange(
        chat=chat_ref(chat.id), chat_type=chat.type,
        title=chat.title or chat.full_name or chat.username or "", status=status,
        can_post=can_post, by=UserRef(TELEGRAM, str(by.id)) if by else None)
