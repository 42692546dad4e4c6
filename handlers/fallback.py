"""What the bot says to anything no other handler took: unknown commands and plain text."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.chat.reply import Reply
from bot.context import NewsContext
from bot.i18n import t
from handlers.common import reply_all, who


async def unknown_command(update: Update, context: NewsContext) -> None:
    """Point to /help (unless the command is addressed to another bot in a group)."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    _, _, addressee = command.partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return
    if (asker := await who(update, context)) is not None:
        lang = await context.core.reader.language(asker)
        await reply_all(update, context, [Reply(t(lang, "command.unknown"))])


async def plain_text(update: Update, context: NewsContext) -> None:
    """In a private chat, hint at the commands (in groups people talk to each other: be quiet)."""
    asker = await who(update, context)
    if asker is None or asker.chat_type != ChatType.PRIVATE:
        return
    lang = await context.core.reader.language(asker)
    await reply_all(update, context, [Reply(t(lang, "text.hint"))])


def handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [
        # Only commands addressed to us (or to nobody): "/x@otherbot" in a group is not ours.
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, plain_text),
    ]
