"""The villager's 个体工商户 licence in a real Chromium (Debian's /usr/bin/chromium), at 375 px
and on a desktop, on the demo data.

赵敏 (real-name verified) applies for 个体工商户设立登记 at 李庙镇便民服务中心; the case is
accepted, approved and concluded with 出证 through the services (the officers' pages are other
tests'). Then she, acting as herself, reads the result in plain words on her case page with the
notices listed (受理通知书 for a 即办 item, 准予许可决定书), follows the link to the licence — the
个体工商户's 营业执照 under a 92 credit code, naming her 经营者 — and finds it in 我的证照. Nobody
else reaches it. No page scrolls sideways.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.cache import cache

from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement
from tongban.demo import cases as demo_cases
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.licences import queries as licence_queries

from .. import services
from .conftest import upload
from .story_support import demo_person, demo_staff, no_horizontal_scroll, open_page, seed_demo, sign_in

pytestmark = pytest.mark.browser

MOBILE = "17000000005"  # 赵敏, L2
OTHER = "17000000002"  # 王芳
LIMIAO = "420624103000"


@pytest.fixture
def concluded(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    seed_demo(tmp_path)
    item = catalog_queries.current_items().get(region_id=LIMIAO, name="个体工商户设立登记")
    person = demo_person(MOBILE)
    data = {**demo_cases._form(person, "个体工商户设立登记"), "contact_phone": MOBILE}
    data.update(premises="南漳县李庙镇赵店村二组8号", business_scope="预包装食品、日用百货零售")
    required = item.materials.filter(requirement=MaterialRequirement.REQUIRED).order_by("order", "id")
    case = services.do_submit(
        actor=person, item_code=item.code, data=data, uploads=[upload(m) for m in required]
    )
    case = services.do_accept(actor=demo_staff("limiao-officer-1"), number=case.number)
    # 承办, 审核, 批准 by three people (separation of duties)
    signers = ("limiao-officer-1", "limiao-officer-2", "limiao-head-1")
    for step, username in zip(case.steps.order_by("index"), signers, strict=True):
        case = services.do_complete_step(
            actor=demo_staff(username),
            number=case.number,
            step_index=step.index,
            outcome="pass",
            comment="符合登记条件",
        )
    head = demo_staff("limiao-head-1")
    given = {"premises": "南漳县李庙镇赵店村二组8号", "business_scope": "预包装食品、日用百货零售"}
    return services.do_conclude(actor=head, number=case.number, licence_face=given)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_the_operator_holds_the_sole_traders_licence_from_the_case_page(
    browser, live_server, concluded, viewport
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case, base = concluded, live_server.url
    licence = licence_queries.get_licence(case.result_licence)
    code = licence_queries.licence_holder_code(licence)
    assert code.startswith("92420624")

    context, page = open_page(browser, viewport)
    sign_in(page, base, MOBILE, DEMO_PASSWORD)
    page.goto(f"{base}/cases/{case.number}/")
    expect(page.locator("#result-words")).to_have_text("准予许可")
    expect(page.locator("section[aria-labelledby=result-title]")).not_to_contain_text("出证")
    notices = page.locator("#notices li a")
    expect(notices).to_have_text(["受理通知书", "准予许可决定书"])
    pdf = page.request.get(base + notices.first.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"sole-trader-case-{viewport}.png", full_page=True)

    page.locator("#result-licence").get_by_role("link", name="查看、下载和出示").click()
    page.wait_for_url(f"**/licences/{licence.identifier}/")
    face = page.locator(".licence-face")
    expect(face).to_contain_text("个体工商户")
    expect(face).to_contain_text("经营者")
    expect(face).to_contain_text("赵敏")
    expect(face).to_contain_text(code)
    expect(face).not_to_contain_text("法定代表人")
    expect(face).not_to_contain_text("注册资本")
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"sole-trader-licence-{viewport}.png", full_page=True)

    page.goto(base + "/licences/")
    expect(page.locator("#operated-note")).to_be_visible()
    expect(page.locator(".licence-card").filter(has_text=licence.number)).to_contain_text(
        "个体工商户营业执照"
    )
    assert no_horizontal_scroll(page)
    assert page.problems == []
    context.close()

    # someone else: the same 404 as for a licence that does not exist
    context, page = open_page(browser, viewport)
    sign_in(page, base, OTHER, DEMO_PASSWORD)
    response = page.goto(f"{base}/licences/{licence.identifier}/")
    assert response.status == 404
    context.close()
