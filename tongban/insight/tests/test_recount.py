"""The live rollups (incremented by the hook in each transition) equal a full recount from the
cases after any sequence of transitions through the case services."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.insight import rollups
from tongban.insight.models import Rollup

from .walk import walk

pytestmark = pytest.mark.usefixtures("regions_loaded")

FAR = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def recounted() -> dict:
    return {k: v for k, v in rollups.recount(*FAR).items() if any(v.values())}


def live() -> dict:
    return rollups.live_rows(*FAR)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_live_rollups_equal_a_full_recount_after_a_random_walk(world, day, seed):
    cases = walk(world, day, seed=seed, steps=45)
    assert len(cases) >= 5
    rows = live()
    assert rows == recounted()
    states = {c.state for c in cases}
    assert len(states) >= 3  # the walk went somewhere
    received = sum(v["received"] for (g, *_), v in rows.items() if g == "m")
    assert received == len(cases)
    by_state = {s: sum(v[f"st_{s}"] for (g, *_), v in rows.items() if g == "m") for s in states}
    assert by_state == {s: sum(1 for c in cases if c.state == s) for s in states}


def test_the_rollups_match_after_every_single_transition(world, day):
    walk(world, day, seed=7, steps=25, check=lambda: _same())


def _same():
    assert live() == recounted()


def test_rebuild_twice_gives_the_same_rows_and_repairs_a_damaged_table(world, day):
    walk(world, day, seed=11, steps=30)
    before = live()
    first = rollups.rebuild()
    assert live() == before
    Rollup.objects.filter(grain="i").update(received=99)  # damaged
    Rollup.objects.create(
        grain="d", day=dt.date(2001, 1, 1), region_code="420100000000", department_id=1, received=5
    )
    second = rollups.rebuild()
    assert live() == before
    assert (first["rows"], first["months"]) == (second["rows"], second["months"])
    rollups.rebuild()
    assert live() == before
