"""/channels (/kenh): the bot's admins link channels and groups from a private chat.

The bot learns the chats it is in from the platform (`bot.chat.memberships`); this lists the
channels and groups where it is now, and for one of them shows the category picker of that chat
(the same picker a reader sees, "all categories" first) whose toggles subscribe the chat itself.
Both are paged (bot/chat/listing.py): a bot in hundreds of chats, or a source with hundreds of
categories, would otherwise need more buttons than a message may carry.
Linking a channel is nothing more than subscribing it: from then on it gets the cards of those
categories like any reader (paced as a group: 20 a minute). "Unlink" removes every subscription
of the chat itself (its forum topics keep theirs).

Choices (all checked against the admin list before anything else, forged ones included):

    chn:l                          the list again
    chn:p:<page>                   another page of the list
    chn:s:<membership id>          one chat's picker
    chn:g:<membership id>:<page>   another page of one chat's picker
    chn:t:<membership id>:<category id|all>   toggle a category (or all) for that chat
    chn:u:<membership id>          unlink the chat
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.chat import picker
from bot.chat.common import Common
from bot.chat.listing import nav_row, page_of
from bot.i18n import t
from bot.message import Choice, Message, Notice, Text, Who
from storage import memberships, subscriptions
from storage.memberships import Membership

log = logging.getLogger(__name__)

PATTERN = r"^chn:"  # what the adapter routes here: anything that claims to be one of these
LIST, SHOW, TOGGLE, UNLINK = "l", "s", "t", "u"
LIST_PAGE, PICKER_PAGE = "p", "g"  # pages: of the list, of a chat's picker
# Chat types an admin may link (a private chat links itself with /subscribe).
LINKABLE = ("channel", "supergroup", "group")
_TITLE_CHARS = 48
CHATS_PER_PAGE = 20  # chats per page of the list

_SHAPE = re.compile(r"^chn:(?:(l)|([su]):(\d{1,12})|(t):(\d{1,12}):(all|\d{1,12})"
                    r"|(p):(\d{1,4})|(g):(\d{1,12}):(\d{1,4}))$", re.ASCII)


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    action: str
    membership_id: int = 0
    target: int | str = 0  # a category id, or picker.ALL
    page: int = 0  # the page of the list, or of the chat's picker


def parse(data: str | None) -> ChannelChoice | None:
    """The choice, or None when `data` is not one of ours (forged, stale or garbage)."""
    if not data or len(data) > 64:
        return None
    match = _SHAPE.fullmatch(data)
    if match is None:
        return None
    if match.group(1):
        return ChannelChoice(LIST)
    if match.group(2):
        return ChannelChoice(match.group(2), int(match.group(3)))
    if match.group(7):
        return ChannelChoice(LIST, page=int(match.group(8)))
    if match.group(9):
        return ChannelChoice(SHOW, int(match.group(10)), page=int(match.group(11)))
    target = match.group(6)
    return ChannelChoice(TOGGLE, int(match.group(5)),
                         picker.ALL if target == picker.ALL else int(target))


def _icon(found: Membership) -> str:
    return "📢" if found.chat_type == "channel" else "👥"


def _title(found: Membership) -> str:
    title = found.title or found.chat.id
    return title if len(title) <= _TITLE_CHARS else title[:_TITLE_CHARS - 1] + "…"


class ChannelLinks:
    """The /channels dialog (see the module docstring)."""

    def __init__(self, common: Common) -> None:
        self.common = common
        self.db = common.db

    async def _lang(self, who: Who) -> str:
        return await self.common.language(who.chat)

    async def listing(self, who: Who, page: int = 0) -> Message:
        """Every channel and group the bot is in (a page at a time), each a choice that opens
        its picker."""
        lang = await self._lang(who)
        if not self.common.is_admin(who):
            return Message(t(lang, "admin.refused"))
        found = await memberships.present(self.db, types=LINKABLE)
        if not found:
            return Message(t(lang, "channels.none"))
        shown = page_of(len(found), CHATS_PER_PAGE, page)
        rows: list[tuple[Choice, ...]] = []
        for chat in found[shown.start:shown.end]:
            count = sum((await subscriptions.count_for(self.db, chat.chat)).values())
            state = t(lang, "channels.count", count=count) if count \
                else t(lang, "channels.unlinked")
            label = f"{_icon(chat)} {_title(chat)} · {state}"
            if not chat.can_post:
                label += f" · {t(lang, 'channels.no_post')}"
            rows.append((Choice(label, action=f"chn:{SHOW}:{chat.id}"),))
        nav = nav_row(shown, lang, lambda number: f"chn:{LIST_PAGE}:{number}")
        if nav:
            rows.append(nav)
        return Message(t(lang, "channels.title"), tuple(rows))

    async def choose(self, who: Who, choice: ChannelChoice) -> Notice:
        """A choice of the dialog (the caller checked it parses)."""
        lang = await self._lang(who)
        if not self.common.is_admin(who):
            log.warning("channels: refused user=%s chat=%s", who.user_id, who.chat)
            return Notice(t(lang, "admin.refused"), alert=True)
        if choice.action == LIST:
            return Notice(edit=await self.listing(who, choice.page))
        found = await memberships.by_id(self.db, choice.membership_id)
        if found is None or not found.present or found.chat_type not in LINKABLE:
            return Notice(t(lang, "channels.gone"), alert=True,
                          edit=await self.listing(who))
        if choice.action == SHOW:
            return Notice(edit=await self._picker(found, lang, choice.page))
        if choice.action == UNLINK:
            async with self.db.transaction() as conn:
                await subscriptions.remove_all(conn, found.chat)
            log.info("channels: admin %s unlinked chat=%s", who.user, found.chat)
            return Notice(t(lang, "channels.unlinked_done", title=_title(found)),
                          edit=await self._picker(found, lang))
        toggled = await picker.toggle(
            self.db, found.chat, choice.target, chat_type=found.chat_type,
            language=self.common.default_language, lang=lang, now=int(self.common.clock()))
        if toggled is None:
            return Notice(t(lang, "button.invalid"))
        log.info("channels: admin %s turned %s %s for chat=%s", who.user,
                 "on" if toggled.on else "off", toggled.name, found.chat)
        key = "channels.toggle_on" if toggled.on else "channels.toggle_off"
        around = choice.target if isinstance(choice.target, int) else None
        return Notice(t(lang, key, title=_title(found), category=toggled.name),
                      edit=await self._picker(found, lang, around=around))

    async def _picker(self, found: Membership, lang: str, page: int = 0, *,
                      around: int | None = None) -> Message:
        def action(target: int | str) -> str:
            return f"chn:{TOGGLE}:{found.id}:{target}"

        choices, _, _ = await picker.choices(
            self.db, found.chat, lang, action, page=page, around=around,
            nav=lambda number: f"chn:{PICKER_PAGE}:{found.id}:{number}")
        kind = t(lang, "channels.kind_channel" if found.chat_type == "channel"
                 else "channels.kind_group")
        text: Text = t(lang, "channels.picker", icon=_icon(found), title=_title(found),
                       kind=kind)
        if not found.can_post:
            text = text + "\n" + t(lang, "channels.no_post")
        footer = (Choice(str(t(lang, "channels.unlink")), action=f"chn:{UNLINK}:{found.id}"),
                  Choice(str(t(lang, "channels.back")), action=f"chn:{LIST}"))
        return Message(text, (*choices, footer))
