"""/search (/timkiem) and the buttons of its results (open a result, previous/next page)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.chat.reply import Notice
from bot.chat.search import OPEN, PAGE, parse_button
from bot.config import Settings
from bot.context import NewsContext
from bot.i18n import t
from handlers.common import answer_notice, reply_all, who

log = logging.getLogger(__name__)


async def search(update: Update, context: NewsContext) -> None:
    """Search the archive for the given words (accents optional)."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.search.search(asker, " ".join(context.args or []))
        await reply_all(update, context, [reply])


async def on_button(update: Update, context: NewsContext) -> None:
    """Open a search result or show another page of results."""
    query = update.callback_query
    asker = await who(update, context)
    if query is None or asker is None:
        return
    core = context.core.search
    button = parse_button(query.data)
    if button is None:
        log.warning("user_id=%s forged search callback_data %r", asker.user_id,
                    (query.data or "")[:80])
        notice = Notice(t(await context.core.reader.language(asker), "button.invalid"))
    elif button.action == OPEN:
        notice = await core.open(asker, button.article_id)
    else:
        notice = await core.page(asker, button.session, button.page)
    await answer_notice(update, context, notice)


def handlers(settings: Settings) -> list[BaseHandler[Update, NewsContext, None]]:
    """Registered before the reader's handlers: its button handler takes any callback."""
    del settings  # kept for the uniform handlers(settings) API
    return [
        CommandHandler(["search", "timkiem"], search),
        CallbackQueryHandler(on_button, pattern=f"^({OPEN}|{PAGE}):"),
    ]
