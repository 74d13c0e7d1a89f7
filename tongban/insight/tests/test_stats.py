"""Public operational statistics (/insight/stats/): per month, from real rollups of cases made
through the case services; counts only; table, chart data and CSV agree; bad period or region
answered 400 naming the field."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.utils import timezone

from tongban.cases import services
from tongban.cases.tests.conftest import submit
from tongban.insight import opstats

pytestmark = pytest.mark.usefixtures("regions_loaded")


@pytest.fixture
def cases(world):
    """Three cases of a Wuhan item: online (accepted, concluded), mobile (refused), one waiting."""
    a = submit(world)
    services.do_accept(actor=world["officer"], number=a.number)
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        services.do_complete_step(actor=actor, number=a.number, step_index=index, outcome="pass")
    services.do_conclude(actor=world["officer"], number=a.number)
    b = submit(world, channel="3")
    services.do_refuse(actor=world["officer"], number=b.number, reason="不符合受理条件")
    submit(world)
    return world


def _month_rows(stats):
    return {f"{m.month:%Y-%m}": m for m in stats.months}


def _the_month(stats):
    """The one month with cases."""
    busy = [m for m in stats.months if sum(m.channels)]
    assert len(busy) == 1
    return busy[0]


def test_monthly_figures_from_real_rollups(cases):
    stats = opstats.monthly(opstats.check_input("", "", "420100"))
    assert len(stats.months) == 12
    m = _the_month(stats)
    channels = dict(zip([k for k, _label in stats.channel_labels], m.channels, strict=True))
    assert channels == {"1": 0, "2": 2, "3": 1, "4": 0, "9": 0}
    outcomes = dict(zip([k for k, _label in stats.outcome_labels], m.outcomes, strict=True))
    assert outcomes == {"done": 1, "refused": 1, "returned": 0, "withdrawn": 0, "open": 1}
    assert m.figures["received"] == 3
    assert m.figures["concluded"] == 1
    assert str(m.figures["on_time_rate"]) == "100.00"
    assert str(m.figures["online_case_rate"]) == "100.00"
    # a quiet month: zero counts, no ratio
    quiet = next(x for x in stats.months if not sum(x.channels))
    assert quiet.figures["received"] == 0 and quiet.figures["on_time_rate"] is None
    # another city has none of it
    other = opstats.monthly(opstats.check_input("", "", "420200"))
    assert all(sum(x.channels) == 0 for x in other.months)


def test_the_page_table_chart_and_csv_agree(client, cases):
    r = client.get("/insight/stats/", {"region": "420100"})
    assert r.status_code == 200
    html = r.content.decode()
    chart = json.loads(
        re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert len(chart["months"]) == 12
    by_channel = {c["name"]: sum(c["data"]) for c in chart["channels"]}
    assert sum(by_channel.values()) == 3
    assert "vendor/echarts/echarts.min.js" in html
    csv_link = re.search(r'href="(/insight/stats\.csv\?[^"]+)"', html).group(1).replace("&amp;", "&")
    got = client.get(csv_link)
    assert got.status_code == 200 and got["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["month", "received (件)", "concluded (件)"]
    assert len(rows) == 13
    busy = [row for row in rows[1:] if row[1] != "0"]
    assert len(busy) == 1 and busy[0][1:3] == ["3", "1"]
    assert busy[0][0] in chart["months"]


def test_no_personal_data_on_the_page(client, cases):
    html = client.get("/insight/stats/", {"region": "420100"}).content.decode()
    assert "张三" not in html and "13900000001" not in html
    assert cases["citizen"].username not in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "去年"}, "from"),
        ({"to": "2026/05"}, "to"),
        ({"from": "2026-06", "to": "2026-01"}, "to"),
        ({"from": "2020-01", "to": "2026-01"}, "to"),  # over 36 months
        ({"region": "999999"}, "region"),
        ({"region": "42"}, "region"),
        ({"region": "420102001001"}, "region"),  # below the county level (a street, or none)
    ],
)
def test_bad_input_names_the_field(client, world, params, field):
    r = client.get("/insight/stats/", params)
    assert r.status_code == 400
    assert f'id="{field}-error"' in r.content.decode()
    csv_answer = client.get("/insight/stats.csv", params)
    assert csv_answer.status_code == 400


def test_the_default_period_is_the_last_twelve_months(world):
    first, last = opstats.default_period()
    today = timezone.localdate()
    assert last == f"{today:%Y-%m}"
    assert len(opstats.monthly(opstats.check_input(first, last, "")).months) == 12
