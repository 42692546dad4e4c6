"""Accent folding for Vietnamese: the one place that decides when two spellings are "the same".

Used to match category names typed without accents, to search, and to compare unit names.
Unicode decomposition strips the tone and vowel marks, but "đ" is a letter of its own (no
decomposition), so it is mapped by hand.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (also đ -> d) and collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().casefold()
