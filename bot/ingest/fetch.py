"""Fetching a feed over HTTP, within limits: a deadline, a decoded-size cap, safe redirects.

Only this module talks HTTP for ingestion; it returns bytes and validators and never parses.

Limits, each against a finding of the hostile-sources review:
- a *total* deadline per fetch (`deadline`), besides httpx's per-step timeouts: a server
  trickling one byte a second never trips a read timeout;
- the body is capped *after* decoding, as it is decoded (bot/ingest/decompress.py): a
  ``Content-Encoding: gzip, gzip`` bomb of 1.8 KiB cannot expand in memory;
- redirects are followed here, hop by hop (at most `MAX_REDIRECTS`): only to http(s) URLs
  (never ``file://``), and never to a loopback, private, link-local or otherwise non-public
  address unless the configured URL itself is on such an address (a feed on the office network
  may redirect within it; an internet feed may not reach into it). The same rule is enforced
  again when each connection is opened (`_GuardedBackend`), on the address actually connected
  to, so a name that resolves differently the second time (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from bot import __version__
from bot.ingest.decompress import CappedDecoder, DecodeError

USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot; news distribution bot)"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


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


def is_internal_address(ip: IPAddress) -> bool:
    """Loopback, private, link-local, shared (CGNAT), reserved, multicast or unspecified."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return not ip.is_global or ip.is_multicast


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (the system's resolver, without blocking the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class NetworkGuard:
    """How names are resolved and which addresses count as internal (replaceable in tests)."""

    resolve: Resolver = system_resolver
    is_internal: Callable[[IPAddress], bool] = is_internal_address

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        host = host.strip("[]")
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            found = await self.resolve(host, port)
        except OSError as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from None
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]

    async def is_internal_host(self, host: str, port: int) -> bool:
        return any(self.is_internal(ip) for ip in await self.addresses(host, port))


# Whether the fetch running in this task may reach internal addresses (its configured URL is
# on one). A context variable because the connection is opened deep inside httpcore, in the
# task of the request, which has no other way to tell.
_allow_internal: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "newsbot_fetch_allow_internal", default=False
)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves names itself and connects only to addresses the current fetch may reach."""

    def __init__(self, guard: NetworkGuard) -> None:
        self.guard = guard
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.guard.addresses(host, port)
        except FetchError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        if not _allow_internal.get() and any(self.guard.is_internal(ip) for ip in addresses):
            raise httpcore.ConnectError(f"refused: {host} is an internal address")
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(str(ip), port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path: str,
                                  timeout: float | None = None,  # noqa: ASYNC109
                                  socket_options: typing.Iterable[typing.Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refused: unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that connects through `_GuardedBackend`."""

    def __init__(self, guard: NetworkGuard) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, so its pool is replaced by one that has ours (the
        # attribute is private: httpx is pinned below 0.29 in pyproject.toml).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )


class FeedClient(httpx.AsyncClient):
    """The HTTP client for feeds: an httpx client whose connections go through the guard.

    Feeds are fetched directly: proxies from the environment are not used (a proxy would
    connect wherever a redirect says, out of the guard's sight).
    """

    def __init__(self, guard: NetworkGuard, **kwargs: typing.Any) -> None:
        super().__init__(transport=_GuardedTransport(guard), trust_env=False, **kwargs)
        self.guard = guard


def make_client(timeout: float, *, guard: NetworkGuard | None = None) -> FeedClient:
    """The HTTP client for feeds (one per process; connection pooling; redirects by `fetch`)."""
    return FeedClient(
        guard or NetworkGuard(),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
                 "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
                 # Only what bot/ingest/decompress.py decodes (with its size cap).
                 "Accept-Encoding": "gzip, deflate"},
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    deadline: float = 60.0,
) -> FetchResult:
    """GET `url` conditionally, within `deadline` seconds; a decoded body over `max_bytes` is
    cut there (truncated=True). Raises FetchError with the reason."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    guard = getattr(client, "guard", None) or NetworkGuard()
    try:
        async with asyncio.timeout(deadline):
            parts = urlsplit(url)
            allow = await guard.is_internal_host(parts.hostname or "", parts.port or 80)
            token = _allow_internal.set(allow)
            try:
                return await _follow(client, guard, url, headers, max_bytes, allow=allow,
                                     etag=etag, last_modified=last_modified)
            finally:
                _allow_internal.reset(token)
    except TimeoutError:
        raise FetchError(f"took longer than {deadline:g} s (fetch deadline)") from None
    except httpx.TimeoutException:
        raise FetchError("timed out") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


async def _check_redirect(guard: NetworkGuard, target: str, *, allow_internal: bool) -> None:
    parts = urlsplit(target)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"refused: redirect to a {parts.scheme or 'relative'}: URL")
    if not parts.hostname:
        raise FetchError("refused: redirect without a host")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if not allow_internal and await guard.is_internal_host(parts.hostname, port):
        raise FetchError(f"refused: redirect to an internal address ({parts.hostname})")


async def _follow(
    client: httpx.AsyncClient,
    guard: NetworkGuard,
    url: str,
    headers: dict[str, str],
    max_bytes: int,
    *,
    allow: bool,
    etag: str | None,
    last_modified: str | None,
) -> FetchResult:
    for _ in range(MAX_REDIRECTS + 1):
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code in _REDIRECTS and "Location" in response.headers:
                target = urljoin(str(response.url), response.headers["Location"])
                await _check_redirect(guard, target, allow_internal=allow)
                url = target
                continue
            if response.status_code == 304:
                return FetchResult(not_modified=True, etag=etag, last_modified=last_modified,
                                   url=str(response.url))
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            body, truncated = await _read_capped(response, max_bytes)
            return FetchResult(
                not_modified=False,
                body=body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=response.headers.get("Content-Type"),
                url=str(response.url),
                truncated=truncated,
            )
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """The decoded body, at most `max_bytes` of it (and whether it was cut)."""
    try:
        decoder = CappedDecoder(response.headers.get("Content-Encoding"), max_bytes)
        chunks: list[bytes] = []
        async for raw in response.aiter_raw():
            chunks.append(decoder.feed(raw))
            if decoder.full:
                return b"".join(chunks), True
    except DecodeError as exc:
        raise FetchError(str(exc)) from None
    return b"".join(chunks), False
