"""The cluster reader on the labelled corpus (tests/cluster_corpus.py): every fact it shows is
right, it delivers at least 95% of the facts, and no trap gives a fact or a question."""

from __future__ import annotations

import pytest

from bot.cluster import read_leadership
from tests.cluster_corpus import CASES, Case, Fact, score


def read(case: Case) -> tuple[set[Fact], set[Fact]]:
    readings = read_leadership(case.text, default_year=case.default_year,
                               default_cluster=case.default_cluster)
    shown = {(r.fact.cluster, r.fact.year, r.fact.role, r.fact.unit) for r in readings if r.shown}
    asked = {(r.fact.cluster, r.fact.year, r.fact.role, r.fact.unit) for r in readings
             if not r.shown}
    return shown, asked


def test_the_corpus_is_big_enough() -> None:
    result = score(read)
    positives = [c for c in CASES if not c.trap]
    assert sum(len(c.text.splitlines()) for c in positives) >= 80
    assert result.traps >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    # every class of issue 16 and SPEC 8's list has several variants
    for kind in ("1", "2", "3", "4", "5", "6", "spec8", "restated"):
        assert sum(c.kind == kind for c in CASES) >= 3, kind
    for kind in ("ranking", "person", "former", "plan"):
        assert sum(c.kind == f"trap-{kind}" for c in CASES) >= 5, kind


def test_precision_is_total_and_recall_at_least_95_percent() -> None:
    result = score(read)
    assert result.wrong == []
    assert result.precision == 1.0
    assert result.recall >= 0.95, result.missed
    assert result.noise == 0, result.noisy


@pytest.mark.parametrize("case", [c for c in CASES if c.trap], ids=lambda c: c.id)
def test_traps_give_neither_facts_nor_questions(case: Case) -> None:
    assert read(case) == (set(), set())


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "restated"],
                         ids=lambda c: c.id)
def test_restated_roles_are_questions_not_facts(case: Case) -> None:
    shown, _ = read(case)
    assert not shown & case.asked


def test_every_reading_says_why() -> None:
    for case in CASES[:20]:
        for reading in read_leadership(case.text, default_year=case.default_year,
                                       default_cluster=case.default_cluster):
            assert 0.5 <= reading.confidence <= 1.0
            assert reading.reasons[0].startswith("form:")
            assert any(r.startswith("year:") for r in reading.reasons)
            assert any(r.startswith("cluster:") for r in reading.reasons)
