"""Reader commands and the reader's choices: /start /help /categories /subscribe /unsubscribe
/latest /settings /stop (with their Vietnamese aliases); subscriptions, settings, opening an
article."""

from __future__ import annotations

import logging

from bot.chat import callbacks, picker
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def start(req: Request) -> None:
    """Welcome the reader and show the category picker, or open a deep-linked article."""
    payload = req.words[0] if req.words else None
    await req.out.reply(*await req.core.reader.start(req.who, payload))


async def help_command(req: Request) -> None:
    """Explain what the bot does and list every command."""
    await req.out.reply(await req.core.reader.help(req.who))


async def categories(req: Request) -> None:
    """Show the categories with ✅ toggles."""
    await req.out.reply(await req.core.reader.categories(req.who))


async def subscribe(req: Request) -> None:
    """Subscribe to the named category, or to all of them ("all", "tất cả"); no argument: the
    picker."""
    await req.out.reply(await req.core.reader.subscribe(req.who, " ".join(req.words)))


async def unsubscribe(req: Request) -> None:
    """Unsubscribe from the named category, or from all."""
    await req.out.reply(await req.core.reader.unsubscribe(req.who, " ".join(req.words)))


async def latest(req: Request) -> None:
    """List the newest articles, of one category when named."""
    await req.out.reply(await req.core.reader.latest(req.who, " ".join(req.words)))


async def settings_command(req: Request) -> None:
    """Show the chat's settings with choices to change them."""
    await req.out.reply(await req.core.reader.settings(req.who))


async def stop(req: Request) -> None:
    """Ask, then unsubscribe from everything and delete what is stored about the chat."""
    await req.out.reply(await req.core.reader.stop(req.who))


async def on_choice(press: Press) -> None:
    """A reader's choice: a subscription toggle or another page of the picker, the language, the
    delivery mode, an article."""
    reader = press.core.reader
    parsed = callbacks.parse(press.data)
    if parsed is None:
        log.warning("user_id=%s forged or stale action %r", press.who.user_id, press.data[:80])
        await press.out.notice(Notice(t(await reader.language(press.who), "button.invalid")))
        return
    if parsed.action in (callbacks.TOGGLE, callbacks.WELCOME_TOGGLE):
        notice = await reader.toggle(press.who, parsed.number,
                                     welcome=parsed.action == callbacks.WELCOME_TOGGLE)
    elif parsed.action == callbacks.ALL:
        notice = await reader.toggle(press.who, picker.ALL, welcome=parsed.value == "w")
    elif parsed.action == callbacks.LANG:
        notice = await reader.set_language(press.who, parsed.value)
    elif parsed.action == callbacks.DELIVERY:
        notice = await reader.delivery(press.who, parsed.value)
    elif parsed.action == callbacks.HOUR:
        notice = await reader.digest_hour(press.who, parsed.number)
    elif parsed.action == callbacks.STOP:
        notice = await reader.stop_answer(press.who, parsed.value)
    elif parsed.action in (callbacks.PICKER, callbacks.WELCOME_PAGE):
        notice = await reader.picker_page(press.who, parsed.number,
                                          welcome=parsed.action == callbacks.WELCOME_PAGE)
    else:  # callbacks.OPEN
        notice = Notice(send=await reader.open_article(press.who, parsed.number))
    await press.out.notice(notice)


def routes() -> list[Route]:
    return [
        Command(("start",), start),
        Command(("help", "huongdan"), help_command),
        Command(("categories", "chuyenmuc"), categories),
        Command(("subscribe", "dangky"), subscribe),
        Command(("unsubscribe", "huydangky"), unsubscribe),
        Command(("latest", "tinmoi"), latest),
        Command(("settings", "caidat"), settings_command),
        Command(("stop",), stop),
        Buttons(callbacks.READER, on_choice),
    ]
