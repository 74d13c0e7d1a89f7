"""Double submissions of the identity workbench and of the person's grant forms (issue 10 §7):
the same rendered form sent twice writes once; the second answer is the first redirect with
"已处理"."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.accounts.models import AgentConsent, Mandate, User
from tongban.core.models import IdempotentRequest
from tongban.core.testing import once_token

from .identity_support import (
    audit_actions,
    counts,
    enterprise,
    in_days,
    last_seq,
    mobile,
    person,
    population,
    rid,
    staff,
)

pytestmark = pytest.mark.django_db
DONE = "已处理：该表单已提交过，未重复办理。"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def twice(client: Client, page_url: str, action: str, data: dict):
    """Post the form of `page_url` that goes to `action` twice with its one rendered token; the
    second must write nothing and answer with the first one's redirect."""
    token = once_token(client.get(page_url).content.decode(), action)
    first = client.post(action, data | {"once_token": token})
    assert first.status_code == 302, first.content.decode()[:500]
    before, seq = counts(), last_seq()
    second = client.post(action, data | {"once_token": token})
    assert (second.status_code, second.url) == (302, first.url)
    assert counts() == before and audit_actions(seq) == []
    # The page it leads to says so (opening a person's page is itself audited, as every lookup is).
    assert DONE in client.get(second.url).content.decode()
    return first


@pytest.fixture
def clerk():
    return staff("clerk", "window_clerk")


def test_a_double_submitted_walk_in_registers_once(clerk):
    population(75, "来访甲")
    url = "/workbench/identity/walk-in/"
    twice(login(clerk), url, url, {"name": "来访甲", "id_number": rid(75), "mobile": mobile(75)})
    assert User.objects.filter(display_name="来访甲").count() == 1


def test_a_double_submitted_in_person_verification_verifies_once(clerk):
    user = person(73, name="窗口乙")
    page = f"/workbench/identity/people/{user.pk}/"
    seq = last_seq()
    twice(login(clerk), page, page + "verify/", {"name": "窗口乙", "id_number": rid(73)})
    assert [a for a in audit_actions(seq) if a != "accounts.person.view"] == ["accounts.realname.verify"]


def test_a_double_submitted_hall_consent_records_one(regions_loaded):
    from tongban.catalog.testing import make_basic_item, make_department, make_item

    hall = make_department(region="420100", name="武汉市政务服务中心")
    item = make_item(hall, make_basic_item(name="居住证办理"))
    clerk = staff("hall-clerk", "window_clerk", department=hall)
    principal, _helper = person(50, name="老人甲", level=2), person(51, name="女儿乙", level=2)
    url = f"/workbench/identity/people/{principal.pk}/consent/"
    data = {
        "agent_name": "女儿乙",
        "agent_id_number": rid(51),
        "relation": "family",
        "scope": "listed",  # a hall consent lists the hall's items, never all
        "item_codes": item.code,
        "expires_at": in_days(90).date().isoformat(),
        "consent_method": "written",
        "consent_note": "授权书 2024-001",
    }
    twice(login(clerk), url, url, data)
    assert AgentConsent.objects.count() == 1


def test_a_double_submitted_role_change_audits_once(regions_loaded):
    from tongban.catalog.testing import make_department

    home = make_department(region="420100", name="武汉市政务服务局")
    admin = staff("dadmin", "department_admin", department=home)
    officer = staff("officer", "approving_officer", department=home)
    seq = last_seq()
    twice(
        login(admin),
        "/workbench/identity/staff/",
        f"/workbench/identity/staff/{officer.pk}/roles/",
        {"roles": ["approving_officer", "window_clerk"]},
    )
    assert audit_actions(seq) == ["accounts.staff.roles"]


def test_double_submitted_grants_grant_once():
    principal, _helper = person(50, name="老人甲", level=2), person(51, name="女儿乙", level=2)
    grant = {
        "agent_name": "女儿乙",
        "agent_id_number": rid(51),
        "relation": "family",
        "scope": "all",
        "expires_at": in_days(90).date().isoformat(),
    }
    url = "/accounts/me/helpers/new/"
    twice(login(principal), url, url, grant)
    assert AgentConsent.objects.count() == 1
    rep = person(60, name="法人甲", level=2)
    _code, mandate = enterprise(rep, 60)
    agent = person(62, name="经办乙", level=2)
    url = f"/accounts/me/enterprises/{mandate.legal_person_id}/agents/new/"
    data = {
        "agent_name": "经办乙",
        "agent_id_number": rid(62),
        "scope": "all",
        "expires_at": in_days(90).date().isoformat(),
    }
    twice(login(rep), url, url, data)
    assert Mandate.objects.filter(user=agent).count() == 1


def test_a_malformed_token_is_refused_by_name_and_writes_nothing(clerk):
    population(75, "来访甲")
    before = counts()
    r = login(clerk).post(
        "/workbench/identity/walk-in/",
        {"name": "来访甲", "id_number": rid(75), "mobile": "", "once_token": "<not a token>"},
    )
    assert r.status_code == 400 and "once_token" in r.content.decode()
    assert counts() == before and not IdempotentRequest.objects.exists()
