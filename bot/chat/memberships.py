"""The bot added to or removed from a chat: what the platform reports (Telegram's
`my_chat_member` updates), remembered for the admins' /channels, and acted on.

- Removed (left, kicked; blocked, in a private chat): the chat is marked inactive at once and
  its pending deliveries skipped, in one transaction; the delivery worker skips what it had
  already read of that chat. Nothing is sent there any more (every send would be refused).
  Several processes (PostgreSQL): `on_gone` tells this process's worker only, on purpose; a row
  another process had claimed before is refused by the platform when it tries it (the bot is
  no longer there), which that worker treats as a gone chat, so nothing is sent twice nor lost.
- Added back: a chat that was inactive is active again with its subscriptions as they were
  (its admins need not subscribe again).
Group and channel memberships are stored (`storage.memberships`): the admins link channels
from there; a user's private chat is not (that is not a place to link).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.common import Common
from bot.message import ChatRef, UserRef
from storage import chats, memberships
from storage import deliveries as outbox

log = logging.getLogger(__name__)

REMOVED = ("left", "kicked")


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """The bot's new status in a chat, in channel-neutral terms."""

    chat: ChatRef
    chat_type: str  # "private", "group", "supergroup", "channel"
    title: str
    status: str  # creator, administrator, member, restricted, left, kicked
    can_post: bool  # the bot may post there (a channel admin needs "post messages")
    by: UserRef | None = None  # who added or removed the bot

    @property
    def removed(self) -> bool:
        return self.status in REMOVED


class Memberships:
    """Acts on membership changes; `on_gone(chat)` tells the delivery worker."""

    def __init__(self, common: Common, on_gone: Callable[[ChatRef], None] | None = None
                 ) -> None:
        self.common = common
        self.db = common.db
        self.on_gone = on_gone

    async def changed(self, change: MembershipChange) -> None:
        chat = change.chat.base
        now = int(self.common.clock())
        async with self.db.transaction() as conn:
            if change.chat_type != "private":
                await memberships.record(conn, chat, chat_type=change.chat_type,
                                         title=change.title, status=change.status,
                                         can_post=change.can_post, now=now)
            if change.removed:
                await chats.mark_inactive(conn, chat, f"bot removed from the chat "
                                                      f"({change.status})")
                skipped = await outbox.skip_chat(conn, chat, "chat inactive", now=now)
            else:
                skipped = 0
                reactivated = await chats.reactivate(conn, chat)
        if change.removed:
            if self.on_gone is not None:
                self.on_gone(chat)
            log.info("chat=%s (%s): the bot was removed (%s) by %s; %d pending deliveries "
                     "skipped", chat, change.chat_type, change.status, change.by or "?", skipped)
        else:
            log.info("chat=%s (%s %r): the bot is %s (by %s)%s", chat, change.chat_type,
                     change.title[:60], change.status, change.by or "?",
                     "; the chat is active again" if reactivated else "")
