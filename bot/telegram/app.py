"""The Telegram application: settings -> a python-telegram-bot Application with every handler,
the core opened in post_init with this bot account plugged in, and the command menu. Nothing is
built at import time.

All wiring is here (PTB's contexttypesbot.py and errorhandlerbot.py): the handlers of handlers/
registered once (bot/telegram/routes.py), one error handler for what they do not expect.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults, TypeHandler
from telegram.request import HTTPXRequest

from bot.chat.common import Admins
from bot.config import Settings
from bot.core import Core
from bot.delivery.outbound import Outbound
from bot.delivery.shared_rate import DatabaseSchedule
from bot.i18n import LANGUAGES, t
from bot.logs import redact
from bot.message import Message
from bot.render.telegram import CHANNEL, LIMITS
from bot.telegram import incoming
from bot.telegram.context import CONTEXT_TYPES, NewsContext
from bot.telegram.routes import telegram_handlers
from bot.telegram.sender import TelegramSender, file_url, pacer_for, push_bots
from bot.telegram.updates import PollingErrors, UpdatesBot
from handlers import all_routes
from storage.db import POSTGRES

log = logging.getLogger(__name__)

NewsApplication = Application[Any, NewsContext, Any, Any, Any, Any]

MENU = ("start", "help", "categories", "subscribe", "unsubscribe", "latest", "popular",
        "cluster", "search", "follow", "settings", "stop")
# What admins' private chats list after the readers' commands (NEWSBOT_ADMIN_IDS).
ADMIN_MENU = ("broadcast", "stats", "sources", "addsource", "removesource", "exportsources",
              "setcluster", "review")


def build_application(settings: Settings, *, token: str | None = None,
                      admin_ids: frozenset[int] | None = None,
                      schedule_ingestion: bool = True) -> NewsApplication:
    """The Application for `settings` (token and admins overridable, e.g. by the demo)."""
    admins = settings.admin_ids if admin_ids is None else admin_ids
    base_url = settings.telegram_api_url
    # Built here rather than by the builder: long polling must skip updates PTB cannot read
    # (bot/telegram/updates.py). The connections are the builder's defaults.
    bot = UpdatesBot(
        token or settings.token(), base_url=base_url, base_file_url=file_url(base_url),
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                          link_preview_options=LinkPreviewOptions(is_disabled=True)),
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(connection_pool_size=1))
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        # Handlers must not wait for each other: a slow one never delays another chat. What
        # they send is ordered and paced by the outbound path, not by PTB.
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: NewsApplication = builder.build()
    app.bot_data.settings = settings
    app.bot_data.admin_ids = admins
    app.bot_data.schedule_ingestion = schedule_ingestion
    app.add_handlers(telegram_handlers(all_routes(), admins))
    # Replies leave in the order their updates arrived, whatever each handler's own time: every
    # update is announced to the pacer before any handler awaits anything (group -1 runs first,
    # in the order PTB took the updates), and settled once its handlers are done (the last
    # group; the pacer's reply hold covers a handler that never gets there).
    app.add_handler(TypeHandler(Update, _expect_reply), group=-1)
    app.add_handler(TypeHandler(Update, _settle_reply), group=_AFTER_EVERY_HANDLER)
    app.add_error_handler(on_error)
    return app


_AFTER_EVERY_HANDLER = 1_000


async def _expect_reply(update: Update, context: NewsContext) -> None:
    core = context.bot_data.core
    if core is not None:
        core.outbound[CHANNEL].pacer.expect(update.update_id)


async def _settle_reply(update: Update, context: NewsContext) -> None:
    core = context.bot_data.core
    if core is not None:
        core.outbound[CHANNEL].pacer.settle(update.update_id)


async def _post_init(app: NewsApplication) -> None:
    """Plug this bot account into the core, set the command menu. Without a core given (the
    demo, `running`), open the core first and start it after."""
    settings = app.bot_data.settings
    assert settings is not None
    core = app.bot_data.core
    owns_core = core is None
    if core is None:
        core = await Core.open(settings, admins=Admins.of(app.bot_data.admin_ids,
                                                          settings.zalo_admin_ids))
    app.bot_data.owns_core = owns_core
    sender = TelegramSender(push_bots(settings, app.bot.token), app.bot, http=core.http,
                            upload_timeout=settings.delivery_upload_timeout,
                            paid_broadcast=settings.paid_broadcast)
    await sender.initialize()
    # Several processes on PostgreSQL share the account's rate through the database.
    shared = (DatabaseSchedule(core.db, f"{CHANNEL}:{app.bot.token.split(':', 1)[0]}")
              if core.db.backend == POSTGRES else None)
    outbound = Outbound(sender, pacer_for(settings, shared), on_migrated=core.chat_migrated)
    core.add_channel(outbound, LIMITS, article_link=lambda article_id: deep_link(
        app.bot.username, article_id),
        rights=incoming.rights_check(app.bot, app.bot_data.group_admin_cache))
    app.bot_data.core = core
    await set_command_menu(app)
    if owns_core:
        # Resumes whatever was pending (also after a crash), and starts the jobs.
        await core.start(schedule_ingestion=app.bot_data.schedule_ingestion)


def deep_link(username: str | None, article_id: int) -> str | None:
    """The link that opens an article's card in the chat with the bot (/start a_<id>)."""
    return f"https://t.me/{username}?start=a_{article_id}" if username else None


async def _post_shutdown(app: NewsApplication) -> None:
    """Close the core when this application opened it; release the push connections."""
    core = app.bot_data.core
    if core is None:
        return
    app.bot_data.core = None
    if app.bot_data.owns_core:
        await core.close()
    outbound = core.outbound.get(CHANNEL)
    sender = outbound.sender if outbound is not None else None
    if isinstance(sender, TelegramSender):
        await sender.shutdown()


async def set_command_menu(app: NewsApplication) -> None:
    """The command menu with Vietnamese (default) and English descriptions; each admin's
    private chat also lists the admin commands (BotCommandScopeChat); the bot's description
    and short description (what Telegram shows before /start, and on the bot's profile) name
    the organisation (NEWSBOT_ORGANISATION)."""
    core = app.bot_data.core
    organisation = core.common.organisation if core is not None else ""
    for lang in (*LANGUAGES, None):  # None: the default, for any other language (Vietnamese)
        text_lang = lang or "vi"
        commands = [BotCommand(name, str(t(text_lang, f"menu.{name}"))) for name in MENU]
        await app.bot.set_my_commands(commands, language_code=lang)
        await app.bot.set_my_description(
            str(t(text_lang, "bot.description", organisation=organisation))[:512],
            language_code=lang)
        await app.bot.set_my_short_description(
            str(t(text_lang, "bot.short_description", organisation=organisation))[:120],
            language_code=lang)
        admin_commands = commands + [BotCommand(name, str(t(text_lang, f"menu.{name}")))
                                     for name in ADMIN_MENU]
        for admin_id in sorted(app.bot_data.admin_ids):
            try:
                await app.bot.set_my_commands(admin_commands,
                                              scope=BotCommandScopeChat(admin_id),
                                              language_code=lang)
            except TelegramError as exc:  # e.g. an admin who never wrote to the bot
                log.warning("admin_id=%s: admin command menu not set: %s", admin_id, exc)


def describe(update: object) -> str:
    """Where an error happened, for the log line: chat, user, and the command or button."""
    if not isinstance(update, Update):
        return "no update (a job or the updater)"
    parts = []
    if update.effective_chat is not None:
        parts.append(f"chat_id={update.effective_chat.id}")
    if update.effective_user is not None:
        parts.append(f"user_id={update.effective_user.id}")
    if update.callback_query is not None:
        parts.append(f"button={(update.callback_query.data or '')[:64]!r}")
    elif update.effective_message is not None:
        text = update.effective_message.text or update.effective_message.caption or ""
        parts.append(f"message={text[:60]!r}")
    return " ".join(parts) or f"update_id={update.update_id}"


async def on_error(update: object, context: NewsContext) -> None:
    """Log what no handler expected (with context, never the token) and tell the user."""
    settings = context.bot_data.settings
    secret = [settings.bot_token.get_secret_value()] if settings and settings.bot_token else []
    error = context.error
    where = describe(update)  # chat, user, command or button: enough to reproduce
    log.error(redact(f"unhandled error ({where}): {type(error).__name__}: {error}", secret),
              exc_info=error if isinstance(error, Exception) else None)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            press = await incoming.press(update, context)
            if press is not None:
                lang = await context.core.reader.language(press.who)
                await press.out.answer(t(lang, "error.generic"))
        else:
            request = await incoming.request(update, context)
            if request is not None:
                lang = await context.core.reader.language(request.who)
                await request.out.reply(Message(t(lang, "error.generic")))
    except Exception:  # the error path must never raise
        log.debug("could not tell the user about the error", exc_info=True)


@asynccontextmanager
async def running(app: NewsApplication, *, poll_timeout: float = 10) -> AsyncIterator[None]:
    """Run `app` with long polling inside an already running event loop (demo, tests)."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=int(poll_timeout),
                                    drop_pending_updates=False, error_callback=PollingErrors())
    try:
        yield
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.bot_data.core is not None:
            await app.bot_data.core.release_outbound()
        if app.running:
            await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


def run_bot(settings: Settings) -> None:
    """`newsbot run` (kept for callers of the Telegram-only days): every configured channel with
    the web server, until SIGINT or SIGTERM (blocking). See `bot.run`."""
    from bot.run import run

    run(settings)
