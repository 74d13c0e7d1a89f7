"""Issue 11, the villager: 个体工商户设立登记 at 南漳县李庙镇便民服务中心 had no officer, no queue
showed it, and one person took every step. In a real Chromium on the seeded demo: the centre's
demo staff sign in with the demo password and their published TOTP secrets (`demo_info`), find
the case in their queues, and 承办, 审核 and 批准 are taken by three people: after 承办 the
officer's page no longer offers 审核, says why, and names the colleague who may take it.

The demo is seeded inside the test (the live server's thread must see committed rows);
screenshots go to var/test-artifacts/ (git-ignored)."""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases

from ..enums import CaseState
from ..models import Case
from .story_support import demo_person, demo_staff, no_horizontal_scroll, open_page, seed_demo, sign_in_staff

pytestmark = pytest.mark.browser

CENTRE = "南漳县李庙镇便民服务中心"


@pytest.fixture
def limiao_case(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()  # the used TOTP codes live in the cache
    seed_demo(tmp_path)
    day("2026-12-07")
    code = catalog_queries.current_items().get(name="个体工商户设立登记", department__name=CENTRE).code
    wang = demo_person("17000000002")  # 王芳 (L2)
    from ..services import do_submit

    return do_submit(
        actor=wang,
        item_code=code,
        data=demo_cases._form(wang, "个体工商户设立登记"),
        uploads=demo_cases._uploads(code),
    ).number


def _sign(page, comment: str) -> None:
    page.locator("#act-step summary").click()
    page.locator("#act-step").get_by_label("同意", exact=True).check()
    page.locator("#act-step").get_by_label("意见说明").fill(comment)
    page.locator("#act-step button[type=submit]").click()
    page.wait_for_load_state()


def test_the_township_centre_staff_take_the_shop_licence_through_three_steps(
    browser, live_server, limiao_case
):
    number, base = limiao_case, live_server.url
    officer_ctx, officer = open_page(browser, "mobile")
    sign_in_staff(officer, base, "limiao-officer-1")
    # the case waits in the centre's 待预审 queue
    expect(officer.get_by_role("link", name=number)).to_be_visible()
    officer.get_by_role("link", name=number).first.click()
    officer.wait_for_url(f"**/workbench/cases/{number}/")
    officer.get_by_role("button", name="预审通过，受理").click()
    expect(officer.locator("#case-state")).to_have_text("已受理")
    _sign(officer, "承办：材料齐全，同意")
    note = officer.get_by_test_id("sod-note")
    expect(note).to_contain_text("职责分离")
    expect(note).to_contain_text(demo_staff("limiao-officer-2").display_name)
    expect(officer.locator("#act-step")).to_have_count(0)
    assert no_horizontal_scroll(officer)
    officer.screenshot(path=ARTIFACTS / "limiao-separation-of-duties-mobile.png", full_page=True)
    assert officer.problems == []

    for username, step, queue in (("limiao-officer-2", "审核", "team"), ("limiao-head-1", "批准", "team")):
        ctx, page = open_page(browser, "desktop")
        sign_in_staff(page, base, username, next_path=f"/workbench/cases/?queue={queue}")
        expect(page.get_by_role("link", name=number)).to_be_visible()  # in their 科室待办
        page.get_by_role("link", name=number).first.click()
        page.wait_for_url(f"**/workbench/cases/{number}/")
        _sign(page, f"{step}：材料齐全，同意")
        assert page.problems == []
        ctx.close()

    officer.reload()
    expect(officer.locator("#case-state")).to_have_text("已决定")
    officer_ctx.close()
    case = Case.objects.get(number=number)
    assert case.state == CaseState.DECIDED and case.department.name == CENTRE
    assert [s.completed_by.username for s in case.steps.order_by("index")] == [
        "limiao-officer-1",
        "limiao-officer-2",
        "limiao-head-1",
    ]
