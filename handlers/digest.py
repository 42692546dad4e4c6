"""The daily digest's "more" choice, and the pages of the list it opens. (The delivery mode is
chosen in /settings, handlers/reader.py; due digests are made by a job of the core.)"""

from __future__ import annotations

import logging

from bot.chat.digest import FAMILY, PAGE, parse_button
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Press, Route

log = logging.getLogger(__name__)


async def on_choice(press: Press) -> None:
    """A digest's "more" choice, and the pages of the list it opens."""
    button = parse_button(press.data)
    if button is None:
        log.warning("user_id=%s forged digest action %r", press.who.user_id, press.data[:80])
        notice = Notice(t(await press.core.reader.language(press.who), "button.invalid"))
    else:
        notice = await press.core.digest_pages.more(press.who, button.digest_id, button.page,
                                                    edit=button.action == PAGE)
    await press.out.notice(notice)


def routes() -> list[Route]:
    return [Buttons(FAMILY, on_choice)]
