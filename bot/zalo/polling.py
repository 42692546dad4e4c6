"""Receiving Zalo updates by long polling: getUpdates, one update per call, into the inbox.

Zalo's getUpdates has no offset: an update it returns is gone from Zalo. So each one is stored in
the inbox (`bot.inbox`, committed) before the next call, and handled from there: a crash after
the call loses at most the update of that one call, and an update seen twice (the same message
id) is handled once. Error 408 means nothing arrived within the timeout: ask again at once.
Failures back off (1 s doubling to a minute) and never stop the loop; a refused token is said
loudly in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from bot.inbox import Inbox
from bot.zalo.client import ZaloApiError, ZaloClient, ZaloNetworkError
from bot.zalo.incoming import update_key

log = logging.getLogger(__name__)

_MAX_BACKOFF = 60.0


class ZaloPoller:
    """The getUpdates loop of one Zalo bot account (start/stop)."""

    def __init__(self, client: ZaloClient, inbox: Inbox, *, wait: float = 30.0) -> None:
        self.client = client
        self.inbox = inbox
        self.wait = wait
        self.received = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="zalo-polling")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                update = await self.client.get_updates(self.wait)
            except (ZaloApiError, ZaloNetworkError) as exc:
                failures += 1
                delay = min(_MAX_BACKOFF, 2.0 ** (failures - 1))
                if isinstance(exc, ZaloApiError) and exc.code == 401:
                    log.error("zalo: the bot token is refused (401); check "
                              "NEWSBOT_ZALO_BOT_TOKEN; retrying in %.0f s", delay)
                else:
                    log.warning("zalo: getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if update is None:
                continue
            try:
                await self.inbox.receive(update_key(update),
                                         json.dumps(update, ensure_ascii=False))
                self.received += 1
            except Exception:
                # The update is gone from Zalo; losing it is bad, stopping would be worse.
                log.exception("zalo: an update could not be stored and is lost")
