"""Issue 5's demo story in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright) on
the demo data, at 375 px.

When the demo was seeded, 王芳's 设立登记 of 武汉芳华餐饮管理有限公司 was concluded with 出证: the
company's business licence went into the e-licence library and 王芳 became its legal
representative on the platform. She signs in and switches to the company. 我的证照 lists the
licence, and its page shows the face with the QR code. The QR code is read from a screenshot by
a QR decoder, as a phone would read it, and opened by someone not signed in: the page says
有效. Then the company applies for a food business licence at 江汉: the guide and the form say
the business licence need not be uploaded, and the submitted case shows it was fetched from the
library.

The demo is seeded inside the test (the live server's thread must see committed rows); "today"
is fixed through the `day` fixture. Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.cache import cache

from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo.data import forms as demo_forms
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.licences import queries as licence_queries
from tongban.pdftest import qr_codes

from ..models import Case, CaseLicence
from .conftest import PDF
from .story_support import demo_person, no_horizontal_scroll, open_page, provide_materials, seed_demo, sign_in

pytestmark = pytest.mark.browser

MOBILE = "17000000002"  # 王芳
COMPANY = "武汉芳华餐饮管理有限公司"


@pytest.fixture
def demo_live(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    seed_demo(tmp_path)
    basic, region, _steps = demo_cases.CHAINS[2]  # 食品经营许可 at 江汉
    return catalog_queries.get_guide(demo_cases.featured_code(basic, region))


def test_the_business_licence_from_the_demo_is_held_verified_by_its_qr_and_supplied_for_food(
    browser, live_server, demo_live
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    food, base = demo_live, live_server.url
    [seeded] = [c for c in Case.objects.filter(applicant=demo_person(MOBILE)) if c.result_licence]
    licence = licence_queries.get_licence(seeded.result_licence)

    # 王芳 signs in and switches to acting for her new company.
    context, page = open_page(browser, "mobile")
    sign_in(page, base, MOBILE, DEMO_PASSWORD)
    page.goto(base + "/accounts/me/")
    page.locator("#acting").get_by_role("button", name=f"{COMPANY}（法定代表人）").click()
    expect(page.locator(".topbar__acting")).to_contain_text(COMPANY)

    # 我的证照: the business licence, then its page with the face and the QR code.
    page.goto(base + "/licences/")
    expect(page.locator("#enterprise-title")).to_contain_text(COMPANY)
    card = page.locator(".licence-card").filter(has_text=licence.number)
    expect(card).to_contain_text("营业执照")
    expect(card).to_contain_text("有效")
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "licence-story-mine-mobile.png", full_page=True)
    card.get_by_role("link", name="营业执照").click()
    page.wait_for_url(f"**/licences/{licence.identifier}/")
    expect(page.locator(".licence-result--valid")).to_be_visible()
    qr = page.locator(".licence-face__qr img")
    qr.scroll_into_view_if_needed()
    [scanned] = qr_codes(qr.screenshot())
    page.screenshot(path=ARTIFACTS / "licence-story-licence-mobile.png", full_page=True)

    # Someone not signed in opens what the QR code says: 有效, and the face masked.
    path = urlsplit(scanned).path
    assert path.startswith(f"/licences/verify/{licence.identifier}/")
    anon_context, anon = open_page(browser, "mobile")
    anon.goto(base + path)
    expect(anon.locator(".licence-result--valid")).to_contain_text("有效")
    expect(anon.locator("main")).to_contain_text(COMPANY)
    anon.screenshot(path=ARTIFACTS / "licence-story-verify-mobile.png", full_page=True)
    anon_context.close()

    # The company applies for a food business licence at 江汉: the business licence is 免提交.
    page.goto(f"{base}/items/{food.code}/")
    page.get_by_role("link", name="在线办理").click()
    page.wait_for_url(f"**/cases/apply/{food.code}/")
    expect(page.locator("#f-applicant_name")).to_have_value(COMPANY)
    mapped = food.materials.get(license_type_code=licence.type_code)
    expect(page.locator(f"#material-{mapped.pk}")).to_contain_text(
        f"将使用您的电子证照“营业执照”（编号 {licence.number}"
    )
    answers = demo_forms.FORMS["食品经营许可"][1]
    page.locator("#f-contact_phone").fill(MOBILE)
    for name in ("domicile", "premises", "business_items"):
        page.locator(f"#f-{name}").fill(answers[name])
    page.locator("#f-main_business").select_option(answers["main_business"])
    page.locator("#f-request").fill("申请预包装食品销售")
    provide_materials(page, food, PDF)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(applicant_name=COMPANY)
    supplied = CaseLicence.objects.get(case=case)
    assert (supplied.material_id, supplied.identifier) == (mapped.pk, licence.identifier)
    assert not case.materials.filter(material_id=mapped.pk).exists()

    # Her case page says where the business licence came from.
    page.goto(f"{base}/cases/{case.number}/")
    expect(page.locator("#licences-title")).to_have_text("电子证照库调取（免提交）")
    expect(page.get_by_text(licence.number)).to_be_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "licence-story-case-mobile.png", full_page=True)
    assert page.problems == []
    context.close()
