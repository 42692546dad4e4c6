"""Telling an outage of the platform's API apart from a failure about one reader.

A send can fail "temporarily" (a refused connection, a timeout, a 5xx) for two very different
reasons: something about that one recipient, or the API itself being down. The first deserves
the per-recipient back-off and its limited number of attempts (SPEC section 6); the second must
not cost anybody an attempt: when the API is unreachable for longer than all retries together,
every reader of a push would otherwise end "failed" for good.

One `OutageGuard` per bot account (its `Outbound` owns it); every path that sends (replies,
edits, pushes, broadcasts, digests, alerts) asks it before each request (`wait_up`) and tells it
what became of the request (`sent`, `failed`). States:

- UP: a temporary failure is judged. When failures came from `threshold` different chats with no
  successful send in between, the API is down (it is failing the same way for everybody).
  Otherwise the guard asks the API something that concerns no reader (`probe`: Telegram's getMe);
  if that fails too, the API is down; if it answers, the failure was about the recipient and
  counts as one of its attempts.
- DOWN: all sending waits (nothing is dropped: a push keeps its row, a reply its place); one task
  probes with back-off (`probe_base` doubling up to `probe_cap` seconds) and lets everybody go
  on as soon as the API answers.
- RECOVERING: the probe answered but nothing has been sent yet; the first temporary failure sends
  the guard back DOWN at once (a partial outage: getMe answers while sendMessage does not), with
  the back-off it had. The first successful send makes the guard UP again and resets it.

Per process on purpose (several processes on PostgreSQL): each process's guard learns the API's
state from its own requests and probes on its own; nothing about it needs to outlive the
process (a new process starts UP and finds an outage with its first failures), and what must
not be lost, the deliveries, waits in the database whichever process sends them. So every
process pauses its own sending during an outage, and none counts an attempt for it.

Failures judged as an outage cost no attempt: the request is made again once the API answers. A
timeout after the request was sent may still have delivered it (the sender says so); such
requests are at most the ones in flight when the outage began.

Hand-written rather than a circuit-breaker library: the usual breakers (aiobreaker, purgatory)
count failures per call site and fail fast while open, whereas here nothing may fail while the
API is down, everybody must wait, and a failure about one reader must not open anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from enum import Enum

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]


class State(Enum):
    UP = "up"
    DOWN = "down"
    RECOVERING = "recovering"


class OutageGuard:
    """Decides whether a temporary failure is the API's (wait) or a reader's (count it)."""

    def __init__(self, probe: Probe | None, *, name: str = "api", threshold: int = 8,
                 probe_base: float = 1.0, probe_cap: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if threshold < 1 or probe_base <= 0 or probe_cap < probe_base:
            raise ValueError("threshold >= 1 and 0 < probe_base <= probe_cap")
        self.probe = probe  # None: only the threshold tells an outage
        self.name = name
        self.threshold = threshold
        self.probe_base = probe_base
        self.probe_cap = probe_cap
        self._sleep = sleep
        self._clock = clock
        self.state = State.UP
        self._up = asyncio.Event()
        self._up.set()
        self._failing: set[Hashable] = set()  # chats that failed since the last success
        self._delay = probe_base  # the next probe's wait while DOWN
        self._check: asyncio.Future[bool] | None = None  # a probe judging a failure (UP)
        self._prober: asyncio.Task[None] | None = None
        self._down_since: float | None = None  # when the current outage began
        self._closed = False
        self._closing = asyncio.Event()
        # Figures for logs, /stats and tests.
        self.outages = 0  # times the API was found down (a re-trip while recovering counts)
        self.probes = 0
        self.waited = 0  # requests that waited for the API

    # -- asking ---------------------------------------------------------------------------------

    @property
    def down(self) -> bool:
        return self.state is State.DOWN

    @property
    def closed(self) -> bool:
        """Shutting down (`close`): nothing is probed any more."""
        return self._closed

    async def wait_up(self, timeout: float | None = None,  # noqa: ASYNC109
                      *, until_closed: bool = False) -> bool:
        """Wait until the API may be used (at once when it is up); False after `timeout` s, or
        (`until_closed`: an interactive message, which must not hold a shutdown) when the
        guard is closed meanwhile."""
        if self._up.is_set():
            return True
        self.waited += 1
        waits = [asyncio.ensure_future(self._up.wait())]
        if until_closed:
            waits.append(asyncio.ensure_future(self._closing.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self._up.is_set()

    # -- telling --------------------------------------------------------------------------------

    def sent(self) -> None:
        """A request went through: the API works."""
        if self.state is State.UP and not self._failing and self._down_since is None:
            return  # the common case: nothing to forget
        self._failing.clear()
        if self.state is State.DOWN:
            return  # sent just before the outage was found: the probe decides
        self.state = State.UP
        self._delay = self.probe_base
        if self._down_since is not None:
            log.warning("outage %s: sending works again after %.0f s", self.name,
                        self._clock() - self._down_since)
            self._down_since = None

    async def failed(self, chat: Hashable | None, reason: str = "") -> bool:
        """A temporary failure of a request to `chat` (None: no chat's, e.g. a button answer).

        True: the API is down (now, or found so by this failure): wait (`wait_up`) and make the
        same request again without counting an attempt. False: the failure is the recipient's.
        """
        if self.state is State.DOWN:
            return True
        if self.state is State.RECOVERING:
            self._trip(reason or "failing again right after it answered")
            return True
        if chat is not None:
            self._failing.add(chat)
        if len(self._failing) >= self.threshold:
            self._trip(reason or f"{len(self._failing)} chats failing in a row")
            return True
        if self.probe is None:
            return False
        if not await self._judge():
            self._trip(reason or "the probe failed too")
            return True
        return self.state is State.DOWN  # another failure may have found it down meanwhile

    # -- probing --------------------------------------------------------------------------------

    async def _judge(self) -> bool:
        """Whether the API answers a request about nobody (one probe shared by all asking)."""
        if self._check is not None:
            return await asyncio.shield(self._check)
        check = self._check = asyncio.get_running_loop().create_future()
        try:
            ok = await self._probe_once()
        except BaseException:
            check.set_result(False)
            raise
        finally:
            self._check = None
        check.set_result(ok)
        return ok

    async def _probe_once(self) -> bool:
        assert self.probe is not None
        self.probes += 1
        try:
            return await self.probe()
        except asyncio.CancelledError:
            raise
        except Exception:  # a probe that raises is a probe that failed
            log.debug("outage %s: the probe raised", self.name, exc_info=True)
            return False

    def _trip(self, reason: str) -> None:
        if self.state is State.DOWN:
            return
        self.outages += 1
        self.state = State.DOWN
        self._up.clear()
        if self._closed:
            return  # stopping: nobody probes; the delivery worker's waits end with its stop
        if self._down_since is None:
            self._down_since = self._clock()
            log.warning("outage %s: the API is not answering (%s); all sending waits until it "
                        "does, nothing is dropped", self.name, reason)
        else:
            log.info("outage %s: failing again right after the API answered (%s); next look "
                     "in %.0f s", self.name, reason, self._delay)
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(
                self._probe_until_up(), name=f"outage-probe-{self.name}")

    async def _probe_until_up(self) -> None:
        """While DOWN: wait, ask (with back-off); when the API answers, let everybody go."""
        while self.state is State.DOWN:
            await self._sleep(self._delay)
            answered = True if self.probe is None else await self._probe_once()
            # The next wait is longer either way: only a successful send resets it, so a
            # partial outage (the probe answers, sends fail) backs off too.
            self._delay = min(self._delay * 2, self.probe_cap)
            if answered:
                log.info("outage %s: the API answers; sending again", self.name)
                self.state = State.RECOVERING
                self._up.set()

    async def close(self) -> None:
        """Stop probing (shutting down): interactive messages waiting for the API give up
        (`wait_up(until_closed=True)`); the delivery worker's senders wait until it stops them
        (their rows stay pending)."""
        self._closed = True
        self._closing.set()
        task, self._prober = self._prober, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
