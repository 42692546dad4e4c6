"""Reader commands and the reader's buttons: /start /help /categories /subscribe /unsubscribe
/latest /settings /stop (with their Vietnamese aliases)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.chat import callbacks
from bot.chat.reply import Notice
from bot.config import Settings
from bot.context import NewsContext
from bot.i18n import t
from handlers.common import answer_notice, reply_all, who

log = logging.getLogger(__name__)


def _argument(context: NewsContext) -> str:
    return " ".join(context.args or [])


async def start(update: Update, context: NewsContext) -> None:
    """Welcome the reader and show the category picker, or open a deep-linked article."""
    asker = await who(update, context)
    if asker is None:
        return
    payload = context.args[0] if context.args else None
    await reply_all(update, context, await context.core.reader.start(asker, payload))


async def help_command(update: Update, context: NewsContext) -> None:
    """Explain what the bot does and list every command."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await context.core.reader.help(asker)])


async def categories(update: Update, context: NewsContext) -> None:
    """Show the categories with ✅ toggles."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await context.core.reader.categories(asker)])


async def subscribe(update: Update, context: NewsContext) -> None:
    """Subscribe to the named category (no argument: the picker)."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.reader.subscribe(asker, _argument(context))
        await reply_all(update, context, [reply])


async def unsubscribe(update: Update, context: NewsContext) -> None:
    """Unsubscribe from the named category, or from all."""
    if (asker := await who(update, context)) is not None:
        reply = await context.core.reader.unsubscribe(asker, _argument(context))
        await reply_all(update, context, [reply])


async def latest(update: Update, context: NewsContext) -> None:
    """List the newest articles, of one category when named."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context,
                        [await context.core.reader.latest(asker, _argument(context))])


async def settings_command(update: Update, context: NewsContext) -> None:
    """Show the chat's settings with buttons to change them."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await context.core.reader.settings(asker)])


async def stop(update: Update, context: NewsContext) -> None:
    """Unsubscribe from everything and delete what is stored about the chat."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await context.core.reader.stop(asker)])


async def on_button(update: Update, context: NewsContext) -> None:
    """Route a reader button (toggle, language, open); refuse anything that is not ours."""
    query = update.callback_query
    asker = await who(update, context)
    if query is None:
        return
    reader = context.core.reader
    parsed = callbacks.parse(query.data)
    if asker is None or parsed is None:
        lang = await reader.language(asker) if asker else context.core.settings.default_language
        log.warning("user_id=%s forged or stale callback_data %r",
                    update.effective_user.id if update.effective_user else None,
                    (query.data or "")[:80])
        await answer_notice(update, context, Notice(t(lang, "button.invalid")))
        return
    if parsed.action == callbacks.TOGGLE:
        notice = await reader.toggle(asker, parsed.number)
    elif parsed.action == callbacks.LANG:
        notice = await reader.set_language(asker, parsed.value)
    elif parsed.action == callbacks.DELIVERY:
        notice = await reader.delivery(asker, parsed.value)
    elif parsed.action == callbacks.HOUR:
        notice = await reader.digest_hour(asker, parsed.number)
    elif parsed.action == callbacks.OPEN:
        notice = Notice("", send=await reader.open_article(asker, parsed.number))
    elif parsed.action == callbacks.MORE:
        notice = await context.core.popular.more(asker, parsed.number)
    elif parsed.action == callbacks.LIKE:
        notice = await context.core.popular.like(asker, parsed.number)
    else:
        notice = Notice(t(await reader.language(asker), "feature.not_yet"))
    await answer_notice(update, context, notice)


def handlers(settings: Settings) -> list[BaseHandler[Update, NewsContext, None]]:
    """The reader's handlers, in registration order."""
    del settings  # nothing depends on settings yet; kept for the uniform handlers(settings) API
    return [
        CommandHandler("start", start),
        CommandHandler(["help", "huongdan"], help_command),
        CommandHandler(["categories", "chuyenmuc"], categories),
        CommandHandler(["subscribe", "dangky"], subscribe),
        CommandHandler(["unsubscribe", "huydangky"], unsubscribe),
        CommandHandler(["latest", "tinmoi"], latest),
        CommandHandler(["settings", "caidat"], settings_command),
        CommandHandler("stop", stop),
        CallbackQueryHandler(on_button),
    ]
