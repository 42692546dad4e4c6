"""Commands whose features are still being built: they answer clearly instead of staying silent.

Admin commands are gated at registration (filters.User); anyone else gets a polite refusal and
the attempt is logged.
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

# /popular /cluster live in handlers/popular.py and handlers/cluster.py, /search in
# handlers/search.py.
READER_COMMANDS: tuple[list[str], ...] = ()
# /broadcast /stats /sources live in handlers/admin.py.
# /setcluster lives in handlers/cluster.py.
ADMIN_COMMANDS: tuple[str, ...] = ()


async def not_yet(update: Update, context: NewsContext) -> None:
    """Say that the feature is coming."""
    if (asker := await who(update, context)) is not None:
        lang = await context.core.reader.language(asker)
        await reply_all(update, context, [Reply(t(lang, "feature.not_yet"))])


async def refuse_admin(update: Update, context: NewsContext) -> None:
    """Politely refuse an admin command to a non-admin, and log the attempt."""
    asker = await who(update, context)
    if asker is None:
        return
    command = (update.effective_message.text or "").split()[0] if update.effective_message else ""
    log.warning("admin command refused: user_id=%s chat_id=%s command=%s", asker.user_id,
                asker.chat_id, command[:40])
    lang = await context.core.reader.language(asker)
    await reply_all(update, context, [Reply(t(lang, "admin.refused"))])


def handlers(settings: Settings, admin_ids: frozenset[int]
             ) -> list[BaseHandler[Update, NewsContext, None]]:
    del settings
    admins = filters.User(user_id=list(admin_ids)) if admin_ids else None
    found: list[BaseHandler[Update, NewsContext, None]] = [
        CommandHandler(names, not_yet) for names in READER_COMMANDS
    ]
    for name in ADMIN_COMMANDS:
        if admins is not None:
            found.append(CommandHandler(name, not_yet, filters=admins))
        # Registered after the admin handler: only reached when the user filter did not match.
        found.append(CommandHandler(name, refuse_admin))
    return found
