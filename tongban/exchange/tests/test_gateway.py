"""gateway.call in process: answers projected to granted ∩ requested fields, every refusal with
its stable code (and a log row, and nothing else changed), the check order, the grant cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.crypto import blind_index

from .. import calllog, gateway
from ..errors import CODES, GatewayRefusal
from ..models import CallLog, Grant, Mount, Resource
from . import gateway_support
from .gateway_support import COMPANY, OTHER_ID, PERSON_ID, log_rows, make_grant

# The world's fixtures (gateway_support.py, not a shared conftest).
world = gateway_support.world

pytestmark = pytest.mark.django_db


def refused(w, code: str, query: dict, *, caller=None) -> GatewayRefusal:
    with pytest.raises(GatewayRefusal) as info:
        gateway.call(caller or w.caller, code, query)
    return info.value


def state() -> dict:
    """Everything a refusal must leave as it was (besides the one new log row)."""
    return {
        "grants": sorted(Grant.objects.values_list("pk", "state", "fields", "purpose_codes")),
        "resources": sorted(Resource.objects.values_list("pk", "code", "version", "state")),
        "mounts": sorted(Mount.objects.values_list("code", "state")),
    }


def test_verify_answers_match_and_logs_the_call(world):
    make_grant(world.verify, world.consumer, world.client_id)
    answer = gateway.call(
        world.caller, "RK-002", {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    )
    assert answer.as_dict() == {
        "code": "RK-002",
        "version": 1,
        "fields": {"match": True},
        "call_id": answer.call_id,
    }
    wrong = gateway.call(
        world.caller, "RK-002", {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芬"}}
    )
    assert wrong.fields == {"match": False}
    unknown = gateway.call(
        world.caller, "RK-002", {"purpose": "verification", "subject": OTHER_ID, "params": {"name": "王芳"}}
    )
    assert unknown.fields == {"match": False}
    row = CallLog.objects.get(pk=answer.call_id)
    assert (row.service_code, row.client_id, row.department_id, row.purpose, row.outcome, row.error_code) == (
        "RK-002",
        world.client_id,
        world.consumer.pk,
        "verification",
        "ok",
        "",
    )
    assert row.fields == ["match"]
    assert row.subject_index == blind_index(PERSON_ID, purpose="id")
    assert row.subject_masked == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert row.latency_ms > 0
    # No plain identifier anywhere in the row.
    assert PERSON_ID not in str(CallLog.objects.filter(pk=row.pk).values().first())


def test_projection_to_granted_and_requested_fields(world):
    make_grant(world.person, world.consumer, world.client_id, fields=["name", "birth_date"])
    q = {"purpose": "verification", "subject": PERSON_ID}
    assert gateway.call(world.caller, "RK-001", q).fields == {"name": "王芳", "birth_date": "1990-05-17"}
    answer = gateway.call(world.caller, "RK-001", q | {"fields": ["birth_date"]})
    assert answer.fields == {"birth_date": "1990-05-17"}
    assert CallLog.objects.get(pk=answer.call_id).fields == ["birth_date"]


def test_legal_person_entity(world):
    make_grant(world.entity, world.consumer, world.client_id)
    answer = gateway.call(world.caller, "FR-001", {"purpose": "verification", "subject": COMPANY.lower()})
    assert answer.fields == {
        "name": "武汉江夏示范食品有限公司",
        "kind": "enterprise",
        "legal_rep_name": "王芳",
        "region_code": COMPANY[2:8],
        "established": "2019-03-01",
        "status": "存续",
    }
    assert CallLog.objects.get(pk=answer.call_id).subject_index == blind_index(COMPANY, purpose="credit")


def test_subject_not_found_is_logged_as_answered_without_fields(world):
    make_grant(world.person, world.consumer, world.client_id)
    r = refused(world, "RK-001", {"purpose": "verification", "subject": OTHER_ID})
    assert (r.code, r.status) == ("SUBJECT_NOT_FOUND", 404)
    assert log_rows() == [("RK-001", world.client_id, "ok", "SUBJECT_NOT_FOUND", [])]


@pytest.mark.parametrize(
    ("setup", "query", "code", "status", "field"),
    [
        ("none", {}, "GRANT_MISSING", 403, ""),
        ("suspended", {}, "GRANT_SUSPENDED", 403, ""),
        ("revoked", {}, "GRANT_REVOKED", 403, ""),
        ("expired_state", {}, "GRANT_EXPIRED", 403, ""),
        ("expired_date", {}, "GRANT_EXPIRED", 403, ""),
        ("narrow", {"fields": ["name", "sex"]}, "FIELD_NOT_GRANTED", 403, "fields"),
        ("active", {"fields": ["name", "salary"]}, "FIELD_UNKNOWN", 400, "fields"),
        ("active", {"purpose": "statistics"}, "PURPOSE_NOT_GRANTED", 403, "purpose"),
        ("active", {"purpose": ""}, "QUERY_MALFORMED", 400, "purpose"),
        ("active", {"fields": "name"}, "QUERY_MALFORMED", 400, "fields"),
        ("active", {"params": [1]}, "QUERY_MALFORMED", 400, "params"),
        ("active", {"extra": 1}, "QUERY_MALFORMED", 400, "extra"),
        (
            "active",
            {"subject": PERSON_ID[:17] + ("0" if PERSON_ID[17] != "0" else "1")},
            "SUBJECT_INVALID",
            400,
            "subject",
        ),
        ("active", {"subject": COMPANY}, "SUBJECT_INVALID", 400, "subject"),
        ("active", {"subject": ""}, "SUBJECT_INVALID", 400, "subject"),
    ],
)
def test_every_refusal_has_its_code_a_log_row_and_changes_nothing(world, setup, query, code, status, field):
    today = timezone.localdate()
    if setup != "none":
        make_grant(
            world.person,
            world.consumer,
            world.client_id,
            fields=["name"] if setup == "narrow" else None,
            state={"suspended": "suspended", "revoked": "revoked", "expired_state": "expired"}.get(
                setup, "active"
            ),
            expires_on=today - dt.timedelta(days=1) if setup == "expired_date" else None,
        )
    before = state()
    r = refused(world, "RK-001", {"purpose": "verification", "subject": PERSON_ID} | query)
    assert (r.code, r.status, r.field) == (code, status, field)
    assert r.status == CODES[code].status
    assert r.call_id is not None
    assert r.as_dict()["error"]["code"] == code
    assert log_rows() == [("RK-001", world.client_id, "refused", code, [])]
    assert state() == before


def test_unknown_and_unmounted_services(world):
    make_grant(world.person, world.consumer, world.client_id)
    assert (
        refused(world, "RK-999", {"purpose": "verification", "subject": PERSON_ID}).code == "SERVICE_UNKNOWN"
    )
    Mount.objects.filter(code="RK-001").update(state="suspended")
    gateway.forget()
    r = refused(world, "RK-001", {"purpose": "verification", "subject": PERSON_ID})
    assert (r.code, r.status) == ("SERVICE_UNAVAILABLE", 503)
    assert [row[2:4] for row in log_rows()] == [
        ("refused", "SERVICE_UNKNOWN"),
        ("failed", "SERVICE_UNAVAILABLE"),
    ]


def test_another_departments_grant_is_no_grant(world):
    make_grant(world.person, world.provider, world.client_id)
    assert refused(world, "RK-001", {"purpose": "verification", "subject": PERSON_ID}).code == "GRANT_MISSING"


def test_check_order_grant_before_fields_before_purpose_before_rate_before_expiry(world):
    today = timezone.localdate()
    make_grant(
        world.person,
        world.consumer,
        world.client_id,
        fields=["name"],
        rate_limit="1/m",
        expires_on=today - dt.timedelta(days=1),
    )
    bad = {"purpose": "statistics", "subject": PERSON_ID, "fields": ["sex"]}
    assert refused(world, "RK-001", bad).code == "FIELD_NOT_GRANTED"
    assert refused(world, "RK-001", bad | {"fields": ["name"]}).code == "PURPOSE_NOT_GRANTED"
    ok_purpose = {"purpose": "verification", "subject": PERSON_ID}
    assert refused(world, "RK-001", ok_purpose).code == "GRANT_EXPIRED"  # the rate's one hit is used here
    assert refused(world, "RK-001", ok_purpose).code == "RATE_EXCEEDED"


def test_rate_limit_per_grant(world):
    make_grant(world.verify, world.consumer, world.client_id, rate_limit="3/m")
    q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    for _ in range(3):
        gateway.call(world.caller, "RK-002", q)
    r = refused(world, "RK-002", q)
    assert (r.code, r.status) == ("RATE_EXCEEDED", 429)
    assert 0 < r.retry_after <= 60
    assert [row[2:4] for row in log_rows()] == [("ok", "")] * 3 + [("refused", "RATE_EXCEEDED")]


def test_bad_param_names_it(world):
    make_grant(world.verify, world.consumer, world.client_id)
    r = refused(world, "RK-002", {"purpose": "verification", "subject": PERSON_ID})
    assert (r.code, r.field) == ("QUERY_MALFORMED", "params.name")


def test_suspension_is_honoured_at_once_in_this_process(world):
    grant = make_grant(world.verify, world.consumer, world.client_id)
    q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    gateway.call(world.caller, "RK-002", q)
    grant.state = "suspended"
    grant.save()
    assert refused(world, "RK-002", q).code == "GRANT_SUSPENDED"


def test_cached_grant_expires_after_the_ttl(world, monkeypatch):
    grant = make_grant(world.verify, world.consumer, world.client_id)
    q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    gateway.call(world.caller, "RK-002", q)
    Grant.objects.filter(pk=grant.pk).update(state="revoked")  # another worker: no signal here
    gateway.call(world.caller, "RK-002", q)  # still cached
    clock = gateway.time.monotonic() + gateway.MAX_CACHE_SECONDS + 0.1
    monkeypatch.setattr(gateway.time, "monotonic", lambda: clock)
    assert refused(world, "RK-002", q).code == "GRANT_REVOKED"


def test_log_chain_seals_and_verifies_and_catches_an_edit(world):
    make_grant(world.verify, world.consumer, world.client_id)
    q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    ids = [gateway.call(world.caller, "RK-002", q).call_id for _ in range(5)]
    refused(world, "RK-002", q | {"purpose": "statistics"})
    while calllog.seal():
        pass
    report = calllog.verify()
    assert (report.ok, report.checked, report.unsealed) == (True, 6, 0)
    CallLog.objects.filter(pk=ids[2]).update(purpose="statistics")
    report = calllog.verify()
    assert (report.ok, report.broken_seal, report.checked) == (False, 1, 0)
    assert report.broken_at <= ids[2] <= report.broken_last
    assert "内容被修改" in report.reason


def test_log_chain_catches_a_deleted_row(world):
    make_grant(world.verify, world.consumer, world.client_id)
    q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
    ids = [gateway.call(world.caller, "RK-002", q).call_id for _ in range(4)]
    calllog.seal()
    CallLog.objects.filter(pk=ids[1]).delete()
    report = calllog.verify()
    assert (report.ok, report.broken_seal, report.checked) == (False, 1, 0)
    assert report.broken_at <= ids[1] <= report.broken_last
    assert "记录被删除" in report.reason
