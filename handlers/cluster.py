"""/cluster (/cum): emulation-cluster leadership; /setcluster and /review (/duyetcum): the admins
set it, step by step or in one line, and answer the questions about unsure readings; the "clu:"
choices of both.

Gating: /setcluster and /review are admin commands (`Command(admin=True)`): the adapter lets
only admins reach them and sends anyone else to the polite refusal (logged). Every choice whose
action starts with "clu:" comes to `on_choice`, which checks the chooser is an admin before it
even parses the action, so a forged choice gets the same refusal and a log line. The core checks
again behind both.

A dialog is answered by typing too: `typed` offers a plain message to the chat's open dialog
first, and `interrupt` ends the dialog when any command comes (both wired in handlers/__init__).
"""

from __future__ import annotations

import logging

from bot.chat import cluster_callbacks as cb
from bot.i18n import t
from bot.message import Notice
from handlers import Buttons, Command, Press, Request, Route

log = logging.getLogger(__name__)


async def cluster(req: Request) -> None:
    """Show the latest leadership of every cluster, a year's, or one cluster's."""
    # The raw text after the command: "|" separated parts keep their spaces.
    await req.out.reply(await req.core.cluster.show(req.who, req.argument))


async def setcluster(req: Request) -> None:
    """Set or correct a year's cluster leader or deputy (admins): the dialog, or one line."""
    if req.argument.strip():
        await req.out.reply(await req.core.cluster.set_leadership(req.who, req.argument))
    else:
        await req.out.reply(await req.core.cluster_dialog.start(req.who))


async def review(req: Request) -> None:
    """Show the waiting questions about cluster readings, from the first (admins)."""
    await req.out.reply(await req.core.cluster_review.resume(req.who))


async def on_choice(press: Press) -> None:
    """Route a review or dialog choice, after checking that the chooser is an admin."""
    who = press.who
    if not press.core.common.is_admin(who):
        log.warning("cluster button refused: user_id=%s chat=%s data=%r", who.user_id, who.chat,
                    press.data[:80])
        lang = await press.core.reader.language(who)
        await press.out.notice(Notice(t(lang, "admin.refused"), alert=True))
        return
    action = cb.parse(press.data)
    if action is None:
        log.warning("user_id=%s forged or stale cluster action %r", who.user_id,
                    press.data[:80])
        lang = await press.core.reader.language(who)
        await press.out.notice(Notice(t(lang, "button.invalid")))
        return
    if action.action == cb.CORRECT:
        notice = await press.core.cluster_dialog.correct(who, action.candidate_id)
    elif action.review:
        notice = await press.core.cluster_review.answer(who, action)
    else:
        notice = await press.core.cluster_dialog.press(who, action)
    await press.out.notice(notice)


async def typed(req: Request) -> bool:
    """Give a plain message to the chat's open /setcluster dialog; False when it is not one."""
    answer = await req.core.cluster_dialog.typed(req.who, req.argument)
    if answer is None:
        return False
    await req.out.reply(answer)
    return True


async def interrupt(req: Request) -> None:
    """A command ends the chat's open /setcluster dialog."""
    await req.core.cluster_dialog.interrupt(req.who)


def routes() -> list[Route]:
    return [
        Command(("cluster", "cum"), cluster),
        Command(("setcluster",), setcluster, admin=True),
        Command(("review", "duyetcum"), review, admin=True),
        # Every "clu:" choice, forged ones included.
        Buttons(cb.PATTERN, on_choice),
    ]
