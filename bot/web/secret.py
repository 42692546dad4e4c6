"""The secret header of a webhook route, checked the same way for every channel.

A request without the right secret gets 403, compared in constant time (hmac.compare_digest) so
the answer time says nothing about how much of a guess was right. Refused requests are logged at
most once a minute (a flood of forged requests must not flood the log); the next line says how
many were not logged. The secret itself is never logged.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.logs import SparseLog

log = logging.getLogger(__name__)

# Refused requests are logged at most this often.
REFUSED_LOG_INTERVAL = 60.0


class SecretGate:
    """Checks one route's secret header; counts and (sparingly) logs what it refuses."""

    def __init__(self, header: str, secret: str, *, route: str) -> None:
        self.header = header
        self.route = route  # for the log line: "webhook", "zalo webhook"
        self._secret = secret.encode("utf-8")
        self.refused = 0  # requests without the right secret
        self._log = SparseLog(REFUSED_LOG_INTERVAL)

    def refusal(self, request: web.Request) -> web.Response | None:
        """403 when `request` lacks the right secret, None when it may go on."""
        given = request.headers.get(self.header, "").encode("utf-8", "replace")
        if hmac.compare_digest(given, self._secret):
            return None
        self.refused += 1
        if (more := self._log.due()) is not None:
            log.warning("%s: refused a request from %s without the right secret header%s",
                        self.route, request.remote, more)
        return web.Response(status=403, text="Forbidden")
