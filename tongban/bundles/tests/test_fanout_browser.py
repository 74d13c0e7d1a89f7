"""企业开办 as the applicant in a real Chromium at 375 px: 娄钢 opens the combined form on his
phone, sees the company name asked once, the lease asked once for two departments and the
营业执照 promised as "由本次联办自动获取"; he submits once and lands on the one status page;
after the market regulator issues the licence, the page shows the four other departments at
work, with no upload of the licence. No sideways scroll, no console error on any page."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop in this thread; ORM calls stay sync

import pytest

from tongban.accounts.tests.identity_support import PASSWORD, mobile
from tongban.browsertest import ARTIFACTS
from tongban.bundles.models import Bundle, BundleMember
from tongban.bundles.testing import make_published_theme
from tongban.cases import queries as case_queries
from tongban.cases.tests.story_support import no_horizontal_scroll, open_page, sign_in

from .fanout_support import PDF, PDF2, SETUP_SAMPLE, build_world, conclude, material_of, spec_doc

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from tongban.catalog.testing import ensure_regions

    ensure_regions()
    world = build_world(settings, tmp_path)
    world["theme"] = make_published_theme(
        spec_doc(world), code="qykb", region_code="420115000000", name="企业开办"
    )
    return world


def test_the_founder_applies_once_on_a_phone_and_follows_one_status_page(browser, live_server, world):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context, page = open_page(browser, "mobile")
    sign_in(page, base, mobile(3), PASSWORD)
    page.goto(f"{base}/bundles/qykb/apply/")
    expect(page.locator("h1")).to_contain_text("企业开办")
    assert page.locator('input[name="s_company_name"]').count() == 1
    assert page.locator('input[name="f_lease"]').count() == 1
    expect(page.locator(".bundle-materials")).to_contain_text("由本次联办自动获取")
    assert no_horizontal_scroll(page)

    page.locator('input[name="s_company_name"]').fill("武汉芳华餐饮管理有限公司")
    page.locator('input[name="s_phone"]').fill("13900000003")
    page.locator('select[name="licence__entity_type"]').select_option(SETUP_SAMPLE["entity_type"])
    page.locator('select[name="licence__business_term"]').select_option(SETUP_SAMPLE["business_term"])
    page.locator('input[name="licence__domicile"]').fill(SETUP_SAMPLE["domicile"])
    page.locator('textarea[name="licence__business_scope"]').fill("餐饮管理")
    for key in ("licence", "seal", "social", "tax", "fund"):
        page.locator(f'textarea[name="{key}__request"]').fill("一件事联办")
        letter = material_of(world["items"][key], "申请书").pk
        page.locator(f'input[name="f_{key}.m_{letter}"]').set_input_files(
            {"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    page.locator('input[name="f_lease"]').set_input_files(
        {"name": "住所使用证明.pdf", "mimeType": "application/pdf", "buffer": PDF2}
    )
    page.get_by_role("button", name="一次提交").click()
    page.wait_for_url("**/bundles/applications/LB*/")
    page.screenshot(path=str(ARTIFACTS / "bundles-status-375.png"), full_page=True)
    bundle = Bundle.objects.get()
    expect(page.locator(".bundle-status > li")).to_have_count(5)
    expect(page.locator("#member-seal")).to_contain_text("等待前置事项")
    assert no_horizontal_scroll(page)

    licence_case = BundleMember.objects.get(bundle=bundle, key="licence").case_number
    concluded = conclude(world, "licence", licence_case)
    page.reload()
    expect(page.locator("#member-licence")).to_contain_text("营业执照已签发")
    expect(page.locator("#member-seal")).to_contain_text("已申报")
    seal = BundleMember.objects.get(bundle=bundle, key="seal").case_number
    [used] = case_queries.case_licences(case_queries.cases_of(world["citizen"]).get(number=seal))
    assert used.identifier == concluded.result_licence
    assert no_horizontal_scroll(page)
    assert page.problems == []
    context.close()
