"""Requests and grants as the gateway enforces them, end to end over HTTP with a real
client_credentials token: no grant while a request waits or is escalated (silence never
approves), the approved (narrowed) fields only, suspension, resumption and revocation seen at
once (the `grant_changed` signal drops the gateway's cached grant). Runs once the gateway
(`exchange/gateway.py`, another helper's module) is present."""

from __future__ import annotations

import base64
import datetime as dt
import random

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts import clients as account_clients
from tongban.accounts import services as account_services
from tongban.core.identifiers import make_credit_code, make_resident_id

from .. import grants
from ..enums import ShareType
from ..testing import SYSTEM, make_resource
from .test_grants import data, day, world  # noqa: F401  (fixtures)

gateway = pytest.importorskip("tongban.exchange.gateway")

PERSON_ID = make_resident_id(
    random.Random("grants:person"), region="420102", born=dt.date(1990, 5, 17), sex="F"
)
COMPANY = make_credit_code(random.Random("grants:company"), region="420115", kind="91")
ENTITY_FIELDS = [
    {"key": k, "name": k, "type": "C", "length": 200, "sensitivity": "public"}
    for k in ("name", "kind", "legal_rep_name", "region_code", "established", "status")
]


@pytest.fixture
def system(world, day):  # noqa: F811
    """The requester's system with a token from /o/token/, 法人库 mounted as FR-101, a company."""
    day(timezone.localdate().isoformat())  # the gateway's expiry check reads the real date
    gateway.forget()
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name="江汉食品经营许可系统",
        department_id=world.requester.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    basic = base64.b64encode(f"{registered.client.client_id}:{registered.secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉江夏示范食品有限公司",
        kind="enterprise",
        legal_rep_name="王芳",
        legal_rep_id_number=PERSON_ID,
        established=dt.date(2019, 3, 1),
    )
    make_resource(
        world.provider,
        code="FR-101",
        name="法人基础信息查询",
        fields=ENTITY_FIELDS,
        mount_target="legal_person.entity",
        share_type=ShareType.CONDITIONAL,
    )
    yield registered.client.client_id, r.json()["access_token"]
    gateway.forget()


def query(token: str, fields=("name", "legal_rep_name")):
    return Client().post(
        "/exchange/v1/services/FR-101/query",
        {"purpose": "licensing", "case_number": "JH-2026-0001", "subject": COMPANY, "fields": list(fields)},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token,
    )


def error(r) -> str:
    return r.json()["error"]["code"]


def test_the_gateway_enforces_what_the_provider_decided(world, system, django_capture_on_commit_callbacks):  # noqa: F811
    client_id, token = system
    on = grants.today()
    valid_until = (on + dt.timedelta(days=200)).isoformat()
    req = grants.do_submit_request(
        actor=world.req_admin,
        data=data(
            world,
            code="FR-101",
            client_id=client_id,
            fields=["name", "legal_rep_name", "status"],
            valid_until=valid_until,
        ),
    )
    assert error(query(token)) == "GRANT_MISSING"
    # Silence past the deadline escalates; the gateway still finds no grant.
    grants.tick(on=req.due_on + dt.timedelta(days=1))
    assert error(query(token)) == "GRANT_MISSING"

    with django_capture_on_commit_callbacks(execute=True):
        grant = grants.do_approve_request(
            actor=world.prov_admin, pk=req.pk, fields=["name", "status"], rate_limit="100/m"
        )
    r = query(token, fields=["name"])
    assert r.status_code == 200, r.content
    assert r.json()["fields"] == {"name": "武汉江夏示范食品有限公司"}
    # legal_rep_name was asked for but narrowed away by the provider.
    assert error(query(token, fields=["name", "legal_rep_name"])) == "FIELD_NOT_GRANTED"

    with django_capture_on_commit_callbacks(execute=True):
        grants.do_suspend_grant(actor=world.prov_admin, pk=grant.pk, reason="核查")
    assert error(query(token, fields=["name"])) == "GRANT_SUSPENDED"
    with django_capture_on_commit_callbacks(execute=True):
        grants.do_resume_grant(actor=world.prov_admin, pk=grant.pk)
    assert query(token, fields=["name"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        grants.do_revoke_grant(actor=world.prov_admin, pk=grant.pk, reason="超范围使用")
    assert error(query(token, fields=["name"])) == "GRANT_REVOKED"
