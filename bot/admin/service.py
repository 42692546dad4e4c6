"""The admin tools as one object the core holds: broadcasts, /stats, /sources and /channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.admin.alerts import AdminAlertHandler
from bot.admin.broadcast import Broadcasts, Outbox
from bot.admin.channels import ChannelLinks
from bot.admin.sources import SourcesAdmin
from bot.admin.stats import Stats
from bot.chat.common import Common
from bot.ingest.pipeline import Ingestor


@dataclass
class Admin:
    broadcasts: Broadcasts
    stats: Stats
    sources: SourcesAdmin
    channels: ChannelLinks
    alerts: AdminAlertHandler | None = None  # set while error alerts go to an admin

    @classmethod
    def build(cls, common: Common, *, ingestor: Callable[[], Ingestor | None],
              outbox: Callable[[], Outbox | None], progress_gap: float = 3.0,
              uncertain_replies: Callable[[], int] = lambda: 0) -> Admin:
        """The admin tools. `ingestor` and `outbox` return the current Ingestor and delivery
        worker (None: no sources / no worker), which may be built after the tools; a
        broadcast's progress message is edited at most once per `progress_gap` seconds;
        `uncertain_replies` counts the ambiguous sends of replies since the start (/stats)."""
        return cls(Broadcasts(common, outbox, min_gap=progress_gap),
                   Stats(common, ingestor, uncertain_replies),
                   SourcesAdmin(common, ingestor), ChannelLinks(common))
