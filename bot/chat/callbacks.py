"""The actions of the reader's choices (inline buttons on Telegram), and parsing them back safely.

Actions come back from users as strings we must not trust (a modified client can send anything),
so parsing returns None for anything that is not exactly one of our shapes. Two families, each
routed to its own handler by its prefix: the reader's (`READER`: subscriptions, settings,
opening an article) and the card's (`CARD`: "Xem thêm" and 👍).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOGGLE = "sub"  # sub:<category id>      toggle a subscription in the picker
WELCOME_TOGGLE = "sw"  # sw:<category id>  the same, in /start's welcome (which is kept)
ALL = "all"  # all:t | all:w             toggle "all categories" in the picker (w: in /start's)
OPEN = "open"  # open:<article id>       show an article's card
MORE = "more"  # more:<article id>       the longer excerpt ("Xem thêm")
LIKE = "like"  # like:<article id>       👍
LANG = "lang"  # lang:vi | lang:en       language in /settings
DELIVERY = "dlv"  # dlv:instant|digest|paused|back   delivery mode in /settings (digest: hours)
HOUR = "dhr"  # dhr:<6-21>               the daily digest's hour in /settings
PICKER = "cpg"  # cpg:<page>             another page of the category picker
WELCOME_PAGE = "cpw"  # cpw:<page>       the same, under /start's welcome (which is kept)
STOP = "stop"  # stop:yes | stop:no      /stop's confirmation

# What each family's handler receives (prefixes only: the handler parses the whole action).
READER = r"^(sub|sw|all|open|lang|dlv|dhr|cpg|cpw|stop):"
CARD = r"^(more|like):"

_SHAPE = re.compile(r"^(sub|sw|open|more|like|cpg|cpw):(\d{1,12})$|^(all):(t|w)$"
                    r"|^(lang):(vi|en)$|^(dlv):(instant|digest|paused|back)$|^(dhr):(\d{1,2})$"
                    r"|^(stop):(yes|no)$",
                    re.ASCII)  # \d: ASCII digits only, not "١٢"


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    value: str

    @property
    def number(self) -> int:
        return int(self.value)


def make(action: str, value: int | str) -> str:
    return f"{action}:{value}"


def parse(data: str | None) -> Callback | None:
    """The callback, or None when `data` is not one of ours (forged, stale or garbage)."""
    if not data or len(data) > 64:
        return None
    match = _SHAPE.fullmatch(data)
    if match is None:
        return None
    groups = match.groups()
    for i in range(0, len(groups), 2):  # (action, value) pairs: exactly one pair matched
        if groups[i]:
            return Callback(groups[i], groups[i + 1])
    return None
