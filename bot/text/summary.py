"""Vietnamese sentence splitting, Lead-N summaries, truncation and dateline removal.

Lead-2 (the first two sentences) is the strongest simple summariser for Vietnamese news, whose
first paragraph (the "sapo") is written to stand alone. What makes it work is a sentence splitter
that knows the local abbreviations: "TP. Hồ Chí Minh", "Q. 1", "PGS.TS", "ThS.", "v.v." end with a
period but not a sentence, while numbers ("1.200", "3,5") and dates ("15.12") never have white
space after the period and so are never split.

All functions expect NFC text (see `bot.text.clean`) and are pure.
"""

from __future__ import annotations

import re

SUMMARY_MAX_CHARS = 400
"""Default length of a summary: fits a Telegram photo caption (1024) with title and footer."""

ELLIPSIS = "…"

# Abbreviations that end with a period inside a sentence (compared case-sensitively, part by
# part for dotted compounds such as "PGS.TS" or "Th.S").
_ABBREVIATIONS = frozenset(
    {
        # places: thành phố, quận, phường, huyện, xã, thị xã, thị trấn
        "TP", "Tp", "tp", "Q", "P", "F", "H", "X", "TX", "TT", "Tx",
        # titles and degrees: tiến sĩ, thạc sĩ, (phó) giáo sư, bác sĩ, kỹ sư, cử nhân...
        "TS", "ThS", "Ths", "PGS", "GS", "BS", "KS", "CN", "NCS", "KTS", "DS", "LS", "NSƯT",
        "NSND", "NNƯT", "NGƯT", "NGND", "Th", "Đ/c", "đ/c",
        # "v.v." (etc.), page/number references and English ones seen in Vietnamese news
        "v", "vv", "tr", "Tr", "No", "no", "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Co", "Ltd",
    }
)
_OPENERS = "\"'“‘«([{–—-"
_CLOSERS = "\"'”’»)]}"
# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, white space.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]}]*\s+")

# Datelines in front of the sapo: "(Dân trí) - ", "(PLO)- ", "(Chinhphu.vn) – ".
_DATELINE_PAREN = re.compile(r"^\s*\(\s*[^()\n]{1,40}?\s*\)\s*[-–—:]+\s*")
# ... and without parentheses: "TPO - ", "VOV.VN - ", "GD&TĐ - ", "HÀ NỘI - ", "Baonghean.vn - ".
_DATELINE_BARE = re.compile(r"^\s*([^\W\d_][^\s()\-–—:]*(?: [^\s()\-–—:]+){0,3})\s*[-–—]+\s+")
_DATELINE_DOMAIN = re.compile(r"\.(?:vn|com|net|org)\b", re.I)

# Below this share of `max_chars`, ending at a sentence boundary wastes too much of the room and
# a word-boundary cut with an ellipsis says more.
_MIN_SENTENCE_FRACTION = 0.3
_TRAILING_JUNK = " \t\n,;:.–—-([{\"'“‘«"


def _is_abbreviation(text: str, punct_start: int) -> bool:
    """Whether the word ending at `punct_start` (just before a ".") is an abbreviation."""
    word_start = punct_start
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:punct_start].lstrip(_OPENERS)
    if not word:
        return False
    parts = [p for p in word.split(".") if p]
    if not parts:
        return False
    for part in parts:
        if part in _ABBREVIATIONS:
            continue
        if len(part) == 1 and part.isalpha() and len(parts) > 1:
            continue  # a dotted run of letters ("v.v", "T.Ư")
        # A lone capital is not taken for an initial: "anh Nguyễn Văn A." (the press's way of
        # hiding a name) ends sentences far more often than "Nguyễn V. A." occurs.
        return False
    return True


def _starts_sentence(text: str, pos: int) -> bool:
    """Whether the text at `pos` can begin a sentence (capital letter or digit, after quotes)."""
    n = len(text)
    while pos < n and (text[pos] in _OPENERS or text[pos].isspace()):
        pos += 1
    if pos >= n:
        return False
    ch = text[pos]
    return ch.isupper() or ch.isdigit()


def _sentence_ends(paragraph: str) -> list[int]:
    """Offsets in `paragraph` just after each sentence's final punctuation (last = its end)."""
    ends: list[int] = []
    for m in _BOUNDARY.finditer(paragraph):
        punct_end = m.end() - len(m.group(0)) + len(m.group(0).rstrip())
        if not _starts_sentence(paragraph, m.end()):
            continue
        punct = m.group(0).rstrip().rstrip(_CLOSERS)
        if punct == "." and _is_abbreviation(paragraph, m.start()):
            continue
        ends.append(punct_end)
    ends.append(len(paragraph))
    return ends


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every sentence in `text`; a newline always ends a sentence."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for end in _sentence_ends(line):
            chunk = line[start:end]
            stripped = chunk.strip()
            if stripped:
                lead = len(chunk) - len(chunk.lstrip())
                spans.append((offset + start + lead, offset + start + lead + len(stripped)))
            start = end
        offset += len(line) + 1
    return spans


def split_sentences(text: str) -> list[str]:
    """Split Vietnamese text into sentences (paragraph breaks are sentence breaks too).

    A sentence ends at ".", "!", "?" or "…" (plus closing quotes) followed by white space and a
    capital letter or digit, unless the word before a "." is a known abbreviation ("TP.",
    "ThS.", "v.v.") or an initial.
    """
    return [text[a:b] for a, b in _sentence_spans(text)]


def truncate(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` characters.

    Ends at the last sentence boundary that fits when that keeps a fair share of the room;
    otherwise at the last word boundary, followed by "…" (counted in `max_chars`).
    """
    text = text.strip()
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    best = 0
    for _, end in _sentence_spans(text):
        if end > max_chars:
            break
        best = end
    if best and best >= max_chars * _MIN_SENTENCE_FRACTION:
        return text[:best].rstrip()
    # Word boundary: the last white space that leaves room for the ellipsis.
    limit = max_chars - 1
    cut = -1
    for i in range(limit, 0, -1):
        if text[i].isspace():
            cut = i
            break
    head = text[:cut] if cut > 0 else text[:limit]
    head = head.rstrip(_TRAILING_JUNK) or text[:limit]
    return head + ELLIPSIS


def lead_summary(text: str, n: int = 2, max_chars: int = SUMMARY_MAX_CHARS) -> str:
    """Lead-N: the first `n` sentences of `text`, cut to `max_chars` (see `truncate`)."""
    sentences = split_sentences(text)[: max(n, 1)]
    if not sentences:
        return ""
    return truncate(" ".join(sentences), max_chars)


def strip_dateline(text: str) -> str:
    """Remove a source/place dateline before the first sentence.

    "(Dân trí) - Mới đây..." -> "Mới đây..."; also "(PLO)- ", "TPO - ", "VOV.VN - ",
    "HÀ NỘI - ". A bare prefix is only removed when it is in capitals or a domain name, so that
    an ordinary sentence containing " - " is left alone.
    """
    match = _DATELINE_PAREN.match(text)
    if match is None:
        match = _DATELINE_BARE.match(text)
        if match is not None:
            label = match.group(1)
            letters = [ch for ch in label if ch.isalpha()]
            shouting = len(letters) >= 2 and label == label.upper()
            if not (shouting or _DATELINE_DOMAIN.search(label)):
                match = None
    if match is None or match.end() >= len(text.rstrip()):
        return text
    return text[match.end() :]
