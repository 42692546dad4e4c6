"""Date and time as Vietnamese readers write them: "15/12/2021 14:30" (day first, 24-hour clock).

The one place that formats a moment for display, so cards, digests and /stats agree. Stored times
are UTC; callers pass the display zone (`NEWSBOT_TIMEZONE`, default Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def format_local_datetime(dt: datetime, tz: tzinfo) -> str:
    """`dt` in the zone `tz` as "dd/mm/yyyy HH:MM"; a naive `dt` is taken as UTC (as stored)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(tz).strftime("%d/%m/%Y %H:%M")
    except (OverflowError, ValueError):
        # At the edge of the calendar (a year-9999 date stored by an older version): the zone
        # shift overflows. Shown as stored rather than failing the whole reply.
        return dt.strftime("%d/%m/%Y %H:%M")
