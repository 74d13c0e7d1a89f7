"""Issue 11's journeys 3 and 4 in a real Chromium (Debian's /usr/bin/chromium, driven by
Playwright) on a freshly seeded demo, at 375 px and on a desktop.

Journey 3, the walk-in with a landline: 黄桂英 (no mobile, no password) comes to the 江夏 hall.
The clerk signs in (password + TOTP), finds her by ID number, keys in 社会保障卡申领 with her
landline 027-87654321 as the contact phone; the result page offers the 受理通知书 to print at
once, with the query code on it (the PDF is opened and read). No SMS goes anywhere. Then anyone,
without signing in, looks the case up at /cases/progress/ with the number and the query code on
a phone, and sees its state and dates only; a wrong code gets the generic message.

Journey 4, the village helper: 周小红 signs in on her phone, switches to acting for 黄桂英 under
the consent recorded at the hall, files 社会保障卡申领 for her, follows the case (我的办件 lists
it under 黄桂英; the case page; the 受理通知书 once accepted); the elder revokes the consent and
the same page answers 404 at once, while the elder's own access is untouched.

The demo is seeded inside each test (the live server's thread sees committed rows); "today" is
fixed by the `day` fixture. Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tongban.accounts import gateways
from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement
from tongban.core.errors import NotFound
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.pdftest import needs_pdftotext, pdf_text

from .. import progress, services
from ..enums import CaseState
from ..models import Case
from .conftest import PDF
from .story_support import (
    demo_person,
    demo_staff,
    no_horizontal_scroll,
    open_page,
    provide_materials,
    seed_demo,
    sign_in,
    sign_in_staff,
)

pytestmark = [pytest.mark.browser, needs_pdftotext]

ELDER = "黄桂英"
HELPER_MOBILE = "17000000006"  # 周小红
LANDLINE = "027-87654321"
ITEM_NAME = "社会保障卡申领"
NOT_FOUND = "没有找到该办件，请核对办件编号和查询码（或联系电话后四位）"


@pytest.fixture
def demo(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()  # the SMS outbox, rate limits and used TOTP codes live in the cache
    seed_demo(tmp_path)
    elder = get_user_model().objects.get(display_name=ELDER, is_staff=False)
    clerk = demo_staff("clerk")
    code = (
        catalog_queries.current_items()
        .filter(region__code=clerk.department.region_id, name=ITEM_NAME)
        .values_list("code", flat=True)
        .first()
    )
    return {"elder": elder, "item": catalog_queries.get_guide(code)}


def attach_required(page, item) -> None:
    for m in item.materials.filter(requirement=MaterialRequirement.REQUIRED).order_by("order", "id"):
        page.locator(f"#m_{m.pk}").set_input_files(
            {"name": f"{m.name}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )


def test_journey_3_a_walk_in_with_a_landline(browser, live_server, demo):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, item, elder = live_server.url, demo["item"], demo["elder"]

    # The clerk signs in at the hall and finds the elder by her ID number.
    wb_context, wb = open_page(browser, "desktop")
    sign_in_staff(wb, base, "clerk", next_path="/workbench/cases/window/")
    expect(wb.get_by_role("heading", level=1)).to_have_text("窗口受理（前台综合受理）")
    wb.get_by_label("申请人身份证号码").fill(account_queries.id_number_of(elder))
    wb.get_by_role("button", name="查找申请人").click()
    expect(wb.locator("section[aria-labelledby=who-title] p").first).to_contain_text(ELDER)

    # The item, then the form with her landline.
    wb.locator("#id_q").fill(ITEM_NAME)
    wb.get_by_role("button", name="查找事项").click()
    wb.locator(f'a[href="?item={item.code}"]').click()
    wb.wait_for_url(f"**/workbench/cases/window/?item={item.code}")
    expect(wb.locator("#intake-title")).to_have_text(f"3. 收件：{ITEM_NAME}")
    expect(wb.locator("#f-applicant_name")).to_have_value(ELDER)
    wb.locator("#f-contact_name").fill(ELDER)
    wb.locator("#f-contact_phone").fill(LANDLINE)
    wb.locator("#f-request").fill("首次申领社会保障卡")
    attach_required(wb, item)
    wb.get_by_role("button", name="收件并受理").click()
    wb.wait_for_url("**/workbench/cases/4*/")

    # The result page: accepted, the receipt to print at once, the query code, no SMS.
    case = Case.objects.get(applicant_id=elder.pk, item_code=item.code)
    code = progress.query_code(case)
    assert re.fullmatch(f"[{progress.QUERY_ALPHABET}]{{8}}", code)
    expect(wb.locator("#case-state")).to_have_text("已受理")
    expect(wb.locator("#query-code")).to_have_text(code)
    expect(wb.locator("#receipt-sms")).to_have_text(
        "联系电话 027-****4321 为固定电话，不发短信：请将打印的回执交给申请人。"
    )
    expect(wb.locator("#print-receipt")).to_have_text("打印受理通知书（回执）")
    expect(wb.locator("section[aria-labelledby=form-title]")).to_contain_text("027-****4321")
    expect(wb.locator("section[aria-labelledby=form-title]")).not_to_contain_text("87654321")
    href = wb.locator("#print-receipt").get_attribute("href")
    [notice] = case.notices.all()
    assert href == f"/notices/{case.number}/{notice.number}.pdf"
    with wb.expect_popup() as popup:
        wb.locator("#print-receipt").click()
    popup.value.close()
    pdf = wb_context.request.get(base + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    words = re.sub(r"\s", "", pdf_text(pdf.body()))
    assert "受理通知书" in words and f"凭办件编号{case.number}和查询码{code}" in words
    wb.screenshot(path=ARTIFACTS / "walkin-window-result-desktop.png", full_page=True)
    assert wb.problems == []
    wb_context.close()
    assert gateways.outbox(LANDLINE) == [] and gateways.outbox("02787654321") == []

    # Anyone, on a phone, without signing in: number + query code -> state and dates only.
    for viewport in ("mobile", "desktop"):
        context, page = open_page(browser, viewport)
        page.goto(base + "/cases/progress/")
        expect(page.get_by_role("heading", level=1)).to_have_text("办件进度查询")
        page.get_by_label("办件编号").fill(case.number)
        page.get_by_label("查询码或联系电话后四位").fill(code.lower())
        page.get_by_role("button", name="查询").click()
        result = page.locator("#progress-result")
        expect(result.locator("dt")).to_have_text(
            ["办件编号", "事项", "办理部门", "当前状态", "收件日期", "受理日期", "承诺办结"]
        )
        expect(result.locator("dd")).to_have_text(
            [
                case.number,
                ITEM_NAME,
                case.department.name,
                "已受理",
                f"{case.received_on:%Y-%m-%d}",
                f"{case.accepted_on:%Y-%m-%d}",
                re.compile(f"^{case.promised_due:%Y-%m-%d}"),
            ]
        )
        for personal in (ELDER, "4321", "首次申领社会保障卡", code):
            expect(page.locator("main")).not_to_contain_text(personal)
        assert no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / f"walkin-progress-{viewport}.png", full_page=True)

        # A wrong code: the generic message, nothing of the case.
        page.get_by_label("查询码或联系电话后四位").fill("ABCDEFGH")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#progress-error")).to_have_text(NOT_FOUND)
        expect(page.locator("#progress-result")).to_have_count(0)
        expect(page.get_by_label("办件编号")).to_have_value(case.number)
        expect(page.get_by_label("查询码或联系电话后四位")).to_have_value("")
        assert no_horizontal_scroll(page)
        assert sorted(page.problems) == [  # the lookup's own 404, nothing else
            f"404 {base}/cases/progress/",
            "Failed to load resource: the server responded with a status of 404 (Not Found)",
        ]
        context.close()


def test_journey_4_the_helper_follows_the_elders_case_until_consent_is_revoked(browser, live_server, demo):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, item, elder = live_server.url, demo["item"], demo["elder"]
    helper = demo_person(HELPER_MOBILE)

    # 周小红 signs in on her phone and acts for 黄桂英.
    context, page = open_page(browser, "mobile")
    sign_in(page, base, HELPER_MOBILE, DEMO_PASSWORD)
    page.goto(base + "/accounts/me/")
    page.locator("#acting").get_by_role("button", name=re.compile(f"^代办：{ELDER}")).click()
    expect(page.locator(".topbar__acting")).to_contain_text(ELDER)

    # She files 社会保障卡申领 for her.
    page.goto(f"{base}/cases/apply/{item.code}/")
    expect(page.locator("#f-applicant_name")).to_have_value(ELDER)
    page.locator("#f-contact_name").fill("周小红")
    page.locator("#f-contact_phone").fill(HELPER_MOBILE)
    page.locator("#f-request").fill("代黄桂英首次申领社会保障卡")
    provide_materials(page, item, PDF)  # her verified identity stands in for the ID card
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(applicant_id=elder.pk, item_code=item.code)
    assert (case.agent_id, case.applicant_name) == (helper.pk, ELDER)
    expect(page.locator("#case-number")).to_have_text(case.number)

    # The department accepts it; she follows it: 我的办件 lists it under 黄桂英, the case page,
    # the 受理通知书.
    services.do_accept(actor=demo_staff("admin"), number=case.number)
    [notice] = case.notices.all()
    page.goto(base + "/cases/")
    card = page.locator(".case-card").filter(has_text=case.number)
    expect(card.locator(".case-card__for")).to_have_text(ELDER)
    expect(card.locator(".state")).to_have_text("已受理")
    assert no_horizontal_scroll(page)
    card.get_by_role("link", name=ITEM_NAME).click()
    page.wait_for_url(f"**/cases/{case.number}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ITEM_NAME)
    expect(page.locator("#case-state")).to_have_text("已受理")
    expect(page.locator("#query-code")).to_have_text(progress.query_code(case))
    expect(page.locator(".timeline > li > strong")).to_have_text(["提交申请", "受理"])
    assert no_horizontal_scroll(page)
    pdf = context.request.get(f"{base}/notices/{case.number}/{notice.number}.pdf")
    assert pdf.status == 200 and "受理通知书" in re.sub(r"\s", "", pdf_text(pdf.body()))
    page.screenshot(path=ARTIFACTS / "walkin-helper-case-mobile.png", full_page=True)

    # The same on a desktop.
    desk_context, desk = open_page(browser, "desktop")
    sign_in(desk, base, HELPER_MOBILE, DEMO_PASSWORD)
    desk.goto(f"{base}/cases/{case.number}/")
    expect(desk.locator("#case-state")).to_have_text("已受理")
    assert desk.problems == []

    # The elder revokes the consent: the same pages answer 404 at once, on both screens.
    account_services.do_revoke_consent(actor=elder, consent_id=_consent_id(elder, helper))
    for p in (page, desk):
        response = p.reload()
        assert response.status == 404
        expect(p.locator("main")).to_contain_text("没有找到该办件")
        assert no_horizontal_scroll(p)
    assert context.request.get(f"{base}/notices/{case.number}/{notice.number}.pdf").status == 404
    page.goto(base + "/cases/")
    expect(page.locator("main")).not_to_contain_text(case.number)
    page.screenshot(path=ARTIFACTS / "walkin-helper-revoked-mobile.png", full_page=True)
    desk_context.close()
    context.close()

    # The elder's own access is untouched; the helper's is gone in every service.
    assert services.access_case(elder, case.number).number == case.number
    helper.refresh_from_db()
    with pytest.raises(NotFound):
        services.access_case(helper, case.number)
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def _consent_id(elder, helper) -> int:
    [row] = [o for o in account_queries.acting_options(helper) if o["kind"] == "principal"]
    return row["id"]
