"""What the bot says to anything no other route took: unknown commands, plain text, and choices
whose action no family owns (forged, or from an older version)."""

from __future__ import annotations

import logging

from bot.chat.search import search_offer
from bot.i18n import t
from bot.message import Choice, Choices, Message, Notice
from handlers import Press, Request

log = logging.getLogger(__name__)


async def unknown_command(req: Request) -> None:
    """Point to /help."""
    lang = await req.core.reader.language(req.who)
    await req.out.reply(Message(t(lang, "command.unknown")))


async def plain_text(req: Request) -> None:
    """In a private chat, hint at the commands and offer to search the message's words
    ("🔎 Tìm «…»"); in groups people talk to each other: be quiet."""
    if req.who.chat_type != "private":
        return
    lang = await req.core.reader.language(req.who)
    offer = search_offer(req.argument)
    choices: Choices = ()
    if offer is not None:
        shown, action = offer
        choices = ((Choice(str(t(lang, "text.search_button", query=shown)), action=action),),)
    await req.out.reply(Message(t(lang, "text.hint"), choices))


async def unknown_button(press: Press) -> None:
    """An action nobody owns: say the choice is invalid or expired."""
    log.warning("user_id=%s unknown or stale action %r", press.who.user_id, press.data[:80])
    lang = await press.core.reader.language(press.who)
    await press.out.notice(Notice(t(lang, "button.invalid")))
