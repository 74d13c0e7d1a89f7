"""Search with filters in a real Chromium at 375 px (collapsed panel, a choice searches at once,
the chip removes it) and without JavaScript (the panel's 应用筛选 button), and at desktop width
(the panel open). No page scrolls sideways. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop in this thread; sync ORM

import pytest

from tongban.browsertest import ARTIFACTS, VIEWPORTS, watch

from .test_browser import A11Y_PROBLEMS, no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def page_for(browser):
    contexts = []

    def open_page(viewport: str, **options):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", **options)
        contexts.append(context)
        return watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


def test_search_with_filters_on_a_phone(transactional_db, live_server, page_for, search_world):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = page_for("mobile")
    page.goto(live_server.url + "/search/?q=食品经营许可")
    expect(page.get_by_role("status")).to_have_text("找到 3 个与“食品经营许可”相关的事项")
    expect(page.locator(".result__region")).to_have_text(
        ["湖北省黄石市", "湖北省武汉市", "湖北省武汉市江夏区"]
    )
    expect(page.locator(".result__dept")).to_have_text(
        ["黄石市民政局", "武汉市市场监督管理局", "武汉市江夏区行政审批局"]
    )
    # On a phone the filters are folded away, one tap from the results.
    region = page.get_by_label("地区")
    expect(region).to_be_hidden()
    page.locator("#filters > summary").click()
    expect(region).to_be_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "portal-search-filters-mobile.png", full_page=True)

    # Choosing a region searches at once: Wuhan's own item first, then 江夏's below it.
    region.select_option("420100000000")
    page.wait_for_url("**region=420100000000*")
    expect(page.locator(".result__region")).to_have_text(["湖北省武汉市", "湖北省武汉市江夏区"])
    expect(page.locator(".chips")).to_contain_text("地区：湖北省武汉市")
    expect(page.locator("#filters > summary")).to_contain_text("已选1项")

    # A second filter narrows further; its chip takes it off again.
    page.locator("#filters > summary").click()
    page.get_by_label("部门").select_option(label="武汉市江夏区行政审批局（1）")
    page.wait_for_url("**department=*")
    expect(page.locator(".result__region")).to_have_text(["湖北省武汉市江夏区"])
    assert no_horizontal_scroll(page)
    assert page.evaluate(A11Y_PROBLEMS) == []
    page.screenshot(path=ARTIFACTS / "portal-search-filtered-mobile.png", full_page=True)
    page.get_by_role("link", name="部门：武汉市江夏区行政审批局").click()
    page.wait_for_load_state()
    assert "department=" not in page.url and "region=420100000000" in page.url
    expect(page.locator(".result__region")).to_have_text(["湖北省武汉市", "湖北省武汉市江夏区"])

    # A bad value in the address: the message names the parameter, the page still fits.
    page.goto(live_server.url + "/search/?q=食品经营许可&object=9")
    expect(page.locator("#error-summary")).to_contain_text("object：服务对象应为")
    expect(page.get_by_label("服务对象")).to_be_visible()  # the panel opens at the field at fault
    assert no_horizontal_scroll(page)
    assert [p for p in page.problems if not p.startswith("Failed to load resource")] == [
        "400 "
        + live_server.url
        + "/search/?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF&object=9"
    ]


def test_filters_without_javascript_and_on_a_desktop(transactional_db, live_server, page_for, search_world):
    from playwright.sync_api import expect

    page = page_for("mobile", java_script_enabled=False)
    page.goto(live_server.url + "/search/?q=登记")
    page.locator("#filters > summary").click()
    page.get_by_label("办理方式").select_option("now")
    page.get_by_role("button", name="应用筛选").click()
    page.wait_for_url("**mode=now*")
    expect(page.locator(".result__name")).to_have_text(["个体工商户设立登记", "个体工商户设立登记"])
    expect(page.locator(".result__region")).to_have_text(["湖北省武汉市江夏区", "湖北省武汉市江夏区纸坊街道"])
    expect(page.locator(".result__twin").nth(1)).to_have_text(
        "同一事项也由武汉市江夏区行政审批局（县级）办理；江夏区纸坊街道便民服务中心在纸坊街道就近受理，不用跑到江夏区。"
    )
    assert no_horizontal_scroll(page)

    desktop = page_for("desktop")
    desktop.goto(live_server.url + "/search/?q=登记")
    expect(desktop.get_by_label("服务对象")).to_be_visible()  # open without a tap on a wide screen
    assert desktop.problems == []


def test_a_signed_in_person_reaches_my_cases_and_licences_from_the_header_at_375px(
    transactional_db, live_server, page_for, regions
):
    from playwright.sync_api import expect

    from tongban.accounts import services as account_services
    from tongban.cases.tests.story_support import sign_in
    from tongban.catalog.testing import SYSTEM

    account_services.do_register_person(
        actor=SYSTEM, mobile="13900008888", password="Str0ng-pass-2026", display_name="赵六"
    )
    page = page_for("mobile")
    page.goto(live_server.url + "/")
    expect(page.locator(".topbar").get_by_role("link", name="办件进度查询")).to_have_attribute(
        "href", "/cases/progress/"
    )
    sign_in(page, live_server.url, "13900008888", "Str0ng-pass-2026", next_path="/")
    page.goto(live_server.url + "/")
    header = page.locator(".topbar")
    expect(header.get_by_role("link", name="我的办件")).to_be_visible()
    expect(header.get_by_role("link", name="我的证照")).to_be_visible()
    expect(header.get_by_role("link", name="办件进度查询")).to_have_count(0)
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "portal-header-signed-in-mobile.png", full_page=False)
    header.get_by_role("link", name="我的办件").click()
    page.wait_for_url(live_server.url + "/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    page.locator(".topbar").get_by_role("link", name="我的证照").click()
    page.wait_for_url(live_server.url + "/licences/")
    assert no_horizontal_scroll(page)
