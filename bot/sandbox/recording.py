"""An opt-in recording of every Bot API request body the sandbox receives, byte for byte.

For tests that must prove what the bot did *not* send: a secret file's content, /etc/hostname...
Everything a client sends to the Bot API is in a request's query string or body (multipart
uploads included), so searching these bytes searches everything that left the bot. The token
(in the URL path) is not recorded. Off by default: a benchmark's 100,000 requests would all be
kept. Turned on with ``Sandbox(record_requests=True)`` (from the first request) or
``POST /sandbox/recording {"enabled": true}``; read with ``GET /sandbox/recording``.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    seq: int
    method: str  # the Bot API method as the client wrote it
    content_type: str
    query: str
    body: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "content_type": self.content_type,
            "query": self.query,
            "body_base64": base64.b64encode(self.body).decode("ascii"),
        }


class RequestRecorder:
    """Keeps every request while enabled; `clear` forgets them (the sequence goes on)."""

    def __init__(self, *, enabled: bool = False) -> None:
        self.enabled = enabled
        self.requests: list[RecordedRequest] = []
        self._seq = itertools.count(1)

    def set_enabled(self, enabled: bool) -> None:
        """Turn recording on (starting a fresh recording) or off (keeping what was recorded)."""
        if enabled and not self.enabled:
            self.requests.clear()
        self.enabled = enabled

    def record(self, method: str, content_type: str, query: str, body: bytes) -> None:
        if self.enabled:
            self.requests.append(RecordedRequest(next(self._seq), method, content_type, query,
                                                 body))

    def after(self, seq: int = 0) -> list[RecordedRequest]:
        return [r for r in self.requests if r.seq > seq]

    def all_bytes(self) -> bytes:
        """Every recorded query string and body, concatenated (for searching)."""
        return b"\n".join(r.query.encode() + b"\n" + r.body for r in self.requests)

    def clear(self) -> None:
        self.requests.clear()
