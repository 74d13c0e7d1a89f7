"""A bounded schemathesis run over every operation of /api/v1/ (the OpenAPI document the API
publishes), as a citizen, an officer (sessions with the CSRF token) and a department system
(client-credentials token): no 5xx, every answer conforms to its documented schema, and no request
the schema calls valid is refused with 400 (the schemas state the real constraints).

Bounded and reproducible: a few derandomised examples per operation and caller, no shrinking."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tongban.accounts import services as account_services
from tongban.accounts.testing import system_token
from tongban.cases import clock as case_clock
from tongban.cases import services as case_services
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
from tongban.core import services as core_services
from tongban.wsgi import application

EXAMPLES = 3
# No NUL bytes in generated strings: the API refuses them everywhere (core.inputs; tested with
# exact answers in the apps' test_bad_input and tongban/tests/test_url_walk.py), a rule no
# per-field JSON schema states.
CONFIG = schemathesis.Config.from_dict({"generation": {"allow-x00": False}})
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.positive_data_acceptance]
ON_A_REAL_CASE = [checks.not_a_server_error, checks.response_schema_conformance]
# Operations whose inputs carry check characters (GB 11643 ID numbers, GB 32100 credit codes,
# ISO 7064 licence identifiers) or name rows that must exist (a licence type): JSON Schema states
# their shape (patterns) but cannot state a checksum or a registry, so a schema-valid request can
# rightly be refused with 400 naming the field. They keep every other check.
SHAPE_ONLY = {
    "POST /api/v1/licences/query",
    "POST /api/v1/licences",
    "GET /api/v1/licences/{identifier}/verify",
    # insight: a period reversed or over 10 years, a region or department that does not exist.
    "GET /api/v1/insight/indicators",
    "GET /api/v1/insight/series",
    "GET /api/v1/insight/breakdown",
    "GET /api/v1/insight/volumes",
}
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _session_headers(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    secret = "k" * 32  # a CSRF secret as the csrftoken cookie holds it
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}"
    return {"Cookie": cookie, "X-CSRFToken": secret}


def _system_headers(department) -> dict[str, str]:
    return {"Authorization": "Bearer " + system_token(department)}


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django closes old database connections when a request starts and finishes; the test's
    connection (and its transaction) must outlive the app's requests, as Django's test client
    arranges for its own requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def callers(db, regions_loaded, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(case_clock, "today", lambda: dt.date(2026, 9, 29))  # deadlines within 2026
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    dept = make_department(region="420100", name="武汉市市场监督管理局")
    officer = account_services.do_upsert_staff(
        actor=SYSTEM, username="fuzz-officer", password="a-long-test-password", display_name="审批人员",
        roles=["approving_officer"], department_id=dept.pk,
    )  # fmt: skip
    citizen = account_services.do_register_person(
        actor=SYSTEM, mobile="13900008888", password="Str0ng-pass-2026", display_name="赵六"
    )
    item = make_item(dept, make_basic_item(name="食品经营许可"), promised_limit=5, statutory_limit=20)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    uploads = [
        case_services.Upload(material_id=m.pk, name=m.name, content=pdf, content_type="application/pdf")
        for m in item.materials.all()
    ]
    data = {
        "applicant_name": "赵六",
        "contact_name": "赵六",
        "contact_phone": "13900008888",
        "request": "申请",
    }
    case = case_services.do_submit(actor=citizen, item_code=item.code, data=data, uploads=uploads)
    return {
        "citizen": _session_headers(citizen),
        "officer": _session_headers(officer),
        "system": _system_headers(dept),
        "case_number": case.number,
    }


def test_the_schema_lists_every_operation():
    assert len(OPERATIONS) >= 30, [op.label for op in OPERATIONS]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_operation_under_generated_input(operation, callers, wsgi_keeps_the_test_connection):
    # (after `callers`: Django's test client reconnects the signal after each of its requests)
    strategy = operation.as_strategy()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        for who in ("citizen", "officer", "system"):
            case.call_and_validate(headers=callers[who], checks=checks_for)
        if "number" in (case.path_parameters or {}):
            # The same generated input against a real case the callers may reach: the flows run
            # (most inputs are refused by the state or the rules, rightly), never a 5xx, and
            # every answer in its documented shape.
            case.path_parameters = {**case.path_parameters, "number": callers["case_number"]}
            for who in ("citizen", "officer", "system"):
                case.call_and_validate(headers=callers[who], checks=ON_A_REAL_CASE)

    checks_for = [
        c for c in CHECKS if not (operation.label in SHAPE_ONLY and c is checks.positive_data_acceptance)
    ]

    run()
