"""Issue 11, "Done when" 1: the villager's 个体工商户 journey, from the village home page to the
verified licence in her own 我的证照, walked in a real Chromium (Debian's /usr/bin/chromium,
driven by Playwright) on a freshly seeded demo, at 375 px and at desktop width.

1. 周小红 (demo citizen 17000000006, verified L2, born in 南漳县) opens the home page without
   signing in and switches the region down to 李庙镇: 热门服务 shows the township's own items.
   She searches for 个体工商户设立登记: 李庙镇便民服务中心's comes first and says why the county
   has the same item. Its guide promises no 免提交 before she signs in; once signed in, her
   verified identity stands in for the ID card. She applies: the shop's real fields, the 申请表
   generated, no ID card to upload (the item has no 告知承诺书 to sign); sent without 经营场所
   the form keeps her chosen file; she submits (recorded as sent from a phone or a computer, as
   it was) and finds the case from the header's 我的办件, with its query code.
2. The centre's staff sign in with their published TOTP: the clerk accepts the case from the
   待预审 queue (受理通知书 issued), two officers and the head take 承办, 审核 and 批准, and the
   head concludes with 出证: the form asks only the 个体工商户 licence's fields, prefilled from
   the application (no 注册资本, no 法定代表人).
3. 周小红 reads the result in plain words, the notices (受理通知书, 准予许可决定书, PDFs with the
   seal), follows the licence link, finds the 个体工商户营业执照 in 我的证照 at once (经营者, a 92
   credit code), and someone not signed in opens what its QR code says: 有效.

At every step: no sideways scroll, no console error. Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo.data import forms as demo_forms
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.licences import queries as licence_queries
from tongban.pdftest import needs_pdftotext, pdf_qr_codes, pdf_text, qr_codes

from .. import progress
from ..enums import CaseState, Channel
from ..models import Case
from .conftest import PDF
from .story_support import (
    demo_person,
    fill_sole_trader_form,
    no_horizontal_scroll,
    open_page,
    seed_demo,
    sign_in_staff,
    sign_step,
)

pytestmark = [pytest.mark.browser, needs_pdftotext]

MOBILE = "17000000006"  # 周小红, L2, of 南漳县
NAME = "周小红"
SHOP = "个体工商户设立登记"
CENTRE = "南漳县李庙镇便民服务中心"
COUNTY_BODY = "南漳县行政审批局"
# what 出证 of a 个体工商户营业执照 asks: the new holder and the licence's own fields, nothing else
CONCLUDE_FIELDS = [
    "办结结果",
    "新设立主体名称",
    "统一社会信用代码（空白则由平台赋码）",
    "经营者",
    "组成形式",
    "经营场所",
    "经营范围",
    "注册日期",
]


@pytest.fixture
def shop_item(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()  # rate limits and used TOTP codes live in the cache
    seed_demo(tmp_path)
    day("2026-12-07")
    return catalog_queries.get_guide(demo_cases.featured_code(SHOP, demo_forms.WHERE[SHOP]))


def _check(page, viewport: str, name: str) -> None:
    """No sideways scroll, no console error so far; a screenshot."""
    assert no_horizontal_scroll(page), f"{name} scrolls sideways at {viewport}"
    page.screenshot(path=ARTIFACTS / f"villager-{name}-{viewport}.png", full_page=True)


def _choose_region(page, base: str) -> None:
    """The region switch in the header, down 湖北省 > 襄阳市 > 南漳县 to 李庙镇."""
    page.locator(".topbar__region").get_by_role("link", name="切换地区").click()
    page.wait_for_url("**/region/**")
    for name in ("湖北省", "襄阳市", "南漳县"):
        page.get_by_role("link", name=f"{name}的下级地区").click()
        expect(page.locator("#region-level")).to_have_text(f"{name}的下级地区")
    page.get_by_role("button", name="选择李庙镇").click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_the_villager_gets_her_shop_licence_from_the_village(browser, live_server, shop_item, viewport):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item, base = shop_item, live_server.url
    person = demo_person(MOBILE)
    answers = demo_forms.FORMS[SHOP][1]
    form, premises = (item.materials.get(name__contains=k) for k in ("申请表", "住所"))
    card = item.materials.get(license_type_name="居民身份证")

    # --- 1. The villager -----------------------------------------------------------------------
    context, page = open_page(browser, viewport)
    page.goto(base + "/")
    _choose_region(page, base)
    expect(page.locator(".topbar__region .region-name")).to_contain_text("李庙镇")
    expect(page.locator("#hot-title + .block__lead")).to_contain_text("李庙镇本级的热门事项在前")
    hot = page.locator(".hot-list li").filter(has_text=SHOP)
    expect(hot.first).to_contain_text(f"李庙镇 · {CENTRE}")
    _check(page, viewport, "home")

    # She searches; the township's item comes first and says why the county has it too.
    page.get_by_role("searchbox").first.fill(SHOP)
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_url("**/search/**")
    first = page.locator(".result").first
    expect(first).to_contain_text(SHOP)
    expect(first).to_contain_text(CENTRE)
    expect(first.locator(".result__twin")).to_contain_text(f"同一事项也由{COUNTY_BODY}")
    expect(first.locator(".result__twin")).to_contain_text("在李庙镇就近受理")
    _check(page, viewport, "search")

    # The guide, before signing in: nothing promised as 免提交 for her.
    first.get_by_role("link", name=SHOP).click()
    page.wait_for_url(f"**/items/{item.code}/")
    expect(page.locator("#materials")).not_to_contain_text("由您已核验的实名身份")
    expect(page.locator("#exempt-count")).to_have_count(0)
    expect(page.locator("#materials .exempt")).to_have_count(0)
    _check(page, viewport, "guide-anonymous")

    # She signs in from the guide and comes back to it: now her verified identity is promised.
    page.get_by_role("link", name="登录").first.click()
    page.wait_for_url("**/accounts/login/**")
    page.locator("#identifier").fill(MOBILE)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"**/items/{item.code}/")
    expect(page.locator("#exempt-count")).to_contain_text("您有1项材料由平台提供")
    expect(page.locator("#materials")).to_contain_text("由您已核验的实名身份（L2）代替，无需提交")
    _check(page, viewport, "guide")

    # The form: the shop's own fields; the ID card and the 申请表 need nothing from her.
    page.get_by_role("link", name="在线办理").first.click()
    page.wait_for_url(f"**/cases/apply/{item.code}/")
    expect(page.locator(f"#material-{card.pk}")).to_contain_text("您已通过平台实名认证（L2")
    expect(page.locator(f"#m_{card.pk}")).to_have_count(0)
    expect(page.locator(f"#material-{form.pk}")).to_contain_text("系统自动生成")
    expect(page.locator(f"#m_{form.pk}")).to_have_count(0)
    expect(page.locator("#f-operator")).to_have_value(NAME)
    fill_sole_trader_form(page, answers, phone=MOBILE)
    page.locator(f"#m_{premises.pk}").set_input_files(
        {"name": "租赁合同.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    _check(page, viewport, "apply")

    # Sent without 经营场所: the error by the field, her file kept with the draft.
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#f-premises-error")).to_have_text("请填写经营场所")
    staged = page.locator(f"#material-{premises.pk} .staged-files li")
    expect(staged).to_have_count(1)
    expect(staged).to_contain_text("租赁合同.pdf")
    _check(page, viewport, "apply-error")
    page.locator("#f-premises").fill(answers["premises"])
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(applicant=person, item_code=item.code)
    assert {m.stage for m in case.materials.all()} == {"application", "generated"}
    assert [i["level"] for i in case.identity_materials] == [2]
    assert case.channel == (Channel.MOBILE if viewport == "mobile" else Channel.PC)
    _check(page, viewport, "submitted")

    # 我的办件, from the header: the case, then its page with the query code.
    page.locator("[data-nav=my-cases]").click()
    page.wait_for_url(base + "/cases/")
    card_link = page.locator(".case-card").filter(has_text=case.number)
    expect(card_link).to_contain_text(SHOP)
    _check(page, viewport, "my-cases")
    card_link.get_by_role("link", name=SHOP).click()
    page.wait_for_url(f"**/cases/{case.number}/")
    expect(page.locator("#query-code")).to_have_text(progress.query_code(case))
    _check(page, viewport, "case-submitted")
    assert [p for p in page.problems if "/cases/apply/" not in p and "status of 400" not in p] == []

    # --- 2. The centre's staff -----------------------------------------------------------------
    wb_context, wb = open_page(browser, viewport)
    sign_in_staff(wb, base, "limiao-clerk-1")
    expect(wb.get_by_role("link", name=case.number)).to_be_visible()
    _check(wb, viewport, "wb-queue")
    wb.get_by_role("link", name=case.number).first.click()
    wb.wait_for_url(f"**/workbench/cases/{case.number}/")
    wb.get_by_role("button", name="预审通过，受理").click()
    expect(wb.locator("#case-state")).to_have_text("已受理")
    expect(wb.locator("#notices li a")).to_have_text(["受理通知书"])
    _check(wb, viewport, "wb-accepted")
    assert wb.problems == []
    wb_context.close()

    for username, step, queue in (
        ("limiao-officer-1", "承办", "team"),
        ("limiao-officer-2", "审核", "team"),
        ("limiao-head-1", "批准", "team"),
    ):
        wb_context, wb = open_page(browser, viewport)
        sign_in_staff(wb, base, username, next_path=f"/workbench/cases/?queue={queue}")
        expect(wb.get_by_role("link", name=case.number)).to_be_visible()
        wb.get_by_role("link", name=case.number).first.click()
        wb.wait_for_url(f"**/workbench/cases/{case.number}/")
        sign_step(wb, f"{step}：材料齐全，符合登记条件")
        _check(wb, viewport, f"wb-{step}")
        assert wb.problems == []
        if username != "limiao-head-1":
            wb_context.close()

    # The head concludes with 出证: only the sole trader licence's fields, prefilled.
    expect(wb.locator("#case-state")).to_have_text("已决定")
    conclude = wb.locator("#act-conclude")
    conclude.locator("summary").click()
    expect(conclude.locator(".wb-meta")).to_have_text("以“出证”办结时签发电子个体工商户营业执照")
    expect(conclude.locator(".wb-field > label")).to_have_text(CONCLUDE_FIELDS)
    expect(conclude.get_by_label("新设立主体名称")).to_have_value(answers["enterprise_name"])
    expect(conclude.get_by_label("组成形式")).to_have_value("个人经营")
    expect(conclude).not_to_contain_text("注册资本")
    expect(conclude).not_to_contain_text("法定代表人")
    expect(conclude.get_by_label("经营者")).to_have_value(NAME)
    expect(conclude.get_by_label("经营场所")).to_have_value(answers["premises"])
    expect(conclude.get_by_label("经营范围")).to_have_value(answers["business_scope"])
    _check(wb, viewport, "wb-conclude")
    conclude.locator("button[type=submit]").click()
    expect(wb.locator("#case-state")).to_have_text("已办结")
    assert wb.problems == []
    wb_context.close()
    case.refresh_from_db()
    assert case.state == CaseState.CONCLUDED and case.result_licence
    assert [s.completed_by.username for s in case.steps.order_by("index")] == [
        "limiao-officer-1",
        "limiao-officer-2",
        "limiao-head-1",
    ]
    licence = licence_queries.get_licence(case.result_licence)
    credit_code = licence_queries.licence_holder_code(licence)
    assert re.fullmatch(r"92420624[0-9A-Z]{10}", credit_code)

    # --- 3. The villager reads the result --------------------------------------------------------
    page.reload()
    expect(page.locator("#result-words")).to_have_text("准予许可")
    expect(page.locator("section[aria-labelledby=result-title]")).not_to_contain_text("出证")
    notices = page.locator("#notices li a")
    expect(notices).to_have_text(["受理通知书", "准予许可决定书"])
    for i in range(2):
        pdf = page.request.get(base + notices.nth(i).get_attribute("href"))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "行政审批专用章" in re.sub(r"\s", "", pdf_text(pdf.body()))  # the seal's caption
        [qr] = pdf_qr_codes(pdf.body())  # and the code that verifies it
        assert urlsplit(qr).path.startswith("/notices/verify/")
    _check(page, viewport, "case-concluded")

    page.locator("#result-licence").get_by_role("link", name="查看、下载和出示").click()
    page.wait_for_url(f"**/licences/{licence.identifier}/")
    face = page.locator(".licence-face")
    expect(face).to_contain_text("营业执照（个体工商户，电子版）")
    expect(face).to_contain_text("经营者")
    expect(face).to_contain_text(NAME)
    expect(face).to_contain_text(credit_code)
    expect(face).not_to_contain_text("法定代表人")
    expect(face).not_to_contain_text("注册资本")
    expect(page.locator(".licence-result--valid")).to_be_visible()
    qr = page.locator(".licence-face__qr img")
    qr.scroll_into_view_if_needed()
    [scanned] = qr_codes(qr.screenshot())
    _check(page, viewport, "licence")

    # 我的证照 from the header, at once, without switching identity.
    page.locator("[data-nav=my-licences]").click()
    page.wait_for_url(base + "/licences/")
    expect(page.locator(".topbar__acting")).to_have_text("当前办事身份：本人")  # no identity switch
    expect(page.locator("#operated-note")).to_have_text("包括您作为经营者的个体工商户的证照。")
    expect(page.locator("#switch-hint")).to_have_count(0)  # nothing asks her to switch
    mine = page.locator(".licence-card").filter(has_text=licence.number)
    expect(mine).to_contain_text("个体工商户营业执照")
    expect(mine).to_contain_text("有效")
    _check(page, viewport, "my-licences")
    assert [p for p in page.problems if "/cases/apply/" not in p and "status of 400" not in p] == []
    context.close()

    # Someone not signed in opens what the QR code says: 有效.
    path = urlsplit(scanned).path
    assert path.startswith(f"/licences/verify/{licence.identifier}/")
    anon_context, anon = open_page(browser, viewport)
    anon.goto(base + path)
    expect(anon.locator(".licence-result--valid")).to_contain_text("有效")
    expect(anon.locator(".licence-face")).to_contain_text("营业执照（个体工商户，电子版）")
    expect(anon.locator(".licence-face")).to_contain_text(credit_code)
    _check(anon, viewport, "verify")
    assert anon.problems == []
    anon_context.close()
