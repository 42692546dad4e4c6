"""Listening: the web server's socket and aiohttp runner, started and stopped with the bot."""

from __future__ import annotations

import socket

from aiohttp import web


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one; see `bound_port`)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


class WebServer:
    """Serves an aiohttp application on a socket until stopped."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self.address = ""

    async def start(self, sock: socket.socket) -> None:
        # Access logs off: a busy webhook would write a line per update; errors are logged.
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                               shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.SockSite(runner, sock, backlog=1024).start()
        except BaseException:
            await runner.cleanup()
            raise
        host, port = sock.getsockname()[:2]
        self.address = f"{host}:{port}"
        self._runner = runner

    async def stop(self) -> None:
        """Stop accepting; requests in progress get `shutdown_timeout` seconds to finish."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
