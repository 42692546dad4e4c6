"""Fetching a feed over HTTP: timeouts, a body size cap, and conditional GET.

Only this module talks HTTP for ingestion; it returns bytes and validators and never parses.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot import __version__

USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot; news distribution bot)"


class FetchError(Exception):
    """The feed could not be fetched; the message is the reason shown in logs and /stats."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    url: str = ""
    truncated: bool = False


def make_client(timeout: float) -> httpx.AsyncClient:
    """The HTTP client for feeds (one per process; connection pooling, redirects followed)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
                 "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"},
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
) -> FetchResult:
    """GET `url` conditionally; a body over `max_bytes` is cut there (truncated=True)."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return FetchResult(not_modified=True, etag=etag, last_modified=last_modified,
                                   url=str(response.url))
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            chunks: list[bytes] = []
            size = 0
            truncated = False
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= max_bytes:
                    truncated = True
                    break
            body = b"".join(chunks)[:max_bytes]
            return FetchResult(
                not_modified=False,
                body=body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=response.headers.get("Content-Type"),
                url=str(response.url),
                truncated=truncated,
            )
    except httpx.TimeoutException:
        raise FetchError("timed out") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None
