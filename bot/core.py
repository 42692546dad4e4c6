"""The bot's core services, built once at start-up and shared by every channel adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import httpx

from bot.admin.service import Admin
from bot.chat.clusters import Clusters
from bot.chat.digest import DigestPages
from bot.chat.popular import Popular
from bot.chat.reader import Reader
from bot.chat.search import Search
from bot.config import Settings
from bot.delivery.worker import DeliveryWorker
from bot.digest.scheduler import DigestScheduler
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
    # The admin tools (/broadcast, /stats, /sources), built in post_init by handlers.admin.
    admin: Admin | None = None
    # The push delivery worker (started in post_init): `wake()` it after enqueueing deliveries.
    delivery: DeliveryWorker | None = None

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    @cached_property
    def popular(self) -> Popular:
        """The card's 👍 and "Xem thêm", and /popular (built on first use)."""
        return Popular(self.reader)

    @cached_property
    def clusters(self) -> Clusters:
        """/cluster and /setcluster (built on first use)."""
        return Clusters(self.reader, self.admin_ids)

    @cached_property
    def search(self) -> Search:
        """/search and its result pages (built on first use)."""
        return Search(self.reader)

    @cached_property
    def digests(self) -> DigestScheduler:
        """The daily digests: made by a repeating job (the reader's clock decides the time)."""
        return DigestScheduler(self.reader)

    @cached_property
    def digest_pages(self) -> DigestPages:
        """A digest's "more" button."""
        return DigestPages(self.reader)
