"""Dates the generic parsers miss: odd feed date strings and dates written in Vietnamese text.

`parse_datetime` is the fallback after feedparser for values such as
"Mon, 12 Jun 2017 14:32:00 GMT+7" (Dân trí 2017: feedparser rejects "GMT+7"), two-digit years,
"27/01/2024 10:30" (Vietnamese day/month order) and "Thứ hai, 27/1/2024, 10:30 (GMT+7)".

`find_date_in_text` reads the dateline that opens Vietnamese news ("Chiều 15/12, ...",
"Sáng 3/2/2023", "ngày 15/12/2021", "15-12-2021"). The year is often omitted there; it is
inferred from the article itself (a "năm 2021" in the same sentence, then anywhere in the text),
else from a reference time (the year that puts the date not after it).

Time of day: an explicit time next to the date ("9h30 sáng 15/12", "15/12/2021 lúc 10:30") is
used; otherwise the part of the day gives a typical hour (rạng sáng 05:00, sáng 08:00, trưa 12:00,
chiều 14:00, tối 19:00, đêm/khuya 22:00), so that articles of one day sort in a plausible order;
a bare date is 00:00. All results are timezone-aware.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
# Named zones seen in feeds. ICT (Indochina Time) is Vietnam's own.
_ZONE_MINUTES = {
    "GMT": 0, "UTC": 0, "UT": 0, "Z": 0, "ICT": 420, "EST": -300, "EDT": -240, "CST": -360,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}

_DATE_PATTERNS = (
    # 12 Jun 2017 / 12-Jun-17 / Mon, 12 June 2017
    re.compile(
        r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[A-Za-z]{3,9})\.?,?[\s-]+"
        r"(?P<y>\d{4}|\d{2})(?!\d)"
    ),
    # Jun 12, 2017 / June 12 2017
    re.compile(r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"),
    # 2024-01-27 / 2024/01/27 (year first)
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"),
    # 27/01/2024 / 27-1-24 / 27.01.2024 (Vietnamese order: day first)
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?!\d)"),
)
_TIME = re.compile(
    r"(?<!\d)(?P<H>\d{1,2})(?::|h|H)(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?(?!\d)"
    r"(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
)
_OFFSET = re.compile(r"(?P<sign>[+-])\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?(?!\d)")
_ZONE_NAME = re.compile(r"(?<![A-Za-z])(GMT|UTC|UT|Z|ICT|[ECMP][SD]T)(?![A-Za-z])")


def _year(raw: str) -> int:
    """Two-digit years as in RFC 2822: 00-49 -> 20xx, 50-99 -> 19xx."""
    year = int(raw)
    if len(raw) <= 2:
        year += 2000 if year < 50 else 1900
    return year


def _aware(dt: datetime, tz: tzinfo) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def parse_datetime(raw: str, tz: tzinfo) -> datetime | None:
    """Parse a date string from a feed or a page; naive values are taken to be in `tz`.

    Accepts ISO 8601, RFC 822 with numeric or named zones (also "GMT+7", "UTC+07:00"),
    two-digit years, day-first numeric dates with an optional time before or after. A date
    without a time is midnight. Returns None when nothing sensible is found.
    """
    s = " ".join(raw.split())
    if not s or len(s) > 200:
        return None
    iso = s[:-1] + "+00:00" if s[-1:] in "Zz" else s
    try:
        return _aware(datetime.fromisoformat(iso), tz)
    except ValueError:
        pass
    for pattern in _DATE_PATTERNS:
        match = pattern.search(s)
        if match is None:
            continue
        parts = match.groupdict()
        if parts.get("mon") is not None:
            month = _MONTHS.get(parts["mon"][:3].lower())
            if month is None:
                continue
        else:
            month = int(parts["m"])
        try:
            date = datetime(_year(parts["y"]), month, int(parts["d"]))
        except ValueError:
            return None
        rest = s[: match.start()] + " " + s[match.end() :]
        return _with_time_and_zone(date, rest, tz)
    return None


def _with_time_and_zone(date: datetime, rest: str, tz: tzinfo) -> datetime | None:
    """Add the time and the zone found in `rest` (the string without its date) to `date`."""
    hour = minute = second = 0
    zone_text = ""
    time_match = _TIME.search(rest)
    if time_match is not None:
        hour, minute = int(time_match["H"]), int(time_match["M"])
        second = int(time_match["S"] or 0)
        ampm = (time_match["ampm"] or "").lower()
        if ampm == "p" and hour < 12:
            hour += 12
        elif ampm == "a" and hour == 12:
            hour = 0
        zone_text = rest[time_match.end() :]
    try:
        value = date.replace(hour=hour, minute=minute, second=second)
    except ValueError:
        return None
    if time_match is None:
        return value.replace(tzinfo=tz)
    offset = _OFFSET.search(zone_text)
    if offset is not None:
        hh, mm = int(offset["hh"]), int(offset["mm"] or 0)
        if hh > 14 or mm > 59:
            return None
        minutes = hh * 60 + mm
        sign = -1 if offset["sign"] == "-" else 1
        return value.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    name = _ZONE_NAME.search(zone_text)
    if name is not None:
        return value.replace(tzinfo=timezone(timedelta(minutes=_ZONE_MINUTES.get(name[1], 0))))
    return value.replace(tzinfo=tz)


# -- dates in Vietnamese text ---------------------------------------------------------------

# The part of the day opening a news dateline, and the typical hour used for it.
_PART_OF_DAY_HOUR = {
    "rạng sáng": 5, "sáng": 8, "trưa": 12, "chiều": 14, "tối": 19, "đêm": 22, "khuya": 22,
}
_CUE = r"(?P<cue>rạng\s+sáng|sáng|trưa|chiều|tối|đêm|khuya|ngày|hôm)"
# "Chiều 15/12", "Sáng nay (3/2)", "tối qua, 14/12", "sáng thứ Hai, ngày 15/12/2021".
_CUED = (
    rf"(?<!\w){_CUE}(?:\s+(?:nay|qua|mai))?\s*,?\s*\(?\s*"
    r"(?:(?:thứ\s+\w+|chủ\s+nhật)\s*,?\s*)?(?:ngày\s+)?"
)
_NUMERIC_DATE = re.compile(
    rf"(?:{_CUED})?"
    r"(?<![\d/.,-])(?P<d>\d{1,2})\s*(?P<s>[/.-])\s*(?P<m>\d{1,2})"
    r"(?:\s*(?P=s)\s*(?P<y>\d{4}|\d{2}))?(?![/.-]?\d)",
    re.I,
)
# "ngày 15 tháng 12 năm 2021", "15 tháng 12"
_WORDED_DATE = re.compile(
    rf"(?:{_CUED})?"
    r"(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:năm|,)?\s*(?P<y>\d{4}))?(?!\d)",
    re.I,
)
_YEAR_MENTION = re.compile(r"(?<!\w)năm\s+(?P<y>(?:19|20)\d{2})(?!\d)", re.I)
_FULL_DATE_YEAR = re.compile(r"(?<![\d/.])\d{1,2}[/.-]\d{1,2}[/.-](?P<y>(?:19|20)\d{2})(?!\d)")
_TARGET_BEFORE = re.compile(
    r"(?:đến|tới|trước|tầm\s+nhìn)(?:\s+(?:hết|cuối|giữa|đầu))?\s*$", re.I
)
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)|\n")
_TIME_BEFORE = re.compile(
    r"(?P<H>\d{1,2})\s*(?:h|giờ|:)\s*(?P<M>\d{2})?(?:\s*phút)?\s*,?\s*$", re.I
)
_TIME_AFTER = re.compile(
    r"\s*,?\s*(?:\(|lúc\s+|vào\s+lúc\s+)?(?P<H>\d{1,2})\s*(?:h|giờ|:)\s*(?P<M>\d{2})?(?!\d)", re.I
)
# "tổng kết ... năm 2021" is held late in 2021 or early in 2022; "triển khai nhiệm vụ năm 2022"
# late in 2021 or early in 2022. Used to move a year mention to the year the event took place.
_REVIEW_WORDS = re.compile(r"tổng\s+kết|nhìn\s+lại|năm\s+qua", re.I)
_PLAN_WORDS = re.compile(r"triển\s+khai|phương\s+hướng|kế\s+hoạch|nhiệm\s+vụ", re.I)


def _explicit_time(text: str, start: int, end: int, cue: str) -> tuple[int, int] | None:
    """An hour written right before ("9h30 sáng 15/12") or after ("15/12 lúc 10:30") the date."""
    match = _TIME_BEFORE.search(text, max(0, start - 16), start)
    if match is None:
        match = _TIME_AFTER.match(text, end)
    if match is None:
        return None
    hour, minute = int(match["H"]), int(match["M"] or 0)
    if cue in ("chiều", "tối", "đêm", "khuya") and 1 <= hour < 12:
        hour += 12  # "2 giờ chiều" is 14:00
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _year_mentions(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Years mentioned in text[start:end] as (position, year, is_a_"năm YYYY"_phrase).

    Targets ("định hướng đến năm 2030", "tầm nhìn đến năm 2045", "trước năm 2025") name a
    future year, not the article's, and are left out.
    """
    found: list[tuple[int, int, bool]] = []
    for m in _YEAR_MENTION.finditer(text, start, end):
        if not _TARGET_BEFORE.search(text, max(start, m.start() - 24), m.start()):
            found.append((m.start(), int(m["y"]), True))
    for m in _FULL_DATE_YEAR.finditer(text, start, end):
        found.append((m.start(), int(m["y"]), False))
    found.sort()
    return found


def _adjust_for_event(text: str, mentions: list[tuple[int, int, bool]], chosen: int,
                      sentence_start: int, month: int) -> int:
    """Move a "năm YYYY" to the year the event happened, from the words just before it.

    "Sáng 8/1, ... tổng kết công tác năm 2021" is January 2022; "Chiều 28/12, ... triển khai
    nhiệm vụ năm 2022" is December 2021. The context is the text since the previous mention,
    so in "tổng kết năm 2021 và triển khai nhiệm vụ năm 2022" each year gets its own words.
    """
    position, year, is_phrase = mentions[chosen]
    if not is_phrase:
        return year
    context_start = mentions[chosen - 1][0] + 4 if chosen > 0 else sentence_start
    context = text[max(context_start, position - 80) : position]
    if month <= 3 and _REVIEW_WORDS.search(context):
        return year + 1
    if month >= 10 and _PLAN_WORDS.search(context) and not _REVIEW_WORDS.search(context):
        return year - 1
    return year


def _infer_year(
    text: str, date_start: int, date_end: int, day: int, month: int,
    reference: datetime | None, tz: tzinfo,
) -> int | None:
    """The year of a day/month written without one (see the module docstring).

    1. years mentioned in the date's own sentence: the latest of them (an anniversary
       "(27/7/1947 - 27/7/2023)" ends with the current year), moved by `_adjust_for_event`;
    2. else the first year the article mentions;
    3. capped by the reference time: the date is not after it.
    """
    sentence_start = max(text.rfind("\n", 0, date_start), 0)
    end_match = _SENTENCE_END.search(text, date_end)
    sentence_end = end_match.start() if end_match else len(text)
    year: int | None = None
    mentions = _year_mentions(text, sentence_start, sentence_end)
    if mentions:
        latest_mention = max(range(len(mentions)), key=lambda i: (mentions[i][1], i))
        year = _adjust_for_event(text, mentions, latest_mention, sentence_start, month)
    else:
        mentions = _year_mentions(text, 0, len(text))
        if mentions:
            year = _adjust_for_event(text, mentions, 0, 0, month)
    if reference is not None:
        ref = reference.astimezone(tz) if reference.tzinfo else reference
        latest = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
        if year is None or year > latest:
            # Not after the reference: an article cannot report a day that had not come yet.
            year = latest
    return year


def _valid(year: int, month: int, day: int) -> bool:
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def find_date_in_text(
    text: str, tz: tzinfo, reference: datetime | None = None
) -> datetime | None:
    """The date of a Vietnamese news text, from its first dateline-like date.

    A date needs a cue ("Sáng", "Chiều", "ngày", "hôm"...) or a four-digit year, so that
    "24/24", "3-5 người" or "1.200" are not dates. Returns an aware datetime in `tz`, or None.
    """
    text = unicodedata.normalize("NFC", text)
    candidates = sorted(
        (m for pattern in (_NUMERIC_DATE, _WORDED_DATE) for m in pattern.finditer(text)),
        key=lambda m: m.start(),
    )
    for match in candidates:
        cue = " ".join((match["cue"] or "").lower().split())
        raw_year = match["y"]
        if not cue and (raw_year is None or len(raw_year) != 4):
            continue
        if match.groupdict().get("s") == "." and not cue and raw_year is None:
            continue
        day, month = int(match["d"]), int(match["m"])
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            continue
        if raw_year is not None:
            year: int | None = _year(raw_year)
        else:
            year = _infer_year(text, match.start(), match.end(), day, month, reference, tz)
        if year is None or not _valid(year, month, day):
            continue
        explicit = _explicit_time(text, match.start(), match.end(), cue)
        if explicit is not None:
            hour, minute = explicit
        else:
            hour, minute = _PART_OF_DAY_HOUR.get(cue, 0), 0
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    return None
