"""Typed callback context for python-telegram-bot (see PTB's contexttypesbot.py example).

`context.core` replaces string lookups in `bot_data`.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.core import Core
from bot.delivery.outbound import Outbound


class BotData:
    """The application-wide data: what build_application decided, and the core (post_init)."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.admin_ids: frozenset[int] = frozenset()
        self.schedule_ingestion = True
        self.core: Core | None = None
        # Whether post_init opened the core (then post_shutdown closes it); a core given by
        # `bot.run` (several channels on one core) is opened and closed there.
        self.owns_core = True
        # (chat id, user id) -> (is admin, checked at): group admin look-ups are cached briefly.
        self.group_admin_cache: dict[tuple[int, int], tuple[bool, float]] = {}


class NewsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def core(self) -> Core:
        core = self.bot_data.core
        if core is None:
            raise RuntimeError("the core is not ready (post_init has not run)")
        return core

    @property
    def outbound(self) -> Outbound:
        """Everything this bot sends goes through here (one sender, one pacer)."""
        return self.core.outbound["telegram"]


CONTEXT_TYPES = ContextTypes(context=NewsContext, bot_data=BotData)
