"""Numbers, progress bars and times as the admin tools show them.

Vietnamese groups thousands with "." ("1.200"), English with "," ("1,200"). Dates go through
`bot.text.datefmt` so every screen agrees ("15/12/2021 14:30" in the configured zone).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.text.datefmt import format_local_datetime

BAR_CELLS = 10
_FULL, _EMPTY = "▰", "▱"


def number(value: int, lang: str) -> str:
    """`value` with thousands grouped the way `lang` writes them."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if lang == "vi" else grouped


def percent(done: int, total: int) -> int:
    """Whole percent done; 100 only when everything is done (never rounded up to it)."""
    if total <= 0:
        return 100
    value = done * 100 // total
    return 100 if done >= total else min(value, 99)


def progress_bar(done: int, total: int, cells: int = BAR_CELLS) -> str:
    """A bar like "▰▰▰▱▱▱▱▱▱▱" of `cells` cells."""
    filled = cells if total <= 0 else min(cells, done * cells // total)
    return _FULL * filled + _EMPTY * (cells - filled)


def when(timestamp: int | None, tz: tzinfo) -> str | None:
    """A stored unix time as "dd/mm/yyyy HH:MM" local time; None stays None."""
    if timestamp is None:
        return None
    return format_local_datetime(datetime.fromtimestamp(timestamp, UTC), tz)


def duration(seconds: float, lang: str) -> str:
    """A short duration: "45 giây", "12 phút", "3 giờ 5 phút" (or English)."""
    seconds = max(0, int(seconds))
    units = {"vi": ("giây", "phút", "giờ"), "en": ("s", "min", "h")}.get(lang, ("s", "min", "h"))
    sec, minute, hour = units
    sep = " "
    if seconds < 60:
        return f"{seconds}{sep}{sec}"
    if seconds < 3600:
        return f"{seconds // 60}{sep}{minute}"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}{sep}{hour}" + (f" {minutes}{sep}{minute}" if minutes else "")
