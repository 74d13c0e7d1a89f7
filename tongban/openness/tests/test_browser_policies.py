"""The public policy pages in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright):
the library (browsing and a search), a repealed policy's page with its interpretations, and its
print view, at 375 px and 1366 px, in Chinese and in English: no sideways scrolling, axe-core
finds no violation, no console error, and in English no Chinese outside marked data. The search
form works by keyboard and the print view has no site navigation."""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import datetime as dt

import pytest

from tongban.browsertest import ARTIFACTS, axe_violations, chinese_text, new_context, overflow, watch
from tongban.cases.tests.conftest import english  # noqa: F401 - the compiled English catalogue
from tongban.catalog.testing import ensure_regions

from ..enums import PolicyState, Subject, Validity
from .public_world import department, link, policy

pytestmark = pytest.mark.browser

LONG_TITLE = "湖北省人民政府办公厅关于印发湖北省进一步优化营商环境深化一网通办改革推动政务服务提质增效三年行动方案（2026—2028年）的通知"


@pytest.fixture
def pages(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_regions()
    gov = department("湖北省人民政府办公厅", region="420000")
    market = department("湖北省市场监督管理局", region="420000")
    current = policy(
        gov,
        title=LONG_TITLE,
        number="鄂政办发〔2026〕12号",
        text="各市、州、县人民政府，省政府各部门：\n《三年行动方案》已经省人民政府同意，现印发给你们，请认真贯彻执行。",
        summary="推动政务服务提质增效的三年行动。",
        published_on=dt.date(2026, 3, 10),
        interpretations=2,
    )
    link(current, "11420000MB1234567X142000000001", "企业开办一件事")
    repealed = policy(
        gov,
        title="湖北省人民政府关于住房公积金管理的规定",
        number="鄂政发〔2019〕8号",
        text="住房公积金的缴存、提取和使用，适用本规定。",
        published_on=dt.date(2019, 5, 20),
        state=PolicyState.REPEALED,
        validity=Validity.REPEALED,
        repealed_on=dt.date(2026, 1, 1),
        subject=Subject.CONSTRUCTION,
        interpretations=2,
    )
    for n in range(25):
        policy(
            market,
            title=f"湖北省市场监督管理局关于食品经营许可第{n}批告知承诺事项的通知",
            subject=Subject.MARKET,
        )
    return {
        "library": "/openness/",
        "search": "/openness/?q=营商环境&sort=relevance",
        "policy": f"/openness/policies/{current.pk}/",
        "repealed": f"/openness/policies/{repealed.pk}/",
        "print": f"/openness/policies/{repealed.pk}/print/",
    }


@pytest.mark.parametrize("width", ["375", "1366"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_policy_pages_fit_pass_axe_and_speak_english(browser, live_server, pages, english, width, language):  # noqa: F811
    context = new_context(browser, width, language, (), live_server.url)
    page = watch(context.new_page())
    problems = []
    try:
        for name, path in pages.items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, response and response.status)
            problems += [f"{name}: {p}" for p in overflow(page)]
            problems += [f"{name}: {p}" for p in axe_violations(page)]
            if language == "en":
                problems += [f"{name}: Chinese outside data: {p}" for p in chinese_text(page)]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"openness-{name}-{width}-{language}.png", full_page=True)
        problems += [f"console: {p}" for p in page.problems]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_searching_by_keyboard_and_the_print_view(browser, live_server, pages):
    context = new_context(browser, "375", "zh-hans", (), live_server.url)
    page = watch(context.new_page())
    try:
        page.goto(live_server.url + pages["library"])
        page.get_by_label("标题、文号或正文关键词").fill("公积金")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "q=%E5%85%AC%E7%A7%AF%E9%87%91" in page.url
        results = page.locator(".policy-card h3")
        assert results.count() == 1 and results.first.inner_text() == "湖北省人民政府关于住房公积金管理的规定"
        with page.expect_navigation():
            results.first.get_by_role("link").click()
        banner = page.locator("#validity-banner")
        assert banner.is_visible() and "已废止" in banner.inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name="打印版").click()
        assert page.url.endswith("/print/")
        assert page.locator(".site-nav").count() == 0 and page.locator("#validity-banner").is_visible()
        assert page.problems == []
    finally:
        context.close()
