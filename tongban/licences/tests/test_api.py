"""The licence API: agency queries (annotated copies) within grants, issuing by a department
system, verification; every role against every type; refusals logged; errors name the field."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tongban.accounts import clients as account_clients
from tongban.accounts.enums import StaffRole

from .. import queries, services
from ..models import Licence, LicenceUsage
from .conftest import (
    BUSINESS_FACE,
    CODES,
    COMPANY,
    MARRIAGE_FACE,
    PERSON_ID,
    SYSTEM,
    issue_business,
    issue_food,
    issue_marriage,
    staff,
)

pytestmark = pytest.mark.usefixtures("regions_loaded")

URL = "/api/v1/licences"


def system_token(department, *, scopes=("api",)) -> tuple[str, str]:
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name=f"{department.name}业务系统",
        department_id=department.pk,
        allowed_scopes=scopes,
        grant_types=("client_credentials",),
    )
    client_id = registered.client.client_id
    basic = base64.b64encode(f"{client_id}:{registered.secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    return client_id, r.json()["access_token"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Bearer " + token}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: dict, **extra):
    return client.post(URL + path, json.dumps(body), content_type="application/json", **extra)


def query_body(type_name="营业执照", holder=COMPANY, **kw) -> dict:
    return {"holder_code": holder, "type_code": CODES[type_name], "purpose": "企业开办核验", **kw}


def grant(world, type_name="营业执照", dept="jianghan", **kw):
    return services.do_grant_use(
        actor=world["platform"], type_code=CODES[type_name], department=world[dept].pk, basis="业务范围", **kw
    )


def test_a_department_system_queries_a_granted_type_and_gets_an_annotated_copy(world):
    business = issue_business(world)
    client_id, token = system_token(world["jianghan"])
    r = post(Client(), "/query", query_body(case_number="420103-1"), **bearer(token))
    assert r.status_code == 403 and r.json()["reason"] == "no_scope"
    grant(world)
    r = post(Client(enforce_csrf_checks=True), "/query", query_body(case_number="420103-1"), **bearer(token))
    assert r.status_code == 200, r.content
    body = r.json()
    (licence,) = body["licences"]
    assert licence["identifier"] == business.identifier and licence["face"] == BUSINESS_FACE
    note = body["annotation"]
    assert note["purpose"] == "企业开办核验" and note["case_number"] == "420103-1"
    assert note["requester"] == f"system:client:{client_id}" and note["department_id"] == world["jianghan"].pk
    assert "企业开办核验" in note["text"] and "他用无效" in note["text"] and len(body["digest"]) == 64
    rows = list(
        LicenceUsage.objects.order_by("pk").values("outcome", "reason_code", "client_id", "copy_expires_at")
    )
    assert [(r["outcome"], r["reason_code"], r["client_id"]) for r in rows] == [
        ("refused", "no_scope", client_id),
        ("supplied", "", client_id),
    ]
    assert rows[1]["copy_expires_at"] is not None


def test_a_client_grant_covers_that_client_only(world):
    issue_business(world)
    client_a, token_a = system_token(world["jianghan"])
    _, token_b = system_token(world["jianghan"])
    services.do_grant_use(
        actor=world["platform"], type_code=CODES["营业执照"], client_id=client_a, basis="对接"
    )
    assert post(Client(), "/query", query_body(), **bearer(token_a)).status_code == 200
    assert post(Client(), "/query", query_body(), **bearer(token_b)).status_code == 403


ROLES = [role.value for role in StaffRole]
ALLOWED_ROLES = {"window_clerk", "approving_officer", "department_admin", "inspector"}


def test_scope_over_every_agency_role_and_licence_type(world):
    """Every staff role of the agency × every standard type, granted or not: only a querying role
    on a granted type gets an answer; every other pair is refused and logged."""
    issue_business(world)
    issue_food(world)
    issue_marriage(world)
    granted = {"营业执照", "结婚证"}
    for name in granted:
        grant(world, name)
    holders = {
        name: PERSON_ID if queries.get_licence_type(code).holder_kind == "person" else COMPANY
        for name, code in CODES.items()
    }
    tried = 0
    for role in ROLES:
        user = staff(f"agency-{role}", role, dept=world["jianghan"])
        client = as_user(user)
        for name in CODES:
            before = LicenceUsage.objects.count()
            r = post(client, "/query", query_body(name, holder=holders[name]))
            ok = role in ALLOWED_ROLES and name in granted
            if ok:
                assert r.status_code == 200, (role, name, r.content)
                assert len(r.json()["licences"]) == 1
            else:
                expected = "no_role" if role not in ALLOWED_ROLES else "no_scope"
                assert (r.status_code, r.json().get("reason")) == (403, expected), (role, name, r.content)
                assert r.json()["code"] == "forbidden"
            row = LicenceUsage.objects.order_by("-pk").first()
            assert LicenceUsage.objects.count() == before + 1
            assert row.outcome == ("supplied" if ok else "refused") and row.user_id == user.pk
            tried += 1
    assert tried == len(ROLES) * len(CODES)


def test_a_granted_role_of_another_department_is_refused(world):
    issue_business(world)
    grant(world)  # to 江汉 only
    r = post(as_user(world["clerk"]), "/query", query_body())  # a 江夏 clerk
    assert (r.status_code, r.json()["reason"]) == (403, "no_scope")


def test_personal_fields_are_masked_in_the_copy(world):
    issue_marriage(world)
    grant(world, "结婚证")
    r = post(as_user(world["jianghan_officer"]), "/query", query_body("结婚证", holder=PERSON_ID))
    (licence,) = r.json()["licences"]
    assert licence["face"]["spouse_id_number"] == "***" and "spouse_id_number" in licence["masked_fields"]
    assert PERSON_ID not in r.content.decode() and MARRIAGE_FACE["spouse_id_number"] not in r.content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": ""}, "purpose"),
        ({"purpose": None}, "purpose"),
        ({"holder_code": "1234"}, "holder_code"),
        ({"type_code": "X"}, "type_code"),
        ({"case_number": "a b"}, "case_number"),
    ],
)
def test_bad_queries_name_the_field(world, body, field):
    grant(world)
    r = post(as_user(world["jianghan_officer"]), "/query", query_body() | body)
    assert r.status_code == 400, r.content
    assert r.json()["errors"][0]["field"] == field


def test_missing_purpose_is_refused_and_logged(world):
    grant(world)
    r = post(as_user(world["jianghan_officer"]), "/query", query_body(purpose="  "))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    row = LicenceUsage.objects.get()
    assert (row.outcome, row.reason_code) == ("refused", "no_purpose")


def test_anonymous_and_bad_tokens_get_401(world):
    assert post(Client(), "/query", query_body()).status_code == 401
    r = post(Client(), "/query", query_body(), HTTP_AUTHORIZATION="Bearer nope")
    assert r.status_code == 401


def test_a_department_system_issues_its_own_departments_types_only(world):
    _, token = system_token(world["jiangxia"])
    body = {
        "type_code": CODES["营业执照"],
        "holder_name": "武汉鑫达恒通商贸有限公司",
        "holder_code": COMPANY,
        "face": BUSINESS_FACE,
        "case_number": "420115-2026-9",
    }
    r = post(Client(enforce_csrf_checks=True), "", body, **bearer(token))
    assert r.status_code == 201, r.content
    licence = Licence.objects.get(identifier=r.json()["identifier"])
    assert licence.issuer_id == world["jiangxia"].pk and licence.issued_by.startswith("system:client:")
    assert services.verify(licence).valid
    _, forestry_token = system_token(world["forestry"])
    r = post(Client(), "", body, **bearer(forestry_token))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "issuer"
    r = post(Client(), "", body | {"face": {**BUSINESS_FACE, "established_on": "yesterday"}}, **bearer(token))
    assert r.status_code == 400 and r.json()["errors"][0]["field"].startswith("face")
    r = post(Client(), "", {"type_code": CODES["营业执照"]}, **bearer(token))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "holder_name"
    assert Licence.objects.count() == 1


def test_verify_is_logged_and_reports_reasons(world):
    business = issue_business(world)
    client = as_user(world["jianghan_officer"])
    r = client.get(f"{URL}/{business.identifier}/verify")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["reasons"] == []
    services.do_revoke_licence(actor=world["officer"], identifier=business.identifier, reason="注销")
    r = client.get(f"{URL}/{business.identifier}/verify")
    assert r.json()["valid"] is False and [x["code"] for x in r.json()["reasons"]] == ["revoked"]
    r = client.get(f"{URL}/1.2.3/verify")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "identifier"
    # A malformed identifier is refused by the API schema (its pattern): it names no licence, no use.
    outcomes = list(LicenceUsage.objects.order_by("pk").values_list("action", "outcome"))
    assert outcomes == [("verify", "supplied"), ("verify", "invalid")]
