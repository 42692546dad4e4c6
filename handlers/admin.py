"""Admin commands and buttons: /broadcast, /stats, /sources, the broadcast progress job, and
error alerts to the first admin.

Gating: the commands are registered with `filters.User(admin ids)`; a second registration of the
same commands (reached only when the user filter did not match) refuses politely and logs the
attempt. Every button whose data starts with "adm:" comes to `on_button`, which checks the
presser's id before it even parses the data, so a forged admin button gets the same refusal.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from dataclasses import replace
from typing import Any

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.admin import callbacks as cb
from bot.admin.alerts import AdminAlertHandler
from bot.admin.broadcast import AdminConfig, BroadcastMessage, ProgressUpdate
from bot.admin.service import Admin, WorkerOutbox
from bot.chat.reply import Notice, Reply, Who
from bot.config import Settings
from bot.context import BotData, NewsContext
from bot.delivery.card import utf16_len
from bot.delivery.pacing import Pacer
from bot.i18n import t
from handlers.common import answer_notice, keyboard, reply_all, send, who

log = logging.getLogger(__name__)

COMMANDS = ("broadcast", "stats", "sources")
# A photo whose caption is the /broadcast command (CommandHandler only reads message text).
_CAPTION_COMMAND = r"^/broadcast(?:@\w+)?(?:\s|$)"
_COMMAND = re.compile(r"^/\w+(?:@(\w+))?")
PROGRESS_JOB = "broadcast-progress"

AdminApplication = Application[Any, NewsContext, Any, Any, BotData, Any]


def _admin(context: NewsContext) -> Admin:
    admin = context.core.admin
    if admin is None:
        raise RuntimeError("the admin tools are not ready (post_init has not run)")
    return admin


async def _pace(context: NewsContext, chat_id: int) -> None:
    """Wait for the push pacer before a message to the admin's chat.

    Used where the admin tools send several messages in a row (preview then picker, a refresh's
    progress then result, a stop's edit then report) and for the progress job: Telegram allows
    about one message per second in a chat and 30/s overall, a running broadcast included, and
    the worker's pacer keeps both (at the cost of up to a second's wait). Single answers are not
    paced, like every other command's reply.
    """
    delivery = context.core.delivery
    if delivery is not None:
        await delivery.pacer.acquire(chat_id)


# --------------------------------------------------------------------------- message content


def _after_command(plain: str, marked_up: str) -> tuple[str, str]:
    """The text after the leading /command, as plain text and as HTML.

    The command itself never carries formatting tags in PTB's HTML (bot_command entities are not
    rendered), so the HTML starts with the same characters; if the admin formatted across the
    command, fall back to the plain text, escaped.
    """
    match = _COMMAND.match(plain)
    if match is None:
        return plain, marked_up
    command = match.group()
    rest = plain[len(command):].lstrip()
    if marked_up.startswith(command):
        return rest, marked_up[len(command):].lstrip()
    return rest, html.escape(rest, quote=False)


def broadcast_message(message: Message) -> BroadcastMessage | None:
    """What the admin asked to broadcast, exactly as recipients will get it.

    Text typed by the admin is escaped (PTB's `text_html`), so "<b>" or "&" arrive as typed;
    formatting the admin applied with Telegram's own editor (entities) is kept as tags.
    """
    if message.photo:  # a photo with "/broadcast ..." as its caption
        plain, marked_up = _after_command(message.caption or "",
                                          message.caption_html if message.caption else "")
        return BroadcastMessage(marked_up, message.photo[-1].file_id, utf16_len(plain))
    plain, marked_up = _after_command(message.text or "",
                                      message.text_html if message.text else "")
    replied = message.reply_to_message
    if replied is None or (plain.strip() and not replied.photo):
        return BroadcastMessage(marked_up, None, utf16_len(plain))
    photo = replied.photo[-1].file_id if replied.photo else None
    if not plain.strip():  # "/broadcast" alone, replying: broadcast the replied message itself
        if replied.photo and replied.caption:
            plain, marked_up = replied.caption, replied.caption_html
        elif replied.text:
            plain, marked_up = replied.text, replied.text_html
    return BroadcastMessage(marked_up, photo, utf16_len(plain))


async def send_broadcast(bot: Bot, chat_id: int, message: BroadcastMessage, *,
                         silent: bool = False) -> Message:
    """Send a broadcast message (the admin's preview; recipients get the same call)."""
    if message.photo:
        return await bot.send_photo(chat_id, message.photo, caption=message.text or None,
                                    parse_mode=ParseMode.HTML, disable_notification=silent)
    return await bot.send_message(chat_id, message.text, parse_mode=ParseMode.HTML,
                                  disable_notification=silent)


# --------------------------------------------------------------------------- commands


async def broadcast(update: Update, context: NewsContext) -> None:
    """Preview an announcement exactly as recipients will see it, then ask for the audience."""
    asker = await who(update, context)
    message = update.effective_message
    if asker is None or message is None:
        return
    if message.photo and not _addressed_to_us(message.caption or "", context):
        return
    draft = await _admin(context).broadcasts.draft(asker, broadcast_message(message))
    if draft.preview is not None:
        await _pace(context, asker.chat_id)
        await send_broadcast(context.bot, asker.chat_id, draft.preview)
    await _pace(context, asker.chat_id)
    await reply_all(update, context, [draft.control])


async def stats(update: Update, context: NewsContext) -> None:
    """Show subscribers, articles, deliveries, sources and the push queue."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await _admin(context).stats.show(asker)])


async def sources(update: Update, context: NewsContext) -> None:
    """List the sources with their health and pause/resume/refresh buttons."""
    if (asker := await who(update, context)) is not None:
        await reply_all(update, context, [await _admin(context).sources.listing(asker)])


async def refuse(update: Update, context: NewsContext) -> None:
    """Politely refuse an admin command to anyone else, and log the attempt."""
    asker = await who(update, context)
    message = update.effective_message
    if asker is None or message is None:
        return
    command = (message.text or message.caption or "").split(maxsplit=1)
    if message.photo and not _addressed_to_us(message.caption or "", context):
        return
    log.warning("admin command refused: user_id=%s chat_id=%s command=%s", asker.user_id,
                asker.chat_id, command[0][:40] if command else "")
    lang = await context.core.reader.language(asker)
    await reply_all(update, context, [Reply(t(lang, "admin.refused"))])


def _addressed_to_us(text: str, context: NewsContext) -> bool:
    match = _COMMAND.match(text)
    addressee = match.group(1) if match else None
    return addressee is None or addressee.casefold() == (context.bot.username or "").casefold()


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: NewsContext) -> None:
    """Route an admin button, after checking that the presser is an admin."""
    query = update.callback_query
    asker = await who(update, context)
    if query is None or asker is None:
        return
    admin = _admin(context)
    if not admin.is_admin(asker):
        log.warning("admin button refused: user_id=%s chat_id=%s data=%r", asker.user_id,
                    asker.chat_id, (query.data or "")[:80])
        lang = await context.core.reader.language(asker)
        await answer_notice(update, context, Notice(t(lang, "admin.refused"), alert=True))
        return
    parsed = cb.parse(query.data)
    message = query.message
    if parsed is None or not isinstance(message, Message):
        log.warning("user_id=%s forged or stale admin callback_data %r", asker.user_id,
                    (query.data or "")[:80])
        lang = await context.core.reader.language(asker)
        await answer_notice(update, context, Notice(t(lang, "button.invalid")))
        return
    if parsed.action == cb.REFRESH:
        await _refresh(update, context, parsed.source_key)
        return
    notice = await _press(admin, asker, parsed, message.message_id)
    if notice.send is not None:  # the report of a stopped broadcast follows the edit
        await _pace(context, asker.chat_id)
    await answer_notice(update, context, replace(notice, send=None))
    if parsed.action == cb.CONFIRM:  # the pressed message now shows the progress
        admin.broadcasts.mark_edited(parsed.broadcast_id)
    if notice.send is not None:
        await _pace(context, asker.chat_id)
        await send(context.bot, asker.chat_id, notice.send)


async def _press(admin: Admin, asker: Who, pressed: cb.AdminCallback, message_id: int
                 ) -> Notice:
    """What an admin button does (all but refresh), as the core's notice."""
    casts = admin.broadcasts
    match pressed.action:
        case cb.AUDIENCE:
            return await casts.choose(asker, pressed.broadcast_id, pressed.category_id)
        case cb.CONFIRM:
            return await casts.confirm(asker, pressed.broadcast_id, pressed.category_id,
                                       message_id)
        case cb.BACK:
            return await casts.back(asker, pressed.broadcast_id)
        case cb.DISCARD:
            return await casts.discard(asker, pressed.broadcast_id)
        case cb.STOP:
            return await casts.stop(asker, pressed.broadcast_id)
        case cb.PAUSE | cb.RESUME:
            return await admin.sources.set_paused(asker, pressed.source_key,
                                                  pressed.action == cb.PAUSE)
        case cb.SOURCES:
            return await admin.sources.redraw(asker)
        case _:
            return await admin.stats.redraw(asker)


async def _refresh(update: Update, context: NewsContext, key: str) -> None:
    """Refresh one source now: a progress message, then the result in its place."""
    asker = await who(update, context)
    if asker is None:
        return
    admin = _admin(context)
    found = await admin.sources.resolve(asker, key)
    if found.name is None:
        assert found.notice is not None
        await answer_notice(update, context, found.notice)
        return
    await answer_notice(update, context, Notice(t(found.lang, "admin.src.refresh_started")))
    await _pace(context, asker.chat_id)
    progress = await send(context.bot, asker.chat_id,
                          admin.sources.refreshing(found.lang, found.name))
    result = await admin.sources.refresh(asker, found.name)
    await _pace(context, asker.chat_id)
    await progress.edit_text(result.text, reply_markup=keyboard(result.buttons))


# --------------------------------------------------------------------------- progress job


async def progress_job(context: NewsContext) -> None:
    """Scheduled every few seconds: edit each running broadcast's progress, report the end."""
    core = context.bot_data.core
    if core is None or core.admin is None:
        return
    # Through the app's bot, not the push queue, but within the worker's pacing: an edit counts
    # towards Telegram's 30 messages/s like any message, and the push runs at that rate.
    pacer = core.delivery.pacer if core.delivery is not None else None
    for item in await core.admin.broadcasts.tick():
        await _show_progress(context.bot, item, pacer)
        core.admin.broadcasts.mark_edited(item.broadcast_id)


async def _show_progress(bot: Bot, item: ProgressUpdate, pacer: Pacer | None) -> None:
    if pacer is not None:
        await pacer.acquire(item.chat_id)
    try:
        await bot.edit_message_text(item.view.text, chat_id=item.chat_id,
                                    message_id=item.message_id,
                                    reply_markup=keyboard(item.view.buttons))
    except BadRequest as exc:
        # "not modified" is harmless; a deleted progress message must not stop the report.
        if "not modified" not in str(exc).lower():
            log.warning("broadcast_id=%s progress message not edited: %s", item.broadcast_id,
                        exc)
    except TelegramError as exc:
        log.warning("broadcast_id=%s progress message not edited: %s", item.broadcast_id, exc)
    if item.report is not None:
        if pacer is not None:
            await pacer.acquire(item.chat_id)
        await send(bot, item.chat_id, item.report)


# --------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------- assembly


async def post_init(app: AdminApplication) -> None:
    """Build the admin tools, resume progress reporting, and route error alerts to an admin."""
    core = app.bot_data.core
    settings = app.bot_data.settings
    assert core is not None
    assert settings is not None
    config = AdminConfig(core.admin_ids, settings.default_language, settings.tz)
    gap = settings.broadcast_progress_interval
    core.admin = admin = Admin.build(
        core.db, config, ingestor=lambda: core.ingestor,
        outbox=lambda: WorkerOutbox(core.delivery) if core.delivery is not None else None,
        progress_gap=gap)
    if app.job_queue is not None:
        # Also resumes the progress of broadcasts that were sending before a restart. The job
        # looks more often than it may edit, so edits come soon after the gap has passed.
        every = max(0.2, min(1.0, gap / 3))
        app.job_queue.run_repeating(progress_job, interval=every, first=every,
                                    name=PROGRESS_JOB)
    target = admin.alert_chat_id
    if target is not None:
        async def alert(text: str) -> None:
            await app.bot.send_message(target, text, parse_mode=ParseMode.HTML)

        secret = settings.bot_token.get_secret_value() if settings.bot_token else ""
        handler = AdminAlertHandler(alert, loop=asyncio.get_running_loop(),
                                    lang=settings.default_language, secrets=[secret])
        logging.getLogger().addHandler(handler)
        admin.alerts = handler


async def post_shutdown(app: AdminApplication) -> None:
    """Stop forwarding errors (the bot is going away)."""
    core = app.bot_data.core
    admin = core.admin if core is not None else None
    if admin is not None and admin.alerts is not None:
        logging.getLogger().removeHandler(admin.alerts)
        await admin.alerts.aclose()
        admin.alerts = None


def handlers(settings: Settings, admin_ids: frozenset[int]
             ) -> list[BaseHandler[Update, NewsContext, None]]:
    """The admin handlers, in registration order (register before the reader's buttons)."""
    del settings
    caption_command = filters.PHOTO & filters.CaptionRegex(_CAPTION_COMMAND)
    found: list[BaseHandler[Update, NewsContext, None]] = []
    if admin_ids:
        admins = filters.User(user_id=list(admin_ids))
        found += [
            CommandHandler("broadcast", broadcast, filters=admins),
            MessageHandler(caption_command & admins, broadcast),
            CommandHandler("stats", stats, filters=admins),
            CommandHandler("sources", sources, filters=admins),
        ]
    found += [
        # Reached only when the admin handlers above did not match: not an admin.
        CommandHandler(list(COMMANDS), refuse),
        MessageHandler(caption_command, refuse),
        # Every "adm:" button, forged ones included; before the reader's catch-all buttons.
        CallbackQueryHandler(on_button, pattern=cb.PATTERN),
    ]
    return found
