"""The sandbox's Bot API errors: one exception type carrying what Telegram would answer.

Telegram answers errors as ``{"ok": false, "error_code", "description", "parameters"?}`` with the
same number as the HTTP status. python-telegram-bot maps them to exceptions from the HTTP status
and from ``parameters`` (``retry_after`` -> RetryAfter, ``migrate_to_chat_id`` -> ChatMigrated),
not from ``ok``, so the status and parameters here must be exactly Telegram's.
"""

from __future__ import annotations

from typing import Any

# Descriptions used when a fault (or an internal path) gives only a status code.
DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """A Bot API call that Telegram would refuse; rendered as its JSON error body."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """400 with Telegram's "Bad Request: ..." prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """403 with Telegram's "Forbidden: ..." prefix."""
    return ApiError(403, f"Forbidden: {detail}")


def not_found() -> ApiError:
    """404, Telegram's answer to a malformed token and to an unknown method alike."""
    return ApiError(404, "Not Found")


def too_many_requests(retry_after: int) -> ApiError:
    """429 as Telegram's flood control sends it; PTB raises RetryAfter(retry_after)."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def chat_migrated(new_chat_id: int) -> ApiError:
    """400 for a group that became a supergroup; PTB raises ChatMigrated(new_chat_id)."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )
