"""The villager's online application of issue 11 in a real Chromium, on the seeded demo, at 375 px
and at desktop width: 王芳 (demo citizen 17000000002, verified L2) applies for 个体工商户设立登记
at 李庙镇便民服务中心. Before she fills anything the form says what the platform supplies (the
申请表 generated, her ID card replaced by her verified identity) and asks the shop's own fields
(名称, 字号, 经营者, 组成形式, 经营场所, 经营范围, 资金数额, 从业人数). She chooses the premises
proof and sends the form without 经营场所: the error is next to the field and her file is kept
with the draft (name, size, a remove button). She completes the field and submits without
choosing the file again; the case holds her file, the generated application form and the record
of her verified identity.
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
from tongban.core import files
from tongban.demo import cases as demo_cases
from tongban.demo.data import forms as demo_forms
from tongban.demo.data.accounts import DEMO_PASSWORD

from ..models import Case, StagedFile
from .conftest import PDF
from .story_support import (
    demo_person,
    fill_sole_trader_form,
    no_horizontal_scroll,
    open_page,
    seed_demo,
    sign_in,
)

pytestmark = pytest.mark.browser

MOBILE = "17000000002"  # 王芳, L2
SHOP = "个体工商户设立登记"


@pytest.fixture
def shop_item(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()
    seed_demo(tmp_path)
    return catalog_queries.get_guide(demo_cases.featured_code(SHOP, demo_forms.WHERE[SHOP]))


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_the_villager_fills_the_shop_form_and_a_validation_error_keeps_her_file(
    browser, live_server, shop_item, viewport
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item, base = shop_item, live_server.url
    form, premises = (item.materials.get(name__contains=k) for k in ("申请表", "住所"))
    card = item.materials.get(license_type_name="居民身份证")
    answers = demo_forms.FORMS[SHOP][1]
    wang = demo_person(MOBILE)

    context, page = open_page(browser, viewport)
    sign_in(page, base, MOBILE, DEMO_PASSWORD)

    # The guide already says what she need not provide.
    page.goto(f"{base}/items/{item.code}/")
    expect(page.locator("#exempt-count")).to_contain_text("您有1项材料由平台提供")
    expect(page.locator("#materials")).to_contain_text("由您已核验的实名身份（L2）代替，无需提交")
    page.get_by_role("link", name="在线办理").click()
    page.wait_for_url(f"**/cases/apply/{item.code}/")

    # The form: the shop's own fields; the ID card and the 申请表 need nothing from her.
    expect(page.locator(f"#material-{card.pk}")).to_contain_text("您已通过平台实名认证（L2")
    expect(page.locator(f"#m_{card.pk}")).to_have_count(0)
    expect(page.locator(f"#material-{form.pk}")).to_contain_text("系统自动生成")
    expect(page.locator(f"#m_{form.pk}")).to_have_count(0)
    expect(page.locator("#f-operator")).to_have_value("王芳")
    fill_sole_trader_form(page, answers, phone=MOBILE)
    page.locator(f"#m_{premises.pk}").set_input_files(
        {"name": "租赁合同.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    assert no_horizontal_scroll(page)

    # Sent without 经营场所: the error is next to the field, her file is kept with the draft.
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#f-premises-error")).to_have_text("请填写经营场所")
    expect(page.locator("#form-error")).to_contain_text("已选择的文件已随草稿暂存，无需重新选择")
    staged = page.locator(f"#material-{premises.pk} .staged-files li")
    expect(staged).to_have_count(1)
    expect(staged).to_contain_text("租赁合同.pdf")
    expect(staged.get_by_role("button", name="移除 租赁合同.pdf")).to_be_visible()
    expect(page.locator("#f-business_scope")).to_have_value(answers["business_scope"])
    assert not Case.objects.filter(item_code=item.code).exists()
    assert StagedFile.objects.filter(user=wang).count() == 1
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"apply-shop-staged-{viewport}.png", full_page=True)

    # Completed and submitted without choosing the file again.
    page.locator("#f-premises").fill(answers["premises"])
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(item_code=item.code)
    assert (case.applicant_id, case.item_code) == (wang.pk, item.code)
    by_stage = {m.stage: m for m in case.materials.all()}
    assert set(by_stage) == {"application", "generated"}
    assert by_stage["application"].name == "租赁合同.pdf"
    assert files.open_decrypted(by_stage["application"].file.name) == PDF
    assert by_stage["generated"].material_id == form.pk
    assert [i["level"] for i in case.identity_materials] == [2]
    assert StagedFile.objects.count() == 0

    # Her case page lists the files and what stood in for her ID card.
    page.goto(f"{base}/cases/{case.number}/")
    files_block = page.locator("section[aria-labelledby=files-title]")
    expect(files_block).to_contain_text("租赁合同.pdf")
    expect(files_block).to_contain_text("个体工商户设立登记申请表（系统生成）.pdf")
    expect(files_block).to_contain_text("申请人居民身份证：平台实名认证 L2")
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"apply-shop-case-{viewport}.png", full_page=True)
    # The only 4xx on the way is the deliberate try without 经营场所.
    assert [p for p in page.problems if "/cases/apply/" in p] == [f"400 {base}/cases/apply/{item.code}/"]
    assert [p for p in page.problems if "/cases/apply/" not in p and "status of 400" not in p] == []
    context.close()
