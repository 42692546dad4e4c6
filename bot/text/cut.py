"""Cutting text to a length: at a sentence or word boundary, never inside a letter.

Lengths are UTF-16 code units (`bot.message.utf16_len`), the unit of Telegram's limits; a length
met in those units is also met in characters. The pieces of a composed message are cut as plain
text before they are formatted, so formatting can never be cut in half.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.message import Span, Text, utf16_len

ELLIPSIS = "…"
# A piece shorter than this after shortening says nothing useful: drop it instead.
MIN_PIECE = 16

# A sentence ends with . ! ? or … (possibly followed by a closing quote or bracket) before white
# space. Vietnamese abbreviations such as "TP." or "ThS." are filtered out in `_sentence_ends`.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(\S+?)[.!?…]+[\"'”’»)\]]*$")
_TRAILING_PUNCT = " \t\n,;:-–—([{\"'“‘«"


def shorten_text(text: str, max_units: int) -> str:
    """`text` cut to at most `max_units` UTF-16 units, at a sentence or word boundary, with "…".

    Returned unchanged when it fits. A cut at a sentence end keeps the sentence and adds " …";
    a cut inside a sentence ends at a word, then "…". A text with no usable space (a long URL, a
    run of emoji) is cut between characters, never inside a surrogate pair or before a combining
    mark, so the text stays valid and no letter loses its accent.
    """
    if utf16_len(text) <= max_units:
        return text
    if max_units <= len(ELLIPSIS):
        return ""
    # Room for the longest ending, " …".
    head = _prefix_units(text, max_units - 2)
    sentence_end = max(_sentence_ends(text, len(head)), default=0)
    if sentence_end > 0 and sentence_end >= len(head) // 2:
        return text[:sentence_end].rstrip() + " " + ELLIPSIS
    word_end = len(head) if len(head) < len(text) and text[len(head)].isspace() else -1
    if word_end < 0:
        word_end = max(head.rfind(" "), head.rfind("\n"))
    if word_end > 0 and word_end >= len(head) // 2:
        kept = head[:word_end].rstrip(_TRAILING_PUNCT)
        if kept:
            return kept + ELLIPSIS
    return head.rstrip(_TRAILING_PUNCT) + ELLIPSIS


def fit_pieces(
    pieces: dict[str, str],
    compose: Callable[[dict[str, str]], Text],
    limit: int,
    *,
    cut_order: tuple[str, ...],
) -> dict[str, str]:
    """Shorten plain-text `pieces` in `cut_order` until `compose(pieces)` is ≤ `limit` long.

    `compose` turns the plain pieces into rich text and skips empty ones. A piece that would
    keep fewer than a handful of characters is dropped rather than left as a stub.
    """
    fitted = dict(pieces)
    for name in cut_order:
        over = compose(fitted).length - limit
        if over <= 0:
            break
        piece = fitted[name]
        target = utf16_len(piece) - over
        # Dropping a piece also drops its separator, so "too short to keep" is generous.
        fitted[name] = shorten_text(piece, target) if target >= MIN_PIECE else ""
    return fitted


def cut_to(text: Text, limit: int) -> Text:
    """`text` cut to `limit` units with "…", keeping the formatting of what stays (a last
    resort for a renderer: the core lays its messages out within the channel's limits)."""
    if text.length <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    spans: list[Span] = []
    for span in text.spans:
        size = utf16_len(span.text)
        if size <= room:
            spans.append(span)
            room -= size
            continue
        head = _prefix_units(span.text, room)
        if head:
            spans.append(Span(head, span.styles, span.link))
        break
    return Text(spans) + ELLIPSIS


def _prefix_units(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 units that ends between graphemes."""
    # Slicing the UTF-16 bytes and decoding with "ignore" drops a half surrogate pair.
    head = text.encode("utf-16-le")[: 2 * max(units, 0)].decode("utf-16-le", "ignore")
    # Never separate a letter from its combining marks (NFD Vietnamese, "e" + U+0301) nor an
    # emoji from its modifiers and zero-width-joined parts (👨‍👩‍👧 is one picture).
    while head and len(head) < len(text) and (_extends(text[len(head)]) or head[-1] == "\u200d"):
        head = head[:-1]
    return head


def _extends(ch: str) -> bool:
    """True for a character that belongs to the grapheme before it."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in "\u200d\ufe0e\ufe0f"
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
    )


def _sentence_ends(text: str, within: int) -> list[int]:
    """Indexes just after each sentence end (or paragraph end) at or before `within`."""
    window = text[: within + 1]
    ends = [i for i, ch in enumerate(window) if ch == "\n" and 0 < i <= within]
    for match in _SENTENCE_END.finditer(window):
        end = match.end()
        # Only the last few characters decide whether the period closes an abbreviation.
        if end <= within and not _is_abbreviation(window[max(0, end - 12) : end]):
            ends.append(end)
    return ends


def _is_abbreviation(text: str) -> bool:
    """True when `text` ends with an abbreviation such as "TP." or "ThS.", not a sentence end."""
    match = _WORD_BEFORE.search(text)
    if match is None or not text.endswith("."):
        return False
    word = match.group(1)
    lowercase = sum(1 for ch in word if ch.islower())
    return len(word) <= 4 and word[0].isupper() and lowercase <= 1
