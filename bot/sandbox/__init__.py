"""The sandbox: a local fake Telegram Bot API server, with a JSON control API (SPEC section 9).

Used by ``newsbot demo`` (in-process, through ``Sandbox.state``), by the end-to-end tests and the
benchmarks (over HTTP, with python-telegram-bot pointed at ``Sandbox.base_url``) and by users
through ``newsbot sandbox`` (``serve_forever``).

Modules, by job: ``server`` (HTTP routes, faults, start/stop), ``api`` (the Bot API methods and
Telegram's checks), ``state`` (what the fake Telegram remembers, the in-process control API),
``params`` (decoding request parameters), ``html_check`` (HTML parse_mode, UTF-16 lengths),
``limits`` (rate windows and flood control), ``errors`` (Telegram's error answers).
"""

from bot.sandbox.html_check import html_to_plain
from bot.sandbox.server import Sandbox, build_app, serve_forever
from bot.sandbox.state import ControlError, SandboxState

__all__ = [
    "ControlError",
    "Sandbox",
    "SandboxState",
    "build_app",
    "html_to_plain",
    "serve_forever",
]
