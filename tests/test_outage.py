"""The outage guard (bot/delivery/outage.py) on its own: when a temporary failure is the API's and
when it is one reader's. A probe the test controls stands in for getMe; the end-to-end outage
(the sandbox stopped and started again) is in tests/test_faults_e2e.py."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.delivery.outage import OutageGuard, State


class Api:
    """A probe the test switches on and off; counts the questions."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.asked = 0

    async def __call__(self) -> bool:
        self.asked += 1
        await asyncio.sleep(0)
        return self.up


def guard(api: Api | None, **options: object) -> OutageGuard:
    values: dict[str, object] = {"probe_base": 0.01, "probe_cap": 0.02}
    values.update(options)
    return OutageGuard(api, name="test", **values)  # type: ignore[arg-type]


async def test_a_failure_while_the_api_answers_is_the_readers() -> None:
    api = Api(up=True)
    g = guard(api)
    assert await g.failed("chat-1", "500") is False
    assert g.state is State.UP
    assert api.asked == 1
    assert await g.wait_up(0) is True


async def test_a_failure_while_the_probe_fails_is_an_outage_until_it_answers(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.outage")
    api = Api(up=False)
    g = guard(api)
    assert await g.failed("chat-1", "connection refused") is True
    assert g.down
    assert await g.wait_up(0.05) is False  # still down: everybody waits
    assert await g.failed("chat-2", "connection refused") is True  # no attempt counted
    api.up = True
    assert await g.wait_up(5) is True
    assert g.state is State.RECOVERING
    g.sent()
    assert g.state is State.UP
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # "not answering" once, "works again" once
    assert "not answering" in warnings[0]
    assert "works again" in warnings[1]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await g.close()


async def test_many_chats_failing_in_a_row_is_an_outage_even_without_a_probe() -> None:
    g = guard(None, threshold=3)
    assert await g.failed("a") is False
    assert await g.failed("b") is False
    assert await g.failed("b") is False  # the same chat again is no new evidence
    assert await g.failed("c") is True
    assert g.down
    assert await g.wait_up(5) is True  # without a probe: back-off, then try sending again
    await g.close()


async def test_a_success_in_between_means_the_api_works() -> None:
    g = guard(None, threshold=2)
    assert await g.failed("a") is False
    g.sent()
    assert await g.failed("b") is False  # not two in a row
    assert g.state is State.UP


async def test_a_partial_outage_backs_off_instead_of_charging_readers() -> None:
    """getMe answers while sends fail: each failure right after resuming trips again, with a
    longer wait, and costs nobody an attempt."""
    api = Api(up=True)
    g = guard(api, threshold=2, probe_base=0.01, probe_cap=0.04)
    await g.failed("a")
    assert await g.failed("b") is True  # two chats in a row: down
    assert await g.wait_up(5)
    assert g.state is State.RECOVERING
    assert await g.failed("c") is True  # failing again at once: down again, not c's fault
    assert g.outages == 2
    assert await g.wait_up(5)
    g.sent()
    assert g.state is State.UP
    await g.close()


async def test_one_probe_judges_many_failures_at_once() -> None:
    api = Api(up=True)
    g = guard(api, threshold=100)
    results = await asyncio.gather(*(g.failed(f"chat-{n}") for n in range(10)))
    assert results == [False] * 10
    assert api.asked < 10


async def test_closing_lets_interactive_waiters_give_up() -> None:
    api = Api(up=False)
    g = guard(api)
    await g.failed("a")
    reply = asyncio.ensure_future(g.wait_up(until_closed=True))
    push = asyncio.ensure_future(g.wait_up())
    await asyncio.sleep(0.01)
    assert not reply.done()
    await g.close()
    assert await reply is False  # a reply gives up: the bot is stopping
    await asyncio.sleep(0.05)
    assert not push.done()  # a push keeps waiting (its row stays pending) until stopped
    push.cancel()
