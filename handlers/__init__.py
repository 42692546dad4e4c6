"""Command and choice handlers, channel-neutral: parse the request, call the core, reply.

Each module is one command family and exposes its handlers through `routes()`: `Command`s (a
command's names, English first, then the Vietnamese aliases) and `Buttons` (a family of choices,
by the prefix of their action). `all_routes()` assembles them in one place; a channel adapter
registers them with its platform (`bot/telegram/routes.py` for Telegram; the Zalo adapter,
`bot/zalo/incoming.py`, dispatches its text messages and numbered answers to the same
routes). Because every family owns its own prefix and one route takes the actions nobody owns,
the order of registration does not matter.

A handler receives a `Request` (a command) or a `Press` (a chosen choice): who is asking, the
arguments, the core, and `out`, the conversation through which everything goes back (paced with
every other message of the bot, replies first).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial, wraps

from bot.chat.memberships import MembershipChange
from bot.core import Core
from bot.delivery.outbound import Conversation
from bot.message import Photo, Text, Who


@dataclass(frozen=True, slots=True)
class Content:
    """What a message carries beyond its words: its formatted text (the caption of a photo),
    its photo, and the message it answers. Only for commands that ask for it (`rich`)."""

    text: Text
    photo: Photo | None = None
    replied: Content | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """A command (or a plain message) as the handlers see it, whatever the channel."""

    who: Who
    core: Core
    out: Conversation
    command: str  # the command as typed, without "/" ("start", "dangky"); "" for plain text
    argument: str  # the raw text after the command
    content: Content | None = None

    @property
    def words(self) -> list[str]:
        return self.argument.split()


@dataclass(frozen=True, slots=True)
class Press:
    """A chosen choice (a pressed inline button on Telegram): its action, and who chose it."""

    who: Who
    core: Core
    out: Conversation  # knows the pressed message and answers the press
    data: str


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its names, English first; `admin`: admins only (the adapter gates it at
    registration, the core checks again); `rich`: the handler reads the message's formatting
    and photo, and the command may come as a photo's caption."""

    names: tuple[str, ...]
    run: Callable[[Request], Awaitable[None]]
    admin: bool = False
    rich: bool = False


@dataclass(frozen=True, slots=True)
class Buttons:
    """A family of choices: the actions matching `pattern` (a prefix) go to `run`."""

    pattern: str
    run: Callable[[Press], Awaitable[None]]

    def owns(self, data: str) -> bool:
        return re.match(self.pattern, data) is not None


Route = Command | Buttons


@dataclass(frozen=True, slots=True)
class Routes:
    """Everything a channel adapter registers."""

    commands: Sequence[Command]
    buttons: Sequence[Buttons]
    refuse: Callable[[Request], Awaitable[None]]  # an admin command from anyone else
    unknown_command: Callable[[Request], Awaitable[None]]
    text: Callable[[Request], Awaitable[None]]  # a message that is no command
    unknown_button: Callable[[Press], Awaitable[None]]  # an action no family owns
    # The bot added to or removed from a chat (platforms that report it: Telegram).
    membership: Callable[[Core, MembershipChange], Awaitable[None]] | None = None


def all_routes() -> Routes:
    """Every command and choice family, from the modules of this package."""
    from handlers import (
        admin,
        channels,
        cluster,
        digest,
        fallback,
        follow,
        popular,
        reader,
        search,
        sources,
    )

    found: list[Route] = []
    for module in (reader, popular, search, follow, digest, cluster, admin, channels, sources):
        found.extend(module.routes())

    async def text(req: Request) -> None:
        """A message that is no command: the answer to an open /setcluster dialog, if the chat
        has one, else the reader's hint."""
        if not await cluster.typed(req):
            await fallback.plain_text(req)

    # Any command ends an open /setcluster dialog in its chat (a new command, a new subject).
    ending = partial(_first, cluster.interrupt)
    return Routes(
        commands=[replace(r, run=ending(r.run)) for r in found if isinstance(r, Command)],
        buttons=[r for r in found if isinstance(r, Buttons)],
        refuse=admin.refuse, unknown_command=ending(fallback.unknown_command), text=text,
        unknown_button=fallback.unknown_button, membership=channels.on_membership,
    )


def _first(before: Callable[[Request], Awaitable[None]],
           run: Callable[[Request], Awaitable[None]]) -> Callable[[Request], Awaitable[None]]:
    """`run`, after `before` (with `run`'s name and docstring: the adapter shows them)."""

    @wraps(run)
    async def both(req: Request) -> None:
        await before(req)
        await run(req)

    return both
