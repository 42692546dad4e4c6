"""/search (/timkiem) and the choices of its results (open a result, previous/next page)."""

from __future__ import annotations

import logging

from bot.chat.search import FAMILY, OPEN, TYPED, parse_button
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def search(req: Request) -> None:
    """Search the archive for the given words (accents optional)."""
    await req.out.reply(await req.core.search.search(req.who, " ".join(req.words)))


async def on_choice(press: Press) -> None:
    """Open a search result or show another page of results."""
    core = press.core.search
    button = parse_button(press.data)
    if button is None:
        log.warning("user_id=%s forged search action %r", press.who.user_id, press.data[:80])
        notice = Notice(t(await press.core.reader.language(press.who), "button.invalid"))
    elif button.action == OPEN:
        notice = await core.open(press.who, button.article_id)
    elif button.action == TYPED:
        notice = Notice(send=await core.search(press.who, button.words))
    else:
        notice = await core.page(press.who, button.session, button.page)
    await press.out.notice(notice)


def routes() -> list[Route]:
    return [Command(("search", "timkiem"), search), Buttons(FAMILY, on_choice)]
