"""User-facing text, one module per language (Vietnamese first, English complete).

`t(lang, key, **values)` looks a text up and returns it as rich text (`bot.message.Text`); an
unknown language falls back to Vietnamese. Every key of `vi` must exist in `en` (a test checks
it). Templates are written in the core's neutral markup, never in a channel's format:
``**bold**``, ``__italic__``, `` `code` ``, three backticks around a preformatted block. Values
are inserted as they are (a `Text` keeps its formatting, anything else is plain text), so user
data is never read as markup and needs no escaping.

Plurals (English has two forms, Vietnamese one): ``{count|recipient|recipients}`` in a template
is the first word when the value `count` is 1 and the second otherwise, so "1 recipient" and
"3 recipients" come from one template (the way miniflux's locale printer keeps plural forms
next to the translations).
"""

from __future__ import annotations

import re

from bot.i18n import en, vi
from bot.message import Text, markup

LANGUAGES: dict[str, dict[str, str]] = {"vi": vi.TEXTS, "en": en.TEXTS}
DEFAULT_LANGUAGE = "vi"


def t(lang: str, key: str, /, **values: object) -> Text:
    """The text `key` in `lang`, with `values` filled in."""
    texts = LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANGUAGE])
    template = texts.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]
    if "|" in template:
        template = _PLURAL.sub(lambda m: _plural(m, values), template)
    return markup(template, values)


_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def _plural(match: re.Match[str], values: dict[str, object]) -> str:
    """The singular or plural word of ``{name|one|other}``: "1" (also "1" as formatted by
    bot.admin.format.number) is singular."""
    value = values.get(match.group(1))
    return match.group(2) if str(value).strip() in ("1", "-1") else match.group(3)
