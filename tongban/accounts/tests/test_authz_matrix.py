"""Authorization matrix: every identity endpoint (all URLs under /accounts/ and
/workbench/identity/) x every kind of user, with the exact status and redirect of each cell.

The world is the same for every cell: a legal representative with an enterprise and an agent
(经办人), a principal who consented to a helper (帮办), citizens at L1 and L2, and staff with
one role each in one department. Object endpoints target those grants, so a cell also proves
who may act on whose object.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.accounts import services

from .identity_support import (
    _consent_for,
    enterprise,
    in_days,
    person,
    rid,
    staff,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen_l1",
    "citizen_l2",
    "enterprise_agent",
    "helper",
    "window_clerk",
    "approving_officer",
    "department_admin",
    "platform_admin",
]
PEOPLE = {"citizen_l1", "citizen_l2", "enterprise_agent", "helper"}
STAFF = {"window_clerk", "approving_officer", "department_admin", "platform_admin"}

ME = "/accounts/me/"
LOGIN = "/accounts/login/"


def to_login(url: str) -> tuple[int, str]:
    return 302, f"{LOGIN}?next={url}"


def cells(url: str, *, anonymous, people, staff_, **overrides) -> dict[str, tuple[int, str | None]]:
    """Expected (status, Location) per role; `overrides` names single roles."""

    def norm(v):
        return v if isinstance(v, tuple) else (v, None)

    out = {"anonymous": norm(anonymous)}
    out |= {r: norm(people) for r in PEOPLE}
    out |= {r: norm(staff_) for r in STAFF}
    out |= {r: norm(v) for r, v in overrides.items()}
    return out


# name, method, url (with placeholders), data, expected builder
ENDPOINTS = [
    ("login", "get", "/accounts/login/", {}, lambda u: cells(u, anonymous=200, people=200, staff_=200)),
    (
        "login_code",
        "post",
        "/accounts/login/code/",
        {"mobile": ""},
        lambda u: cells(u, anonymous=400, people=400, staff_=400),
    ),
    (
        "totp",
        "get",
        "/accounts/login/totp/",
        {},
        lambda u: cells(u, anonymous=(302, LOGIN), people=(302, LOGIN), staff_=(302, LOGIN)),
    ),
    (
        "totp_enrol",
        "get",
        "/accounts/login/totp/enrol/",
        {},
        lambda u: cells(u, anonymous=(302, LOGIN), people=(302, LOGIN), staff_=(302, LOGIN)),
    ),
    (
        "logout",
        "post",
        "/accounts/logout/",
        {},
        lambda u: cells(u, anonymous=(302, "/"), people=(302, "/"), staff_=(302, "/")),
    ),
    (
        "signup",
        "get",
        "/accounts/signup/",
        {},
        lambda u: cells(u, anonymous=200, people=(302, ME), staff_=(302, ME)),
    ),
    (
        "signup_post",
        "post",
        "/accounts/signup/",
        {"action": "register"},
        lambda u: cells(u, anonymous=400, people=(302, ME), staff_=(302, ME)),
    ),
    ("me", "get", ME, {}, lambda u: cells(u, anonymous=to_login(u), people=200, staff_=200)),
    (
        "verify",
        "get",
        "/accounts/me/verify/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=200, staff_=403),
    ),
    (
        "verify_post",
        "post",
        "/accounts/me/verify/",
        {"name": ""},
        lambda u: cells(u, anonymous=to_login(u), people=400, staff_=403),
    ),
    (
        "email",
        "get",
        "/accounts/me/email/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=200, staff_=403),
    ),
    (
        "email_post",
        "post",
        "/accounts/me/email/",
        {"action": "send_code", "email": ""},
        lambda u: cells(u, anonymous=to_login(u), people=400, staff_=403),
    ),
    (
        "remove_email",
        "post",
        "/accounts/me/email/remove/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=(302, ME + "#contact"), staff_=403),
    ),
    (
        "claim",
        "get",
        "/accounts/me/enterprises/claim/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=200, staff_=403),
    ),
    (
        "grant_mandate",
        "get",
        "/accounts/me/enterprises/{lp}/agents/new/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403),
    ),
    (
        "revoke_mandate",
        "post",
        "/accounts/me/mandates/{mandate}/revoke/",
        {},
        lambda u: cells(
            u, anonymous=to_login(u), people=403, staff_=403, enterprise_agent=(302, ME + "#enterprises")
        ),
    ),
    (
        "grant_consent",
        "get",
        "/accounts/me/helpers/new/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=200, staff_=403),
    ),
    (
        "revoke_consent",
        "post",
        "/accounts/me/consents/{consent}/revoke/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=404, staff_=403, helper=(302, ME + "#agents")),
    ),
    (
        "end_session",
        "post",
        "/accounts/me/sessions/{device}/end/",
        {},
        lambda u: cells(u, anonymous=to_login(ME), people=404, staff_=404, citizen_l2=(302, ME + "#devices")),
    ),
    (
        "acting_self",
        "post",
        "/accounts/acting/",
        {"kind": "self"},
        lambda u: cells(u, anonymous=to_login(u), people=(302, ME), staff_=403),
    ),
    (
        "acting_enterprise",
        "post",
        "/accounts/acting/",
        {"kind": "enterprise", "id": "{mandate}"},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, enterprise_agent=(302, ME)),
    ),
    (
        "acting_principal",
        "post",
        "/accounts/acting/",
        {"kind": "principal", "id": "{consent}"},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, helper=(302, ME)),
    ),
    (
        "desk",
        "get",
        "/workbench/identity/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, window_clerk=200),
    ),
    (
        "find",
        "post",
        "/workbench/identity/find/",
        {"id_number": "{l2_id}"},
        lambda u: cells(
            u,
            anonymous=to_login(u),
            people=403,
            staff_=403,
            window_clerk=(302, "/workbench/identity/people/{l2}/"),
        ),
    ),
    (
        "walk_in",
        "get",
        "/workbench/identity/walk-in/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, window_clerk=200),
    ),
    (
        "person",
        "get",
        "/workbench/identity/people/{l1}/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, window_clerk=200),
    ),
    (
        "verify_in_person",
        "post",
        "/workbench/identity/people/{l1}/verify/",
        {"name": "市民甲", "id_number": "{l1_id}"},
        lambda u: cells(
            u,
            anonymous=to_login(u),
            people=403,
            staff_=403,
            window_clerk=(302, "/workbench/identity/people/{l1}/"),
        ),
    ),
    (
        "hall_consent",
        "get",
        "/workbench/identity/people/{l1}/consent/",
        {},
        lambda u: cells(u, anonymous=to_login(u), people=403, staff_=403, window_clerk=200),
    ),
    (
        "staff",
        "get",
        "/workbench/identity/staff/",
        {},
        lambda u: cells(
            u, anonymous=to_login(u), people=403, staff_=403, department_admin=200, platform_admin=200
        ),
    ),
    (
        "create_staff",
        "get",
        "/workbench/identity/staff/new/",
        {},
        lambda u: cells(
            u, anonymous=to_login(u), people=403, staff_=403, department_admin=200, platform_admin=200
        ),
    ),
    (
        "create_staff_post",
        "post",
        "/workbench/identity/staff/new/",
        {"department": "", "username": "new.staff", "display_name": "新同事", "roles": ["approving_officer"]},
        lambda u: cells(
            u, anonymous=to_login(u), people=403, staff_=403, department_admin=400, platform_admin=400
        ),
    ),
    (
        "set_roles",
        "post",
        "/workbench/identity/staff/{officer}/roles/",
        {"roles": ["approving_officer", "inspector"]},
        lambda u: cells(
            u,
            anonymous=to_login(u),
            people=403,
            staff_=403,
            department_admin=403,  # inspector is platform-wide: platform administrators only
            platform_admin=(302, "/workbench/identity/staff/?department={dept}"),
        ),
    ),
]


@pytest.fixture
def world(regions_loaded):
    from tongban.catalog.testing import make_department

    dept = make_department(region="420100", name="武汉市政务服务局")
    rep = person(1, name="法人甲", level=2)
    agent = person(2, name="经办乙", level=2)
    principal = person(3, name="老人丙", level=2)
    helper = person(4, name="帮办丁", level=2)
    l1 = person(5, name="市民甲")
    l2 = person(6, name="市民乙", level=2)
    _code, rep_mandate = enterprise(rep, 1)
    mandate = services.do_grant_mandate(
        actor=rep,
        legal_person_id=rep_mandate.legal_person_id,
        agent_name="经办乙",
        agent_id_number=rid(2),
        all_items=True,
        expires_at=in_days(30),
    )
    consent = _consent_for(principal, helper_n=4, name="帮办丁")
    device = services.do_start_device_session(
        user=l2, session_key="s" * 32, method="password", ip="127.0.0.1", user_agent="test"
    )
    users = {
        "anonymous": None,
        "citizen_l1": l1,
        "citizen_l2": l2,
        "enterprise_agent": agent,
        "helper": helper,
        "window_clerk": staff("clerk", "window_clerk", department=dept),
        "approving_officer": staff("officer", "approving_officer", department=dept),
        "department_admin": staff("dadmin", "department_admin", department=dept),
        "platform_admin": staff("padmin", "platform_admin"),
    }
    subs = {
        "lp": rep_mandate.legal_person_id,
        "mandate": mandate.pk,
        "consent": consent.pk,
        "device": device.pk,
        "l1": l1.pk,
        "l2": l2.pk,
        "l1_id": rid(5),
        "l2_id": rid(6),
        "officer": users["approving_officer"].pk,
        "dept": dept.pk,
    }
    return users, subs


def _fill(value, subs):
    if isinstance(value, list):
        return [_fill(v, subs) for v in value]
    return value.format(**subs) if isinstance(value, str) else value


CASES = [(e, role) for e in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e[0]}-{r}" for e, r in CASES])
def test_authorization_matrix(world, endpoint, role):
    users, subs = world
    _name, method, url_t, data_t, expected = endpoint
    url = url_t.format(**subs)
    data = {k: _fill(v, subs) for k, v in data_t.items()}
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    response = getattr(client, method)(url, data)
    status, location = expected(url)[role]
    assert response.status_code == status, response.content.decode()[:2000]
    if location is not None:
        assert response["Location"] == location.format(**subs)


def test_every_identity_url_is_in_the_matrix():
    """A new identity route must be added to the matrix."""
    from django.urls import get_resolver

    resolver = get_resolver()
    names = set()
    for namespace in ("accounts", "identity"):
        sub = resolver.namespace_dict[namespace][1]
        names |= {f"{namespace}:{p.name}" for p in sub.url_patterns}
    covered = {
        "accounts:login",
        "accounts:send_code",
        "accounts:totp",
        "accounts:totp_enrol",
        "accounts:logout",
        "accounts:signup",
        "accounts:me",
        "accounts:verify",
        "accounts:email",
        "accounts:remove_email",
        "accounts:claim",
        "accounts:grant_mandate",
        "accounts:revoke_mandate",
        "accounts:grant_consent",
        "accounts:revoke_consent",
        "accounts:end_session",
        "accounts:acting",
        "identity:desk",
        "identity:find",
        "identity:walk_in",
        "identity:person",
        "identity:verify",
        "identity:consent",
        "identity:staff",
        "identity:set_roles",
        "identity:create_staff",
    }
    assert names == covered
    assert len({e[2] for e in ENDPOINTS}) == len(covered)
