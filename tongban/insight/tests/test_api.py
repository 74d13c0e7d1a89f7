"""GET /api/v1/insight/...: public figures with their formula ids; bad input 400 naming the field."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tongban.core.models import AuditEvent
from tongban.insight.indicators import INDICATORS
from tongban.insight.models import Rollup

from .test_indicators import figures  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("regions_loaded")
URL = "/api/v1/insight/"


def get(path, **params):
    return Client().get(URL + path, params)


def test_indicators_for_a_city_with_values_and_formula_ids(figures):  # noqa: F811
    today = timezone.localdate()
    r = get("indicators", region="420100", **{"from": f"{today:%Y}-01-01", "to": f"{today:%Y-%m-%d}"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["region"] == {"code": "420100000000", "name": "武汉市"}
    assert (body["from"], body["to"], body["department"]) == (f"{today:%Y}-01-01", f"{today:%Y-%m-%d}", None)
    got = {i["id"]: i for i in body["indicators"]}
    assert list(got) == list(INDICATORS)
    online = got["online_case_rate"]
    assert (online["name"], online["unit"], online["value"]) == ("网办件比率", "%", 66.67)
    assert (online["numerator_value"], online["denominator_value"]) == (2, 3)
    assert online["formula"] == "网上申报办件数 ÷ 办件总数 × 100%"
    assert got["received"]["value"] == 3 and got["received"]["denominator_value"] is None


def test_the_default_period_is_this_year_to_date_and_a_department_narrows(figures):  # noqa: F811
    body = get("indicators", region="420100", department=str(figures["dept"].pk)).json()
    today = timezone.localdate()
    assert (body["from"], body["to"], body["department"]) == (
        f"{today:%Y}-01-01",
        f"{today:%Y-%m-%d}",
        figures["dept"].pk,
    )
    assert {i["id"]: i["value"] for i in body["indicators"]}["received"] == 3
    other = get("indicators", region="420100", department=str(figures["outsider"].department_id)).json()
    assert {i["id"]: i["value"] for i in other["indicators"]}["received"] == 0


def test_series_breakdown_volumes_and_definitions(figures):  # noqa: F811
    today = timezone.localdate()
    period = {"from": f"{today:%Y}-01-01", "to": f"{today:%Y-%m-%d}"}
    s = get("series", indicator="received", region="420100", grain="month", **period).json()
    assert s["points"][-1] == {"date": f"{today:%Y-%m}-01", "value": 3} and len(s["points"]) == today.month
    b = get("breakdown", indicator="online_case_rate", region="420000", **period).json()
    wuhan = next(r for r in b["rows"] if r["code"] == "420100000000")
    assert (wuhan["value"], wuhan["numerator"], wuhan["denominator"]) == (66.67, 2, 3)
    v = get("volumes", region="420100", by="channel", **period).json()
    assert [(r["key"], r["count"]) for r in v["rows"]] == [("1", 1), ("2", 1), ("3", 1), ("4", 0), ("9", 0)]
    d = get("definitions").json()
    assert [x["id"] for x in d] == list(INDICATORS)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("indicators", {"region": "999999"}, "region"),
        ("indicators", {"region": "4201"}, "region"),
        ("indicators", {"region": "420100", "from": "2026-05-02", "to": "2026-05-01"}, "to"),
        ("indicators", {"region": "420100", "from": "2010-01-01", "to": "2020-01-01"}, "to"),
        ("indicators", {"region": "420100", "from": "2026-02-30"}, "from"),
        ("indicators", {"region": "420100", "department": "987654"}, "department"),
        ("series", {"region": "420100", "indicator": "nope"}, "indicator"),
        ("series", {"region": "420100", "indicator": "item_online_rate"}, "indicator"),
        ("series", {"region": "420100", "indicator": "received", "grain": "week"}, "grain"),
        ("breakdown", {"region": "999999", "indicator": "received"}, "region"),
        ("volumes", {"region": "420100", "by": "colour"}, "by"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(db, path, params, field):
    before = (Rollup.objects.count(), AuditEvent.objects.count())
    r = get(path, **params)
    assert r.status_code == 400, r.content
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert (Rollup.objects.count(), AuditEvent.objects.count()) == before
