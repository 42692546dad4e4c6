"""Logging set-up, with the bot token redacted from every line and traceback.

httpx logs each request URL at INFO, and Bot API URLs contain the token (`/bot<token>/method`), so
those loggers are turned down and, as a second line of defence, every formatted record is scrubbed.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterable

# Anything shaped like a bot token, also when we were not told the token (e.g. a sandbox token).
_TOKEN_LIKE = re.compile(r"(?<![0-9])\d{3,20}:[A-Za-z0-9_-]{20,}")
REDACTED = "<redacted>"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything token-shaped replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_LIKE.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """A formatter that scrubs secrets from the message and the traceback alike."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Log to stderr, secrets redacted; quiet the HTTP libraries' per-request lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class SparseLog:
    """At most one log line per `every` seconds for a repeated event (forged webhook requests,
    failing polls): `due()` is None while a line would be too soon (the event is counted), else
    the suffix that says how many were not logged since the last line."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._logged_at: float | None = None
        self._unlogged = 0

    def due(self) -> str | None:
        now = self.clock()
        if self._logged_at is not None and now - self._logged_at < self.every:
            self._unlogged += 1
            return None
        more = f" ({self._unlogged} more since the last line)" if self._unlogged else ""
        self._logged_at, self._unlogged = now, 0
        return more
