"""The first story of issue 4 in a real Chromium (Debian's /usr/bin/chromium, driven by
Playwright), at desktop width and at 375 px: a villager signs in, opens the business-licence
guide, applies online with materials; an officer accepts the case and completes the approval
steps in the workbench; the villager sees the case concluded on "my cases" — without travelling.

"Today" is fixed through the `day` fixture (the live server runs in this process, so the
monkeypatch of clock.today applies to it). Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


import pytest
from django.conf import settings
from django.test import Client

from tongban.browsertest import ARTIFACTS
from tongban.catalog.testing import SYSTEM, ensure_regions, make_basic_item, make_department, make_item
from tongban.core import services as core_services

from ..enums import CaseState
from ..models import Case
from .conftest import PDF, PNG, citizen, staff
from .story_support import no_horizontal_scroll, open_page, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Str0ng-pass-2026"


@pytest.fixture
def story(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    ensure_regions()
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    dept = make_department(region="420100", name="武汉市市场监督管理局")
    basic = make_basic_item(name="营业执照核发（企业开办）")
    item = make_item(
        dept,
        basic,
        promised_limit=3,
        statutory_limit=15,
        materials=[
            {"name": "公司登记（备案）申请书", "originals": 1, "copies": 0},
            {
                "name": "法定代表人身份证件",
                "source": "2",
                "originals": 1,
                "copies": 0,
                "license_type_code": "11100000000013338W001",
                "license_type_name": "居民身份证",
            },
        ],
    )
    officer = staff("officer", "approving_officer", "department_admin", department=dept)
    # separation of duties: 审核 and 批准 by two other people
    reviewer = staff("reviewer", "approving_officer", department=dept)
    head = staff("head", "department_admin", department=dept)
    villager = citizen(1, name="李村民")
    return {"item": item, "officer": officer, "reviewer": reviewer, "head": head, "villager": villager}


def session_cookie(user, live_server) -> dict:
    """The officer's session (staff sign in with a password and TOTP, tested in accounts)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_a_villager_applies_online_and_gets_the_licence_without_travelling(
    browser, live_server, story, viewport
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item = story["item"]

    # The villager signs in with mobile and password.
    context, page = open_page(browser, viewport)
    sign_in(page, live_server.url, "13900000001", PASSWORD)

    # The guide, then 在线办理.
    page.goto(f"{live_server.url}/items/{item.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("营业执照核发（企业开办）")
    page.get_by_role("link", name="在线办理").click()
    page.wait_for_url(f"**/cases/apply/{item.code}/")
    expect(page.locator("#f-applicant_name")).to_have_value("李村民")
    # L1: the ID card is uploaded (or verified first); nothing is promised as 免提交.
    expect(page.locator(".verify-first")).to_contain_text("完成实名认证（L2）后由平台核验的身份代替")
    expect(page.locator(".exempt")).to_have_count(0)
    assert no_horizontal_scroll(page)

    # A first try without the phone number: the error is next to the field, nothing is sent.
    page.locator("#f-request").fill("申请设立李家湾农家乐有限公司")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#f-contact_phone-error")).to_have_text("请填写联系电话")
    assert Case.objects.count() == 0

    page.locator("#f-contact_phone").fill("13900000001")
    materials = list(item.materials.order_by("order", "id"))
    page.locator(f"#m_{materials[0].pk}").set_input_files(
        [
            {"name": "申请书第1页.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "申请书第2页.png", "mimeType": "image/png", "buffer": PNG},
        ]
    )
    page.locator(f"#m_{materials[1].pk}").set_input_files(
        {"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.screenshot(path=ARTIFACTS / f"cases-apply-{viewport}.png", full_page=True)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get()
    expect(page.locator("#case-number")).to_have_text(case.number)
    assert case.materials.count() == 3
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"cases-submitted-{viewport}.png", full_page=True)

    # The officer accepts and completes 承办; separation of duties hands 审核 and 批准 to two
    # other people (the page no longer offers the officer a step, and names who may take it);
    # then the officer concludes, in the workbench.
    def sign(page, step: str) -> None:
        page.locator("#act-step summary").click()
        page.locator("#act-step").get_by_label("同意", exact=True).check()
        page.locator("#act-step").get_by_label("意见说明").fill(f"{step}：材料齐全，同意")
        page.locator("#act-step button[type=submit]").click()
        page.wait_for_load_state()

    wb_context, wb = open_page(browser, "desktop", [session_cookie(story["officer"], live_server)])
    wb.goto(live_server.url + "/workbench/cases/")
    wb.get_by_role("link", name=case.number).first.click()
    wb.wait_for_url(f"**/workbench/cases/{case.number}/")
    wb.get_by_role("button", name="预审通过，受理").click()
    expect(wb.locator("#case-state")).to_have_text("已受理")
    sign(wb, "承办")
    expect(wb.get_by_test_id("sod-note")).to_contain_text("职责分离")
    expect(wb.get_by_test_id("sod-note")).to_contain_text(story["reviewer"].display_name)
    expect(wb.locator("#act-step")).to_have_count(0)
    for who, step in (("reviewer", "审核"), ("head", "批准")):
        other_context, other = open_page(browser, "desktop", [session_cookie(story[who], live_server)])
        other.goto(live_server.url + f"/workbench/cases/{case.number}/")
        sign(other, step)
        assert other.problems == []
        other_context.close()
    wb.reload()
    expect(wb.locator("#case-state")).to_have_text("已决定")
    wb.locator("#act-conclude summary").click()
    wb.locator("#act-conclude button[type=submit]").click()
    expect(wb.locator("#case-state")).to_have_text("已办结")
    wb.screenshot(path=ARTIFACTS / f"cases-workbench-{viewport}.png", full_page=True)
    assert wb.problems == []
    wb_context.close()

    # The villager sees the case concluded on "my cases", with the calculation of the deadline.
    page.goto(live_server.url + "/cases/")
    card = page.locator(".case-card").filter(has_text=case.number)
    expect(card.locator(".state")).to_have_text("已办结")
    expect(page.locator(".notice-list")).to_contain_text("已办结：准予许可")
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"cases-mine-{viewport}.png", full_page=True)
    card.get_by_role("link", name="营业执照核发（企业开办）").click()
    expect(page.locator("#case-state")).to_have_text("已办结")
    expect(page.locator(".clock-lines")).to_contain_text("受理日 2026-09-29 起算 3个工作日 = 2026-10-09")
    expect(page.locator(".timeline")).to_contain_text("办结")
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"cases-case-{viewport}.png", full_page=True)
    assert Case.objects.get().state == CaseState.CONCLUDED
    # The only 4xx on the way is the deliberate first try without a phone number.
    assert [p for p in page.problems if "/cases/apply/" in p] == [
        f"400 {live_server.url}/cases/apply/{item.code}/"
    ]
    assert [p for p in page.problems if "/cases/apply/" not in p and "status of 400" not in p] == []
    context.close()
