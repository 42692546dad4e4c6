"""User-facing text, one module per language (Vietnamese first, English complete).

`t(lang, key, **values)` looks a text up and returns it as rich text (`bot.message.Text`); an
unknown language falls back to Vietnamese. Every key of `vi` must exist in `en` (a test checks
it). Templates are written in the core's neutral markup, never in a channel's format:
``**bold**``, ``__italic__``, `` `code` ``, three backticks around a preformatted block. Values
are inserted as they are (a `Text` keeps its formatting, anything else is plain text), so user
data is never read as markup and needs no escaping.
"""

from __future__ import annotations

from bot.i18n import en, vi
from bot.message import Text, markup

LANGUAGES: dict[str, dict[str, str]] = {"vi": vi.TEXTS, "en": en.TEXTS}
DEFAULT_LANGUAGE = "vi"


def t(lang: str, key: str, /, **values: object) -> Text:
    """The text `key` in `lang`, with `values` filled in."""
    texts = LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANGUAGE])
    template = texts.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]
    return markup(template, values)
