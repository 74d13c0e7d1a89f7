"""Issue 4's stories end to end through the cases API, on the demo data (`seed demo` once per
module, rolled back at the end): a company's 特殊工时 filing reviewed online within minutes and
sent by post; a business licence applied for online and picked up at a window; a mountain
villager's tree-felling permit (即办件) granted online at once."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tongban.accounts import services as account_services
from tongban.accounts.queries import my_mandates
from tongban.cases import queries as case_queries
from tongban.cases.models import Case
from tongban.catalog import queries as catalog_queries
from tongban.demo import cases as demo_cases
from tongban.demo import queries as demo_queries
from tongban.demo.data import forms as demo_forms
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services
from tongban.pdftest import needs_pdftotext, pdf_qr_codes

from .. import clock
from .conftest import PDF, as_user
from .story_support import demo_for_module, demo_person, demo_staff

URL = "/api/v1/cases/"
TODAY = "2026-09-29"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded demo for the module's tests (committed; each test's writes roll back)."""
    with demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo-media")):
        yield


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


def apply(user, code: str, key: str, basic: str = "", materials=None) -> dict:
    """Apply for the item with a PDF for every material (or those given) and the demo's answers
    on its form."""
    item = catalog_queries.get_guide(code)
    materials = [
        {
            "material_id": m.pk,
            "name": f"{m.name}.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        }
        for m in (item.materials.all() if materials is None else materials)
    ]
    form = demo_forms.filled(
        basic,
        applicant_name=user.display_name,
        person_name=user.display_name,
        phone="17000000009",
        request="申请办理",
    )
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
    case = apply(rep, code, "hours-submit", basic=basic)  # the item's own form (demo/data/forms.py)
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
    case = apply(citizen, code, "licence-submit", demo_cases.CHAINS[0][0])
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
    # 出证: the business licence of the company the case creates, from the form, in the library
    licence = licence_queries.get_licence(r["result_licence"])
    face = licence_queries.licence_face(licence)
    assert (licence.name, licence.holder_name, licence.issuer_name, licence.case_number) == (
        "营业执照",
        "武汉芳华餐饮管理有限公司",
        "武汉市江夏区行政审批局",
        number,
    )
    assert (face["legal_representative"], face["domicile"], face["business_term"]) == (
        "王芳",
        "武汉市江夏区纸坊街文化大道99号",
        "长期",
    )
    assert face["credit_code"] == licence_queries.licence_holder_code(licence)
    assert licence_services.verify_licence(licence.identifier).valid
    # the new company is in the legal-person register, 王芳 linked as its legal representative
    [mandate] = [m for m in my_mandates(citizen) if m.legal_person.credit_code == face["credit_code"]]
    assert (mandate.role, mandate.legal_person.name) == ("legal_rep", "武汉芳华餐饮管理有限公司")
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
    case = apply(villager, code, "felling-submit", demo_cases.CHAINS[3][0])
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
    licence = licence_queries.get_licence(r["result_licence"])
    assert (licence.name, licence.holder_name, licence.valid_until.isoformat()) == (
        "林木采伐许可证",
        "周小红",
        "2027-03-31",
    )
    assert licence_queries.licence_face(licence)["felling_area"] == "0.4"
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


@needs_pdftotext
def test_the_demo_business_licence_is_in_my_licences_verifies_by_its_qr_and_is_supplied_for_food():
    """Issue 5's demo story on the seeded demo: 王芳's 设立登记 was concluded with 出证 when the
    demo was seeded. Acting for the new company she finds its business licence in 我的证照; the
    QR code printed on its face opens the public verification page, which says 有效; when the
    company applies for a food business licence at 江汉, the business licence is fetched from
    the library instead of being uploaded, and the officer sees where it came from."""
    wang = demo_person("17000000002")
    [seeded] = [c for c in case_queries.cases_of(wang) if c.result_licence]
    licence = licence_queries.get_licence(seeded.result_licence)
    assert (licence.name, licence.holder_name) == ("营业执照", "武汉芳华餐饮管理有限公司")
    [mandate] = [m for m in my_mandates(wang) if m.legal_person.name == "武汉芳华餐饮管理有限公司"]
    account_services.do_switch_acting(actor=wang, kind="enterprise", target_id=mandate.pk)
    wang.refresh_from_db()
    holder = as_user(wang)

    mine = holder.get("/licences/")
    assert mine.status_code == 200
    assert licence.identifier in mine.content.decode() and licence.number in mine.content.decode()

    pdf = holder.get(f"/licences/{licence.identifier}/licence.pdf")
    assert pdf.status_code == 200
    [scanned] = pdf_qr_codes(pdf.content)
    path = urlsplit(scanned).path
    assert path.startswith(f"/licences/verify/{licence.identifier}/")
    page = Client().get(path)  # anyone with a phone
    body = page.content.decode()
    assert page.status_code == 200 and "licence-result--valid" in body and "武汉芳华餐饮管理有限公司" in body

    basic, region, _ = demo_cases.CHAINS[2]
    code = demo_cases.featured_code(basic, region)
    item = catalog_queries.get_guide(code)
    mapped = [m for m in item.materials.all() if m.license_type_code == licence.type_code]
    assert [m.name for m in mapped] == ["营业执照"]
    uploads = [m for m in item.materials.all() if m.pk not in {x.pk for x in mapped}]
    case = apply(wang, code, "food-submit", basic, materials=uploads)
    assert (case["applicant_name"], case["department"]) == (
        "武汉芳华餐饮管理有限公司",
        "武汉市江汉区行政审批局",
    )
    supplied = case_queries.case_licences(Case.objects.get(number=case["number"]))
    assert [(s.name, s.identifier, s.licence_name) for s in supplied] == [
        ("营业执照", licence.identifier, "营业执照")
    ]
    assert sorted(m["material_id"] for m in case["materials"]) == sorted(m.pk for m in uploads)
    [officer] = department_staff(code, "officer-jianghan")
    workbench = officer.get(f"/workbench/cases/{case['number']}/").content.decode()
    assert "电子证照库调取（免提交）" in workbench and licence.number in workbench
