"""User-facing text, one module per language (Vietnamese first, English complete).

`t(lang, key, **values)` looks a text up; an unknown language falls back to Vietnamese. Every key
of `vi` must exist in `en` (a test checks it).
"""

from __future__ import annotations

from bot.i18n import en, vi

LANGUAGES: dict[str, dict[str, str]] = {"vi": vi.TEXTS, "en": en.TEXTS}
DEFAULT_LANGUAGE = "vi"


def t(lang: str, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, formatted with `values`."""
    texts = LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANGUAGE])
    template = texts.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]
    return template.format(**values) if values else template
