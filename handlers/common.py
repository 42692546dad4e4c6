"""Turning Telegram updates into the core's `Who`, and the core's replies into Bot API calls."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from telegram import (
    Bot,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.chat.reply import Keyboard, Notice, Reply, Who
from bot.context import NewsContext
from bot.localfiles import read_photo

log = logging.getLogger(__name__)

_ADMIN_CACHE_SECONDS = 60.0
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, url=b.url, callback_data=b.callback_data) for b in row]
            for row in buttons
        ]
    )


async def who(update: Update, context: NewsContext) -> Who | None:
    """The asking chat and user; None for updates without a chat (nothing to answer)."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    user_id = user.id if user else None
    can_manage = True
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        can_manage = user_id is not None and await is_group_admin(context, chat.id, user_id)
    elif chat.type == ChatType.CHANNEL:
        can_manage = False
    return Who(chat_id=chat.id, chat_type=chat.type, user_id=user_id, can_manage=can_manage,
               language_hint=user.language_code if user else None)


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


async def send(bot: Bot, chat_id: int, reply: Reply) -> Message:
    """Send a reply: a photo with caption when it has one, else a text message.

    A photo Telegram cannot fetch or read is not worth losing the text for: send it as text.
    """
    markup = keyboard(reply.buttons)
    if reply.photo:
        try:
            photo: str | InputFile = reply.photo
            if not reply.photo.startswith(("http://", "https://")):
                # Only a file of an archive folder, never any other local path (bot/localfiles).
                content = await asyncio.to_thread(read_photo, reply.photo)
                photo = InputFile(content, filename=Path(reply.photo).name)
            return await bot.send_photo(chat_id, photo, caption=reply.text, reply_markup=markup)
        except (BadRequest, OSError) as exc:
            log.warning("chat_id=%s photo %s not sent (%s); sending text", chat_id, reply.photo,
                        exc)
    return await bot.send_message(chat_id, reply.text, reply_markup=markup)


async def reply_all(update: Update, context: NewsContext, replies: list[Reply]) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for item in replies:
        await send(context.bot, chat.id, item)


async def answer_notice(update: Update, context: NewsContext, notice: Notice) -> None:
    """Answer a button press: the pop-up, then edit the pressed message and/or send one."""
    query = update.callback_query
    if query is None:
        return
    await query.answer(notice.text or None, show_alert=notice.alert)
    message = query.message
    if notice.edit is not None and isinstance(message, Message):
        try:
            if message.text is not None and message.text_html != notice.edit.text:
                await message.edit_text(notice.edit.text,
                                        reply_markup=keyboard(notice.edit.buttons))
            else:
                await message.edit_reply_markup(keyboard(notice.edit.buttons))
        except BadRequest as exc:
            # Pressing twice quickly can ask for the same markup again: Telegram says
            # "message is not modified", which is harmless.
            if "not modified" not in str(exc).lower():
                raise
    if notice.send is not None and message is not None:
        await send(context.bot, message.chat.id, notice.send)
