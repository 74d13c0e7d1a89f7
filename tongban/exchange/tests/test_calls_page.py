"""The workbench's call log (/exchange/workbench/calls/): a provider's staff see the calls to
their services (answered, refused, over the rate), a caller's staff their systems' calls, the
platform administrator all; others nothing (404, audited). Subjects masked, filters and paging
never fail on bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.core.models import AuditEvent

from ..calllog import mask
from ..models import CallLog
from ..testing import make_call, make_resource
from .gateway_support import COMPANY
from .test_grants import day, staff, world  # noqa: F401  (fixtures)

URL = "/exchange/workbench/calls/"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(w, code="FR-001", *, department=None, outcome="ok", error="", fields=("name",), subject=COMPANY):
    row = make_call(
        service_code=code,
        client_id=w.client_id,
        department_id=(department or w.requester).pk,
        subject=subject,
        fields=fields if outcome == "ok" else (),
        outcome=outcome,
        error_code=error,
        case_number="JH-2026-0001",
    )
    CallLog.objects.filter(pk=row.pk).update(subject_masked=mask(subject))
    return row.pk


def shown(html: str) -> list[int]:
    import re

    return [int(x) for x in re.findall(r'data-call="(\d+)"', html)]


@pytest.fixture
def calls(world):  # noqa: F811
    elsewhere = make_resource(world.other, code="MZ-001", name="婚姻登记信息")
    return {
        "ok": call(world),
        "rate": call(world, outcome="refused", error="RATE_EXCEEDED"),
        "field": call(world, outcome="refused", error="FIELD_NOT_GRANTED"),
        "other": call(world, elsewhere.code, department=world.other),
    }


def test_the_provider_sees_the_calls_to_its_services_with_refusals_and_masked_subjects(world, calls):  # noqa: F811
    r = as_user(world.prov_admin).get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert shown(html) == [calls["field"], calls["rate"], calls["ok"]]  # newest first, not MZ-001
    assert 'data-error="RATE_EXCEEDED"' in html and 'data-error="FIELD_NOT_GRANTED"' in html
    assert mask(COMPANY) in html and COMPANY not in html
    assert "江汉区市场监督管理局" in html and "JH-2026-0001" in html
    assert r["Cache-Control"].startswith("max-age=0") or "no-cache" in r["Cache-Control"]


def test_the_caller_sees_its_systems_calls_and_a_stranger_none(world, calls):  # noqa: F811
    assert shown(as_user(world.req_admin).get(URL).content.decode()) == [
        calls["field"],
        calls["rate"],
        calls["ok"],
    ]
    html = as_user(world.outsider).get(URL).content.decode()
    assert shown(html) == [calls["other"]]  # its own department's call only


def test_the_platform_administrator_sees_every_call(world, calls):  # noqa: F811
    html = as_user(world.platform).get(URL).content.decode()
    assert sorted(shown(html)) == sorted(calls.values())


def test_staff_of_no_department_get_404_audited_and_people_the_login(world, calls, django_user_model):  # noqa: F811
    loner = staff("loner", "approving_officer")
    before = AuditEvent.objects.filter(action="exchange.calls.view").count()
    assert as_user(loner).get(URL).status_code == 404
    assert AuditEvent.objects.filter(action="exchange.calls.view").count() == before + 1
    assert Client().get(URL).status_code == 302
    person = django_user_model.objects.create_user(username="someone", password="x" * 12)
    r = as_user(person).get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_filters_narrow_and_bad_values_are_ignored(world, calls):  # noqa: F811
    client = as_user(world.prov_admin)
    assert shown(client.get(URL, {"outcome": "refused"}).content.decode()) == [calls["field"], calls["rate"]]
    assert shown(client.get(URL, {"error": "rate_exceeded"}).content.decode()) == [calls["rate"]]
    assert shown(client.get(URL, {"code": "fr-002"}).content.decode()) == []
    for params, count in (
        ({"outcome": "<script>", "error": "x" * 500, "page": "abc"}, 3),
        ({"code": "'; DROP TABLE", "page": "-1"}, 0),
        ({"page": "99999999999999999999"}, 3),
    ):
        r = client.get(URL, params)
        assert r.status_code == 200
        assert len(shown(r.content.decode())) == count


def test_the_log_is_paged(world):  # noqa: F811
    ids = [call(world) for _ in range(35)]
    client = as_user(world.prov_admin)
    first = shown(client.get(URL).content.decode())
    second = shown(client.get(URL, {"page": 2}).content.decode())
    assert first == ids[::-1][:30] and second == ids[::-1][30:]


def test_english(world, calls):  # noqa: F811
    client = as_user(world.prov_admin)
    client.cookies["django_language"] = "en"
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Call log" in html and "Calling department" in html and "Fields returned" in html
