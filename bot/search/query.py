"""What a search query means: its words, folded like the index, as safe FTS5 expressions.

Folding: the index (storage/migrations/0005_search_digest.sql) holds each article's text with
"đ"/"Đ" replaced by "d"/"D"; its unicode61 tokenizer (remove_diacritics 2) then lowercases and
strips every other Vietnamese mark. A query goes through the same replacement here and the same
tokenizer inside FTS5, so "da nang", "Đà Nẵng" and "ĐÀ NẴNG" are the same words, as they are for
`bot.text.fold.fold`.

Safety: the user's text is never FTS5 syntax. It is cut into words (runs of letters and
digits); each word becomes an FTS5 string ("word"), so quotes, `*`, `-`, `^`, `:`, parentheses,
NEAR, AND, OR and NOT are plain text and can never make the query fail. A query keeps at most
`MAX_WORDS` distinct words (a 1,000-character paste stays cheap).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from storage.search import Match, fts5_expression, fts5_string

MAX_WORDS = 8  # more words rarely narrow a search, and each costs time
MAX_WORD_LENGTH = 64
# A word: letters and digits (Python's \w without "_"), after NFC normalisation so that a
# decomposed "ầ" is one letter.
_WORD = re.compile(r"[^\W_]+")


def searchable(text: str) -> str:
    """`text` as indexed: "đ"/"Đ" -> "d"/"D" (the tokenizer folds everything else).

    Must stay identical to the `replace(replace(x, 'đ', 'd'), 'Đ', 'D')` of the migration.
    """
    return text.replace("đ", "d").replace("Đ", "D")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The words searched for (folded, lowercase, distinct, in the user's order)."""

    words: tuple[str, ...]
    truncated: bool = False  # the user typed more than MAX_WORDS words

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def text(self) -> str:
        """The words as one line (to show the user what was searched)."""
        return " ".join(self.words)

    def every_word(self) -> Match:
        """Every word, anywhere in the article (title, summary or body)."""
        return Match(self.words)

    def as_phrase(self) -> Match:
        """The words next to each other, in order ("hai phong" as one phrase)."""
        return Match(self.words, phrase=True)

    def in_title(self) -> Match:
        """Every word within the title."""
        return Match(self.words, title=True)

    # The FTS5 expressions of the SQLite index (storage/search.py renders them).

    def match_all(self) -> str:
        return fts5_expression(self.every_word())

    def match_phrase(self) -> str:
        return fts5_expression(self.as_phrase())

    def match_in(self, column: str, *, phrase: bool = False) -> str:
        """Every word (or the phrase) within one column: title, summary or body."""
        if column not in ("title", "summary", "body"):
            raise ValueError(f"unknown column {column!r}")
        inner = self.match_phrase() if phrase else self.match_all()
        return f"{{{column}}} : ({inner})"


def parse_query(text: str) -> SearchQuery:
    """The words of a user's query; an empty SearchQuery when it has none."""
    folded = searchable(unicodedata.normalize("NFC", text))
    words: list[str] = []
    truncated = False
    for found in _WORD.findall(folded):
        # Lowercase after cutting: lowercasing may add a combining mark ("İ" -> "i̇"), which
        # the tokenizer strips but the word pattern would cut at.
        word = found[:MAX_WORD_LENGTH].lower()
        if word in words:
            continue
        if len(words) == MAX_WORDS:
            truncated = True
            break
        words.append(word)
    return SearchQuery(tuple(words), truncated)


_string = fts5_string
