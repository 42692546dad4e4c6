"""The neutral routes of handlers/ registered as python-telegram-bot handlers, all in one place.

- Each command is one `CommandHandler` (its English name and Vietnamese aliases). An admin
  command is gated at registration with `filters.User(admin ids)`; the same names with the
  opposite filter go to the polite refusal, so the two never compete.
- A command that reads the message's formatting and photo (/broadcast) is also taken from a
  photo whose caption starts with it (CommandHandler reads message text only).
- Each family of buttons is one `CallbackQueryHandler` with its own prefix (PTB's
  inlinekeyboard2.py), and one more takes the data no family owns: forged or expired buttons
  (arbitrarycallbackdatabot.py). Prefixes do not overlap, so their order does not matter.
- Unknown commands and plain text come last: a MessageHandler for every command would also
  take the known ones, so these two are registered after every command.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

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


def telegram_handlers(routes: Routes, admin_ids: frozenset[int]) -> list[TelegramHandler]:
    """Every handler of the bot, for `Application.add_handlers` (see the module docstring)."""
    admins = filters.User(user_id=list(admin_ids))
    found: list[TelegramHandler] = []
    for command in routes.commands:
        names = list(command.names)
        run = _command(command.run, rich=command.rich)
        if not command.admin:
            found.append(CommandHandler(names, run))
            continue
        found.append(CommandHandler(names, run, filters=admins))
        found.append(CommandHandler(names, _command(routes.refuse), filters=~admins))
        if command.rich:
            pattern = rf"^/({'|'.join(map(re.escape, names))})(?:@\w+)?(?:\s|$)"
            caption = filters.PHOTO & filters.CaptionRegex(pattern)
            found.append(MessageHandler(caption & admins, _caption_command(command.run)))
            found.append(MessageHandler(caption & ~admins, _caption_command(routes.refuse)))
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
    return found
