"""/cluster (/cum): emulation-cluster leadership; /setcluster: an admin sets or corrects it.

/setcluster is gated at registration (filters.User with NEWSBOT_ADMIN_IDS); a second handler for
the same command, reached only when the filter did not match, refuses politely and logs. The
core checks again (`Clusters.set_leadership`), so no other path can reach it unchecked.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.chat.reply import Reply
from bot.config import Settings
from bot.context import NewsContext
from bot.i18n import t
from handlers.common import reply_all, who

log = logging.getLogger(__name__)


def _argument(update: Update) -> str:
    # The raw text after the command, not context.args: "|" separated parts keep their spaces.
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def cluster(update: Update, context: NewsContext) -> None:
    """Show the latest leadership of every cluster, a year's, or one cluster's."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.clusters.show(asker, _argument(update))
        await reply_all(update, context, [reply])


async def setcluster(update: Update, context: NewsContext) -> None:
    """Set or correct a year's cluster leader or deputy (admins)."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.clusters.set_leadership(asker, _argument(update))
        await reply_all(update, context, [reply])


async def refuse(update: Update, context: NewsContext) -> None:
    """Politely refuse /setcluster to a non-admin, and log the attempt."""
    if (asker := await who(update, context)) is None:
        return
    log.warning("admin command refused: user_id=%s chat_id=%s command=/setcluster",
                asker.user_id, asker.chat_id)
    lang = await context.core.reader.language(asker)
    await reply_all(update, context, [Reply(t(lang, "admin.refused"))])


def handlers(settings: Settings, admin_ids: frozenset[int]
             ) -> list[BaseHandler[Update, NewsContext, None]]:
    """The cluster handlers, in registration order."""
    del settings  # kept for the uniform handlers(settings) API
    found: list[BaseHandler[Update, NewsContext, None]] = [
        CommandHandler(["cluster", "cum"], cluster),
    ]
    if admin_ids:
        found.append(CommandHandler("setcluster", setcluster,
                                    filters=filters.User(user_id=list(admin_ids))))
    # After the admin handler: only reached when the user filter did not match.
    found.append(CommandHandler("setcluster", refuse))
    return found
