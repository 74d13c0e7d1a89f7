"""The contract's queries over real rollups: exact values from cases made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tongban.cases import services
from tongban.cases.tests.conftest import submit
from tongban.core.errors import InvalidInput
from tongban.insight import queries
from tongban.insight.indicators import INDICATORS
from tongban.insight.models import Rollup

pytestmark = pytest.mark.usefixtures("regions_loaded")


def run_to_conclusion(world, case):
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        case = services.do_complete_step(actor=actor, number=case.number, step_index=index, outcome="pass")
    return services.do_conclude(actor=world["officer"], number=case.number)


@pytest.fixture
def figures(world, day):
    """Three cases of one Wuhan item: online (accepted, concluded), mobile (refused), window."""
    a = submit(world)
    services.do_accept(actor=world["officer"], number=a.number)
    run_to_conclusion(world, a)
    b = submit(world, channel="3")
    services.do_refuse(actor=world["officer"], number=b.number, reason="不符合受理条件")
    services.do_window_intake(
        actor=world["clerk"],
        applicant_id=world["citizen"].pk,
        item_code=world["item"].code,
        data={
            "applicant_name": "张三",
            "contact_name": "张三",
            "contact_phone": "13900000001",
            "request": "申请",
        },
        uploads=[
            services.Upload(
                material_id=m.pk, name=m.name, content=b"%PDF-1.4\n", content_type="application/pdf"
            )
            for m in world["materials"]
        ],
    )
    return world


def by_id(values):
    return {v.indicator.id: v for v in values}


def test_indicators_for_a_city_and_its_province(figures):
    today = timezone.localdate()
    year = (today.replace(month=1, day=1), today.replace(month=12, day=31))
    for region in ("420100", "420000000000"):
        got = by_id(queries.indicators(region=region, date_from=year[0], date_to=year[1]))
        assert set(got) == set(INDICATORS)
        assert (got["received"].value, got["concluded"].value) == (3, 1)
        assert (got["accepted"].value,) == (2,)
        online = got["online_case_rate"]
        assert (online.numerator, online.denominator, online.value) == (2, 3, Decimal("66.67"))
        on_time = got["on_time_rate"]
        assert (on_time.numerator, on_time.denominator, on_time.value) == (1, 1, Decimal("100.00"))
    other = by_id(queries.indicators(region="420200", date_from=year[0], date_to=year[1]))
    assert other["received"].value == 0 and other["online_case_rate"].value is None


def test_a_period_mixes_month_and_day_rows_exactly(figures):
    today = timezone.localdate()
    # A period starting mid-month the month before and ending today: day rows at both edges.
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    got = by_id(queries.indicators(region="420100", date_from=start, date_to=today))
    assert got["received"].value == 3
    none = by_id(queries.indicators(region="420100", date_from=start, date_to=today - dt.timedelta(days=1)))
    assert none["received"].value == 0


def test_breakdown_series_and_volumes(figures):
    today = timezone.localdate()
    first = today.replace(month=1, day=1)
    rows = queries.breakdown("received", region="420000", date_from=first, date_to=today)
    wuhan = next(r for r in rows if r.code == "420100000000")
    assert wuhan.value == 3 and all(r.value == 0 for r in rows if r is not wuhan)
    points = queries.series("received", region="420100", date_from=first, date_to=today, grain="month")
    assert len(points) == today.month and points[-1] == (today.replace(day=1), 3)
    assert sum(v for _, v in points) == 3
    days = queries.series(
        "received", region="420100", date_from=today - dt.timedelta(days=3), date_to=today, grain="day"
    )
    assert days[-1] == (today, 3) and [v for _, v in days[:-1]] == [0, 0, 0]
    channels = {
        k: n for k, _, n in queries.volumes(region="420100", date_from=first, date_to=today, by="channel")
    }
    assert channels == {"1": 1, "2": 1, "3": 1, "4": 0, "9": 0}
    states = {
        k: n for k, _, n in queries.volumes(region="420100", date_from=first, date_to=today, by="state")
    }
    assert {k: n for k, n in states.items() if n} == {"concluded": 1, "refused": 1, "accepted": 1}
    items = queries.volumes(region="420100", date_from=first, date_to=today, by="item")
    assert items == [(figures["item"].code, figures["item"].name, 3)]
    depts = queries.volumes(region="420100", date_from=first, date_to=today, by="department")
    assert depts == [(str(figures["dept"].pk), figures["dept"].name, 3)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"region": "abc"}, "region"),
        ({"date_from": dt.date(2026, 5, 2), "date_to": dt.date(2026, 5, 1)}, "to"),
        ({"date_from": dt.date(2010, 1, 1), "date_to": dt.date(2020, 1, 1)}, "to"),
        ({"department": "987654"}, "department"),
    ],
)
def test_bad_input_names_the_field_and_reads_nothing(db, regions_loaded, kwargs, field):
    args = {"region": "420100", "date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 2, 1), **kwargs}
    with pytest.raises(InvalidInput) as err:
        queries.indicators(**args)
    assert [p.field for p in err.value.problems] == [field]
    assert Rollup.objects.count() == 0
