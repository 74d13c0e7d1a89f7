"""The second story of issue 4 in a real Chromium (Debian's /usr/bin/chromium, driven by
Playwright) on the demo data: a company's special-working-hours filing (特殊工时) is reviewed
online within minutes and the result sent by post.

陈建国, the legal representative of 武汉鑫达恒通商贸有限公司 (demo citizen 17000000004), switches
to acting for the enterprise and applies online at 375 px for the 江岸 特殊工时 item, choosing
delivery by post. The 江岸区行政审批局's demo staff sign in to the workbench with password and
TOTP: the officer accepts and passes 审查, the department administrator passes 批准 (准予), the
officer concludes (准予, no licence) and records the post with its tracking number. The
representative sees the result, the tracking number, the timeline and the messages.

The demo is seeded inside the test (the live server's thread must see committed rows, so the
database is flushed afterwards, as for every live-server test); "today" is fixed through the
`day` fixture (the live server runs in this process, so the monkeypatch of clock.today applies
to it). Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


import pytest
from django.core.cache import cache

from tongban.accounts import gateways
from tongban.browsertest import ARTIFACTS
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo.data.accounts import DEMO_PASSWORD

from ..enums import CaseState, Decision, ResultCode
from ..models import Case
from .conftest import PDF
from .story_support import (
    demo_person,
    no_horizontal_scroll,
    open_page,
    provide_materials,
    seed_demo,
    sign_in,
    sign_in_staff,
)

pytestmark = pytest.mark.browser

MOBILE = "17000000004"  # 陈建国, legal representative of the demo enterprise
ENTERPRISE = "武汉鑫达恒通商贸有限公司"
ADDRESS = "武汉市江岸区沿江大道100号 陈建国 17000000004"
TRACKING = "EMS1069283745CN"
REASON = "同意实行综合计算工时工作制"


@pytest.fixture
def demo_live(transactional_db, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()  # the SMS outbox and the used TOTP codes live in the cache
    seed_demo(tmp_path)
    basic, region, _steps = demo_cases.CHAINS[4]
    return catalog_queries.get_guide(demo_cases.featured_code(basic, region))


def test_a_special_working_hours_filing_is_reviewed_online_within_minutes_and_sent_by_post(
    browser, live_server, demo_live
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item, base = demo_live, live_server.url

    # The legal representative signs in and switches to acting for the enterprise.
    context, page = open_page(browser, "mobile")
    sign_in(page, base, MOBILE, DEMO_PASSWORD)
    page.goto(base + "/accounts/me/")
    expect(page.locator(".topbar__acting")).to_contain_text("本人")
    page.locator("#acting").get_by_role("button", name=f"{ENTERPRISE}（法定代表人）").click()
    expect(page.locator(".topbar__acting")).to_contain_text(ENTERPRISE)

    # The guide, then 在线办理: the form is the enterprise's.
    page.goto(f"{base}/items/{item.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("企业实行不定时工作制和综合计算工时工作制审批")
    page.get_by_role("link", name="在线办理").click()
    page.wait_for_url(f"**/cases/apply/{item.code}/")
    expect(page.locator("#f-applicant_name")).to_have_value(ENTERPRISE)
    page.locator("#f-contact_name").fill("陈建国")
    page.locator("#f-contact_phone").fill(MOBILE)
    page.locator("#f-address").fill(ADDRESS)
    # The item's own fields (those of the 特殊工时 decision's face).
    page.locator("#f-hours_system").select_option("综合计算工时工作制")
    page.locator("#f-posts").fill("仓储物流岗位")
    page.locator("#f-headcount").fill("12")
    page.locator("#f-settlement_period").select_option("季")
    page.locator("#f-rest_arrangement").fill("按季综合计算，平均工时不超过法定标准，轮休补休")
    provide_materials(page, item, PDF)
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/submitted/")
    case = Case.objects.get(applicant_name=ENTERPRISE)
    assert case.applicant_id == demo_person(MOBILE).pk  # he acts for it, the enterprise applies
    assert case.materials.count() == 4  # the 授权委托书 is for someone acting on his behalf
    assert case.number == "420102202609293000001"  # 江岸, the day, 移动端 (a 375 px phone), the first
    expect(page.locator("#case-number")).to_have_text(case.number)

    # On the case page: delivery by post, to the enterprise's address.
    page.goto(f"{base}/cases/{case.number}/")
    page.get_by_label("邮寄送达").check()
    page.get_by_label("邮寄地址").fill(ADDRESS)
    page.get_by_role("button", name="保存送达方式").click()
    expect(page.get_by_role("status").filter(has_text="送达方式已保存")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "stories-hours-applied-mobile.png", full_page=True)

    # The officer of 江岸区行政审批局 signs in (password + TOTP), accepts and passes 审查.
    wb_context, wb = open_page(browser, "desktop")
    sign_in_staff(wb, base, "officer-jiangan")
    wb.get_by_role("link", name=case.number).first.click()
    wb.wait_for_url(f"**/workbench/cases/{case.number}/")
    expect(wb.locator("section[aria-labelledby=form-title]")).to_contain_text(ADDRESS)  # where to post
    wb.get_by_role("button", name="预审通过，受理").click()
    expect(wb.locator("#case-state")).to_have_text("已受理")
    complete_step(wb, "材料齐全，岗位方案和工会意见符合要求")
    expect(wb.locator("#act-step")).to_have_count(0)  # 批准 is the department administrator's

    # The department administrator signs in and passes 批准: the decision is 准予.
    head_context, head = open_page(browser, "desktop")
    sign_in_staff(head, base, "deptadmin-jiangan")
    head.goto(base + "/workbench/cases/?queue=team")
    head.get_by_role("link", name=case.number).first.click()
    head.wait_for_url(f"**/workbench/cases/{case.number}/")
    complete_step(head, REASON)
    expect(head.locator("#case-state")).to_have_text("已决定")
    assert head.problems == []
    head_context.close()

    # The officer concludes (准予, no licence) and records the post with its tracking number.
    wb.reload()
    wb.locator("#act-conclude summary").click()
    wb.locator("#act-conclude").get_by_label("办结结果").select_option(ResultCode.GRANTED.value)
    wb.locator("#act-conclude button[type=submit]").click()
    expect(wb.locator("#case-state")).to_have_text("已办结")
    wb.locator("#act-deliver summary").click()
    wb.locator("#act-deliver").get_by_label("快递单号（邮寄送达时填写）").fill(TRACKING)
    wb.locator("#act-deliver button[type=submit]").click()
    expect(wb.locator("#case-state")).to_have_text("已送达")
    wb.screenshot(path=ARTIFACTS / "stories-hours-workbench-desktop.png", full_page=True)
    assert wb.problems == []
    wb_context.close()

    # Within minutes, on time, with exactly the outcome the staff recorded.
    case.refresh_from_db()
    assert (case.state, case.decision, case.decision_reason, case.result_code) == (
        CaseState.DELIVERED,
        Decision.GRANT,
        REASON,
        ResultCode.GRANTED,
    )
    assert (case.delivery, case.tracking_number, case.pickup_code) == ("post", TRACKING, "")
    assert (case.received_on, case.accepted_on, case.promised_due, case.statutory_due) == (
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 30),
        dt.date(2026, 11, 2),
    )
    assert case.concluded_on_time is True
    assert dt.timedelta(0) < case.concluded_at - case.submitted_at < dt.timedelta(minutes=10)
    assert case.submitted_at < case.decided_at <= case.concluded_at <= case.delivered_at

    # The representative sees the messages on "my cases", then the result and the tracking number.
    page.goto(base + "/cases/")
    expect(page.locator(".notice-list li a")).to_have_text(
        [
            f"已邮寄，快递单号{TRACKING}",
            "已办结：准予许可",
            "审批决定：准予",
            "已受理，承诺2026-09-30前办结",
            "已收到您的申请，正在预审",
        ]
    )
    card = page.locator(".case-card").filter(has_text=case.number)
    expect(card.locator(".state")).to_have_text("已送达")
    assert no_horizontal_scroll(page)
    card.get_by_role("link", name=item.name).click()
    page.wait_for_url(f"**/cases/{case.number}/")
    expect(page.locator("#case-state")).to_have_text("已送达")
    result = page.locator("section[aria-labelledby=result-title]")
    expect(result).to_contain_text("准予许可")
    expect(result).to_contain_text(f"审批意见：{REASON}")
    expect(result.locator("strong.code")).to_have_text(TRACKING)
    expect(page.locator(".clock-lines")).to_contain_text("受理日 2026-09-29 起算 1个工作日 = 2026-09-30")
    expect(page.locator(".timeline > li > strong")).to_have_text(
        ["提交申请", "选择送达方式", "受理", "审批环节办理", "审批环节办理", "作出决定", "办结", "送达"]
    )
    expect(page.locator(".timeline > li").nth(3)).to_contain_text("审查（同意）")
    expect(page.locator(".timeline > li").nth(4)).to_contain_text("批准（同意）")
    expect(page.locator(".steps > li")).to_have_text(["审查 已完成", "批准 已完成"])
    assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / "stories-hours-case-mobile.png", full_page=True)
    assert page.problems == []
    context.close()

    # The same messages reached the representative's phone.
    assert gateways.outbox(MOBILE)[-1] == (
        f"【通办】您的办件{case.number}（{item.name}）：已邮寄，快递单号{TRACKING}"
    )


def complete_step(page, comment: str) -> None:
    """同意 the active step with a comment, on the workbench case page."""
    page.locator("#act-step summary").click()
    page.locator("#act-step").get_by_label("同意", exact=True).check()
    page.locator("#act-step").get_by_label("意见说明").fill(comment)
    page.locator("#act-step button[type=submit]").click()
    page.wait_for_load_state()
