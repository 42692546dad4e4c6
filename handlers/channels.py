"""Channels and groups as readers: the admins' /channels (/kenh) dialog and its "chn:" choices,
and what the platform says when the bot is added to or removed from a chat.

(A channel's own admins need nothing here: /subscribe posted in the channel is the reader's
command, handlers/reader.py; the adapter takes channel posts like messages.)

Gating: /channels is an admin command (`Command(admin=True)`: the adapter lets only admins
reach it); every "chn:" choice comes to `on_choice`, and the core checks the chooser is an admin
before it does anything, forged choices included.
"""

from __future__ import annotations

import logging

from bot.admin import channels as links
from bot.chat.memberships import MembershipChange
from bot.core import Core
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def channels_command(req: Request) -> None:
    """List the channels and groups the bot is in, to link them to categories."""
    admin = req.core.admin
    if admin is None:
        raise RuntimeError("the admin tools are not ready")
    await req.out.reply(await admin.channels.listing(req.who))


async def on_choice(press: Press) -> None:
    """A choice of the /channels dialog (the core checks the chooser is an admin)."""
    admin = press.core.admin
    if admin is None:
        raise RuntimeError("the admin tools are not ready")
    choice = links.parse(press.data)
    if choice is None:
        log.warning("user_id=%s forged or stale channels action %r", press.who.user_id,
                    press.data[:80])
        lang = await press.core.reader.language(press.who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    await press.out.notice(await admin.channels.choose(press.who, choice))


async def on_membership(core: Core, change: MembershipChange) -> None:
    """The bot was added to a chat, removed from it, or its rights there changed."""
    await core.memberships.changed(change)


def routes() -> list[Route]:
    return [
        Command(("channels", "kenh"), channels_command, admin=True),
        Buttons(links.PATTERN, on_choice),
    ]
