"""/popular (/noibat): the most-read articles of the last 7 days; and the card's choices,
"Xem thêm" (a longer excerpt) and 👍, which are what /popular counts."""

from __future__ import annotations

import logging

from bot.chat import callbacks
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def popular(req: Request) -> None:
    """List the most-read articles of the last 7 days, of one category when named."""
    await req.out.reply(await req.core.popular.popular(req.who, " ".join(req.words)))


async def on_card(press: Press) -> None:
    """A card's "Xem thêm" or 👍."""
    parsed = callbacks.parse(press.data)
    if parsed is None or parsed.action not in (callbacks.MORE, callbacks.LIKE):
        log.warning("user_id=%s forged card action %r", press.who.user_id, press.data[:80])
        lang = await press.core.reader.language(press.who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    core = press.core.popular
    if parsed.action == callbacks.MORE:
        await press.out.notice(await core.more(press.who, parsed.number))
    else:
        await press.out.notice(await core.like(press.who, parsed.number))


def routes() -> list[Route]:
    return [Command(("popular", "noibat"), popular), Buttons(callbacks.CARD, on_card)]
