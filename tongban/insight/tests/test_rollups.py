"""The hook's increments, exactly: each transition through the case services moves the counters
of its day, at every grain, in the transition's own transaction; a refused one moves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.cases import services
from tongban.cases.tests.conftest import FORM, submit, upload
from tongban.catalog.testing import make_basic_item, make_item
from tongban.core.errors import Conflict
from tongban.insight import rollups
from tongban.insight.models import COUNTERS, Rollup

pytestmark = pytest.mark.usefixtures("regions_loaded")
D = dt.date.fromisoformat


def rows() -> dict:
    return rollups.live_rows(D("2000-01-01"), D("2100-12-31"))


def counts(grain, day, world, item="") -> dict[str, int]:
    """The non-zero counters of one row."""
    key = (grain, day, "420100000000", world["dept"].pk, item)
    return {k: v for k, v in rows().get(key, {}).items() if v}


def test_a_submission_counts_on_its_day_at_every_grain(world):
    case = submit(world, channel="3")
    today = timezone.localdate(case.submitted_at)
    expected = {
        "received": 1,
        "recv_3": 1,
        "st_submitted": 1,
        "zero_trip": 1,  # the item needs no visit (visits 0) and it came in online
        "at_most_once": 1,
    }
    code = world["item"].code
    assert counts("i", today, world, code) == expected
    assert counts("d", today, world) == expected
    assert counts("m", today.replace(day=1), world) == expected
    assert counts("n", today.replace(day=1), world, code) == expected
    assert len(rows()) == 4


def test_acceptance_conclusion_and_delivery_move_state_and_event_counters(world, day):
    case = submit(world)
    submitted = timezone.localdate(case.submitted_at)
    day("2026-09-29")
    services.do_accept(actor=world["officer"], number=case.number)
    assert counts("d", D("2026-09-29"), world) == {"accepted": 1}
    assert counts("d", submitted, world)["st_accepted"] == 1
    assert "st_submitted" not in counts("d", submitted, world)
    day("2026-10-09")
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        services.do_complete_step(actor=actor, number=case.number, step_index=index, outcome="pass")
    case = services.do_conclude(actor=world["officer"], number=case.number)
    concluded = timezone.localdate(case.concluded_at)
    got = counts("d", concluded, world)
    used = rollups.days_used(D("2026-09-29"), concluded, 0)
    assert got["concluded"] == 1 and got["timed"] == 1
    assert (got.get("on_time", 0), got["days_used"], got["days_statutory"]) == (1, used, 20)
    services.do_deliver(actor=world["officer"], number=case.number)
    states = {k: v for k, v in counts("m", submitted.replace(day=1), world).items() if k.startswith("st_")}
    assert states == {"st_delivered": 1}


def test_a_window_intake_is_received_at_the_window_and_accepted_at_once(world, day):
    case = services.do_window_intake(
        actor=world["clerk"],
        applicant_id=world["citizen"].pk,
        item_code=world["item"].code,
        data=FORM,
        uploads=[upload(m) for m in world["materials"]],
    )
    submitted = timezone.localdate(case.submitted_at)
    got = counts("d", submitted, world)
    assert (got["received"], got["recv_1"], got["st_accepted"], got["at_most_once"]) == (1, 1, 1, 1)
    assert "zero_trip" not in got and "st_submitted" not in got  # came to the window
    assert counts("d", D("2026-09-29"), world)["accepted"] == 1


def test_materials_the_platform_supplies_are_counted_as_exempt(world):
    item = make_item(
        world["dept"],
        make_basic_item(name="个体工商户登记"),
        materials=[
            {"name": "申请表", "originals": 1, "copies": 0},
            {"name": "经营场所证明", "originals": 1, "copies": 0},
        ],
        case_type="1",
        promised_limit=0,
    )
    proof = item.materials.get(name="经营场所证明")
    case = services.do_submit(actor=world["citizen"], item_code=item.code, data=FORM, uploads=[upload(proof)])
    got = counts("i", timezone.localdate(case.submitted_at), world, item.code)
    assert (got["exempt_form"], got.get("exempt_licence", 0), got["immediate"]) == (1, 0, 1)


def test_a_refused_transition_moves_no_counter(world):
    case = submit(world)
    before = rows()
    with pytest.raises(Conflict):
        services.do_conclude(actor=world["officer"], number=case.number)  # not decided yet
    assert rows() == before


def test_every_counter_is_a_column_and_rows_carry_nothing_personal():
    names = {f.name for f in Rollup._meta.get_fields()}
    assert set(COUNTERS) <= names
    assert names - set(COUNTERS) == {"id", "grain", "day", "region_code", "department_id", "item_code"}
