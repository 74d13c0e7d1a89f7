"""Issue 11, journey 2: the enterprise's 食品经营许可, in a real Chromium (Debian's
/usr/bin/chromium, driven by Playwright) on the demo data, at 375 px and on a desktop.

When the demo was seeded, 王芳's 设立登记 of 武汉芳华餐饮管理有限公司 was concluded with 出证: the
company's business licence (营业执照) went into the e-licence library and 王芳 became its legal
representative on the platform. Walking the demo as she would:

1. From the home page she signs in; the header links 我的办件 and 我的证照. She switches to acting
   for the company (the switch says 法定代表人); 我的证照 lists its 营业执照, whose page shows the
   face with a QR code. The QR code is read from a screenshot, as a phone would read it, and
   opened by someone not signed in: 有效.
2. She searches 食品经营许可 and chooses the region 江汉: each result shows its region and
   department, 江汉's own item ranks first; the department, type, object and mode filters narrow
   the results.
3. The guide promises the business licence 免提交 for this company, and names the licence; so
   does the apply page. She fills the real fields; the 申请表 is generated from them; she submits
   (from the phone the case number's channel digit is 3, 移动端; from the desktop 2, 电脑端) and
   finds the case in 我的办件 with its query code.
4. 江汉's staff (officer-jianghan, jianghan-officer-2, deptadmin-jianghan, each with their TOTP)
   accept it and take 承办, 审核 and 批准 as three people; 出证 asks only the 食品经营许可证's
   fields, prefilled from the form.
5. The company reads the result in plain words, the notices (受理通知书, 准予许可决定书: PDFs with
   the seal), the case page says the business licence was fetched from the library (not
   uploaded), and the new 食品经营许可证 is in 我的证照 with its face; someone not signed in
   verifies it by its QR code.
6. Anyone looks the case up at /cases/progress/ with its number and query code: state and dates,
   nothing personal.

At each step: no horizontal overflow, no console error. The demo is seeded inside the test (the
live server's thread must see committed rows); "today" is fixed through the `day` fixture.
Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.cache import cache
from django.utils import timezone

from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo.data import forms as demo_forms
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.licences import queries as licence_queries
from tongban.pdftest import pdf_text, qr_codes

from .. import progress
from ..enums import CaseState
from ..models import Case, CaseLicence
from .conftest import PDF
from .story_support import (
    demo_person,
    no_horizontal_scroll,
    open_page,
    provide_materials,
    seed_demo,
    sign_in_staff,
    sign_step,
)

pytestmark = pytest.mark.browser

MOBILE = "17000000002"  # 王芳, L2
COMPANY = "武汉芳华餐饮管理有限公司"
JIANGHAN = "420103000000"
JIANGHAN_BODY = "武汉市江汉区行政审批局"
CHANNEL = {"mobile": "3", "desktop": "2"}


@pytest.fixture
def demo_live(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()  # the used TOTP codes live in the cache
    seed_demo(tmp_path)
    day("2026-12-07")
    basic, region, _steps = demo_cases.CHAINS[2]  # 食品经营许可 at 江汉
    return catalog_queries.get_guide(demo_cases.featured_code(basic, region))


# What sticks out at the right (text runs and elements), for the message when a page scrolls sideways.
STICKING_OUT = """() => {
  const out = [], right = (b) => Math.round(b.right), width = window.innerWidth;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(walk.currentNode);
    const box = range.getBoundingClientRect();
    if (box.right > width) out.push(`text ${right(box)}px: ${walk.currentNode.textContent.slice(0, 60)}`);
  }
  for (const e of document.querySelectorAll("body *")) {
    const box = e.getBoundingClientRect();
    if (box.right > width) out.push(`<${e.tagName.toLowerCase()} class="${e.className}"> ${right(box)}px`);
  }
  return out.slice(-10);
}"""


ONE_LINE = """(e) => { const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size === 1; }"""


def fits(page, name: str, viewport: str) -> None:
    """The page as the person sees it: nothing scrolls sideways; a screenshot for the record."""
    page.screenshot(path=ARTIFACTS / f"enterprise-{name}-{viewport}.png", full_page=True)
    if not no_horizontal_scroll(page):
        pytest.fail(f"{name} scrolls sideways at {viewport}: {page.evaluate(STICKING_OUT)}")


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_journey_2_the_company_gets_its_food_business_licence_without_uploading_its_business_licence(
    browser, live_server, demo_live, viewport
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    food, base = demo_live, live_server.url
    wang = demo_person(MOBILE)
    [seeded] = [c for c in Case.objects.filter(applicant=wang) if c.result_licence]
    business = licence_queries.get_licence(seeded.result_licence)

    # 1. From the home page 王芳 signs in; the header links her cases and her licences.
    context, page = open_page(browser, viewport)
    context.set_default_timeout(10_000)
    page.goto(base + "/")
    page.locator(".topbar").get_by_role("link", name="登录").click()
    page.wait_for_url("**/accounts/login/**")
    page.locator("#identifier").fill(MOBILE)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(base + "/")
    header = page.locator(".topbar")
    expect(header.get_by_role("link", name="我的办件")).to_have_attribute("href", "/cases/")
    expect(header.get_by_role("link", name="我的证照")).to_have_attribute("href", "/licences/")
    fits(page, "home", viewport)

    # She acts for the company she represents; 我的证照 lists its business licence.
    page.locator(".topbar__user").click()
    page.wait_for_url(base + "/accounts/me/")
    page.locator("#acting").get_by_role("button", name=f"{COMPANY}（法定代表人）").click()
    expect(page.locator(".topbar__acting")).to_have_text(f"当前办事身份：{COMPANY}")
    expect(page.locator("#acting [aria-pressed=true]")).to_have_text(f"{COMPANY}（法定代表人）")
    fits(page, "acting", viewport)
    page.locator(".topbar").get_by_role("link", name="我的证照").click()
    page.wait_for_url(base + "/licences/")
    expect(page.locator("#enterprise-title")).to_contain_text(COMPANY)
    card = page.locator(".licence-card").filter(has_text=business.number)
    expect(card).to_contain_text("营业执照")
    expect(card).to_contain_text("有效")
    fits(page, "licences-before", viewport)
    card.get_by_role("link", name="营业执照").click()
    page.wait_for_url(f"**/licences/{business.identifier}/")
    expect(page.locator(".licence-result--valid")).to_be_visible()
    qr = page.locator(".licence-face__qr img")
    qr.scroll_into_view_if_needed()
    [scanned] = qr_codes(qr.screenshot())
    fits(page, "business-licence", viewport)
    # Someone not signed in opens what the QR code says: 有效.
    path = urlsplit(scanned).path
    assert path.startswith(f"/licences/verify/{business.identifier}/")
    anon_context, anon = open_page(browser, viewport)
    anon.goto(base + path)
    expect(anon.locator(".licence-result--valid")).to_contain_text("有效")
    expect(anon.locator("main")).to_contain_text(COMPANY)
    fits(anon, "business-licence-verify", viewport)
    assert anon.problems == []
    anon_context.close()

    # 2. She searches 食品经营许可 with 江汉 chosen.
    page.goto(base + "/")
    page.locator("#q").fill("食品经营许可")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search/?q=*")
    # She chooses her region, 江汉 (湖北省 › 武汉市 › 江汉区), and comes back to the results.
    page.locator(".topbar").get_by_role("link", name="切换地区").click()
    page.wait_for_url("**/region/**")
    page.get_by_role("link", name="湖北省的下级地区").click()
    page.get_by_role("link", name="武汉市的下级地区").click()
    page.get_by_role("button", name="选择江汉区").click()
    page.wait_for_url("**/search/?q=*")
    expect(page.locator(".topbar .region-name")).to_have_text("湖北省武汉市江汉区")
    results = page.locator(".result")
    expect(page.get_by_role("status")).to_have_text("找到 3 个与“食品经营许可”相关的事项")
    expect(results.locator(".result__region")).to_have_text(
        ["湖北省武汉市江汉区", "湖北省武汉市", "湖北省武汉市"]
    )
    expect(results.locator(".result__dept")).to_have_text(
        [JIANGHAN_BODY, "武汉市行政审批局", "武汉市市场监督管理局"]
    )
    fits(page, "search", viewport)
    # The filters narrow: a licence (not a penalty), for an enterprise, handled online, at 江汉.
    both = ["湖北省武汉市江汉区", "湖北省武汉市"]

    def choose(label: str, option: str, regions: list[str]) -> None:
        if not page.get_by_label(label, exact=True).is_visible():  # folded away on a phone
            page.locator("#filters > summary").click()
        with page.expect_navigation():
            page.get_by_label(label, exact=True).select_option(label=option)
        expect(results.locator(".result__region")).to_have_text(regions)

    choose("事项类型", "行政许可（2）", both)
    choose("服务对象", "企业法人（2）", both)
    choose("办理方式", "网上办（2）", both)
    choose("地区", "湖北省武汉市江汉区（1）", ["湖北省武汉市江汉区"])
    # the region's chip takes it off again; the department narrows the same way
    page.locator(".chips").get_by_role("link", name="地区：湖北省武汉市江汉区").click()
    expect(results.locator(".result__region")).to_have_text(both)
    choose("部门", f"{JIANGHAN_BODY}（1）", ["湖北省武汉市江汉区"])
    expect(page.locator(".chips li")).to_have_text(  # in the panel's order
        [
            f"部门：{JIANGHAN_BODY} ×去掉",
            "事项类型：行政许可 ×去掉",
            "服务对象：企业法人 ×去掉",
            "办理方式：网上办 ×去掉",
        ]
    )
    fits(page, "search-filtered", viewport)

    # 3. The guide: the business licence is 免提交 for this company, and which licence is named.
    mapped = food.materials.get(license_type_code=business.type_code)
    page.locator(".result__name").get_by_role("link", name="食品经营许可").click()
    page.wait_for_url(f"**/items/{food.code}/")
    expect(page.locator("#exempt-count")).to_have_text(
        "免提交 您有2项材料由平台提供（电子证照库调取或实名身份核验），无需提交"
    )
    row = page.locator("#materials tbody tr").filter(has_text=mapped.name)
    expect(row.locator(".exempt-note")).to_have_text(
        f"将使用您的电子证照“营业执照”（{business.number}），无需提交"
    )
    fits(page, "guide", viewport)

    # The apply page: her company, the licence it will use, the real fields; 申请表 generated.
    page.get_by_role("link", name="在线办理").first.click()
    page.wait_for_url(f"**/cases/apply/{food.code}/")
    expect(page.locator("#f-applicant_name")).to_have_value(COMPANY)
    expect(page.locator(f"#material-{mapped.pk}")).to_contain_text(
        f"将使用您的电子证照“营业执照”（编号 {business.number}"
    )
    form = food.materials.get(name__contains="申请表")
    expect(page.locator(f"#material-{form.pk}")).to_contain_text("系统自动生成")
    expect(page.locator(f"#m_{form.pk}")).to_have_count(0)
    expect(page.locator(f"#m_{mapped.pk}")).to_have_count(0)
    answers = demo_forms.FORMS["食品经营许可"][1]
    page.locator("#f-contact_phone").fill(MOBILE)
    for name in ("domicile", "premises", "business_items"):
        page.locator(f"#f-{name}").fill(answers[name])
    page.locator("#f-main_business").select_option(answers["main_business"])
    page.locator("#f-request").fill("申请预包装食品销售")
    provide_materials(page, food, PDF)
    fits(page, "apply", viewport)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(applicant_name=COMPANY, item_code=food.code)
    number = case.number
    assert number[14] == CHANNEL[viewport], number
    expect(page.locator("#case-number")).to_have_text(number)
    assert page.locator("#case-number").evaluate(ONE_LINE), "the case number wraps"
    code = progress.query_code(case)
    expect(page.locator("#query-code")).to_have_text(code)
    fits(page, "submitted", viewport)
    supplied = CaseLicence.objects.get(case=case)
    assert (supplied.material_id, supplied.identifier) == (mapped.pk, business.identifier)
    assert not case.materials.filter(material_id=mapped.pk).exists()
    assert case.materials.filter(material_id=form.pk).exists()  # the generated 申请表

    # 我的办件: the case, with its query code.
    page.locator(".topbar").get_by_role("link", name="我的办件").click()
    page.wait_for_url(base + "/cases/")
    mine = page.locator(".case-card").filter(has_text=number)
    expect(mine.locator(".case-card__title")).to_have_text("食品经营许可")
    expect(mine.locator("dt")).to_have_text(["办件编号", "查询码", "申请人", "收件日期", "办理部门"])
    expect(mine.locator("dd")).to_have_text([number, code, COMPANY, "2026-12-07", JIANGHAN_BODY])
    fits(page, "my-cases", viewport)
    assert page.problems == []

    # 4. 江汉's staff: accepted, then 承办, 审核 and 批准 by three people, then 出证.
    staff = []
    for username, step, queue in (
        ("officer-jianghan", "承办", ""),
        ("jianghan-officer-2", "审核", "?queue=team"),
        ("deptadmin-jianghan", "批准", "?queue=team"),
    ):
        ctx, wb = open_page(browser, viewport)
        ctx.set_default_timeout(10_000)
        sign_in_staff(wb, base, username, next_path=f"/workbench/cases/{queue}")
        wb.get_by_role("link", name=number).first.click()
        wb.wait_for_url(f"**/workbench/cases/{number}/")
        if step == "承办":
            # the officer sees the business licence came from the library, not from an upload
            expect(wb.locator("#licences-title")).to_have_text("电子证照库调取（免提交）")
            expect(wb.locator("ul[aria-labelledby=licences-title] li")).to_have_text(
                [re.compile(f"^营业执照：营业执照 {business.number} ")]
            )
            wb.get_by_role("button", name="预审通过，受理").click()
            expect(wb.locator("#case-state")).to_have_text("已受理")
        sign_step(wb, f"{step}：材料齐全，符合条件")
        if step == "承办":  # separation of duties: 审核 is someone else's
            expect(wb.get_by_test_id("sod-note")).to_contain_text("武汉市江汉区行政审批局审批人员2（演示）")
            expect(wb.locator("#act-step")).to_have_count(0)
        fits(wb, f"workbench-{step}", viewport)
        staff.append((ctx, wb))
    expect(wb.locator("#case-state")).to_have_text("已决定")
    wb.locator("#act-conclude summary").click()
    conclude = wb.locator("#act-conclude")
    # 出证 asks the 食品经营许可证's own fields, prefilled from the application.
    expect(conclude.locator(".wb-meta")).to_have_text("以“出证”办结时签发电子食品经营许可证")
    face = conclude.locator("[name^=conclude-lf_]")
    expect(face).to_have_count(8)
    for name, value in (
        ("credit_code", licence_queries.licence_holder_code(business)),
        ("legal_representative", "王芳"),
        ("domicile", answers["domicile"]),
        ("premises", answers["premises"]),
        ("main_business", answers["main_business"]),
        ("business_items", answers["business_items"]),
    ):
        expect(conclude.locator(f"[name=conclude-lf_{name}]")).to_have_value(value)
    expect(conclude).not_to_contain_text("注册资本")
    conclude.get_by_label("日常监督管理机构").fill("武汉市江汉区市场监督管理局")
    conclude.get_by_label("投诉举报电话").fill("12315")
    conclude.get_by_label("办结结果").select_option(label="出证")
    conclude.get_by_role("button", name="办结").click()
    expect(wb.locator("#case-state")).to_have_text("已办结")
    fits(wb, "workbench-concluded", viewport)
    case.refresh_from_db()
    assert [s.completed_by.username for s in case.steps.order_by("index")] == [
        "officer-jianghan",
        "jianghan-officer-2",
        "deptadmin-jianghan",
    ]
    for ctx, staff_page in staff:
        assert staff_page.problems == []
        ctx.close()

    # 5. The company reads the result in plain words, with the notices and the licence.
    food_licence = licence_queries.get_licence(case.result_licence)
    page.goto(f"{base}/cases/{number}/")
    expect(page.locator("#result-words")).to_have_text("准予许可")
    expect(page.locator("section[aria-labelledby=result-title]")).not_to_contain_text("出证")
    notices = page.locator("#notices li a")
    expect(notices).to_have_text(["受理通知书", "准予许可决定书"])
    for link in notices.all():
        pdf = page.request.get(base + link.get_attribute("href"))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "行政审批专用章" in flat(pdf_text(pdf.body()))  # the seal's caption
    # Nothing was uploaded: the 申请表 generated, the 告知承诺书 signed online, the business licence
    # fetched from the library.
    files = page.locator("section[aria-labelledby=files-title]")
    expect(files.locator(".plain-list").first.locator("li a")).to_have_text(
        ["食品经营许可申请表（系统生成）.pdf", "告知承诺书（在线签署）.pdf"]
    )
    expect(page.locator("#licences-title")).to_have_text("电子证照库调取（免提交）")
    expect(files.locator("ul[aria-labelledby=licences-title] li")).to_have_text(
        [re.compile(f"^营业执照：营业执照 {business.number} ")]
    )
    expect(page.locator("#query-code")).to_have_text(code)
    fits(page, "case-concluded", viewport)

    page.locator("#result-licence").get_by_role("link", name="查看、下载和出示").click()
    page.wait_for_url(f"**/licences/{food_licence.identifier}/")
    face = page.locator(".licence-face")
    expect(face).to_contain_text("食品经营许可证")
    expect(face).to_contain_text(COMPANY)
    expect(face).to_contain_text(answers["premises"])
    expect(face).to_contain_text(answers["business_items"])
    qr = page.locator(".licence-face__qr img")
    qr.scroll_into_view_if_needed()
    [scanned] = qr_codes(qr.screenshot())
    fits(page, "food-licence", viewport)
    page.locator(".topbar").get_by_role("link", name="我的证照").click()
    page.wait_for_url(base + "/licences/")
    expect(page.locator(".licence-card").filter(has_text=food_licence.number)).to_contain_text(
        "食品经营许可证"
    )
    expect(page.locator(".licence-card").filter(has_text=business.number)).to_contain_text("营业执照")
    fits(page, "licences-after", viewport)
    # The business licence's own page says who used it, for which case and why.
    page.locator(".licence-card").filter(has_text=business.number).get_by_role(
        "link", name="营业执照"
    ).click()
    page.wait_for_url(f"**/licences/{business.identifier}/")
    use = page.locator("section[aria-labelledby=usage-title] tbody tr").filter(has_text=number)
    expect(use.locator("td")).to_have_text(
        [
            # the use is stamped with the real time (the clock's pinned day is for deadlines only)
            re.compile(rf"^{timezone.localdate():%Y-%m-%d} \d\d:\d\d$"),
            "王*（本人或本单位经办人）",
            "办件用证",
            number,
            "办理“食品经营许可”（免提交营业执照）",
            "已提供",
        ]
    )
    fits(page, "business-licence-used", viewport)
    assert page.problems == []
    context.close()

    # Someone not signed in verifies it by its QR code.
    path = urlsplit(scanned).path
    assert path.startswith(f"/licences/verify/{food_licence.identifier}/")
    anon_context, anon = open_page(browser, viewport)
    anon.goto(base + path)
    expect(anon.locator(".licence-result--valid")).to_contain_text("有效")
    expect(anon.locator("main")).to_contain_text("食品经营许可证")
    fits(anon, "food-licence-verify", viewport)

    # 6. Progress without signing in: the number and the query code; state and dates only.
    anon.goto(base + "/")
    anon.locator(".topbar").get_by_role("link", name="办件进度查询").click()
    anon.wait_for_url(base + "/cases/progress/")
    expect(anon.locator(".field__help")).to_have_text(  # where an online applicant finds the code
        "查询码印在受理回执（受理通知书）上，网上申请的在提交成功页和“我的办件”中也能看到；"
        "也可以输入申请时所留联系电话的后四位。"
    )
    anon.get_by_label("办件编号").fill(number)
    anon.get_by_label("查询码或联系电话后四位").fill(code)
    anon.get_by_role("button", name="查询").click()
    result = anon.locator("#progress-result")
    case.refresh_from_db()
    expect(result.locator("dt")).to_have_text(
        ["办件编号", "事项", "办理部门", "当前状态", "收件日期", "受理日期", "承诺办结", "办结日期"]
    )
    expect(result.locator("dd")).to_have_text(
        [
            number,
            "食品经营许可",
            JIANGHAN_BODY,
            "已办结",
            f"{case.received_on:%Y-%m-%d}",
            f"{case.accepted_on:%Y-%m-%d}",
            re.compile(f"^{case.promised_due:%Y-%m-%d}"),
            f"{timezone.localtime(case.concluded_at):%Y-%m-%d}",
        ]
    )
    for personal in (COMPANY, "王芳", MOBILE, answers["premises"], code, food_licence.number):
        expect(anon.locator("main")).not_to_contain_text(personal)
    fits(anon, "progress", viewport)
    assert anon.problems == []
    anon_context.close()
    assert case.state == CaseState.CONCLUDED
