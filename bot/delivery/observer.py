"""What the delivery worker tells whoever watches it (the metrics of bot/web), in two calls.

A tiny seam so the worker stays free of any metrics library: it calls `on_send` after each
request to the chat platform and `on_result` when a delivery's fate is decided. The default
observer does nothing.
"""

from __future__ import annotations

from typing import Protocol


class DeliveryObserver(Protocol):
    def on_send(self, outcome: str, seconds: float) -> None:
        """One request ended: its outcome ("sent", "retry_after" for a 429, "temporary"...) and
        how long the request took."""
        ...

    def on_result(self, status: str) -> None:
        """A delivery ended "sent", "skipped", "failed", "cancelled", or "pending" (retried
        later)."""
        ...


class NullObserver:
    def on_send(self, outcome: str, seconds: float) -> None:
        return None

    def on_result(self, status: str) -> None:
        return None


NULL_OBSERVER = NullObserver()
