"""Assembling the Telegram application: settings -> Application with every handler, the core,
the command menu and the scheduled ingestion. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.chat.reader import Reader, ReaderConfig
from bot.config import Settings, load_sources
from bot.context import CONTEXT_TYPES, NewsContext
from bot.core import Core
from bot.delivery.telegram_sender import TelegramDelivery
from bot.i18n import LANGUAGES, t
from bot.ingest.fetch import make_client
from bot.ingest.pipeline import Ingestor
from bot.leadership import LeadershipScanner
from bot.logs import redact
from handlers import admin, cluster, digest, fallback, pending, popular, reader, search
from handlers.common import reply_all, who
from storage.db import open_database

log = logging.getLogger(__name__)

NewsApplication = Application[Any, NewsContext, Any, Any, Any, Any]

MENU = ("start", "help", "categories", "subscribe", "unsubscribe", "latest", "popular",
        "cluster", "search", "settings", "stop")


def build_application(settings: Settings, *, token: str | None = None,
                      admin_ids: frozenset[int] | None = None,
                      schedule_ingestion: bool = True) -> NewsApplication:
    """The Application for `settings` (token and admins overridable, e.g. by the demo)."""
    admins = settings.admin_ids if admin_ids is None else admin_ids
    base_url = settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .token(token or settings.token())
        .base_url(base_url)
        .base_file_url(_file_url(base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(CONTEXT_TYPES)
        # Replies must not wait for each other: a slow handler never delays another chat.
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: NewsApplication = builder.build()
    app.bot_data.settings = settings
    app.bot_data.admin_ids = admins
    app.bot_data.schedule_ingestion = schedule_ingestion

    # Order matters: specific commands first, the catch-all fallbacks last. Admin buttons
    # ("adm:...") before the reader's buttons, which take any callback.
    for handler in admin.handlers(settings, admins):
        app.add_handler(handler)
    # Search ("so:", "sp:") and digest ("dgm:", "dgp:") buttons too: patterns, before the reader.
    for handler in [*search.handlers(settings), *digest.handlers(settings)]:
        app.add_handler(handler)
    for handler in reader.handlers(settings):
        app.add_handler(handler)
    for handler in [*popular.handlers(settings), *cluster.handlers(settings, admins)]:
        app.add_handler(handler)
    for handler in pending.handlers(settings, admins):
        app.add_handler(handler)
    for handler in fallback.handlers():
        app.add_handler(handler)
    app.add_error_handler(on_error)
    return app


def _file_url(base_url: str) -> str:
    # Telegram serves files at /file/bot<token>/...; a base of ".../bot" maps to ".../file/bot".
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url


async def _post_init(app: NewsApplication) -> None:
    """Open the database and the HTTP client, build the core, set the command menu, schedule."""
    settings = app.bot_data.settings
    assert settings is not None
    db = await open_database(settings.database)
    http = make_client(settings.fetch_timeout)
    reader_core = Reader(db, ReaderConfig(settings.default_language, settings.tz,
                                          settings.public_url))
    core = Core(settings=settings, db=db, http=http, reader=reader_core,
                admin_ids=app.bot_data.admin_ids)
    # Push delivery: new articles' deliveries are recorded in the transaction that stores them.
    core.delivery = TelegramDelivery(settings, db, app.bot.token)
    # Cluster leadership: articles stored without the hook (newsbot ingest, the demo) first.
    scanner = LeadershipScanner(settings.tz)
    await scanner.catch_up(db)
    if settings.sources_file.exists():
        core.ingestor = Ingestor(db, load_sources(settings.sources_file), settings, http,
                                 after_store=[scanner.after_store,
                                              core.delivery.enqueue_articles],
                                 after_update=[scanner.after_update])
    else:
        log.warning("no sources file at %s: nothing will be ingested", settings.sources_file)
    app.bot_data.core = core
    await admin.post_init(app)
    await set_command_menu(app)
    # Resumes whatever was pending (also after a crash), on its own Bot and connection pool.
    await core.delivery.start()
    if core.ingestor is not None and app.bot_data.schedule_ingestion:
        assert app.job_queue is not None
        app.job_queue.run_repeating(ingest_job, interval=settings.poll_interval, first=1,
                                    name="ingest")
    if app.job_queue is not None:  # daily digests: due ones are queued within a minute
        app.job_queue.run_repeating(digest.digest_job, interval=digest.CHECK_INTERVAL,
                                    first=10, name="digest")


async def _post_shutdown(app: NewsApplication) -> None:
    await admin.post_shutdown(app)
    if app.bot_data.core is not None and app.bot_data.core.delivery is not None:
        await app.bot_data.core.delivery.stop()
    core = app.bot_data.core
    if core is not None:
        await core.http.aclose()
        await core.db.close()
        app.bot_data.core = None


async def set_command_menu(app: NewsApplication) -> None:
    """The command menu with Vietnamese (default) and English descriptions."""
    for lang in LANGUAGES:
        commands = [BotCommand(name, t(lang, f"menu.{name}")) for name in MENU]
        await app.bot.set_my_commands(commands, language_code=lang)
    await app.bot.set_my_commands(
        [BotCommand(name, t("vi", f"menu.{name}")) for name in MENU]
    )


async def ingest_job(context: NewsContext) -> None:
    """Scheduled: poll the sources (failing ones are backed off inside the pipeline)."""
    ingestor = context.core.ingestor
    if ingestor is not None:
        await ingestor.run_once()


async def on_error(update: object, context: NewsContext) -> None:
    """Log what no handler expected (with context, never the token) and tell the user."""
    settings = context.bot_data.settings
    secret = [settings.bot_token.get_secret_value()] if settings and settings.bot_token else []
    error = context.error
    where = admin.describe(update)  # chat, user, command or button: enough to reproduce
    log.error(redact(f"unhandled error ({where}): {type(error).__name__}: {error}", secret),
              exc_info=error if isinstance(error, Exception) else None)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            asker = await who(update, context)
            lang = await context.core.reader.language(asker) if asker else "vi"
            from bot.chat.reply import Reply

            if update.callback_query is not None:
                await update.callback_query.answer(t(lang, "error.generic"))
            else:
                await reply_all(update, context, [Reply(t(lang, "error.generic"))])
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
                                    drop_pending_updates=False)
    try:
        yield
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


def run_bot(settings: Settings) -> None:
    """`newsbot run`: the bot with its web server, updates by webhook or long polling, until
    SIGINT or SIGTERM (blocking)."""
    asyncio.run(_serve_until_stopped(build_application(settings)))


async def _serve_until_stopped(app: NewsApplication) -> None:
    from bot.web.runtime import serving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    async with serving(app):
        await stop.wait()
        log.info("stopping")
