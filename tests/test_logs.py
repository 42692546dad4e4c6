"""The bot token never appears in logs, errors or tracebacks."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from bot.logs import RedactingFormatter, configure_logging, redact
from tests.bothelper import TOKEN, bot_on_sandbox


def test_redact_known_and_token_shaped_secrets() -> None:
    assert redact("GET https://api.telegram.org/bot123:abc/getMe", ["123:abc"]) == (
        "GET https://api.telegram.org/bot<redacted>/getMe")
    leaked = "url=/bot7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
    assert "AAHdqTcv" not in redact(leaked)


def test_traceback_is_scrubbed() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s", ["123456:secret-token-value"]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        raise RuntimeError("failed calling /bot123456:secret-token-value/getMe")
    except RuntimeError:
        logger.exception("request failed for 123456:secret-token-value")
    finally:
        logger.removeHandler(handler)
    assert "secret-token-value" not in stream.getvalue()
    assert "<redacted>" in stream.getvalue()


async def test_token_not_in_debug_logs_of_a_running_bot(tmp_path: Path) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("DEBUG", [TOKEN])
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        async with bot_on_sandbox(tmp_path) as chat:
            await chat.say(1, "/start")
            await chat.say(1, "/latest")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
    output = stream.getvalue()
    assert "sendMessage" in output or "getUpdates" in output  # PTB did log its requests
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
