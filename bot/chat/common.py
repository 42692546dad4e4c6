"""What every part of the chat core shares: the database, the clock and time zone, the chats'
languages, who the admins are, how much text a message holds on each channel, and where the
bot's web pages are.

One object, built once, so that "is this person an admin?" and "which language does this chat
speak?" have one answer each, wherever they are asked.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.cluster.units import official_style
from bot.config import DEFAULT_ORGANISATION
from bot.message import TELEGRAM, ZALO, ChatRef, Limits, UserRef, Who
from storage import chats
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Admins:
    """The people who may use the admin commands and buttons (each channel's own user ids)."""

    users: frozenset[UserRef] = field(default_factory=frozenset)

    @classmethod
    def of(cls, telegram: Iterable[int | str] = (), zalo: Iterable[str] = ()) -> Admins:
        """From the settings: Telegram user ids (NEWSBOT_ADMIN_IDS) and Zalo user ids
        (NEWSBOT_ZALO_ADMIN_IDS)."""
        return cls(frozenset(UserRef(TELEGRAM, str(u)) for u in telegram)
                   | frozenset(UserRef(ZALO, str(u)) for u in zalo))

    def allows(self, who: Who) -> bool:
        return who.user is not None and who.user in self.users

    def ids(self, channel: str) -> list[str]:
        return [u.id for u in self.users if u.channel == channel]

    def alert_chat(self, channels: Iterable[str] | None = None) -> ChatRef | None:
        """Where error alerts go: the private chat of the first Telegram admin (the ids form a
        set, so "first" is the lowest), else of the first Zalo admin (on Zalo a private chat's
        id is its user's id). `channels`: only admins of these (the channels being served)."""
        for channel in (TELEGRAM, ZALO):
            if channels is not None and channel not in channels:
                continue
            ids = self.ids(channel)
            if ids:
                return ChatRef(channel, min(ids, key=_numeric))
        return None


def _numeric(user_id: str) -> tuple[int, str]:
    try:
        return int(user_id), ""
    except ValueError:
        return 0, user_id


# Whether the person asking may change their chat's settings right now, asked from the
# platform (a group's admins change; the adapter's `Who.can_manage` may be a minute old).
RightsCheck = Callable[[Who], Awaitable[bool]]


class Common:
    """The shared state of the chat core (see the module docstring)."""

    def __init__(self, db: Database, *, default_language: str, tz: ZoneInfo,
                 limits: Mapping[str, Limits], admins: Admins | None = None,
                 public_url: str | None = None, clock: Callable[[], float] = time.time,
                 organisation: str = DEFAULT_ORGANISATION) -> None:
        self.db = db
        # NEWSBOT_ORGANISATION, in official style ("Thành phố Hồ Chí Minh").
        self.organisation = official_style(" ".join(organisation.split()))
        self.default_language = default_language
        self.tz = tz
        # NEWSBOT_PUBLIC_URL: archive articles link to their page on the bot's web server.
        self.public_url = public_url
        self.admins = admins or Admins()
        self._limits = dict(limits)
        self._rights: dict[str, RightsCheck] = {}
        # Wall-clock unix time; tests set the time here for every part of the core at once.
        self.clock = clock

    async def language(self, chat: ChatRef) -> str:
        """The chat's language (the default for a chat we do not know)."""
        return await chats.language(self.db, chat) or self.default_language

    def is_admin(self, who: Who) -> bool:
        return self.admins.allows(who)

    def limits(self, channel: str) -> Limits:
        """How much visible text one message holds on `channel`."""
        return self._limits[channel]

    def add_channel(self, channel: str, limits: Limits,
                    rights: RightsCheck | None = None) -> None:
        self._limits[channel] = limits
        if rights is not None:
            self._rights[channel] = rights

    async def may_manage(self, who: Who) -> bool:
        """Whether `who` may change the chat's subscriptions and settings: asked again from the
        platform for a group (an admin demoted a moment ago may not), `who.can_manage` else."""
        check = self._rights.get(who.chat.channel)
        if check is None or not who.group:
            return who.can_manage
        return await check(who)

    @property
    def channels(self) -> list[str]:
        """The channels plugged in (each with its limits), in the order they were added."""
        return list(self._limits)
