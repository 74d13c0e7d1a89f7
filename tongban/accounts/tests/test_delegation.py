"""Delegation and authorization hold (issue 10 §4), where accounts owns the grant: a change in
法人库 ends the former legal representative's mandate; roles are granted within the granter's
department, platform-wide roles by platform administrators only; consents recorded at a hall
are region-scoped, told to the principal, revocable by them and audited; every person page
opened by id is audited; and the one rule (`queries.may_act_for`) others ask."""

from __future__ import annotations

import pytest
from django.test import Client, TestCase

from tongban.accounts import gateways, queries, services
from tongban.accounts.models import AgentConsent, Mandate, User
from tongban.catalog.testing import make_basic_item, make_department, make_item
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .services_support import (
    audit_actions,
    enterprise_for,
    id_number,
    in_days,
    last_seq,
    mobile,
    name,
    person,
    snapshot,
    staff,
)

# --- 法人库 names a new legal representative --------------------------------------------------


def change_register(legal_rep_mandate: Mandate, new_rep_n: int) -> None:
    lp = legal_rep_mandate.legal_person
    services.do_upsert_legal_person_record(
        actor="system:legal-register",
        credit_code=lp.credit_code,
        name=lp.name,
        kind="enterprise",
        legal_rep_name=name(new_rep_n),
        legal_rep_id_number=id_number(new_rep_n),
    )


def test_a_change_in_the_register_ends_the_former_legal_representatives_mandate(db):
    old = person(1, level=2)
    old_rep = enterprise_for(old, 1)
    agent = person(2, level=2)
    granted = services.do_grant_mandate(
        actor=old,
        legal_person_id=old_rep.legal_person_id,
        agent_name=name(2),
        agent_id_number=id_number(2),
        all_items=True,
        expires_at=in_days(30),
    )
    services.do_switch_acting(actor=old, kind="enterprise", target_id=old_rep.pk)
    new = person(3, level=2)
    seq = last_seq()

    change_register(old_rep, 3)

    assert audit_actions(seq) == [
        "accounts.legal_register.update",
        "accounts.mandate.legal_rep_end",
        "accounts.mandate.legal_rep",
    ]
    ended = AuditEvent.objects.get(seq__gt=seq, action="accounts.mandate.legal_rep_end")
    assert (ended.object_id, ended.actor, ended.data["reason"]) == (
        str(old_rep.pk),
        "system:legal-register",
        "法人库变更了法定代表人",
    )
    assert Mandate.objects.get(pk=old_rep.pk).revoked_at is not None
    lp_id = old_rep.legal_person_id
    # The former representative: no mandate, no acting, no case of the enterprise, no revoking.
    old.refresh_from_db()
    assert list(queries.my_mandates(old)) == [] and queries.acting_claim(old) == {"kind": "self"}
    assert not queries.may_act_for(old, applicant_id=None, legal_person_id=lp_id, item_code="X1")
    with pytest.raises(Forbidden):
        services.do_switch_acting(actor=old, kind="enterprise", target_id=old_rep.pk)
    with pytest.raises(Forbidden):
        services.do_revoke_mandate(actor=old, mandate_id=granted.pk)
    assert Mandate.objects.get(pk=granted.pk).revoked_at is None
    # The new one is linked at once, sees what the old one granted, and revokes it.
    [new_rep] = queries.my_mandates(new)
    assert (new_rep.role, new_rep.legal_person_id, new_rep.all_items) == ("legal_rep", lp_id, True)
    assert queries.may_act_for(new, applicant_id=None, legal_person_id=lp_id, item_code="X1")
    assert list(queries.mandates_granted(new)) == [granted]
    services.do_revoke_mandate(actor=new, mandate_id=granted.pk)
    assert not queries.may_act_for(agent, applicant_id=None, legal_person_id=lp_id, item_code="X1")
    assert new_rep.legal_person.legal_rep_name == name(3)


def test_a_new_representative_without_an_account_is_linked_when_they_claim(db):
    old = person(1, level=2)
    old_rep = enterprise_for(old, 1)
    change_register(old_rep, 4)  # person 4 has no account yet
    assert Mandate.objects.get(pk=old_rep.pk).revoked_at is not None
    assert not Mandate.objects.filter(
        legal_person_id=old_rep.legal_person_id, revoked_at__isnull=True
    ).exists()
    new = person(4, level=2)
    claimed = services.do_claim_legal_person(actor=new, credit_code=old_rep.legal_person.credit_code)
    assert (claimed.user, claimed.role) == (new, "legal_rep")
    with pytest.raises(InvalidInput):  # the former representative cannot claim it back
        services.do_claim_legal_person(actor=old, credit_code=old_rep.legal_person.credit_code)


def test_rewriting_the_register_unchanged_changes_nothing(db):
    rep = person(1, level=2)
    mandate = enterprise_for(rep, 1)
    before, seq = snapshot(mandate), last_seq()
    change_register(mandate, 1)
    assert snapshot(mandate) == before and audit_actions(seq) == []


# --- Roles ------------------------------------------------------------------------------------


@pytest.fixture
def departments(db, regions_loaded):
    return make_department(region="420106", name="武昌区行政审批局"), make_department(
        region="420115", name="江夏区行政审批局"
    )


def roles_of(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


@pytest.mark.parametrize("role", ["inspector", "catalog_reviewer", "platform_admin"])
def test_a_department_administrator_cannot_grant_a_platform_wide_role_even_to_himself(departments, role):
    dept, _ = departments
    admin = staff("deptadmin", "department_admin", department_id=dept.pk)
    officer = staff("officer", "approving_officer", department_id=dept.pk)
    seq = last_seq()
    for user in (admin, officer):
        with pytest.raises(Forbidden):
            services.do_set_staff_roles(actor=admin, user_id=user.pk, roles=[*roles_of(user), role])
    assert (roles_of(admin), roles_of(officer)) == (["department_admin"], ["approving_officer"])
    refusals = AuditEvent.objects.filter(seq__gt=seq).order_by("seq")
    assert [(e.action, e.object_id, e.data["reason"]) for e in refusals] == [
        ("accounts.staff.roles_refused", str(admin.pk), "platform_wide"),
        ("accounts.staff.roles_refused", str(officer.pk), "platform_wide"),
    ]
    # Through the workbench the same: refused, and not offered.
    client = Client()
    client.force_login(admin)
    r = client.post(f"/workbench/identity/staff/{admin.pk}/roles/", {"roles": ["department_admin", role]})
    assert r.status_code == 403 and roles_of(admin) == ["department_admin"]
    page = client.get("/workbench/identity/staff/").content.decode()
    assert f'value="{role}"' not in page and 'value="window_clerk"' in page


def test_platform_wide_roles_come_from_platform_administrators_audited(departments):
    dept, other = departments
    platform = staff("platform", "platform_admin")
    admin = staff("deptadmin", "department_admin", department_id=dept.pk)
    officer = staff("officer", "approving_officer", department_id=dept.pk)
    elsewhere = staff("elsewhere", "approving_officer", department_id=other.pk)
    seq = last_seq()
    services.do_set_staff_roles(actor=platform, user_id=officer.pk, roles=["approving_officer", "inspector"])
    event = AuditEvent.objects.get(seq__gt=seq)
    assert (event.action, event.actor, event.data) == (
        "accounts.staff.roles",
        f"user:{platform.pk}",
        {"before": ["approving_officer"], "after": ["approving_officer", "inspector"]},
    )
    # The department administrator changes the department's roles; the inspector role stays.
    services.do_set_staff_roles(actor=admin, user_id=officer.pk, roles=["window_clerk"])
    assert roles_of(officer) == ["inspector", "window_clerk"]
    with pytest.raises(Forbidden):  # another department (and region)
        services.do_set_staff_roles(actor=admin, user_id=elsewhere.pk, roles=["window_clerk"])
    assert roles_of(elsewhere) == ["approving_officer"]


# --- Consents recorded at a hall ----------------------------------------------------------------


@pytest.fixture
def hall(db, regions_loaded, settings):
    """A hall at 武昌 with a clerk, an item of 武昌 and one of 江夏, and the principal (walk-in)."""
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    wuchang, jiangxia = make_department(region="420106"), make_department(region="420115")
    clerk = staff("clerk", "window_clerk", department_id=wuchang.pk)
    principal = person(1, level=2)
    person(2, level=2)
    return {
        "clerk": clerk,
        "principal": principal,
        "here": make_item(wuchang, make_basic_item(name="老年人优待证办理")),
        "there": make_item(jiangxia, make_basic_item(name="高龄津贴申领")),
    }


def hall_consent(actor, principal, **kw):
    args = {
        "agent_name": name(2),
        "agent_id_number": id_number(2),
        "relation": "family",
        "all_items": False,
        "expires_at": in_days(90),
        "consent_method": "written",
        "consent_note": "授权书 2026-001",
    }
    return services.do_record_consent(actor=actor, principal=principal, **(args | kw))


def test_a_hall_consent_is_region_scoped_told_to_the_principal_and_revocable(hall):
    clerk, principal = hall["clerk"], hall["principal"]
    nowhere = staff("nowhere", "window_clerk")  # a clerk of no hall
    seq, count = last_seq(), AgentConsent.objects.count()
    for kw in ({"all_items": True}, {"item_codes": [hall["there"].code]}, {"item_codes": ["NOSUCHITEM1"]}):
        with pytest.raises(InvalidInput) as exc:
            hall_consent(clerk, principal, **kw)
        assert [p.field for p in exc.value.problems] == ["item_codes"]
    with pytest.raises(Forbidden):
        hall_consent(nowhere, principal, item_codes=[hall["here"].code])
    assert (AgentConsent.objects.count(), audit_actions(seq)) == (count, [])
    assert gateways.outbox(mobile(1)) == []

    with TestCase.captureOnCommitCallbacks(execute=True):
        consent = hall_consent(clerk, principal, item_codes=[hall["here"].code])
    event = AuditEvent.objects.get(seq__gt=seq)
    assert (event.action, event.actor, event.data["hall_region"], event.data["items"]) == (
        "accounts.consent.grant",
        f"user:{clerk.pk}",
        clerk.department.region_id,
        [hall["here"].code],
    )
    [sms] = gateways.outbox(mobile(1))
    assert "窗口工作人员为您登记了代办授权" in sms and "1个事项" in sms and name(2) not in sms
    services.do_revoke_consent(actor=principal, consent_id=consent.pk)
    assert AgentConsent.objects.get(pk=consent.pk).revoked_by == principal


def test_every_person_page_opened_by_id_is_audited(hall):
    clerk, principal = hall["clerk"], hall["principal"]
    client = Client()
    client.force_login(clerk)
    seq = last_seq()
    assert client.get(f"/workbench/identity/people/{principal.pk}/").status_code == 200
    assert client.get(f"/workbench/identity/people/{principal.pk}/consent/").status_code == 200
    assert client.get("/workbench/identity/people/99999999/").status_code == 404
    events = AuditEvent.objects.filter(seq__gt=seq).order_by("seq")
    assert [(e.action, e.actor, e.object_id) for e in events] == [
        ("accounts.person.view", f"user:{clerk.pk}", str(principal.pk)),
        ("accounts.person.view", f"user:{clerk.pk}", str(principal.pk)),
    ]


def test_staff_never_act_for_an_applicant(db):
    principal = person(1, level=2)
    officer = staff("officer", "approving_officer", "window_clerk")
    assert queries.may_act_for(principal, applicant_id=principal.pk, legal_person_id=None, item_code="X1")
    assert not queries.may_act_for(officer, applicant_id=officer.pk, legal_person_id=None, item_code="X1")
    assert queries.grants_now(officer) == queries.Grants({}, {})
