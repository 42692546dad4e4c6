"""The bot's core services, built once at start-up and shared by every channel adapter."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from bot.chat.reader import Reader
from bot.config import Settings
from bot.ingest.pipeline import Ingestor
from storage.db import Database


@dataclass
class Core:
    """What handlers and jobs need: settings, the database, and the command cores."""

    settings: Settings
    db: Database
    http: httpx.AsyncClient
    reader: Reader
    ingestor: Ingestor | None = None
    # Users who may use admin commands (NEWSBOT_ADMIN_IDS, plus the demo user in the demo).
    admin_ids: frozenset[int] = field(default_factory=frozenset)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids
