"""The gateway over HTTP: POST /exchange/v1/services/<code>/query and /batch with a real
client_credentials token from /o/token/; token refusals (forged, foreign), JSON errors never 500,
every call logged."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tongban.accounts import clients as account_clients

from ..models import CallLog
from . import gateway_support
from .gateway_support import PERSON_ID, SYSTEM, bearer, log_rows, make_grant

# The world's fixtures (gateway_support.py, not a shared conftest).
world = gateway_support.world

pytestmark = pytest.mark.django_db

URL = "/exchange/v1/services/{}/query"
BATCH = "/exchange/v1/services/{}/batch"
VERIFY = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}


def post(url: str, body, token: str | None = None, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    headers = bearer(token) if token else {}
    return Client().post(url, data, content_type="application/json", **headers, **extra)


def test_query_answers_with_a_client_credentials_token(world):
    make_grant(world.verify, world.consumer, world.client_id)
    r = post(URL.format("RK-002"), VERIFY, world.token)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body == {"code": "RK-002", "version": 1, "fields": {"match": True}, "call_id": body["call_id"]}
    assert log_rows() == [("RK-002", world.client_id, "ok", "", ["match"])]


def test_forged_token(world):
    make_grant(world.verify, world.consumer, world.client_id)
    for headers in ({"HTTP_AUTHORIZATION": "Bearer forged-token"}, {}, {"HTTP_AUTHORIZATION": "Basic abc"}):
        r = Client().post(
            URL.format("RK-002"), json.dumps(VERIFY), content_type="application/json", **headers
        )
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "TOKEN_INVALID"
        assert r["WWW-Authenticate"].startswith("Bearer")
    assert log_rows() == [("RK-002", "", "refused", "TOKEN_INVALID", [])] * 3


def test_foreign_token_of_a_system_of_no_department(world):
    # A live token this platform issued, but not to a department system: the gateway refuses it.
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name="无归属部门的系统",
        department_id=None,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    basic = base64.b64encode(f"{registered.client.client_id}:{registered.secret}".encode()).decode()
    t = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert t.status_code == 200, t.content
    r = post(URL.format("RK-002"), VERIFY, t.json()["access_token"])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "TOKEN_FOREIGN"
    assert log_rows() == [("RK-002", registered.client.client_id, "refused", "TOKEN_FOREIGN", [])]


def test_token_of_a_system_without_grant(world):
    r = post(URL.format("RK-002"), VERIFY, world.token)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "GRANT_MISSING")


@pytest.mark.parametrize(
    ("body", "field"),
    [("{not json", "body"), ("[1, 2]", "body"), ('"text"', "body"), (b"\xff\xfe", "body")],
)
def test_malformed_bodies_are_400_never_500(world, body, field):
    make_grant(world.verify, world.consumer, world.client_id)
    r = post(URL.format("RK-002"), body, world.token)
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "QUERY_MALFORMED",
        "message": r.json()["error"]["message"],
        "field": field,
    }
    assert log_rows() == [("RK-002", world.client_id, "refused", "QUERY_MALFORMED", [])]


def test_get_is_not_allowed(world):
    r = Client().get(URL.format("RK-002"), **bearer(world.token))
    assert r.status_code == 405
    assert CallLog.objects.count() == 0


def test_unknown_service_over_http(world):
    r = post(URL.format("XX-404"), VERIFY, world.token)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "SERVICE_UNKNOWN")


def test_rate_exceeded_has_retry_after(world):
    make_grant(world.verify, world.consumer, world.client_id, rate_limit="1/m")
    assert post(URL.format("RK-002"), VERIFY, world.token).status_code == 200
    r = post(URL.format("RK-002"), VERIFY, world.token)
    assert (r.status_code, r.json()["error"]["code"]) == (429, "RATE_EXCEEDED")
    assert 0 < int(r["Retry-After"]) <= 60


def test_batch_answers_each_query_and_logs_each(world):
    make_grant(world.verify, world.consumer, world.client_id)
    bad = PERSON_ID[:17] + ("0" if PERSON_ID[17] != "0" else "1")
    body = {
        "purpose": "verification",
        "queries": [
            {"subject": PERSON_ID, "params": {"name": "王芳"}},
            {"subject": PERSON_ID, "params": {"name": "李四"}},
            {"subject": bad, "params": {"name": "王芳"}},
        ],
    }
    r = post(BATCH.format("RK-002"), body, world.token)
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert [x.get("fields") for x in results] == [{"match": True}, {"match": False}, None]
    assert results[2]["error"]["code"] == "SUBJECT_INVALID"
    assert [x["call_id"] for x in results] == list(
        CallLog.objects.order_by("id").values_list("id", flat=True)
    )
    assert [row[2:4] for row in log_rows()] == [("ok", ""), ("ok", ""), ("refused", "SUBJECT_INVALID")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "verification"}, "queries"),
        ({"purpose": "verification", "queries": [1]}, "queries"),
        ("[]", "body"),
    ],
)
def test_batch_malformed(world, body, field, settings):
    make_grant(world.verify, world.consumer, world.client_id)
    r = post(BATCH.format("RK-002"), body, world.token)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (
        400,
        "QUERY_MALFORMED",
        field,
    )
    assert log_rows() == [("RK-002", world.client_id, "refused", "QUERY_MALFORMED", [])]


def test_batch_too_large(world, settings):
    settings.EXCHANGE_BATCH_MAX = 2
    make_grant(world.verify, world.consumer, world.client_id)
    body = {"purpose": "verification", "queries": [{"subject": PERSON_ID, "params": {"name": "王芳"}}] * 3}
    r = post(BATCH.format("RK-002"), body, world.token)
    assert (r.status_code, r.json()["error"]["field"]) == (400, "queries")
    assert CallLog.objects.count() == 1


def test_batch_reads_the_register_once_and_answers_each(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .gateway_support import OTHER_ID

    make_grant(world.verify, world.consumer, world.client_id)
    make_grant(world.person, world.consumer, world.client_id, fields=["name", "birth_date"])
    post(URL.format("RK-002"), VERIFY, world.token)  # the token, grant and service are now remembered
    post(URL.format("RK-001"), {"purpose": "verification", "subject": PERSON_ID}, world.token)
    body = {
        "purpose": "verification",
        "queries": [
            {"subject": PERSON_ID, "params": {"name": "王芳"}},
            {"subject": OTHER_ID, "params": {"name": "王芳"}},
            {"subject": PERSON_ID},
        ]
        * 10,
    }
    with CaptureQueriesContext(connection) as ctx:
        r = post(BATCH.format("RK-002"), body, world.token)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert sum("accounts_populationrecord" in sql for sql in statements) == 1  # one lookup for 30
    assert sum("INSERT INTO" in sql and "exchange_calllog" in sql for sql in statements) == 1  # 30 rows
    results = r.json()["results"]
    assert [x.get("fields") for x in results[:3]] == [{"match": True}, {"match": False}, None]
    assert results[2]["error"]["field"] == "params.name"
    assert len(results) == 30
    assert CallLog.objects.count() == 2 + 30
    r = post(
        BATCH.format("RK-001"),
        {
            "purpose": "verification",
            "fields": ["birth_date"],
            "queries": [{"subject": OTHER_ID}, {"subject": PERSON_ID}],
        },
        world.token,
    )
    results = r.json()["results"]
    assert results[0]["error"]["code"] == "SUBJECT_NOT_FOUND"
    assert results[1]["fields"] == {"birth_date": "1990-05-17"}
    assert [row[2:5] for row in log_rows()[-2:]] == [
        ("ok", "SUBJECT_NOT_FOUND", []),
        ("ok", "", ["birth_date"]),
    ]


def test_expired_token_is_invalid(world):
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    make_grant(world.verify, world.consumer, world.client_id)
    get_access_token_model().objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    r = post(URL.format("RK-002"), VERIFY, world.token)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "TOKEN_INVALID")
    assert log_rows() == [("RK-002", "", "refused", "TOKEN_INVALID", [])]
