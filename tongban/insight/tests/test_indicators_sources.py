"""The indicators from other apps' figures: e-licences issued and used (licences.queries), data
sharing calls (exchange.queries over its daily rollup), and the catalogue's 可网办率 / 全程网办率;
exact values per region, and a region elsewhere sees none of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.exchange import stats
from tongban.exchange.testing import make_call, make_resource
from tongban.insight import queries
from tongban.licences import services as licence_services
from tongban.licences.tests.conftest import CODES, department, issue, staff, today  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("regions_loaded")
SYSTEM = "system:test"


def values(region: str, date_from: dt.date, date_to: dt.date) -> dict:
    return {
        v.indicator.id: v.value
        for v in queries.indicators(region=region, date_from=date_from, date_to=date_to)
    }


@pytest.fixture
def issuers(db, regions_loaded, today):  # noqa: F811
    jiangxia = department("武汉市江夏区行政审批局", "420115")
    licence_services.do_seed_standard_types(
        actor=SYSTEM, codes=CODES, issuers={"营业执照": [jiangxia.pk], "食品经营许可证": [jiangxia.pk]}
    )
    return {"jiangxia": jiangxia, "officer": staff("officer", "approving_officer", dept=jiangxia)}


def test_licences_issued_count_by_issuer_region_and_day(issuers):
    issue(issuers, "business")
    issue(issuers, "food")
    day = dt.date(2026, 9, 29)  # the licences' "today"
    assert values("420115", day, day)["licences_issued"] == 2
    assert values("420000", day.replace(day=1), day)["licences_issued"] == 2
    assert values("420103", day, day)["licences_issued"] == 0
    assert values("420115", day + dt.timedelta(days=1), day + dt.timedelta(days=2))["licences_issued"] == 0
    rows = queries.breakdown("licences_issued", region="420100", date_from=day, date_to=day)
    assert {r.code: r.value for r in rows if r.value} == {"420115000000": 2}


def test_sharing_calls_from_the_daily_rollup(db, regions_loaded):
    provider = department("武汉市市场监督管理局", "420100")
    make_resource(provider, code="FR-002", name="企业状态核查")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    at = dt.datetime.combine(yesterday, dt.time(10), tzinfo=timezone.get_current_timezone())
    for outcome in ("ok", "ok", "refused"):
        make_call(service_code="FR-002", at=at, outcome=outcome)
    assert values("420100", yesterday, yesterday)["sharing_calls"] == 0  # not rolled up yet
    stats.rollup()
    assert values("420100", yesterday, yesterday)["sharing_calls"] == 3
    assert values("420000", yesterday, yesterday)["sharing_calls"] == 3
    assert values("420200", yesterday, yesterday)["sharing_calls"] == 0


def test_catalogue_rates_are_the_current_items(db, regions_loaded):
    from tongban.catalog.testing import make_basic_item, make_item

    dept = department("武汉市民政局", "420100")
    make_item(dept, make_basic_item(name="婚姻登记"), online_depth=["1", "2", "3", "4"], fully_online=False)
    make_item(
        dept, make_basic_item(name="收养登记"), handling_forms=["1"], online_depth=["1"], fully_online=False
    )
    make_item(dept, make_basic_item(name="慈善组织认定"))  # the default: online to the end
    got = {
        v.indicator.id: v
        for v in queries.indicators(
            region="420100", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31)
        )
    }
    online = got["item_online_rate"]
    fully = got["item_fully_online_rate"]
    assert (online.numerator, online.denominator, str(online.value)) == (2, 3, "66.67")
    assert (fully.numerator, fully.denominator, str(fully.value)) == (1, 3, "33.33")
    elsewhere = {
        v.indicator.id: v
        for v in queries.indicators(
            region="420200", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31)
        )
    }
    assert (elsewhere["item_online_rate"].denominator, elsewhere["item_online_rate"].value) == (0, None)
