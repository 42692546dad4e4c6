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
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (also đ -> d) and collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().casefold()


def category_key(name: str) -> str:
    """How a source's category map compares category names: folded, and punctuation and
    spacing ignored ("Tin tức – Sự kiện" = "tin tuc - su kien" = "TIN TỨC-SỰ KIỆN")."""
    return _NOT_WORD.sub(" ", fold(name)).strip()
