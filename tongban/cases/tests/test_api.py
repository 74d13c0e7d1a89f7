"""The cases API (/api/v1/cases): every endpoint's happy path with exact JSON, bad input per
field with nothing changed, others' cases 404, wrong department 403, department systems with a
client_credentials token, CSRF for sessions, and Idempotency-Key retries acting once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tongban.accounts import clients as account_clients
from tongban.catalog.testing import SYSTEM, make_department
from tongban.core.models import AuditEvent, IdempotentRequest

from .. import services
from ..enums import CaseState
from ..models import Case, CaseEvent, IdempotencyKey
from .conftest import FORM, PDF, PNG, as_user, citizen, counts, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")
URL = "/api/v1/cases/"


def iso(value) -> str | None:
    return None if value is None else DjangoJSONEncoder().default(value)


def post(c: Client, path: str, body: dict | None = None, **headers):
    return c.post(URL + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def json_materials(world) -> list[dict]:
    return [
        {"material_id": m.pk, "name": m.name, "content_type": "application/pdf", "content_base64": b64(PDF)}
        for m in world["materials"]
    ]


def submit_body(world, **kw) -> dict:
    return {"item_code": world["item"].code, "data": FORM, "materials": json_materials(world)} | kw


def expected_detail(case, **kw) -> dict:
    """The fields fixed by the case's stored state; tests override what they check by value."""
    case.refresh_from_db()
    return {
        "number": case.number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "department": "武汉市市场监督管理局",
        "state": case.state,
        "state_name": CaseState(case.state).label,
        "channel": "2",
        "submitted_at": iso(case.submitted_at),
        "received_on": "2026-09-29",
        "accepted_on": None,
        "promised_due": None,
        "promised_due_provisional": False,
        "statutory_due": None,
        "statutory_due_provisional": False,
        "clock_level": "ok",
        "applicant_name": "张三",
        "deemed_accepted": False,
        "promised_days": 5,
        "statutory_days": 20,
        "paused_days": 0,
        "extension_days": 0,
        "extension_requests": [],
        "supplement_items": [],
        "supplement_due": None,
        "supplement_due_provisional": False,
        "missing_materials": [],
        "commitment": False,
        "decision": "",
        "decision_reason": "",
        "result_code": "",
        "result_licence": "",
        "concluded_at": None,
        "concluded_on_time": None,
        "delivery": "",
        "pickup_code": "",
        "tracking_number": "",
        "delivered_at": None,
        "return_reason": "",
        "form": {**FORM, "address": ""},
        "materials": [
            {
                "id": m.pk,
                "name": m.name,
                "material_id": m.material_id,
                "size": m.size,
                "content_type": m.content_type,
                "sha256": m.sha256,
                "stage": m.stage,
            }
            for m in case.materials.order_by("id")
        ],
        "steps": [],
        "timeline": [
            {
                "at": iso(e.at),
                "actor": e.actor_label,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "data": e.data,
            }
            for e in case.events.order_by("at", "id")
        ],
        "clock": ["收件日 2026-09-29，尚未受理，办理时限未起算"],
    } | kw


def actions(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def assert_field_error(response, status: int, field: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == {400: "invalid", 404: "not_found", 409: "conflict"}.get(status, body["code"])
    assert body["errors"][0]["field"] == field, body


# --- applicant ------------------------------------------------------------------------------


def test_submit_with_base64_materials_returns_the_case_exactly(world):
    before = counts()
    r = post(as_user(world["citizen"]), "", submit_body(world))
    assert r.status_code == 201, r.content
    case = Case.objects.get()
    pdf_sha = hashlib.sha256(PDF).hexdigest()
    assert r.json() == expected_detail(case)
    assert [(m["size"], m["sha256"], m["stage"]) for m in r.json()["materials"]] == [
        (len(PDF), pdf_sha, "application")
    ] * 2
    assert r.json()["timeline"] == [
        {
            "at": iso(case.events.get().at),
            "actor": f"user:{world['citizen'].pk}",
            "action": "submit",
            "from_state": "",
            "to_state": "submitted",
            "note": "",
            "data": {"channel": "2", "item_version": world["item"].version},
        }
    ]
    after = counts()
    assert (after["cases"], after["materials"], after["events"]) == (
        before["cases"] + 1,
        before["materials"] + 2,
        before["events"] + 1,
    )


def test_submit_as_multipart_with_several_files_per_material(world):
    first, second = world["materials"]
    r = as_user(world["citizen"]).post(
        URL,
        {
            "item_code": world["item"].code,
            "data": json.dumps(FORM),
            "channel": "3",
            f"material_{first.pk}": [
                SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("b.png", PNG, "image/png"),
            ],
            f"material_{second.pk}": SimpleUploadedFile("c.pdf", PDF, "application/pdf"),
        },
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get()
    assert r.json() == expected_detail(case, channel="3")
    assert [(m["name"], m["material_id"], m["content_type"]) for m in r.json()["materials"]] == [
        ("a.pdf", first.pk, "application/pdf"),
        ("b.png", first.pk, "image/png"),
        ("c.pdf", second.pk, "application/pdf"),
    ]


def _bad_submissions(world) -> list[tuple[str, dict | str, str]]:
    good = submit_body(world)
    m0 = json_materials(world)[0]
    return [
        ("no item code", {k: v for k, v in good.items() if k != "item_code"}, "item_code"),
        ("bad item code", good | {"item_code": "not a code!"}, "code"),
        ("data not an object", good | {"data": "x"}, "data"),
        ("bad phone", good | {"data": FORM | {"contact_phone": "123"}}, "contact_phone"),
        ("missing request", good | {"data": {k: v for k, v in FORM.items() if k != "request"}}, "request"),
        ("bad channel", good | {"channel": "1"}, "channel"),
        ("bad base64", good | {"materials": [m0 | {"content_base64": "%%%"}]}, "materials.0.content_base64"),
        (
            "wrong type",
            good | {"materials": [m0 | {"content_type": "text/plain"}]},
            "materials.0.content_type",
        ),
        ("not a pdf", good | {"materials": [m0 | {"content_base64": b64(b"hello")}]}, "materials.0"),
        ("empty file", good | {"materials": [m0 | {"content_base64": ""}]}, "materials.0"),
        ("foreign material", good | {"materials": [m0 | {"material_id": 999999}]}, "materials"),
        ("missing material", good | {"materials": [m0]}, "materials"),
        (
            "material without type",
            good | {"materials": [{"content_base64": b64(PDF)}]},
            "materials.0.content_type",
        ),
        ("not json", "{not json", "body"),
        ("json list", "[1, 2]", "body"),
    ]


def test_bad_submissions_name_the_field_and_change_nothing(world):
    c = as_user(world["citizen"])
    before = counts()
    for label, body, field in _bad_submissions(world):
        raw = body if isinstance(body, str) else json.dumps(body)
        r = c.post(URL, raw, content_type="application/json")
        assert r.status_code == 400, (label, r.content)
        assert r.json()["code"] == "invalid", label
        assert field in [e["field"] for e in r.json()["errors"]], (label, r.json())
        assert counts() == before, label


def test_bad_multipart_field_names_and_data_are_400(world):
    c = as_user(world["citizen"])
    before = counts()
    r = c.post(URL, {"item_code": world["item"].code, "data": "{oops"})
    assert_field_error(r, 400, "data")
    r = c.post(
        URL,
        {
            "item_code": world["item"].code,
            "data": json.dumps(FORM),
            "upload": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
        },
    )
    assert_field_error(r, 400, "upload")
    assert counts() == before


def test_an_unknown_item_is_404_and_changes_nothing(world):
    before = counts()
    r = post(as_user(world["citizen"]), "", submit_body(world, item_code="11111111111111111111"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert counts() == before


def test_my_cases_lists_my_cases_only_newest_first(world):
    mine = [submit(world), submit(world)]
    other = citizen(2, "李四")
    submit(world, actor=other)
    r = as_user(world["citizen"]).get(URL)
    assert r.status_code == 200
    mine.reverse()
    assert r.json() == {
        "count": 2,
        "page": 1,
        "page_size": 20,
        "items": [
            {
                "number": c.number,
                "item_code": world["item"].code,
                "item_name": world["item"].name,
                "department": "武汉市市场监督管理局",
                "state": "submitted",
                "state_name": "已申报",
                "channel": "2",
                "submitted_at": iso(c.submitted_at),
                "received_on": "2026-09-29",
                "accepted_on": None,
                "promised_due": None,
                "promised_due_provisional": False,
                "statutory_due": None,
                "statutory_due_provisional": False,
                "clock_level": "ok",
            }
            for c in mine
        ],
    }
    assert_field_error(as_user(world["citizen"]).get(URL + "?page=0"), 400, "page")
    assert_field_error(as_user(world["citizen"]).get(URL + "?page=x"), 400, "page")


def test_detail_shows_the_timeline_and_the_clock(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    r = as_user(world["citizen"]).get(URL + case.number)
    assert r.status_code == 200
    body = r.json()
    assert body == expected_detail(
        case,
        accepted_on="2026-09-29",
        promised_due="2026-10-12",
        statutory_due="2026-11-02",
        steps=body["steps"],
        clock=[
            "受理日 2026-09-29 起算 5个工作日 = 2026-10-12",
            "法定时限：受理日 2026-09-29 起算 20个工作日 = 2026-11-02",
        ],
    )
    assert [(s["name"], s["state"], s["due_on"]) for s in body["steps"]] == [
        ("承办", "active", "2026-10-08"),
        ("审核", "waiting", None),
        ("批准", "waiting", None),
    ]
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept"]


def test_other_peoples_cases_are_404(world):
    case = submit(world)
    stranger = as_user(citizen(2, "李四"))
    before = counts()
    assert stranger.get(URL + case.number).status_code == 404
    assert stranger.get(URL + "420100202609292000001").status_code == 404
    for path, body in [
        ("withdraw", {}),
        ("delivery", {"method": "window"}),
        ("supply", {"materials": json_materials(world)}),
    ]:
        r = post(stranger, f"{case.number}/{path}", body)
        assert r.status_code == 404 and r.json() == {"code": "not_found", "message": "没有找到该办件"}, path
    # an officer of another department does not see it either
    assert as_user(world["outsider"]).get(URL + case.number).status_code == 404
    assert counts() == before


def test_withdraw_and_choose_delivery(world):
    c = as_user(world["citizen"])
    case = submit(world)
    r = post(c, f"{case.number}/delivery", {"method": "post", "address": "武汉市江岸区沿江大道100号"})
    assert r.status_code == 200 and r.json()["delivery"] == "post"
    assert_field_error(post(c, f"{case.number}/delivery", {"method": "drone"}), 400, "method")
    assert_field_error(post(c, f"{case.number}/delivery", {"method": "post", "address": "x"}), 400, "address")
    assert_field_error(post(c, f"{case.number}/delivery", {}), 400, "method")
    r = post(c, f"{case.number}/withdraw", {"reason": "不再需要"})
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["state_name"]) == ("withdrawn", "已撤回")
    assert r.json()["timeline"][-1] | {"at": None} == {
        "at": None,
        "actor": f"user:{world['citizen'].pk}",
        "action": "withdraw",
        "from_state": "submitted",
        "to_state": "withdrawn",
        "note": "不再需要",
        "data": {},
    }
    before = counts()
    r = post(c, f"{case.number}/withdraw", {})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert counts() == before


def test_supply_after_a_precheck_request(world, day):
    case = submit(world)
    officer, c = as_user(world["officer"]), as_user(world["citizen"])
    r = post(
        officer, f"{case.number}/request-supplement", {"items": ["身份证复印件不清晰"], "note": "请重新上传"}
    )
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["supplement_items"], r.json()["supplement_due"]) == (
        "supplement",
        ["身份证复印件不清晰"],
        "2026-10-19",
    )
    before = counts()
    assert_field_error(post(c, f"{case.number}/supply", {"materials": []}), 400, "materials")
    assert_field_error(post(c, f"{case.number}/supply", {}), 400, "materials")
    assert counts() == before
    day("2026-09-30")
    m = world["materials"][0]
    r = c.post(
        URL + f"{case.number}/supply", {f"material_{m.pk}": SimpleUploadedFile("x.png", PNG, "image/png")}
    )
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["received_on"], r.json()["materials"][-1]["stage"]) == (
        "submitted",
        "2026-09-30",
        "supplement",
    )


# --- back office ----------------------------------------------------------------------------


def test_the_back_office_lifecycle_through_the_api(world, day):
    case = submit(world)
    post(
        as_user(world["citizen"]),
        f"{case.number}/delivery",
        {"method": "post", "address": "武汉市江岸区沿江大道100号"},
    )
    officer, officer2, head = as_user(world["officer"]), as_user(world["officer2"]), as_user(world["head"])
    r = post(officer, f"{case.number}/accept")
    assert r.status_code == 200 and (r.json()["state"], r.json()["promised_due"]) == (
        "accepted",
        "2026-10-12",
    )
    r = post(head, f"{case.number}/steps/0/assign", {"assignee_id": world["officer"].pk})
    assert r.status_code == 200 and r.json()["steps"][0]["assignee_id"] == world["officer"].pk
    r = post(officer2, f"{case.number}/steps/0/complete", {"outcome": "pass"})
    assert r.status_code == 403 and r.json()["message"] == "该环节已指派给其他人员"
    day("2026-10-08")
    for c, index in [(officer, 0), (officer2, 1), (head, 2)]:
        r = post(c, f"{case.number}/steps/{index}/complete", {"outcome": "pass", "comment": "同意办理"})
        assert r.status_code == 200, r.content
    body = r.json()
    assert (body["state"], body["decision"], body["decision_reason"]) == ("decided", "grant", "同意办理")
    assert [(s["state"], s["outcome"], s["comment"]) for s in body["steps"]] == [
        ("done", "pass", "同意办理")
    ] * 3
    r = post(officer, f"{case.number}/conclude", {})
    assert (r.json()["state"], r.json()["result_code"], r.json()["concluded_on_time"]) == (
        "concluded",
        "01",
        True,
    )
    assert_field_error(
        post(officer, f"{case.number}/deliver", {"tracking_number": "#"}), 400, "tracking_number"
    )
    r = post(officer, f"{case.number}/deliver", {"tracking_number": "SF1234567890"})
    assert (r.json()["state"], r.json()["delivery"], r.json()["tracking_number"]) == (
        "delivered",
        "post",
        "SF1234567890",
    )
    assert actions(case) == [
        "submit",
        "choose_delivery",
        "accept",
        "assign",
        "step",
        "step",
        "step",
        "decide",
        "conclude",
        "deliver",
    ]


def test_refuse_and_return_need_a_reason(world):
    officer = as_user(world["officer"])
    case = submit(world)
    before = counts()
    assert_field_error(post(officer, f"{case.number}/refuse", {"reason": "不"}), 400, "reason")
    assert_field_error(post(officer, f"{case.number}/refuse", {}), 400, "reason")
    assert_field_error(post(officer, f"{case.number}/return", {"reason": 5}), 400, "reason")
    assert counts() == before
    r = post(officer, f"{case.number}/refuse", {"reason": "不属于本部门职权范围"})
    assert (r.status_code, r.json()["state"], r.json()["return_reason"]) == (
        200,
        "refused",
        "不属于本部门职权范围",
    )
    other = submit(world)
    r = post(officer, f"{other.number}/return", {"reason": "申请事项选择错误"})
    assert (r.status_code, r.json()["state"]) == (200, "returned")
    r = post(officer, f"{other.number}/accept")
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_pause_resume_extend(world, day):
    officer = as_user(world["officer"])
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    before = counts()
    assert_field_error(
        post(officer, f"{case.number}/pause", {"kind": "x", "reason": "需要现场勘查"}), 400, "kind"
    )
    assert_field_error(
        post(officer, f"{case.number}/pause", {"kind": "special", "reason": "需要现场勘查"}), 400, "procedure"
    )
    assert_field_error(
        post(officer, f"{case.number}/pause", {"kind": "supplement", "reason": "材料不全"}), 400, "items"
    )
    assert_field_error(
        post(officer, f"{case.number}/extend", {"days": "abc", "approver_id": 1, "reason": "情况复杂"}),
        400,
        "days",
    )
    assert_field_error(
        post(
            officer,
            f"{case.number}/extend",
            {"days": 11, "approver_id": world["head"].pk, "reason": "情况复杂"},
        ),
        400,
        "days",
    )
    assert_field_error(
        post(
            officer,
            f"{case.number}/extend",
            {"days": 3, "approver_id": world["officer2"].pk, "reason": "情况复杂"},
        ),
        400,
        "approver",
    )
    assert counts() == before
    day("2026-09-30")
    r = post(
        officer, f"{case.number}/pause", {"kind": "special", "reason": "需要现场勘查", "procedure": "survey"}
    )
    assert (r.status_code, r.json()["state"]) == (200, "paused")
    day("2026-10-09")
    r = post(officer, f"{case.number}/resume")
    assert (r.json()["state"], r.json()["paused_days"], r.json()["promised_due"]) == (
        "accepted",
        2,
        "2026-10-14",
    )
    assert r.json()["clock"][2].startswith("特别程序：2026-09-30 起 至 2026-10-09，计 2 个工作日")
    r = post(
        officer,
        f"{case.number}/extend",
        {"days": 3, "approver_id": world["head"].pk, "reason": "情况复杂需要会商"},
    )
    assert (r.json()["extension_days"], r.json()["promised_due"]) == (0, "2026-10-14")  # until approved
    request_id = r.json()["extension_requests"][0]["id"]
    r = post(as_user(world["head"]), f"{case.number}/extensions/{request_id}/decide", {"approve": True})
    assert (r.json()["extension_days"], r.json()["promised_due"]) == (3, "2026-10-19")


def test_step_bad_input_and_conflicts(world, day):
    officer = as_user(world["officer"])
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    before = counts()
    assert_field_error(post(officer, f"{case.number}/steps/0/complete", {"outcome": "maybe"}), 400, "outcome")
    assert_field_error(post(officer, f"{case.number}/steps/0/complete", {"outcome": "fail"}), 400, "comment")
    assert_field_error(post(officer, f"{case.number}/steps/0/complete", {}), 400, "outcome")
    assert_field_error(
        post(officer, f"{case.number}/conclude", {"result_code": "01"}), 409, ""
    ) if False else None
    r = post(officer, f"{case.number}/steps/1/complete", {"outcome": "pass"})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = post(officer, f"{case.number}/conclude", {})
    assert r.status_code == 409
    assert_field_error(
        post(as_user(world["head"]), f"{case.number}/steps/0/assign", {"assignee_id": world["clerk"].pk}),
        400,
        "assignee",
    )
    assert counts() == before


def test_wrong_department_is_403_and_people_cannot_use_the_back_office(world):
    case = submit(world)
    before = counts()
    for who in (world["outsider"], world["clerk"]):
        r = post(as_user(who), f"{case.number}/accept")
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.content
    r = post(as_user(world["citizen"]), f"{case.number}/accept")
    assert r.status_code == 403 and r.json()["message"] == "只有工作人员或部门业务系统可以进行此操作"
    assert as_user(world["citizen"]).get(URL + "queues").status_code == 403
    assert as_user(world["citizen"]).get(URL + "search?q=张").status_code == 403
    assert counts() == before


def test_staff_cannot_apply_as_applicants(world):
    """Found by the authorization matrix: any officer's session could submit an application
    through the API as if they were the applicant (the pages refuse staff)."""
    before = counts()
    for who in (world["clerk"], world["officer"], world["head"], world["outsider"]):
        r = post(as_user(who), "", submit_body(world))
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.content
        assert r.json()["message"] == "网上申报面向个人和企业用户；工作人员请使用办件工作台"
    assert counts() == before


def test_another_departments_step_is_403_whatever_state_the_case_is_in(world, day):
    """Found by the authorization matrix: signing off a step answered 409 ("not in that state")
    before checking who asked, telling any officer or department system of another department
    that the case exists and what state it is in."""
    case = submit(world)  # waiting for 预审: no step is active
    _, other_token = system_token(world["outsider"].department)
    before = counts()
    body = {"outcome": "pass", "comment": ""}
    r = post(as_user(world["outsider"]), f"{case.number}/steps/0/complete", body)
    assert r.status_code == 403 and r.json()["code"] == "forbidden", r.content
    r = post(Client(), f"{case.number}/steps/0/complete", body, **bearer(other_token))
    assert r.status_code == 403 and r.json()["code"] == "forbidden", r.content
    r = post(as_user(world["officer"]), f"{case.number}/steps/0/complete", body)
    assert r.status_code == 409 and r.json()["code"] == "conflict", r.content  # its own department
    assert counts() == before


def test_queues_and_search(world):
    a, b = submit(world), submit(world)
    services.do_accept(actor=world["officer"], number=b.number)
    officer = as_user(world["officer"])
    r = officer.get(URL + "queues")
    assert r.json() == [
        {"kind": "precheck", "name": "待预审", "count": 1},
        {"kind": "mine", "name": "我的待办", "count": 0},
        {"kind": "team", "name": "科室待办", "count": 1},
        {"kind": "due_soon", "name": "即将到期", "count": 0},
        {"kind": "overdue", "name": "已超期", "count": 0},
        {"kind": "paused", "name": "暂停计时", "count": 0},
    ]
    r = officer.get(URL + "queues/precheck")
    assert [c["number"] for c in r.json()["items"]] == [a.number] and r.json()["count"] == 1
    assert [c["number"] for c in officer.get(URL + "queues/team").json()["items"]] == [b.number]
    assert_field_error(officer.get(URL + "queues/everything"), 400, "kind")
    assert [c["number"] for c in officer.get(URL + f"search?q={a.number}").json()] == [a.number]
    assert [c["number"] for c in officer.get(URL + "search?q=张三").json()] == [b.number, a.number]
    assert [c["number"] for c in officer.get(URL + f"search?q={world['item'].code}").json()] == [
        b.number,
        a.number,
    ]
    assert as_user(world["outsider"]).get(URL + f"search?q={a.number}").json() == []
    assert_field_error(officer.get(URL + "search?q="), 400, "q")
    assert_field_error(officer.get(URL + "search?q=" + "x" * 61), 400, "q")


# --- authentication -------------------------------------------------------------------------


def test_anonymous_is_401(world):
    case = submit(world)
    for r in (Client().get(URL), Client().get(URL + case.number), post(Client(), f"{case.number}/accept")):
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_session_writes_need_the_csrf_token(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world["citizen"])
    before = counts()
    r = post(c, "", submit_body(world))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert counts() == before
    assert c.get(URL).status_code == 200  # safe methods need no token
    secret = "k" * 32  # a CSRF secret as the csrftoken cookie holds it
    c.cookies["csrftoken"] = secret
    r = post(c, "", submit_body(world), **{"X-CSRFToken": "x" * 32})
    assert r.status_code == 403 and counts() == before
    r = post(c, "", submit_body(world), **{"X-CSRFToken": secret})
    assert r.status_code == 201, r.content


# --- department systems ---------------------------------------------------------------------


def system_token(department, *, scopes=("api",)) -> tuple[str, str]:
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name=f"{department.name}审批系统",
        department_id=department.pk,
        allowed_scopes=scopes,
        grant_types=("client_credentials",),
    )
    client_id = registered.client.client_id
    basic = base64.b64encode(f"{client_id}:{registered.secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    assert r.json()["scope"] == " ".join(scopes)
    return client_id, r.json()["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def test_a_department_system_accepts_and_concludes_its_own_departments_case(world):
    client_id, token = system_token(world["dept"])
    label = f"system:client:{client_id}"
    system = Client(enforce_csrf_checks=True)  # bearer calls need no CSRF token
    case = submit(world)
    r = system.get(URL + case.number, headers=bearer(token))
    assert r.status_code == 200 and r.json()["number"] == case.number
    r = post(system, f"{case.number}/accept", **bearer(token))
    assert (r.status_code, r.json()["state"]) == (200, "accepted"), r.content
    for index in range(3):
        r = post(
            system,
            f"{case.number}/steps/{index}/complete",
            {"outcome": "pass", "comment": "系统审批通过"},
            **bearer(token),
        )
        assert r.status_code == 200, r.content
    r = post(system, f"{case.number}/conclude", {"result_code": "02"}, **bearer(token))
    assert (r.status_code, r.json()["state"], r.json()["result_code"]) == (200, "concluded", "02")
    assert [e["actor"] for e in r.json()["timeline"]][1:] == [label] * 6
    assert set(
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .exclude(action="cases.submit")
        .values_list("actor", flat=True)
    ) == {label}
    assert list(case.steps.values_list("completed_by", flat=True)) == [None, None, None]
    # the system is not a person: person endpoints and officer-only endpoints refuse it
    assert Client().get(URL, headers=bearer(token)).status_code == 401
    assert post(system, f"{case.number}/deliver", {}, **bearer(token)).status_code == 401


def test_a_department_system_is_refused_for_another_department(world):
    _, token = system_token(make_department(region="420200", name="黄石市市场监督管理局"))
    case = submit(world)
    before = counts()
    r = post(Client(), f"{case.number}/accept", **bearer(token))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert Client().get(URL + case.number, headers=bearer(token)).status_code == 404
    assert counts() == before


def test_bad_expired_person_or_scopeless_tokens_are_401(world):
    case = submit(world)
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name="审批系统",
        department_id=world["dept"].pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    no_department = account_clients.do_register_client(
        actor=SYSTEM,
        name="无部门系统",
        department_id=None,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    soon = timezone.now() + dt.timedelta(minutes=5)
    tokens = get_access_token_model().objects
    tokens.create(token="expired-1", application=registered.client, scope="api", expires=timezone.now())
    tokens.create(
        token="person-1", application=registered.client, scope="api", expires=soon, user=world["head"]
    )
    tokens.create(token="no-api-1", application=registered.client, scope="read", expires=soon)
    tokens.create(token="no-dept-1", application=no_department.client, scope="api", expires=soon)
    tokens.create(token="valid-1", application=registered.client, scope="api", expires=soon)
    before = counts()
    for token in ("forged", "x" * 300, "expired-1", "person-1", "no-api-1", "no-dept-1"):
        r = post(Client(), f"{case.number}/accept", **bearer(token))
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized"), token
    assert counts() == before
    assert post(Client(), f"{case.number}/accept", **bearer("valid-1")).status_code == 200


# --- idempotency ----------------------------------------------------------------------------


def test_a_retried_submission_with_the_same_key_creates_one_case(world):
    c = as_user(world["citizen"])
    first = post(c, "", submit_body(world), **{"Idempotency-Key": "submit-1"})
    again = post(c, "", submit_body(world), **{"Idempotency-Key": "submit-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    assert post(c, "", submit_body(world), **{"Idempotency-Key": "submit-2"}).status_code == 201
    assert Case.objects.count() == 2


def test_retried_writes_with_the_same_key_act_once(world):
    case = submit(world)
    officer = as_user(world["officer"])
    key = {"Idempotency-Key": "accept-7f3a"}
    first = post(officer, f"{case.number}/accept", **key)
    again = post(officer, f"{case.number}/accept", **key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert actions(case) == ["submit", "accept"]
    # a write whose service has no key of its own is made idempotent by the API
    key = {"Idempotency-Key": "pause-1"}
    body = {"kind": "special", "reason": "需要现场勘查", "procedure": "survey"}
    assert post(officer, f"{case.number}/pause", body, **key).status_code == 200
    assert post(officer, f"{case.number}/pause", body, **key).status_code == 200
    assert actions(case) == ["submit", "accept", "pause"]
    assert post(officer, f"{case.number}/pause", body, **{"Idempotency-Key": "pause-2"}).status_code == 409
    # the same key for another action (or another body) is a conflict, a key too long a field error
    r = post(officer, f"{case.number}/resume", **key)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_mismatch"
    r = post(officer, f"{case.number}/pause", body | {"reason": "另一个理由"}, **key)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "Idempotency-Key"
    before = counts()
    assert_field_error(
        post(officer, f"{case.number}/resume", **{"Idempotency-Key": "k" * 81}), 400, "Idempotency-Key"
    )
    assert counts() == before
    # one store of API keys (core.idempotency), none in the cases' own table
    assert (IdempotentRequest.objects.count(), IdempotencyKey.objects.count()) == (2, 0)


def test_too_large_requests_and_files_change_nothing(world, settings):
    c = as_user(world["citizen"])
    before = counts()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    padded = [m | {"content_base64": b64(PDF + b"0" * 2000)} for m in json_materials(world)]
    r = post(c, "", submit_body(world, materials=padded))
    assert (r.status_code, r.json().get("code")) == (413, "too_large"), r.content
    m = world["materials"][0]
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * services.MAX_FILE_BYTES, "application/pdf")
    r = c.post(URL, {"item_code": world["item"].code, "data": json.dumps(FORM), f"material_{m.pk}": big})
    assert_field_error(r, 400, f"material_{m.pk}")
    assert counts() == before
