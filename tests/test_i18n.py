"""The texts: English complete, the same fields in both languages, English plurals right."""

from __future__ import annotations

import re
import string

from bot.i18n import en, t, vi

_FIELD = re.compile(r"\|[^|{}]*\|[^|{}]*")


def _fields(template: str) -> set[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {_FIELD.sub("", name) for name in names}


def test_every_text_has_both_languages_with_the_same_fields() -> None:
    assert set(vi.TEXTS) == set(en.TEXTS)
    for key, template in vi.TEXTS.items():
        assert _fields(template) == _fields(en.TEXTS[key]), key


def test_english_plurals() -> None:
    assert str(t("en", "admin.bc.button_send", count=1)) == "✅ Send to 1 recipient"
    assert str(t("en", "admin.bc.button_send", count=2)) == "✅ Send to 2 recipients"
    assert str(t("en", "admin.bc.button_send", count="1,200")) == "✅ Send to 1,200 recipients"
    assert str(t("en", "admin.bc.started", count="1")) == "Sending to 1 recipient."
    assert str(t("en", "cli.ingest.total", total=1)) == "Total: 1 new article"
    assert str(t("en", "admin.src.last_success", when="x", articles=1, errors=2)) == \
        "   Last success: x · 1 article · 2 errors"
    # Vietnamese has one form.
    assert str(t("vi", "admin.bc.button_send", count=1)) == "✅ Gửi cho 1 người nhận"
