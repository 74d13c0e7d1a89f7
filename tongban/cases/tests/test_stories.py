"""Issue 4's stories end to end through the cases API, on the demo data (`seed demo` once per
module, rolled back at the end): a company's 特殊工时 filing reviewed online within minutes and
sent by post; a business licence applied for online and picked up at a window; a mountain
villager's tree-felling permit (即办件) granted online at once."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import transaction
from django.test import Client

from tongban.accounts import services as account_services
from tongban.accounts.queries import my_mandates
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo import queries as demo_queries

from .. import clock
from .conftest import PDF, as_user
from .story_support import demo_person, demo_staff, seed_demo

URL = "/api/v1/cases/"
TODAY = "2026-09-29"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once, keep it for the module's tests, roll everything back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        seed_demo(tmp_path_factory.mktemp("demo-media"))
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_day(demo, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(clock, "today", lambda: clock.dt.date.fromisoformat(TODAY))


def post(c: Client, path: str, body: dict | None = None, key: str = ""):
    headers = {"Idempotency-Key": key} if key else {}
    r = c.post(URL + path, json.dumps(body or {}), content_type="application/json", headers=headers)
    assert r.status_code in (200, 201), r.content
    return r.json()


def apply(user, code: str, key: str) -> dict:
    item = catalog_queries.get_guide(code)
    materials = [
        {
            "material_id": m.pk,
            "name": f"{m.name}.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        }
        for m in item.materials.all()
    ]
    form = {
        "applicant_name": user.display_name,
        "contact_name": user.display_name,
        "contact_phone": "17000000009",
        "request": "申请办理",
    }
    body = post(as_user(user), "", {"item_code": code, "data": form, "materials": materials}, key=key)
    assert (body["state"], body["channel"], body["received_on"]) == ("submitted", "2", TODAY)
    return body


def timeline(body: dict) -> list[str]:
    return [e["action"] for e in body["timeline"]]


def department_staff(code: str, *usernames: str) -> list[Client]:
    """Clients signed in as the demo staff of the item's department (demo/data/accounts.py)."""
    department = catalog_queries.get_guide(code).department_id
    users = [demo_staff(name) for name in usernames]
    assert [u.department_id for u in users] == [department] * len(users)
    return [as_user(u) for u in users]


def test_special_working_hours_filing_is_reviewed_within_minutes_and_sent_by_post():
    basic, region, _ = demo_cases.CHAINS[4]
    code = demo_cases.featured_code(basic, region)
    rep = demo_person("17000000004")  # 陈建国, legal representative
    mandate = my_mandates(rep).get()
    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rep.refresh_from_db()
    case = apply(rep, code, "hours-submit")
    number = case["number"]
    assert (case["department"], case["applicant_name"]) == (
        "武汉市江岸区行政审批局",
        "武汉鑫达恒通商贸有限公司",
    )
    applicant = as_user(rep)
    r = post(applicant, f"{number}/delivery", {"method": "post", "address": "武汉市江岸区沿江大道100号"})
    assert r["delivery"] == "post"
    officer, head = department_staff(code, "officer-jiangan", "deptadmin-jiangan")
    r = post(officer, f"{number}/accept", key="hours-accept")
    assert (r["state"], r["accepted_on"], r["promised_due"], r["statutory_due"]) == (
        "accepted",
        TODAY,
        "2026-09-30",
        "2026-11-02",
    )
    assert [(s["name"], s["state"]) for s in r["steps"]] == [("审查", "active"), ("批准", "waiting")]
    post(officer, f"{number}/steps/0/complete", {"outcome": "pass", "comment": "材料齐全"})
    r = post(head, f"{number}/steps/1/complete", {"outcome": "pass", "comment": "同意实行综合计算工时工作制"})
    assert (r["state"], r["decision"], r["decision_reason"]) == (
        "decided",
        "grant",
        "同意实行综合计算工时工作制",
    )
    r = post(officer, f"{number}/conclude", {"result_code": "02"}, key="hours-conclude")
    assert (r["state"], r["result_code"], r["concluded_on_time"]) == ("concluded", "02", True)
    r = post(officer, f"{number}/deliver", {"tracking_number": "EMS1234567890"}, key="hours-deliver")
    assert (r["state"], r["delivery"], r["tracking_number"], r["pickup_code"]) == (
        "delivered",
        "post",
        "EMS1234567890",
        "",
    )
    # the retried delivery does not act twice
    again = post(officer, f"{number}/deliver", {"tracking_number": "EMS1234567890"}, key="hours-deliver")
    assert again["timeline"] == r["timeline"]
    assert timeline(r) == [
        "submit",
        "choose_delivery",
        "accept",
        "step",
        "step",
        "decide",
        "conclude",
        "deliver",
    ]
    # the enterprise's case: the applicant sees it in "my cases"
    mine = as_user(rep).get(URL).json()
    assert number in [c["number"] for c in mine["items"]]


def test_a_business_licence_applied_for_online_is_picked_up_at_a_window():
    code = demo_queries.featured_licence_code()
    citizen = demo_person("17000000002")  # 王芳
    case = apply(citizen, code, "licence-submit")
    number = case["number"]
    assert case["department"] == "武汉市江夏区行政审批局"
    r = post(as_user(citizen), f"{number}/delivery", {"method": "window"})
    assert r["delivery"] == "window"
    officer, head, clerk = department_staff(code, "officer", "deptadmin", "clerk")
    r = post(officer, f"{number}/accept")
    assert (r["state"], r["accepted_on"], r["promised_due"], r["statutory_due"]) == (
        "accepted",
        TODAY,
        "2026-09-30",
        "2026-10-09",
    )
    post(officer, f"{number}/steps/0/complete", {"outcome": "pass", "comment": "材料齐全"})
    r = post(head, f"{number}/steps/1/complete", {"outcome": "pass", "comment": "准予登记"})
    assert (r["state"], r["decision"]) == ("decided", "grant")
    r = post(officer, f"{number}/conclude", {})
    assert (r["state"], r["result_code"], r["concluded_on_time"]) == ("concluded", "01", True)
    r = post(clerk, f"{number}/deliver", {})
    assert (r["state"], r["delivery"], r["tracking_number"]) == ("delivered", "window", "")
    assert len(r["pickup_code"]) == 6 and r["pickup_code"].isdigit()
    assert timeline(r) == [
        "submit",
        "choose_delivery",
        "accept",
        "step",
        "step",
        "decide",
        "conclude",
        "deliver",
    ]


def test_a_tree_felling_permit_is_granted_online_at_once():
    basic, region, _ = demo_cases.CHAINS[3]
    code = demo_cases.featured_code(basic, region)
    villager = demo_person("17000000006")  # 周小红
    case = apply(villager, code, "felling-submit")
    number = case["number"]
    assert (case["department"], case["promised_days"]) == ("恩施市林业局", 0)
    r = post(as_user(villager), f"{number}/delivery", {"method": "electronic"})
    assert r["delivery"] == "electronic"
    [officer] = department_staff(code, "officer-enshi")
    r = post(officer, f"{number}/accept")
    assert (r["state"], r["accepted_on"], r["promised_due"]) == ("accepted", TODAY, TODAY)
    assert [(s["name"], s["state"]) for s in r["steps"]] == [("即办", "active")]
    r = post(officer, f"{number}/steps/0/complete", {"outcome": "pass", "comment": "即办准予"})
    assert (r["state"], r["decision"]) == ("decided", "grant")
    r = post(officer, f"{number}/conclude", {})
    assert (r["state"], r["result_code"], r["concluded_on_time"]) == ("concluded", "01", True)
    step = r["steps"][0]
    assert (step["started_on"], step["due_on"], step["state"]) == (TODAY, TODAY, "done")  # decided at once
    r = post(officer, f"{number}/deliver", {})
    assert (r["state"], r["delivery"], r["pickup_code"], r["tracking_number"]) == (
        "delivered",
        "electronic",
        "",
        "",
    )
    assert timeline(r) == ["submit", "choose_delivery", "accept", "step", "decide", "conclude", "deliver"]
