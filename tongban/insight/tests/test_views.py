"""The dashboards' pages: /insight/ (and its live fragment), /insight/screen/, the formulas,
over real rollups of cases made through the cases services (the cases app's `world`: a Wuhan
market-regulation department with one published item)."""

from __future__ import annotations

import re

import pytest

from tongban.cases import services
from tongban.cases.tests.conftest import submit
from tongban.core.models import AuditEvent
from tongban.insight.indicators import INDICATORS

pytestmark = pytest.mark.usefixtures("regions_loaded")

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
WUHAN, JIANGXIA = "420100000000", "420115000000"


@pytest.fixture
def figures(world):
    """Two cases of the Wuhan item: one online by computer and accepted, one by phone."""
    a = submit(world)
    services.do_accept(actor=world["officer"], number=a.number)
    submit(world, channel="3")
    return world


def card(html: str, indicator_id: str) -> str:
    m = re.search(rf'data-indicator="{indicator_id}">.*?data-value="([^"]*)"', html, re.S)
    assert m, indicator_id
    return m.group(1)


def ranking_rows(html: str) -> list[tuple[str, str]]:
    """(region code, value) of the ranking table, in the page's order."""
    table = re.search(r'<table[^>]*id="table-ranking".*?</table>', html, re.S).group(0)
    return re.findall(r'<tr data-key="(\d+)">.*?</th><td class="num" data-value="([^"]*)">', table, re.S)


def test_the_dashboard_shows_the_province_with_its_cities(client, figures):
    response = client.get("/insight/", YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert (card(html, "received"), card(html, "accepted"), card(html, "online_case_rate")) == (
        "2",
        "1",
        "100.00",
    )
    # every city ranked, Wuhan (the only one with cases) first, the rest without data after it
    rows = ranking_rows(html)
    assert len(rows) == 17
    assert rows[0] == (WUHAN, "100")
    assert all(value == "" for _, value in rows[1:])
    # the drill-down: each city's name links to its own dashboard
    assert (
        'href="?region=420100000000&amp;from=2026-01-01&amp;to=2026-12-31&amp;indicator=online_case_rate" data-drill'
        in html
    )
    # every figure has its table and its downloads; the chart script and ECharts are served
    for table in ("ranking", "trend", "channels", "states"):
        assert f'id="table-{table}"' in html
        assert (
            f"/insight/export.csv?region=420000000000&amp;from=2026-01-01&amp;to=2026-12-31&amp;indicator=online_case_rate&amp;table={table}"
            in html
        )
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/insight/insight.js" in html
    assert 'data-geo="/insight/map.json?region=420000000000"' in html


def test_channels_and_states_are_counted(client, figures):
    html = client.get("/insight/", YEAR).content.decode()
    channels = re.search(r'id="table-channels".*?</table>', html, re.S).group(0)
    counts = dict(re.findall(r'<tr data-key="(\w+)">.*?data-value="(\d+)"', channels, re.S))
    assert counts == {"1": "0", "2": "1", "3": "1", "4": "0", "9": "0"}
    states = re.search(r'id="table-states".*?</table>', html, re.S).group(0)
    counts = dict(re.findall(r'<tr data-key="(\w+)">.*?data-value="(\d+)"', states, re.S))
    assert (counts["submitted"], counts["accepted"], counts["concluded"]) == ("1", "1", "0")


def test_drill_down_to_a_city_then_a_county(client, figures):
    html = client.get("/insight/", {"region": "420100", **YEAR}).content.decode()
    assert re.search(r'<a href="\?region=420000000000[^"]*" lang="zh-Hans">湖北省</a>', html)
    assert '<span aria-current="page" lang="zh-Hans">武汉市</span>' in html
    rows = ranking_rows(html)
    assert len(rows) == 13  # Wuhan's districts
    assert (JIANGXIA, "") in rows  # the department is Wuhan's own: its cases are no district's
    html = client.get("/insight/", {"region": "420102", **YEAR}).content.decode()
    assert '<span aria-current="page" lang="zh-Hans">江岸区</span>' in html
    assert ranking_rows(html) == []  # a county without townships in the reference data
    assert "所选时间段内没有数据。" in html


def test_the_live_fragment_follows_new_cases_without_a_reload(client, figures):
    first = client.get("/insight/", YEAR, headers={"HX-Request": "true"})
    assert first.status_code == 200
    html = first.content.decode()
    assert html.lstrip().startswith('<div id="insight-results"') and "<html" not in html
    assert 'hx-trigger="every 30s"' in html
    assert "HX-Request" in first["Vary"]
    assert card(html, "received") == "2"
    submit(figures)  # a third case
    html = client.get("/insight/", YEAR, headers={"HX-Request": "true"}).content.decode()
    assert card(html, "received") == "3"


def test_the_refresh_interval_is_a_setting(client, figures, settings):
    settings.INSIGHT_REFRESH_SECONDS = 2
    settings.INSIGHT_SCREEN_REFRESH_SECONDS = 3
    assert 'hx-trigger="every 2s"' in client.get("/insight/").content.decode()
    assert 'hx-trigger="every 3s"' in client.get("/insight/screen/").content.decode()


def test_the_department_filter(client, figures):
    from tongban.catalog.testing import make_department

    dept = figures["dept"]
    html = client.get("/insight/", {"region": "420100", "department": dept.pk, **YEAR}).content.decode()
    assert card(html, "received") == "2"
    assert f'<option value="{dept.pk}" lang="zh-Hans" selected>' in html
    assert '<span lang="zh-Hans">武汉市市场监督管理局</span>' in html
    other = make_department(region="420100", name="武汉市民政局")
    html = client.get("/insight/", {"region": "420100", "department": other.pk, **YEAR}).content.decode()
    assert card(html, "received") == "0"
    assert card(html, "online_case_rate") == ""  # no cases: no rate, shown as —


def test_presets(client, figures):
    html = client.get("/insight/", {"preset": "year"}).content.decode()
    assert re.search(r'value="\d{4}-01-01"', html)
    assert 'aria-current="true">本年</a>' in html
    html = client.get("/insight/").content.decode()
    assert 'aria-current="true">近12个月</a>' in html


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"region": "999999"}, "region", "没有这个行政区划"),
        ({"region": "42"}, "region", "6位或12位"),
        ({"from": "2026-12-31", "to": "2026-01-01"}, "to", "不能早于"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "to", "10年"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "from", "日期格式"),
        ({"from": "2026-01-01"}, "to", "请填写结束日期"),
        ({"preset": "decade"}, "preset", "本月、本年或近12个月"),
        ({"indicator": "nope"}, "indicator", "nope"),
        ({"department": "99999"}, "department", "没有这个部门"),
    ],
)
def test_bad_input_is_named_on_the_page(client, figures, params, field, words):
    before = AuditEvent.objects.count()
    for url in ("/insight/", "/insight/screen/"):
        response = client.get(url, params)
        assert response.status_code == 400
        html = response.content.decode()
        item = re.search(rf'<li data-field="{field}">(.*?)</li>', html, re.S)
        assert item, html[:3000]
        assert f"（{field}）" in item.group(1) and words in item.group(1)
        assert 'id="insight-results"' not in html and 'id="screen-board"' not in html
    assert AuditEvent.objects.count() == before


def test_the_screen(client, figures):
    response = client.get("/insight/screen/", YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<body class="screen">' in html
    assert 'class="screen-map" id="fig-ranking" data-chart="map"' in html
    assert card(html, "received") == "2"
    assert 'hx-trigger="every 15s"' in html
    assert len(ranking_rows(html)) == 17
    fragment = client.get("/insight/screen/", YEAR, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="screen-board"') and "<html" not in fragment


def test_the_formulas_page_defines_every_indicator(client, regions_loaded):
    html = client.get("/insight/formulas/").content.decode()
    for indicator in INDICATORS.values():
        assert f'id="{indicator.id}"' in html
        assert str(indicator.formula) in html


def test_cards_show_their_formula_and_link_to_its_definition(client, figures):
    html = client.get("/insight/", YEAR).content.decode()
    for indicator_id, indicator in INDICATORS.items():
        card_html = re.search(
            rf'<li class="insight-card" data-indicator="{indicator_id}">.*?</li>', html, re.S
        )
        assert f'<span class="insight-card__formula-text">{indicator.formula}</span>' in card_html.group(0)
        assert f'href="/insight/formulas/#{indicator_id}"' in card_html.group(0)
