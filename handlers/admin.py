"""Admin commands and choices: /broadcast, /stats, /sources, and the "adm:" choices.

Gating: the commands are admin commands (`Command(admin=True)`): the adapter lets only admins
reach them and sends anyone else to `refuse`, which answers politely and logs the attempt. Every
choice whose action starts with "adm:" comes to `on_choice`, which checks the chooser is an admin
before it even parses the action, so a forged admin choice gets the same refusal. The core checks
again behind both.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from bot.admin import callbacks as cb
from bot.admin.broadcast import BroadcastMessage
from bot.admin.service import Admin
from bot.i18n import t
from bot.message import Message, MessageRef, Notice, Text, Who
from handlers import Buttons, Command, Content, Press, Request, Route

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/\w+(?:@\w+)?")


def _admin(core_admin: Admin | None) -> Admin:
    if core_admin is None:
        raise RuntimeError("the admin tools are not ready")
    return core_admin


# --------------------------------------------------------------------------- message content


def _after_command(text: Text) -> Text:
    """The text after the leading /command (with its formatting)."""
    match = _COMMAND.match(str(text))
    return text.tail(match.end()).lstrip() if match else text


def broadcast_message(content: Content | None) -> BroadcastMessage | None:
    """What the admin asked to broadcast, exactly as recipients will get it: the text after the
    command (with the formatting the admin applied), or the message the command answers."""
    if content is None:
        return None
    if content.photo is not None:  # a photo with "/broadcast ..." as its caption
        return BroadcastMessage(_after_command(content.text), content.photo)
    text = _after_command(content.text)
    replied = content.replied
    if replied is None or (str(text).strip() and replied.photo is None):
        return BroadcastMessage(text)
    if not str(text).strip():  # "/broadcast" alone, replying: broadcast the replied message
        text = replied.text
    return BroadcastMessage(text, replied.photo)


# --------------------------------------------------------------------------- commands


async def broadcast(req: Request) -> None:
    """Preview an announcement exactly as recipients will see it, then ask for the audience."""
    draft = await _admin(req.core.admin).broadcasts.draft(req.who,
                                                          broadcast_message(req.content))
    if draft.preview is not None:
        await req.out.reply(draft.preview, draft.control)
    else:
        await req.out.reply(draft.control)


async def stats(req: Request) -> None:
    """Show subscribers, articles, deliveries, sources and the push queue."""
    await req.out.reply(await _admin(req.core.admin).stats.show(req.who))


async def sources(req: Request) -> None:
    """List the sources with their health and pause/resume/refresh choices."""
    await req.out.reply(await _admin(req.core.admin).sources.listing(req.who))


async def refuse(req: Request) -> None:
    """Politely refuse an admin command to anyone else, and log the attempt."""
    log.warning("admin command refused: user_id=%s chat=%s command=%s", req.who.user_id,
                req.who.chat, req.command[:40])
    lang = await req.core.reader.language(req.who)
    await req.out.reply(Message(t(lang, "admin.refused")))


# --------------------------------------------------------------------------- choices


async def on_choice(press: Press) -> None:
    """Route an admin choice, after checking that the chooser is an admin."""
    who = press.who
    admin = _admin(press.core.admin)
    if not press.core.common.is_admin(who):
        log.warning("admin button refused: user_id=%s chat=%s data=%r", who.user_id, who.chat,
                    press.data[:80])
        lang = await press.core.reader.language(who)
        await press.out.notice(Notice(t(lang, "admin.refused"), alert=True))
        return
    parsed = cb.parse(press.data)
    pressed = press.out.pressed
    if parsed is None or pressed is None:
        log.warning("user_id=%s forged or stale admin action %r", who.user_id, press.data[:80])
        lang = await press.core.reader.language(who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    if parsed.action == cb.REFRESH:
        await _refresh(press, admin, parsed.source_key)
        return
    notice = await _choose(admin, who, parsed, pressed)
    await press.out.notice(replace(notice, send=None))
    if parsed.action == cb.CONFIRM:  # the pressed message now shows the progress
        await admin.broadcasts.mark_edited(parsed.broadcast_id)
    if notice.send is not None:  # the report of a stopped broadcast follows the edit
        await press.out.reply(notice.send)


async def _choose(admin: Admin, who: Who, chosen: cb.AdminCallback, pressed: MessageRef
                  ) -> Notice:
    """What an admin choice does (all but refresh), as the core's notice."""
    casts = admin.broadcasts
    match chosen.action:
        case cb.AUDIENCE:
            return await casts.choose(who, chosen.broadcast_id, chosen.category_id)
        case cb.CONFIRM:
            return await casts.confirm(who, chosen.broadcast_id, chosen.category_id, pressed)
        case cb.BACK:
            return await casts.back(who, chosen.broadcast_id)
        case cb.DISCARD:
            return await casts.discard(who, chosen.broadcast_id)
        case cb.STOP:
            return await casts.stop(who, chosen.broadcast_id)
        case cb.CHANNEL:
            return await casts.set_channel(who, chosen.broadcast_id, chosen.channel)
        case cb.PAUSE | cb.RESUME:
            return await admin.sources.set_paused(who, chosen.source_key,
                                                  chosen.action == cb.PAUSE)
        case cb.SOURCES:
            return await admin.sources.redraw(who)
        case _:
            return await admin.stats.redraw(who)


async def _refresh(press: Press, admin: Admin, key: str) -> None:
    """Refresh one source now: a progress message, then the result in its place."""
    found = await admin.sources.resolve(press.who, key)
    if found.name is None:
        assert found.notice is not None
        await press.out.notice(found.notice)
        return
    await press.out.answer(t(found.lang, "admin.src.refresh_started"))
    (progress,) = await press.out.reply(admin.sources.refreshing(found.lang, found.name))
    result = await admin.sources.refresh(press.who, found.name)
    if progress is not None:
        await press.out.edit(progress, result)


def routes() -> list[Route]:
    return [
        Command(("broadcast",), broadcast, admin=True, rich=True),
        Command(("stats",), stats, admin=True),
        Command(("sources",), sources, admin=True),
        # Every "adm:" choice, forged ones included.
        Buttons(cb.PATTERN, on_choice),
    ]
