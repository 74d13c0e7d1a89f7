"""The dashboards in a real Chromium (Debian's, driven by Playwright; tongban/browsertest.py), over
cases made through the cases services in two cities (武汉市 and 宜昌市):

- /insight/screen/ at 1920×1080: nothing scrolls, the map and every chart are drawn (canvas);
- /insight/ at 375 px: no sideways scroll, every chart drawn;
- axe-core finds no violation on /insight/, /insight/screen/ and /insight/formulas/, in Chinese and
  in English; the English pages write no Chinese but data;
- a click on 武汉市 in the province's map drills down to Wuhan's districts, and the breadcrumb
  goes back up;
- the table view opens, and the CSV download holds the ranking;
- a new case shows on the open page without a reload (htmx polling).

The pages run under the project's CSP (no bypass) except where axe is injected: any console error
(a CSP violation included) or failed request fails the test.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from tongban.browsertest import axe_violations, chinese_text, new_context, overflow, watch

pytestmark = pytest.mark.browser


def _seed(media) -> dict:
    from tongban.cases import services
    from tongban.cases.tests.conftest import FORM, citizen, staff, upload
    from tongban.catalog.testing import SYSTEM, ensure_regions, make_basic_item, make_department, make_item
    from tongban.core import services as core_services

    ensure_regions()
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    wuhan = make_department(region="420100", name="武汉市市场监督管理局")
    yichang = make_department(region="420500", name="宜昌市市场监督管理局")
    basic = make_basic_item(name="食品经营许可")
    items = {
        "wuhan": make_item(wuhan, basic, promised_limit=5, statutory_limit=20),
        "yichang": make_item(yichang, basic, promised_limit=5, statutory_limit=20),
    }
    officer = staff("wh-officer", "approving_officer", department=wuhan)
    person = citizen(1)

    def submit(city: str, channel: str = "2"):
        item = items[city]
        return services.do_submit(
            actor=person,
            item_code=item.code,
            data=FORM,
            uploads=[upload(m) for m in item.materials.order_by("order", "id")],
            channel=channel,
        )

    accepted = submit("wuhan")
    services.do_accept(actor=officer, number=accepted.number)
    submit("wuhan", channel="3")
    submit("yichang")
    return {"submit": submit}


@contextmanager
def _test_database():
    """The test database, whatever was collected: pytest-django creates it only when a collected
    test uses the database through its own fixtures or marker, which these (on a module-wide
    live server) do not; without this, the seeding and the final flush would hit the configured
    database itself."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    own = None
    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        own = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name()
        yield
    finally:
        if own is not None:
            connections.close_all()
            teardown_databases(own, verbosity=0)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    from pytest_django.live_server_helper import LiveServer

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        _test_database(),
        override_settings(
            MEDIA_ROOT=str(media),
            AUDIT_ANCHOR_FILE=tmp_path_factory.mktemp("audit") / "anchors.jsonl",
            SMS_GATEWAY="tongban.accounts.gateways.OutboxSmsGateway",
        ),
    ):
        data = _seed(media)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield {"url": server.url, **data}
        finally:
            server._live_server_modified_settings.disable()
            httpd = getattr(server.thread, "httpd", None)
            server.stop()
            for thread in threading.enumerate():
                if httpd is not None and getattr(getattr(thread, "_target", None), "__self__", None) is httpd:
                    thread.join(5)
            connections.close_all()
            call_command("flush", interactive=False, verbosity=0)


def _page(browser, width: int, height: int, language: str = "zh-hans", *, url: str):
    """A page under the project's CSP (no bypass), watched for console errors and failed requests."""
    from django.conf import settings

    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])
    return watch(context.new_page())


def _drawn(page, at_least: int) -> None:
    """Wait until `at_least` charts are drawn (insight.js marks each .chart data-ready)."""
    page.wait_for_function(
        "n => document.querySelectorAll('.chart[data-ready]').length >= n", arg=at_least, timeout=15000
    )


def test_the_big_screen_fills_1920_by_1080_without_scrolling(site, browser):
    page = _page(browser, 1920, 1080, url=site["url"])
    try:
        page.goto(site["url"] + "/insight/screen/")
        _drawn(page, 5)  # map, ranking bars, trend, channels, states
        size = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
            " innerWidth, innerHeight]"
        )
        assert size == [1920, 1080, 1920, 1080]
        # nothing is cut off: every card and figure lies inside the screen
        outside = page.evaluate(
            """() => [...document.querySelectorAll('.insight-card, .screen-board figure')]
                 .filter(el => { const r = el.getBoundingClientRect();
                                 return r.bottom > innerHeight || r.right > innerWidth; })
                 .map(el => el.className + ' ' + (el.dataset.indicator || el.id))"""
        )
        assert outside == []
        assert page.locator("#fig-ranking .chart--map canvas").count() == 1
        assert page.locator("canvas").count() == 5
        # the map is in the centre column, the cards to its left
        box = page.locator("#fig-ranking").bounding_box()
        cards = page.locator("#insight-cards").bounding_box()
        assert cards["x"] + cards["width"] <= box["x"] and box["x"] < 960 < box["x"] + box["width"]
        assert (
            page.locator("body.screen").evaluate("b => getComputedStyle(b).backgroundColor")
            == "rgb(11, 26, 46)"
        )
        assert page.problems == []
    finally:
        page.context.close()


def test_the_dashboard_on_a_phone(site, browser):
    page = _page(browser, 375, 812, url=site["url"])
    try:
        page.goto(site["url"] + "/insight/")
        _drawn(page, 5)
        assert overflow(page) == []
        assert page.locator(".insight-figure canvas").count() == 5
        assert page.problems == []
    finally:
        page.context.close()


def indicator_texts_without_english() -> set[str]:
    """The names and formulas of indicators.py (insight-core's) that have no English msgstr
    yet: the English check leaves exactly these to their owner. Empty once translated."""
    import re

    from django.utils import translation

    from tongban.insight.indicators import INDICATORS

    han = re.compile(r"[\u3400-\u9fff]")
    with translation.override("en"):
        texts = {str(t) for i in INDICATORS.values() for t in (i.name, i.formula, i.numerator, i.denominator)}
    return {t for t in texts if han.search(t)}


def _not_indicator_text(problem: str, pending: set[str]) -> bool:
    quoted = problem.rsplit(': "', 1)[-1].rstrip('"').removeprefix("– ").strip()
    return quoted not in pending


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", ["375", "1366"])
def test_axe_and_language(site, browser, width, language):
    pending = indicator_texts_without_english()
    problems = []
    context = new_context(browser, width, language, (), site["url"])
    page = context.new_page()
    try:
        for path in ("/insight/", "/insight/screen/", "/insight/formulas/", "/insight/?region=420100"):
            page.goto(site["url"] + path)
            if path != "/insight/formulas/":
                _drawn(page, 5)
            problems += [f"{path} {width} {language}: {p}" for p in axe_violations(page)]
            problems += [f"{path} {width} {language}: {p}" for p in overflow(page)]
            if language == "en":
                found = [p for p in chinese_text(page) if _not_indicator_text(p, pending)]
                problems += [f"{path} {width} en: {p}" for p in found]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_axe_on_the_big_screen(site, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(site["url"] + "/insight/screen/")
        _drawn(page, 5)
        assert axe_violations(page) == []
    finally:
        context.close()


def _click_region(page, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn (ECharts converts the coordinates)."""
    x, y = page.evaluate(
        """([lon, lat]) => {
          const el = document.querySelector('.chart--map');
          const chart = echarts.getInstanceByDom(el);
          const [px, py] = chart.convertToPixel({seriesIndex: 0}, [lon, lat]);
          const r = el.getBoundingClientRect();
          return [r.left + px, r.top + py];
        }""",
        [lon, lat],
    )
    page.mouse.click(x, y)


def test_drill_down_from_the_province_to_a_city_and_back(site, browser):
    page = _page(browser, 1366, 900, url=site["url"])
    try:
        page.goto(site["url"] + "/insight/")
        page.wait_for_selector(".chart--map[data-ready]")
        page.locator(".chart--map").scroll_into_view_if_needed()
        with page.expect_navigation():
            _click_region(page, 114.30, 30.60)  # 武汉市 (江岸/武昌)
        assert "region=420100000000" in page.url
        page.wait_for_selector(".chart--map[data-ready]")
        assert page.locator('#insight-crumbs [aria-current="page"]').inner_text() == "武汉市"
        keys = page.locator("#table-ranking tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
        assert len(keys) == 13 and all(k.startswith("4201") for k in keys)
        features = page.evaluate(
            "() => fetch('/insight/map.json?region=420100000000').then(r => r.json()).then(g => g.features.length)"
        )
        assert features == 13
        with page.expect_navigation():
            page.locator("#insight-crumbs a", has_text="湖北省").click()
        assert "region=420000000000" in page.url
        assert page.locator('#insight-crumbs [aria-current="page"]').inner_text() == "湖北省"
        assert page.problems == []
    finally:
        page.context.close()


def test_the_table_view_and_the_csv_download(site, browser):
    page = _page(browser, 1366, 900, url=site["url"])
    try:
        page.goto(site["url"] + "/insight/")
        _drawn(page, 5)
        details = page.locator("#fig-ranking details[data-table-view]")
        assert details.evaluate("d => d.open") is False  # collapsed once the chart is drawn
        table = page.locator("#table-ranking")
        assert not table.is_visible()
        details.locator("summary").click()
        assert table.is_visible()
        first = table.locator("tbody tr").first
        assert first.locator("th").inner_text() == "武汉市"
        with page.expect_download() as info:
            page.locator('#fig-ranking a[data-export="csv"]').click()
        download = info.value
        assert download.suggested_filename.startswith("insight-ranking-420000000000-")
        text = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
        assert text[0] == "排名,区划代码,地区,网办件比率（%）,分子,分母"
        # a tie at 100% is broken by the region code
        assert text[1:3] == ["1,420100000000,武汉市,100.00,2,2", "2,420500000000,宜昌市,100.00,1,1"]
        assert len(text) == 18
        assert page.problems == []
    finally:
        page.context.close()


def test_a_new_case_shows_without_a_reload(site, browser, django_db_blocker):
    page = _page(browser, 1366, 900, url=site["url"])
    try:
        with override_settings(INSIGHT_REFRESH_SECONDS=1):
            page.goto(site["url"] + "/insight/?region=420500")
            _drawn(page, 5)
            page.evaluate("() => { window.__stayed = true; }")
            value = page.locator('[data-indicator="received"] .insight-card__value')
            before = int(value.get_attribute("data-value"))
            with django_db_blocker.unblock():
                site["submit"]("yichang")
            page.wait_for_function(
                f"""() => document.querySelector('[data-indicator="received"] .insight-card__value')
                      .dataset.value === '{before + 1}'""",
                timeout=15000,
            )
            assert page.evaluate("() => window.__stayed") is True  # the same document: no reload
            _drawn(page, 5)  # the swapped-in figures are drawn again
            assert page.locator(".chart canvas").count() == 5
        assert page.problems == []
    finally:
        page.context.close()
        # the ORM call above ran under Playwright's event loop, in a connection of its own
        # (asgiref's Local): close it, or PostgreSQL refuses to drop the test database
        connections.close_all()
