"""A real Chromium (Debian's /usr/bin/chromium, driven by Playwright) signs up at 375 px:
mobile + SMS code -> name + password -> real-name verification (L2) -> my account.

The SMS goes to the outbox gateway (the locmem cache is shared with the live server's thread).
Screenshots go to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


import pytest

from tongban.accounts import gateways, services
from tongban.browsertest import ARTIFACTS, watch

from .identity_support import PASSWORD, SYSTEM, rid

pytestmark = pytest.mark.browser

MOBILE = "13977770001"

# A language, one visible h1, labelled fields, named controls, 40+ px buttons, unique ids.
A11Y_PROBLEMS = """() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  if (!document.documentElement.lang) problems.push("no lang");
  const h1s = [...document.querySelectorAll("h1")].filter(visible);
  if (h1s.length !== 1) problems.push(`${h1s.length} h1`);
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!el.labels.length && !el.getAttribute("aria-label")) problems.push(`unlabelled ${el.name}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!visible(el)) continue;
    const name = (el.getAttribute("aria-label") || el.textContent).trim();
    if (!name) problems.push(`nameless ${el.outerHTML.slice(0, 80)}`);
    if (el.tagName === "BUTTON" && el.getBoundingClientRect().height < 40) problems.push(`small ${name}`);
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) problems.push(`duplicate ids ${dupes}`);
  return problems;
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = watch(context.new_page())
    yield page
    context.close()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_up_verify_and_see_my_account_at_375px(transactional_db, live_server, page, settings):
    from django.core.cache import cache
    from playwright.sync_api import expect

    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()
    services.do_upsert_population_record(actor=SYSTEM, name="张晓燕", id_number=rid(7))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(live_server.url + "/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("注册个人账号")
    assert fits(page) and page.evaluate(A11Y_PROBLEMS) == []
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_label("姓名").fill("张晓燕")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status").filter(has_text="验证码已发送")).to_be_visible()
    expect(page.get_by_label("手机号码")).to_have_value(MOBILE)
    code = gateways.outbox(MOBILE)[-1].split("验证码是")[1][:6]

    # A wrong confirmation first: the error sits next to the field and nothing is created.
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD + "x")
    page.get_by_role("button", name="注册并继续实名认证").click()
    expect(page.locator("#id_password2_error")).to_have_text("两次输入的密码不一致")
    assert fits(page)
    page.screenshot(path=ARTIFACTS / "identity-signup-error-mobile.png", full_page=True)

    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册并继续实名认证").click()
    page.wait_for_url("**/accounts/me/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text("实名认证")
    expect(page.locator(".level")).to_have_text("L1 手机注册")
    assert fits(page) and page.evaluate(A11Y_PROBLEMS) == []
    page.screenshot(path=ARTIFACTS / "identity-verify-mobile.png", full_page=True)

    page.get_by_label("姓名").fill("张晓燕")
    page.get_by_label("身份证号码").fill(rid(7))
    page.get_by_role("button", name="提交认证").click()
    page.wait_for_url("**/accounts/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的账号")
    profile = page.locator("#profile")
    expect(profile).to_contain_text("L2 实名核验")
    expect(profile).to_contain_text(rid(7)[:4] + "**********" + rid(7)[-4:])
    expect(profile).to_contain_text("139****0001")
    expect(page.locator(".topbar__acting")).to_contain_text("本人")
    expect(page.locator("#devices")).to_contain_text("当前设备")
    content = page.content()
    assert rid(7) not in content and MOBILE not in content
    assert fits(page) and page.evaluate(A11Y_PROBLEMS) == []
    page.screenshot(path=ARTIFACTS / "identity-me-mobile.png", full_page=True)

    # The expected 400 of the wrong confirmation is the only failed response.
    assert [p for p in page.problems if not p.startswith("Failed to load resource")] == [
        f"400 {live_server.url}/accounts/signup/"
    ]
