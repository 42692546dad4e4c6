"""The neutral routes of handlers/ registered as python-telegram-bot handlers, all in one place.

- Each command is one `CommandHandler` (its English name and Vietnamese aliases), taken from
  messages and from channel posts (a command posted in a channel where the bot is an admin:
  whoever can post there is the channel's admin). An admin command is gated at registration
  with `filters.User(admin ids)`; the same names from anyone else's message (not a channel
  post: nobody is asking there) go to the polite refusal, so the two never compete.
- A command that reads the message's formatting and photo (/broadcast) is also taken from a
  photo whose caption starts with it (CommandHandler reads message text only).
- Each family of buttons is one `CallbackQueryHandler` with its own prefix (PTB's
  inlinekeyboard2.py), and one more takes the data no family owns: forged or expired buttons
  (arbitrarycallbackdatabot.py). Prefixes do not overlap, so their order does not matter.
- Unknown commands and plain text come last: a MessageHandler for every command would also
  take the known ones, so these two are registered after every command. Neither answers a
  channel post (a channel is read by all its subscribers: the bot stays quiet there unless a
  command is its own).
- `my_chat_member` (the bot added to or removed from a chat) goes to the core's memberships.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.telegram import incoming
from bot.telegram.context import NewsContext
from handlers import Press, Request, Routes

TelegramHandler = BaseHandler[Update, NewsContext, Any]
Callback = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


def _command(run: Callable[[Request], Awaitable[None]], *, rich: bool = False) -> Callback:
    async def callback(update: Update, context: NewsContext) -> None:
        request = await incoming.request(update, context, rich=rich)
        if request is not None:
            await run(request)

    callback.__doc__ = run.__doc__
    return callback


def _caption_command(run: Callable[[Request], Awaitable[None]]) -> Callback:
    """A photo whose caption is the command (only when addressed to this bot, or to nobody)."""

    async def callback(update: Update, context: NewsContext) -> None:
        message = update.effective_message
        match = incoming.COMMAND.match(message.caption or "") if message else None
        addressee = match.group(2) if match else None
        if addressee and addressee.casefold() != (context.bot.username or "").casefold():
            return
        request = await incoming.request(update, context, rich=True)
        if request is not None:
            await run(request)

    return callback


def _press(run: Callable[[Press], Awaitable[None]]) -> Callback:
    async def callback(update: Update, context: NewsContext) -> None:
        pressed = await incoming.press(update, context)
        if pressed is not None:
            await run(pressed)

    callback.__doc__ = run.__doc__
    return callback


def _unknown_command(run: Callable[[Request], Awaitable[None]]) -> Callback:
    """Unknown commands, unless addressed to another bot ("/x@otherbot" in a group)."""

    async def callback(update: Update, context: NewsContext) -> None:
        message = update.effective_message
        match = incoming.COMMAND.match(message.text or "") if message else None
        addressee = match.group(2) if match else None
        if addressee and addressee.casefold() != (context.bot.username or "").casefold():
            return
        request = await incoming.request(update, context)
        if request is not None:
            await run(request)

    return callback


def _membership(routes: Routes) -> Callback:
    async def callback(update: Update, context: NewsContext) -> None:
        change = incoming.membership(update)
        if change is not None and routes.membership is not None:
            await routes.membership(context.core, change)

    return callback


def telegram_handlers(routes: Routes, admin_ids: frozenset[int]) -> list[TelegramHandler]:
    """Every handler of the bot, for `Application.add_handlers` (see the module docstring)."""
    admins = filters.User(user_id=list(admin_ids))
    messages = filters.UpdateType.MESSAGES  # PTB's default for CommandHandler
    found: list[TelegramHandler] = []
    for command in routes.commands:
        names = list(command.names)
        run = _command(command.run, rich=command.rich)
        if not command.admin:
            found.append(CommandHandler(names, run,
                                        filters=messages | filters.UpdateType.CHANNEL_POST))
            continue
        found.append(CommandHandler(names, run, filters=admins))
        found.append(CommandHandler(names, _command(routes.refuse), filters=~admins & messages))
        if command.rich:
            pattern = rf"^/({'|'.join(map(re.escape, names))})(?:@\w+)?(?:\s|$)"
            caption = filters.PHOTO & filters.CaptionRegex(pattern)
            found.append(MessageHandler(caption & admins, _caption_command(command.run)))
            found.append(MessageHandler(caption & ~admins & messages,
                                        _caption_command(routes.refuse)))
    owned = [re.compile(b.pattern) for b in routes.buttons]
    for family in routes.buttons:
        found.append(CallbackQueryHandler(_press(family.run), pattern=family.pattern))
    found.append(CallbackQueryHandler(
        _press(routes.unknown_button),
        pattern=lambda data: isinstance(data, str) and not any(p.match(data) for p in owned)))
    # Last, and in this order: they would take the commands above (see the module docstring).
    found.append(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE,
                                _unknown_command(routes.unknown_command)))
    found.append(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                                _command(routes.text)))
    found.append(ChatMemberHandler(_membership(routes), ChatMemberHandler.MY_CHAT_MEMBER))
    return found
