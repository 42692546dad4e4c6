"""The callback_data of admin buttons, and parsing it back without trusting it.

Every admin button starts with "adm:" so the adapter routes all of them (also forged ones) to one
place that checks the presser is an admin before anything else. Shapes (ids are decimal):

    adm:ba:<broadcast>:<category|0>   pick the audience (0 = everyone)
    adm:bo:<broadcast>:<category|0>   confirm and send to that audience
    adm:bb:<broadcast>                back to the audience picker
    adm:bx:<broadcast>                discard the draft
    adm:bs:<broadcast>                stop a broadcast that is sending
    adm:bc:<broadcast>:<channel|all>  send on one channel (telegram, zalo) or on every one
    adm:sp:<source>  adm:sr:<source>  pause / resume a source
    adm:sf:<source>                   refresh a source now
    adm:sl                            redraw the /sources list
    adm:st                            redraw /stats

Source names may be 64 characters, too long for the 64-byte callback_data next to a prefix, so a
source is named by a short hash of its name (`source_key`), matched back against known names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PREFIX = "adm:"
PATTERN = r"^adm:"  # what the adapter routes here: anything that claims to be an admin button

AUDIENCE = "ba"
CONFIRM = "bo"
BACK = "bb"
DISCARD = "bx"
STOP = "bs"
CHANNEL = "bc"
ALL_CHANNELS = "all"
PAUSE = "sp"
RESUME = "sr"
REFRESH = "sf"
SOURCES = "sl"
STATS = "st"

EVERYONE = 0

_SHAPE = re.compile(
    r"^adm:(?:(?P<two>ba|bo):(?P<b2>\d{1,12}):(?P<c>\d{1,12})"
    r"|(?P<one>bb|bx|bs):(?P<b1>\d{1,12})"
    r"|(?P<ch>bc):(?P<b3>\d{1,12}):(?P<channel>all|telegram|zalo)"
    r"|(?P<src>sp|sr|sf):(?P<key>[0-9a-f]{10})"
    r"|(?P<bare>sl|st))",
    re.ASCII,  # \d: ASCII digits only
)


@dataclass(frozen=True, slots=True)
class AdminCallback:
    action: str
    broadcast_id: int = 0
    category_id: int = EVERYONE
    source_key: str = ""
    channel: str = ""  # CHANNEL: a channel's name, or ALL_CHANNELS


def source_key(name: str) -> str:
    """A source's short, stable id for buttons."""
    return hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def make(action: str, broadcast_id: int = 0, category_id: int | None = None, *,
         source: str | None = None, channel: str | None = None) -> str:
    if action == CHANNEL:
        return f"{PREFIX}{action}:{broadcast_id}:{channel or ALL_CHANNELS}"
    if action in (AUDIENCE, CONFIRM):
        return f"{PREFIX}{action}:{broadcast_id}:{category_id or EVERYONE}"
    if action in (BACK, DISCARD, STOP):
        return f"{PREFIX}{action}:{broadcast_id}"
    if action in (PAUSE, RESUME, REFRESH):
        assert source is not None
        return f"{PREFIX}{action}:{source_key(source)}"
    return f"{PREFIX}{action}"


def parse(data: str | None) -> AdminCallback | None:
    """The admin callback, or None when `data` is not exactly one of our shapes."""
    if not data or len(data) > 64:
        return None
    match = _SHAPE.fullmatch(data)  # not match(...$): "$" also matches before a final "\n"
    if match is None:
        return None
    if match["two"]:
        return AdminCallback(match["two"], int(match["b2"]), int(match["c"]))
    if match["one"]:
        return AdminCallback(match["one"], int(match["b1"]))
    if match["ch"]:
        return AdminCallback(match["ch"], int(match["b3"]), channel=match["channel"])
    if match["src"]:
        return AdminCallback(match["src"], source_key=match["key"])
    return AdminCallback(match["bare"])
