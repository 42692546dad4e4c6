"""/addsource, /removesource and /exportsources (admins): the sources from the chat; the
preview's "as:" choices. Admin commands: the adapter lets only admins reach them; the core
checks again, also for every choice (a forged one included)."""

from __future__ import annotations

import logging

from bot.admin.source_changes import FAMILY, parse_choice
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def add_source(req: Request) -> None:
    """Fetch a feed once, preview it, and ask whether to add it."""
    await req.out.reply(await req.core.source_changes.add(req.who, req.argument))


async def remove_source(req: Request) -> None:
    """Stop polling the named source."""
    await req.out.reply(await req.core.source_changes.remove(req.who, req.argument))


async def export_sources(req: Request) -> None:
    """Send the sources as an OPML file."""
    await req.out.reply(await req.core.source_changes.export(req.who))


async def on_choice(press: Press) -> None:
    """Add or discard a previewed source; after adding, say what the first poll brought."""
    choice = parse_choice(press.data)
    if choice is None:
        log.warning("user_id=%s forged or stale action %r", press.who.user_id, press.data[:80])
        lang = await press.core.reader.language(press.who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    notice, result = await press.core.source_changes.answer(press.who, choice)
    await press.out.notice(notice)
    if result is not None:
        await press.out.reply(result)


def routes() -> list[Route]:
    return [
        Command(("addsource", "themnguon"), add_source, admin=True),
        Command(("removesource", "gonguon"), remove_source, admin=True),
        Command(("exportsources", "xuatnguon"), export_sources, admin=True),
        Buttons(FAMILY, on_choice),
    ]
