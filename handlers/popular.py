"""/popular (/noibat): the most-read articles of the last 7 days.

The card's "Xem thêm" and 👍 buttons are routed by handlers/reader.py's button handler to the
same core (`context.core.popular`).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.config import Settings
from bot.context import NewsContext
from handlers.common import reply_all, who


async def popular(update: Update, context: NewsContext) -> None:
    """List the most-read articles of the last 7 days, of one category when named."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.popular.popular(asker, " ".join(context.args or []))
        await reply_all(update, context, [reply])


def handlers(settings: Settings) -> list[BaseHandler[Update, NewsContext, None]]:
    del settings  # kept for the uniform handlers(settings) API
    return [CommandHandler(["popular", "noibat"], popular)]
