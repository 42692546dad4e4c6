"""Updates that python-telegram-bot cannot read are skipped where updates come in, never retried.

Telegram may send an update that PTB cannot parse (a field PTB requires is missing, a newer
shape; e.g. a poll without ``options``). Unhandled, one such update silences the bot for good:

- polling: PTB's `Bot.get_updates` parses the whole batch with one `Update.de_list`, so one bad
  update raises for the batch; the Updater logs it (with the whole payload) and asks for the same
  offset again, forever, and a restart fetches the same batch again;
- webhook: the stored update would fail in the inbox's handler each time it is handled.

Here each update is parsed alone (`parse_update`). One that fails is logged once, at WARNING,
with its update_id and the reason (never its payload: it is what a user sent), and is skipped:
in polling it is replaced by a bare ``Update(update_id=...)`` that no handler takes, so the
offset still moves past it and the rest of its batch is handled; in webhook mode the inbox
marks it handled (bot/telegram/serving.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.logs import SparseLog

log = logging.getLogger(__name__)

_REASON_CHARS = 200


def parse_update(data: object, bot: ExtBot[Any] | None) -> Update | None:
    """`data` (a raw update) as PTB's `Update`, or None (logged once) when PTB cannot read it."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    try:
        if not isinstance(data, dict):
            raise TypeError(f"an update is a JSON object, not {type(data).__name__}")
        return Update.de_json(data, bot)
    except Exception as exc:  # whatever PTB raises on a shape it does not know
        reason = f"{type(exc).__name__}: {exc}"[:_REASON_CHARS]
        log.warning("update_id=%s skipped: python-telegram-bot cannot read it (%s)",
                    update_id, reason)
        return None


def readable(data: object, bot: ExtBot[Any] | None) -> object:
    """`data` when PTB can read it, else a bare update with its update_id (so polling moves
    past it); the failure is logged once by `parse_update`."""
    if parse_update(data, bot) is not None:
        return data
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return {"update_id": update_id}
    return None  # no usable id: dropped (Telegram always sends one)


class UpdatesBot(ExtBot[None]):
    """The Application's bot: long polling reads each update of a batch alone.

    Overrides `_post` (the one place where the raw JSON of getUpdates passes before PTB parses
    the batch in `get_updates`): each unreadable update is replaced by a bare one there, so
    PTB's own `get_updates` (its timeouts, its offset handling in the Updater) stays as it is.
    """

    async def _post(self, endpoint: str, data: JSONDict | None = None, *,
                    read_timeout: ODVInput[float] = DEFAULT_NONE,
                    write_timeout: ODVInput[float] = DEFAULT_NONE,
                    connect_timeout: ODVInput[float] = DEFAULT_NONE,
                    pool_timeout: ODVInput[float] = DEFAULT_NONE,
                    api_kwargs: JSONDict | None = None) -> Any:
        result = await super()._post(endpoint, data, read_timeout=read_timeout,
                                     write_timeout=write_timeout,
                                     connect_timeout=connect_timeout,
                                     pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        kept = [readable(item, self) for item in result]
        return [item for item in kept if item is not None]


class PollingErrors:
    """PTB's long-polling error callback (`Updater.start_polling(error_callback=...)`).

    PTB's default logs every failed getUpdates at ERROR with its traceback; while the API is
    unreachable that is a line every few seconds, and each would alert the admins. Here: one
    WARNING line when polling starts failing, then at most one a minute with the count (the
    delivery path's outage guard says when the API answers again).
    """

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = 0
        self._log = SparseLog(every, clock)

    def __call__(self, exc: TelegramError) -> None:
        self.failures += 1
        if (more := self._log.due()) is not None:
            log.warning("polling: getUpdates failed (%s: %s)%s; retrying", type(exc).__name__,
                        str(exc)[:_REASON_CHARS], more)
