"""The daily digest on Telegram: the scheduled job that makes due digests, and the digest's
"more" buttons. (The delivery mode itself is chosen in /settings, handlers/reader.py.)"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.digest import PAGE, parse_button
from bot.chat.reply import Notice
from bot.config import Settings
from bot.context import NewsContext
from bot.digest.compose import MORE
from bot.i18n import t
from handlers.common import answer_notice, who

log = logging.getLogger(__name__)

# Seconds between checks for due digests: a digest goes out within a minute of its hour.
CHECK_INTERVAL = 60.0


async def digest_job(context: NewsContext) -> None:
    """Scheduled: queue every due digest, then wake the delivery worker."""
    core = context.core
    run = await core.digests.run_due(bot_username=context.bot.username)
    if run.queued and core.delivery is not None:
        core.delivery.wake()


async def on_button(update: Update, context: NewsContext) -> None:
    """A digest's "more" button, and the pages of the list it opens."""
    query = update.callback_query
    asker = await who(update, context)
    if query is None or asker is None:
        return
    button = parse_button(query.data)
    if button is None:
        log.warning("user_id=%s forged digest callback_data %r", asker.user_id,
                    (query.data or "")[:80])
        notice = Notice(t(await context.core.reader.language(asker), "button.invalid"))
    else:
        notice = await context.core.digest_pages.more(asker, button.digest_id, button.page,
                                                      edit=button.action == PAGE)
    await answer_notice(update, context, notice)


def handlers(settings: Settings) -> list[BaseHandler[Update, NewsContext, None]]:
    """Registered before the reader's handlers: its button handler takes any callback."""
    del settings  # kept for the uniform handlers(settings) API
    return [CallbackQueryHandler(on_button, pattern=f"^({MORE}|{PAGE}):")]
