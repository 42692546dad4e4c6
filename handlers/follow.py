"""/follow (/theodoi): keyword alerts; the follow list's remove choices."""

from __future__ import annotations

import logging

from bot.chat.follows import FAMILY, parse_remove
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def follow(req: Request) -> None:
    """Follow the words; without words, list the follows with a choice to remove each."""
    await req.out.reply(await req.core.follows.follow(req.who, req.argument))


async def on_choice(press: Press) -> None:
    """A remove choice of the follow list."""
    follow_id = parse_remove(press.data)
    if follow_id is None:
        log.warning("user_id=%s forged or stale action %r", press.who.user_id, press.data[:80])
        lang = await press.core.reader.language(press.who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    await press.out.notice(await press.core.follows.remove(press.who, follow_id))


def routes() -> list[Route]:
    return [
        Command(("follow", "theodoi"), follow),
        Buttons(FAMILY, on_choice),
    ]
