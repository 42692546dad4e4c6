"""Several `newsbot run` processes on one PostgreSQL database (SPEC 14), end to end: two real
processes, one sandbox, readers subscribing and a push during which one process is killed
with SIGKILL (bench/twoprocs.py runs the same scenario with 1,500 readers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.twoprocs import MAX_DUPLICATES, scenario
from tests.conftest import drop_postgres_database, new_postgres_database

pytestmark = pytest.mark.postgres


async def test_two_processes_answer_once_and_survive_a_kill(postgres_server: str,
                                                            tmp_path: Path) -> None:
    url = await new_postgres_database(postgres_server, empty=True)
    try:
        outcome = await scenario(url, tmp_path, readers=300)
    finally:
        await drop_postgres_database(url)
    assert outcome.answered_once, outcome.answers.most_common(3)
    assert outcome.killed
    assert 0 < outcome.cards_at_kill < 300
    assert outcome.everyone_got_the_card, (len(outcome.cards), 300)
    assert outcome.duplicates <= MAX_DUPLICATES
