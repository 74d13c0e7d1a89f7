"""Issue 12's demo story in a real Chromium against a live server, on the seeded demo:

江汉区行政审批局's administrator (`deptadmin-jianghan`) files a request in the workbench for 法人库
fields (FR-001, provided by 武汉市江夏区行政审批局), ticking three of them, for a new food-licence
system of 江汉; 江夏's administrator (`deptadmin`) approves it with a rate of 2 calls a minute;
the system gets a client-credentials token at /o/token/ and calls
`POST /exchange/v1/services/FR-001/query` over real HTTP for 武汉芳华餐饮管理有限公司; a field
outside the grant is refused (FIELD_NOT_GRANTED) and a third call in the minute is over the rate
(RATE_EXCEEDED); 王芳 signs in and sees the read in 我的 → 数据使用记录 (who, when, why, which
fields); 江夏's administrator sees the refused and the over-rate call in the workbench's call log.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.cache import cache
from django.utils import timezone

from tongban.accounts import clients as account_clients
from tongban.browsertest import ARTIFACTS
from tongban.cases.tests.story_support import (
    demo_person,
    demo_staff,
    open_page,
    seed_demo,
    sign_in,
    sign_in_staff,
)
from tongban.core import queries as core_queries
from tongban.demo import exchange_story as story
from tongban.demo.data.accounts import DEMO_PASSWORD
from tongban.exchange import grants
from tongban.exchange.enums import GrantState, RequestState
from tongban.exchange.testing import call_log_rows

pytestmark = pytest.mark.browser

SYSTEM_ID = "jianghan-food-licence-2"
SYSTEM_SECRET = "browser-journey-secret-0123456789"
SYSTEM_NAME = "江汉区食品经营许可审批系统（二期）"
PICKED = ["name", "legal_rep_name", "status"]
WANGFANG = "17000000002"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()
    seed_demo(tmp_path)
    cache.clear()  # the story's rate counters
    jianghan = core_queries.departments().get(name=story.JIANGHAN)
    account_clients.do_register_client(
        actor="system:test",
        name=SYSTEM_NAME,
        department_id=jianghan.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        client_id=SYSTEM_ID,
        client_secret=SYSTEM_SECRET,
    )
    return jianghan


def post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - the live server
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def token(base: str) -> str:
    basic = base64.b64encode(f"{SYSTEM_ID}:{SYSTEM_SECRET}".encode()).decode()
    status, body = post(
        f"{base}/o/token/",
        urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "api"}).encode(),
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, body
    return body["access_token"]


def query(base: str, bearer: str, subject: str, fields: list[str]) -> tuple[int, dict]:
    body = {"purpose": "licensing", "case_number": "JH-SP-2026-0042", "subject": subject, "fields": fields}
    return post(
        f"{base}/exchange/v1/services/{story.CODE}/query",
        json.dumps(body).encode(),
        {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )


def test_the_data_sharing_story_from_request_to_my_data_use(browser, live_server, demo):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    company = story.company_credit_code()
    assert company

    # 江汉's administrator files the request, picking three fields.
    context, page = open_page(browser, "desktop")
    sign_in_staff(
        page, base, story.REQUESTER_ADMIN, next_path=f"/exchange/workbench/requests/new/{story.CODE}/"
    )
    expect(page.locator("h1")).to_contain_text(story.CODE)
    for box in page.locator('input[name="fields"]').all():
        box.set_checked(box.get_attribute("value") in PICKED)
    page.locator('input[name="purpose_codes"][value="licensing"]').check()
    page.locator("#purpose").fill("食品经营许可审查核验申请人主体资格")
    page.locator("#legal_basis").fill("《食品经营许可和备案管理办法》第十二条")
    page.locator("#serves").fill("JH-SP-2026-0042")
    page.locator("#client_id").select_option(SYSTEM_ID)
    page.locator("#valid_until").fill("2027-06-30")
    page.locator("#expected_daily_calls").fill("300")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    req = grants.outgoing_requests(demo_staff(story.REQUESTER_ADMIN)).get(
        client_id=SYSTEM_ID, resource__code=story.CODE
    )
    assert (req.state, req.fields, req.requester_id) == (RequestState.PENDING, PICKED, demo.pk)
    assert grants.live_grant(SYSTEM_ID, story.CODE) is None
    context.close()

    # Before approval the system is refused (no grant), and that is logged too.
    bearer = token(base)
    status, body = query(base, bearer, company, ["name"])
    assert (status, body["error"]["code"]) == (403, "GRANT_MISSING")

    # 江夏's administrator approves it with a rate of 2 calls a minute.
    context, page = open_page(browser, "desktop")
    sign_in_staff(page, base, story.PROVIDER_ADMIN, next_path=f"/exchange/workbench/requests/{req.pk}/")
    expect(page.locator("main")).to_contain_text(req.number)
    page.locator("#rate_limit").fill("2/m")
    page.locator("#reason").fill("同意，限食品经营许可审查使用")
    page.get_by_role("button", name="同意并授权").click()
    page.wait_for_url("**/exchange/workbench/grants/*/")
    grant = grants.live_grant(SYSTEM_ID, story.CODE)
    assert (grant.state, grant.fields, grant.rate_limit) == (GrantState.ACTIVE, PICKED, "2/m")

    # The system calls over real HTTP: the read, a field outside the grant, then over the rate.
    status, body = query(base, bearer, company, PICKED)
    assert status == 200, body
    assert body["code"] == story.CODE and set(body["fields"]) == set(PICKED)
    assert body["fields"]["name"] == story.COMPANY and body["fields"]["legal_rep_name"] == "王芳"
    read_id = body["call_id"]
    status, body = query(base, bearer, company, ["name", "region_code"])
    assert (status, body["error"]["code"], body["error"]["field"]) == (403, "FIELD_NOT_GRANTED", "fields")
    refused_id = body["call_id"]
    status, _ = query(base, bearer, company, ["status"])
    assert status == 200
    status, body = query(base, bearer, company, ["status"])
    assert (status, body["error"]["code"]) == (429, "RATE_EXCEEDED")
    over_id = body["call_id"]
    logged = [(c["outcome"], c["error_code"]) for c in call_log_rows(client_id=SYSTEM_ID)]
    assert logged == [
        ("refused", "GRANT_MISSING"),
        ("ok", ""),
        ("refused", "FIELD_NOT_GRANTED"),
        ("ok", ""),
        ("refused", "RATE_EXCEEDED"),
    ]

    # The provider's administrator sees the refused and the over-rate call in the call log.
    page.goto(f"{base}/exchange/workbench/calls/?code={story.CODE}")
    log = page.locator("#calls")
    expect(log.locator(f'tr[data-call="{over_id}"]')).to_contain_text("RATE_EXCEEDED")
    expect(log.locator(f'tr[data-call="{refused_id}"]')).to_contain_text("FIELD_NOT_GRANTED")
    expect(log.locator(f'tr[data-call="{read_id}"]')).to_contain_text("legal_rep_name")
    expect(log.locator(f'tr[data-call="{read_id}"]')).to_contain_text(SYSTEM_NAME)
    expect(log).not_to_contain_text(company)  # subjects masked
    page.screenshot(path=ARTIFACTS / "exchange-call-log.png", full_page=True)
    assert page.problems == []
    context.close()

    # 王芳 signs in and sees the read of her company in 我的 → 数据使用记录.
    assert demo_person(WANGFANG)
    context, page = open_page(browser, "mobile")
    sign_in(page, base, WANGFANG, DEMO_PASSWORD, next_path="/accounts/me/")
    page.get_by_role("link", name="数据使用记录").click()
    page.wait_for_url("**/accounts/me/data-use/")
    rows = page.locator("#data-use tbody tr")
    read = rows.filter(has_text=SYSTEM_NAME).filter(has_text="已读取")
    expect(read).to_have_count(2)  # the read of three fields and the later read of one
    first = read.last  # newest first: the earlier read is the lower row
    expect(first).to_contain_text(story.JIANGHAN)
    expect(first).to_contain_text("法定代表人（负责人）姓名")
    expect(first).to_contain_text("登记状态")
    expect(first).to_contain_text("JH-SP-2026-0042")
    expect(first).to_contain_text(story.CODE)
    at = timezone.localtime(call_log_rows(id=read_id)[0]["at"]).strftime("%Y-%m-%d %H:%M:%S")
    expect(first).to_contain_text(at)
    expect(rows.filter(has_text=SYSTEM_NAME).filter(has_text="已拒绝").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "exchange-my-data-use.png", full_page=True)
    assert page.problems == []
    context.close()
