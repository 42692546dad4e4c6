"""The callback_data vocabulary of inline buttons, and parsing it back safely.

Buttons come back from users as strings we must not trust (a modified client can send anything),
so parsing returns None for anything that is not exactly one of our shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOGGLE = "sub"  # sub:<category id>      toggle a subscription in the picker
OPEN = "open"  # open:<article id>       show an article's card
MORE = "more"  # more:<article id>       the longer excerpt ("Xem thêm")
LIKE = "like"  # like:<article id>       👍
LANG = "lang"  # lang:vi | lang:en       language in /settings

_SHAPE = re.compile(r"^(sub|open|more|like):(\d{1,12})$|^(lang):(vi|en)$")


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
    match = _SHAPE.match(data)
    if match is None:
        return None
    if match.group(1):
        return Callback(match.group(1), match.group(2))
    return Callback(match.group(3), match.group(4))
