"""The admin tools as one object the core holds: broadcasts, /stats and /sources."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.admin.alerts import AdminAlertHandler
from bot.admin.broadcast import AdminConfig, Broadcasts, Outbox
from bot.admin.sources import SourcesAdmin
from bot.admin.stats import Stats
from bot.chat.reply import Who
from bot.delivery.compose import Composer
from bot.delivery.worker import DeliveryWorker
from bot.ingest.pipeline import Ingestor
from storage.db import Database


class WorkerOutbox:
    """The delivery worker as broadcasts use it: wake it, make it re-read a stopped broadcast."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker

    def wake(self) -> None:
        self.worker.wake()

    def forget_broadcast(self, broadcast_id: int) -> None:
        if isinstance(self.worker.source, Composer):
            self.worker.source.forget_broadcast(broadcast_id)


@dataclass
class Admin:
    config: AdminConfig
    broadcasts: Broadcasts
    stats: Stats
    sources: SourcesAdmin
    alerts: AdminAlertHandler | None = None  # set while error alerts go to an admin

    @classmethod
    def build(cls, db: Database, config: AdminConfig, *,
              ingestor: Callable[[], Ingestor | None], outbox: Callable[[], Outbox | None],
              progress_gap: float = 3.0, clock: Callable[[], float] = time.time) -> Admin:
        """The admin tools on `db`. `ingestor` and `outbox` return the current Ingestor and
        delivery worker (None: no sources / no worker), which may be built after the tools;
        a broadcast's progress message is edited at most once per `progress_gap` seconds."""
        return cls(config, Broadcasts(db, config, outbox, clock, min_gap=progress_gap),
                   Stats(db, config, ingestor, clock), SourcesAdmin(db, config, ingestor, clock))

    def is_admin(self, who: Who) -> bool:
        return who.user_id is not None and who.user_id in self.config.admin_ids

    @property
    def alert_chat_id(self) -> int | None:
        """Where error alerts go: the first admin (ids form a set: the lowest one)."""
        return min(self.config.admin_ids) if self.config.admin_ids else None
