"""Button parsers accept exactly our callback_data shapes: `$` alone would let "x\\n" through."""

from __future__ import annotations

import pytest

from bot.chat import callbacks, digest, search


@pytest.mark.parametrize(
    ("parse", "good"),
    [(callbacks.parse, "sub:1"), (search.parse_button, "so:1"), (digest.parse_button, "dgm:1")],
)
def test_trailing_newline_is_not_ours(parse: object, good: str) -> None:
    assert parse(good) is not None  # type: ignore[operator]
    assert parse(good + "\n") is None  # type: ignore[operator]
    assert parse(" " + good) is None  # type: ignore[operator]
