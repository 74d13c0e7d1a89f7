"""A real Chromium (Debian's /usr/bin/chromium, driven by Playwright) walks the main path:
home -> search 营业执照 -> the result -> the guide, at desktop width and at 375 px.

Screenshots go to var/test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here by the
# factories are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


import pytest

from tongban.browsertest import ARTIFACTS, VIEWPORTS, watch

pytestmark = pytest.mark.browser


@pytest.fixture
def page_for(browser):
    contexts = []

    def open_page(viewport: str):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
        contexts.append(context)
        page = watch(context.new_page())
        return page

    yield open_page
    for context in contexts:
        context.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Basic accessibility rules checked in the real DOM: a language, one h1, a name for every
# control and link, labelled fields, and tap targets of at least 44 px high for buttons.
A11Y_PROBLEMS = """() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  if (!document.documentElement.lang) problems.push("no lang");
  const h1s = [...document.querySelectorAll("h1")].filter(visible);
  if (h1s.length !== 1) problems.push(`${h1s.length} h1`);
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!el.labels.length && !el.getAttribute("aria-label")) problems.push(`unlabelled ${el.name}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!visible(el)) continue;
    const name = (el.getAttribute("aria-label") || el.textContent).trim();
    if (!name) problems.push(`nameless ${el.outerHTML.slice(0, 80)}`);
    if (el.tagName === "BUTTON" && el.getBoundingClientRect().height < 40) problems.push(`small ${name}`);
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) problems.push(`duplicate ids ${dupes}`);
  return problems;
}"""


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_search_and_read_the_guide(
    transactional_db, live_server, page_for, licence_item, insurance_item, id_card_type, viewport
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = page_for(viewport)
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    search_box = page.get_by_label("输入事项名称或关键词")
    expect(search_box).to_be_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"portal-home-{viewport}.png", full_page=True)

    search_box.fill("营业执照")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_url("**/search/?q=*")
    expect(page.get_by_role("status")).to_contain_text("找到 1 个与“营业执照”相关的事项")
    expect(page.get_by_role("link", name="社会保险登记")).to_have_count(0)
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"portal-search-{viewport}.png", full_page=True)

    page.get_by_role("link", name="营业执照核发").click()
    page.wait_for_url(f"**/items/{licence_item.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("营业执照核发")
    materials = page.locator("#materials")
    for name in ("公司登记（备案）申请书", "法定代表人身份证件", "住所使用证明", "公司章程"):
        expect(materials).to_contain_text(name)
    expect(materials.locator("table .exempt-note--maybe")).to_contain_text("登录后，持有有效证照的免提交")
    expect(materials.locator("#exempt-count")).to_contain_text("1项材料可用电子证照代替")
    expect(materials.get_by_text("容缺后补", exact=True)).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("承诺办结时限3个工作日")
    expect(facts).to_contain_text("法定办结时限15个工作日")
    expect(page.locator("#limits")).to_contain_text("材料齐全的，受理后3个工作日内办结")
    expect(page.get_by_role("link", name="在线办理")).to_have_attribute(
        "href", f"/cases/apply/{licence_item.code}/"
    )
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"portal-guide-{viewport}.png", full_page=True)

    # Printing hides the navigation and the buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".guide-actions")).to_be_hidden()
    expect(materials).to_be_visible()
    page.emulate_media(media="screen")

    assert page.problems == []


def test_every_page_fits_375px_and_passes_basic_accessibility_checks(
    transactional_db, live_server, page_for, licence_item, insurance_item, wuhan_dept
):
    page = page_for("mobile")
    for path in (
        "/",
        "/search/?q=营业执照",
        "/search/?q=火星",
        "/search/?item_type=xx",
        f"/items/{licence_item.code}/",
        f"/items/{licence_item.code}/print/",
        f"/departments/{wuhan_dept.pk}/",
        "/topics/start-business/",
        "/lists/online/",
        "/lists/visits/",
        "/indicators/",
        "/region/?code=420100",
        "/nowhere/",
    ):
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), path
        assert page.evaluate(A11Y_PROBLEMS) == [], path
    expected = ["400 " + live_server.url + "/search/?item_type=xx", "404 " + live_server.url + "/nowhere/"]
    assert [p for p in page.problems if not p.startswith("Failed to load resource")] == expected


def test_region_switch_with_htmx_and_large_text(transactional_db, live_server, page_for, licence_item):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = page_for("mobile")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="切换地区").click()
    page.wait_for_url("**/region/**")
    assert page.evaluate("typeof window.htmx") == "object"  # loaded from /static, allowed by the CSP
    page.get_by_role("link", name="湖北省的下级地区").click()
    expect(page.get_by_role("heading", name="湖北省的下级地区")).to_be_visible()
    assert "code=420000000000" in page.url  # htmx pushed the no-JS address
    page.get_by_role("link", name="武汉市的下级地区").click()
    expect(page.get_by_role("heading", name="武汉市的下级地区")).to_be_focused()
    page.screenshot(path=ARTIFACTS / "portal-region-mobile.png", full_page=True)
    page.get_by_role("button", name="选择“武汉市”").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.locator(".topbar .region-name")).to_have_text("湖北省武汉市")

    page.get_by_role("button", name="大字版").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.locator("body")).to_have_class("large-text page-home")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "portal-home-large-text-mobile.png", full_page=True)
    assert page.problems == []
