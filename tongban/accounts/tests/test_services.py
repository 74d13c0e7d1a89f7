"""accounts.services: registration, real-name verification, walk-ins, the blind index,
mandates, consents, the acting context, staff roles and device sessions.

Negative cases assert that nothing changed (rows re-read from the database) and which audit
events the refusal left."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tongban.accounts import gateways, queries, services
from tongban.accounts.models import AgentConsent, DeviceSession, LegalPersonRecord, Mandate, OneTimeCode, User
from tongban.core import services as core_services
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, make_credit_code

from .services_support import (
    PASSWORD,
    SYSTEM,
    audit_actions,
    enterprise_for,
    id_number,
    in_days,
    last_seq,
    mobile,
    name,
    outbox_sms_fixture,  # noqa: F401 - the outbox_sms fixture
    person,
    registered,
    snapshot,
    staff,
)

pytestmark = pytest.mark.django_db


def _code_from(mobile_number: str) -> str:
    text = gateways.outbox(mobile_number)[-1]
    return text.split("验证码是")[1][:6]


# --- Registration ---------------------------------------------------------------------------


def test_register_with_sms_code(outbox_sms):
    outbox_sms(mobile(1), "register")
    seq = last_seq()
    user = services.do_register_person(
        actor=None, mobile=mobile(1), password=PASSWORD, display_name="张伟", sms_code=_code_from(mobile(1))
    )
    assert (user.kind, user.assurance_level, user.display_name) == ("person", 1, "张伟")
    assert user.mobile_masked == "138****0001"
    assert user.check_password(PASSWORD)
    assert not user.id_number_enc and user.id_number_index is None
    assert audit_actions(seq) == ["accounts.person.register"]


def test_register_refuses_a_taken_mobile():
    person(1)
    seq = last_seq()
    with pytest.raises(InvalidInput) as exc:
        services.do_register_person(actor=None, mobile=mobile(1), password=PASSWORD, display_name="李娜")
    assert exc.value.problems[0].field == "mobile"
    assert User.objects.count() == 1
    assert audit_actions(seq) == []


@pytest.mark.parametrize("password", ["short1", "1234567890123", "password123", ""])
def test_register_refuses_a_weak_password(password):
    with pytest.raises(InvalidInput) as exc:
        services.do_register_person(actor=None, mobile=mobile(2), password=password, display_name="李娜")
    assert exc.value.problems[0].field == "password"
    assert User.objects.count() == 0


def test_register_refuses_a_wrong_sms_code(outbox_sms):
    outbox_sms(mobile(3), "register")
    good = _code_from(mobile(3))
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    with pytest.raises(InvalidInput) as exc:
        services.do_register_person(
            actor=None, mobile=mobile(3), password=PASSWORD, display_name="李娜", sms_code=wrong
        )
    assert exc.value.problems[0].field == "code"
    assert User.objects.count() == 0
    assert OneTimeCode.objects.get().attempts == 1
    # A login code does not register either.
    with pytest.raises(InvalidInput):
        services.do_register_person(
            actor=None, mobile=mobile(4), password=PASSWORD, display_name="李娜", sms_code=good
        )
    assert User.objects.count() == 0


def test_register_refuses_a_bad_mobile():
    with pytest.raises(InvalidInput) as exc:
        services.do_register_person(actor=None, mobile="12345", password=PASSWORD)
    assert exc.value.problems[0].field == "mobile"


# --- Real-name verification (L2, L3) ---------------------------------------------------------


def test_real_name_match_raises_to_l2():
    user = person(1)
    seq = last_seq()
    user = services.do_verify_real_name(actor=user, user=user, name=name(1), id_number=id_number(1))
    user.refresh_from_db()
    assert user.assurance_level == 2 and user.verified_at is not None and user.verified_by is None
    assert user.id_number_masked == id_number(1)[:4] + "*" * 10 + id_number(1)[-4:]
    assert services.reveal_id_number(user) == id_number(1)
    assert audit_actions(seq) == ["accounts.realname.verify"]


@pytest.mark.parametrize("field", ["name", "id_number"])
def test_real_name_mismatch_changes_nothing_and_is_audited(field):
    user = person(1)
    registered(2)  # a valid ID of somebody else in the register
    before = snapshot(user)
    seq = last_seq()
    wrong = {"name": name(1), "id_number": id_number(1)}
    wrong[field] = "李四" if field == "name" else id_number(2)
    with pytest.raises(InvalidInput) as exc:
        services.do_verify_real_name(actor=user, user=user, **wrong)
    assert exc.value.problems[0].field == "id_number"
    assert snapshot(user) == before
    assert audit_actions(seq) == ["accounts.realname.refused"]


def test_real_name_refuses_an_invalid_id_number_without_audit():
    user = person(1)
    seq = last_seq()
    bad = id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1")
    with pytest.raises(InvalidInput):
        services.do_verify_real_name(actor=user, user=user, name=name(1), id_number=bad)
    assert audit_actions(seq) == []


def test_an_id_number_binds_one_account():
    first = person(1, level=2)
    other = services.do_register_person(actor=None, mobile=mobile(9), password=PASSWORD, display_name="x")
    before = snapshot(other)
    with pytest.raises(Conflict):
        services.do_verify_real_name(actor=other, user=other, name=name(1), id_number=id_number(1))
    assert snapshot(other) == before
    assert services.find_person_by_id_number(id_number(1)) == first


def test_l3_only_by_a_window_clerk():
    user = person(1, level=2)
    officer = staff("officer", "approving_officer")
    before = snapshot(user)
    for actor in (user, officer):
        with pytest.raises(Forbidden):
            services.do_verify_in_person(actor=actor, user=user, name=name(1), id_number=id_number(1))
    assert snapshot(user) == before
    clerk = staff("clerk", "window_clerk")
    seq = last_seq()
    user = services.do_verify_in_person(actor=clerk, user=user, name=name(1), id_number=id_number(1))
    assert (user.assurance_level, user.verified_by) == (3, clerk)
    assert audit_actions(seq) == ["accounts.realname.verify"]


def test_walk_in_registration_by_a_clerk():
    clerk = staff("clerk", "window_clerk")
    registered(5)
    seq = last_seq()
    user = services.do_register_walk_in(actor=clerk, name=name(5), id_number=id_number(5), mobile=mobile(5))
    assert (user.assurance_level, user.verified_by, user.kind) == (3, clerk, "person")
    assert not user.has_usable_password()
    assert user.mobile_masked == "138****0005"
    assert audit_actions(seq) == ["accounts.person.register_walk_in"]
    # The same person again: the existing account, no second one.
    again = services.do_register_walk_in(actor=clerk, name=name(5), id_number=id_number(5))
    assert again.pk == user.pk and User.objects.filter(kind="person").count() == 1


def test_walk_in_refusals():
    clerk = staff("clerk", "window_clerk")
    citizen = person(1)
    registered(5)
    with pytest.raises(Forbidden):
        services.do_register_walk_in(actor=citizen, name=name(5), id_number=id_number(5))
    seq = last_seq()
    with pytest.raises(InvalidInput):
        services.do_register_walk_in(actor=clerk, name="不对", id_number=id_number(5))
    assert audit_actions(seq) == ["accounts.realname.refused"]
    assert User.objects.filter(kind="person").count() == 1


# --- The blind index: lookups without clear values ------------------------------------------------


def test_find_person_by_id_number_and_no_clear_value_at_rest():
    user = person(1, level=2)
    pid = id_number(1)
    assert services.find_person_by_id_number(pid) == user
    assert services.find_person_by_id_number(" " + pid.lower() + " ") == user
    assert services.find_person_by_id_number(id_number(2)) is None
    row = snapshot(user)[0]
    for column, value in row.items():
        assert pid not in str(value), column
        assert mobile(1) not in str(value), column
    assert row["id_number_index"] != row["mobile_index"]
    assert row["id_number_enc"].startswith("sm4gcm2:")


# --- Mandates (法人授权) ------------------------------------------------------------------------


@pytest.fixture
def firm():
    """A legal representative (person 1) with a claimed enterprise, and an L2 agent (person 2)."""
    rep = person(1, level=2)
    agent = person(2, level=2)
    return rep, enterprise_for(rep, 1), agent


ITEM = "11420106MB0000000X4420100101001"
OTHER_ITEM = "11420106MB0000000X4420100102001"


def _grant(rep, mandate, agent, **kw):
    args = {
        "actor": rep,
        "legal_person_id": mandate.legal_person_id,
        "agent_name": agent.display_name,
        "agent_id_number": id_number(2),
        "all_items": False,
        "item_codes": [ITEM],
        "expires_at": in_days(365),
    }
    return services.do_grant_mandate(**{**args, **kw})


def test_claim_needs_l2_and_the_register_naming_you():
    l1 = person(3)
    code = make_credit_code(random.Random("claim"), region="420106", kind="91")
    with pytest.raises(Forbidden):
        services.do_claim_legal_person(actor=l1, credit_code=code)
    stranger = person(4, level=2)
    rep = person(1, level=2)
    mandate = enterprise_for(rep, 1)
    seq = last_seq()
    with pytest.raises(InvalidInput):
        services.do_claim_legal_person(actor=stranger, credit_code=mandate.legal_person.credit_code)
    assert audit_actions(seq) == ["accounts.legal_person.claim_refused"]
    assert (mandate.role, mandate.all_items, mandate.user) == ("legal_rep", True, rep)
    # Claiming again reuses the mandate.
    assert services.do_claim_legal_person(actor=rep, credit_code=mandate.legal_person.credit_code) == mandate


def register(founder, name: str = "武汉新设科技有限公司", credit_code: str = "") -> Mandate:
    return services.do_register_new_legal_person(
        actor="system:test",
        name=name,
        kind="enterprise",
        legal_rep=founder,
        region_code="420115",
        established=dt.date(2026, 9, 29),
        credit_code=credit_code,
    )


def test_a_registered_new_company_gets_a_fresh_credit_code_and_its_founder_as_legal_rep():
    founder = person(5, level=2)
    seq = last_seq()
    mandate = register(founder)
    lp = mandate.legal_person
    record = LegalPersonRecord.objects.get(credit_code=lp.credit_code)
    assert check_credit_code(lp.credit_code).ok and lp.credit_code.startswith("91420115")
    assert (record.name, record.legal_rep_name, record.legal_rep_id_index, record.region_code) == (
        "武汉新设科技有限公司",
        founder.display_name,
        founder.id_number_index,
        "420115",
    )
    assert (mandate.user, mandate.role, mandate.all_items, mandate.granted_by) == (
        founder,
        "legal_rep",
        True,
        None,
    )
    assert list(queries.my_mandates(founder)) == [mandate]
    assert audit_actions(seq) == ["accounts.legal_register.create", "accounts.mandate.legal_rep"]
    # a second company gets another code
    other = register(founder, "武汉新设二号有限公司")
    assert other.legal_person.credit_code != lp.credit_code


def test_registering_a_taken_code_or_for_an_unverified_founder_is_refused_and_writes_nothing():
    founder, unverified = person(5, level=2), person(6)
    taken = enterprise_for(person(1, level=2), 1).legal_person.credit_code
    before = (LegalPersonRecord.objects.count(), Mandate.objects.count(), last_seq())
    cases = [
        (founder, taken, "credit_code", f"统一社会信用代码 {taken} 已经登记"),
        (founder, "91420115ABCDEFGH0Y", "credit_code", "统一社会信用代码无效"),
        (unverified, "", "legal_rep", "法定代表人尚未完成实名认证，无法登记"),
    ]
    for rep, code, field, message in cases:
        with pytest.raises(InvalidInput) as exc:
            register(rep, credit_code=code)
        assert [(p.field, p.message) for p in exc.value.problems] == [(field, message)]
    assert (LegalPersonRecord.objects.count(), Mandate.objects.count(), last_seq()) == before


def test_grant_mandate_by_the_legal_rep(firm):
    rep, rep_mandate, agent = firm
    seq = last_seq()
    granted = _grant(rep, rep_mandate, agent, item_codes=[OTHER_ITEM, ITEM, ITEM])
    assert (granted.user, granted.role, granted.all_items) == (agent, "agent", False)
    assert granted.item_codes == sorted([ITEM, OTHER_ITEM])
    assert granted.granted_by == rep and granted.revoked_at is None
    assert audit_actions(seq) == ["accounts.mandate.grant"]


def test_only_the_legal_rep_grants(firm):
    rep, rep_mandate, agent = firm
    _grant(rep, rep_mandate, agent)
    third = person(3, level=2)
    for actor in (agent, third):
        with pytest.raises(Forbidden):
            services.do_grant_mandate(
                actor=actor,
                legal_person_id=rep_mandate.legal_person_id,
                agent_name=third.display_name,
                agent_id_number=id_number(3),
                all_items=True,
                expires_at=in_days(30),
            )
    assert Mandate.objects.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"item_codes": []}, "item_codes"),
        ({"item_codes": ["bad-code"]}, "item_codes"),
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": "past"}, "expires_at"),
        ({"expires_at": "too_far"}, "expires_at"),
        ({"agent_name": "别人"}, "agent_id_number"),
        ({"agent_id_number": "420106199001011230"}, "agent_id_number"),
    ],
)
def test_grant_mandate_validates_scope_expiry_and_agent(firm, change, field):
    rep, rep_mandate, agent = firm
    when = {"past": timezone.now() - dt.timedelta(minutes=1), "too_far": in_days(366 * 3 + 1)}
    if change.get("expires_at") in when:
        change = {"expires_at": when[change["expires_at"]]}
    seq = last_seq()
    with pytest.raises(InvalidInput) as exc:
        _grant(rep, rep_mandate, agent, **change)
    assert exc.value.problems[0].field == field
    assert Mandate.objects.count() == 1 and audit_actions(seq) == []


def test_grant_refuses_an_l1_agent_and_oneself(firm):
    rep, rep_mandate, _agent = firm
    l1 = person(3)
    services.do_upsert_population_record(actor=SYSTEM, name=l1.display_name, id_number=id_number(3))
    with pytest.raises(InvalidInput):
        _grant(rep, rep_mandate, l1, agent_id_number=id_number(3))
    with pytest.raises(InvalidInput):
        _grant(rep, rep_mandate, rep, agent_id_number=id_number(1))
    assert Mandate.objects.count() == 1


def test_agent_acts_within_scope_only(firm):
    rep, rep_mandate, agent = firm
    granted = _grant(rep, rep_mandate, agent)
    services.do_switch_acting(actor=agent, kind="enterprise", target_id=granted.pk)
    agent.refresh_from_db()
    assert agent.acting == {"kind": "enterprise", "mandate": granted.pk}
    assert services.check_may_act_for(actor=agent, item_code=ITEM) == {
        "kind": "enterprise",
        "legal_person_id": rep_mandate.legal_person_id,
        "agent_id": agent.pk,
    }
    seq = last_seq()
    with pytest.raises(Forbidden):
        services.check_may_act_for(actor=agent, item_code=OTHER_ITEM)
    assert audit_actions(seq) == ["accounts.acting.refused"]


def test_agent_refused_after_expiry(firm):
    rep, rep_mandate, agent = firm
    granted = _grant(rep, rep_mandate, agent)
    services.do_switch_acting(actor=agent, kind="enterprise", target_id=granted.pk)
    Mandate.objects.filter(pk=granted.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    agent.refresh_from_db()
    seq = last_seq()
    with pytest.raises(Forbidden):
        services.check_may_act_for(actor=agent, item_code=ITEM)
    assert audit_actions(seq) == ["accounts.acting.refused"]
    assert queries.acting_claim(agent) == {"kind": "self"}


def test_revoke_mandate_and_switching_afterwards_is_refused(firm):
    rep, rep_mandate, agent = firm
    granted = _grant(rep, rep_mandate, agent)
    stranger = person(3, level=2)
    with pytest.raises(Forbidden):
        services.do_revoke_mandate(actor=stranger, mandate_id=granted.pk)
    with pytest.raises(Forbidden):  # the legal representative's own mandate is not revocable here
        services.do_revoke_mandate(actor=rep, mandate_id=rep_mandate.pk)
    seq = last_seq()
    revoked = services.do_revoke_mandate(actor=rep, mandate_id=granted.pk)
    assert revoked.revoked_by == rep and revoked.revoked_at is not None
    assert audit_actions(seq) == ["accounts.mandate.revoke"]
    with pytest.raises(NotFound):
        services.do_revoke_mandate(actor=rep, mandate_id=granted.pk)
    seq = last_seq()
    before = snapshot(agent)
    with pytest.raises(Forbidden):
        services.do_switch_acting(actor=agent, kind="enterprise", target_id=granted.pk)
    assert snapshot(agent) == before
    assert audit_actions(seq) == ["accounts.acting.refused"]


def test_the_agent_may_give_up_its_own_mandate(firm):
    rep, rep_mandate, agent = firm
    granted = _grant(rep, rep_mandate, agent)
    assert services.do_revoke_mandate(actor=agent, mandate_id=granted.pk).revoked_by == agent


def test_revocation_stops_an_agent_already_acting(firm):
    rep, rep_mandate, agent = firm
    granted = _grant(rep, rep_mandate, agent, all_items=True, item_codes=[])
    services.do_switch_acting(actor=agent, kind="enterprise", target_id=granted.pk)
    assert services.check_may_act_for(actor=agent, item_code=OTHER_ITEM)["kind"] == "enterprise"
    services.do_revoke_mandate(actor=rep, mandate_id=granted.pk)
    agent.refresh_from_db()
    with pytest.raises(Forbidden):
        services.check_may_act_for(actor=agent, item_code=OTHER_ITEM)


# --- Consents (帮办代办) ----------------------------------------------------------------------------


def _consent(actor, principal, helper_n, **kw):
    args = {
        "actor": actor,
        "principal": principal,
        "agent_name": name(helper_n),
        "agent_id_number": id_number(helper_n),
        "relation": "village_helper",
        "all_items": False,
        "item_codes": [ITEM],
        "expires_at": in_days(180),
        "consent_method": "online",
    }
    return services.do_record_consent(**{**args, **kw})


def test_consent_granted_online_by_the_principal():
    principal = person(1, level=2)
    helper = person(2, level=2)
    seq = last_seq()
    consent = _consent(principal, principal, 2)
    assert (consent.agent, consent.recorded_by, consent.consent_method) == (helper, principal, "online")
    assert audit_actions(seq) == ["accounts.consent.grant"]
    with pytest.raises(InvalidInput):  # online consent says so
        _consent(principal, principal, 2, consent_method="written")


def test_consent_recorded_at_the_hall_by_a_clerk():
    """The region-scoped hall consent itself is tested in test_delegation."""
    clerk = staff("clerk", "window_clerk")
    registered(8)
    elder = services.do_register_walk_in(actor=clerk, name=name(8), id_number=id_number(8))
    person(2, level=2)
    with pytest.raises(Forbidden):  # a clerk cannot claim the principal's online consent
        _consent(clerk, elder, 2, consent_method="online")
    with pytest.raises(Forbidden):  # a clerk of no hall records none
        _consent(clerk, elder, 2, consent_method="in_person")
    assert AgentConsent.objects.count() == 0


def test_consent_refused_for_anyone_else():
    principal = person(1, level=2)
    helper = person(2, level=2)
    other = person(3, level=2)
    officer = staff("officer", "approving_officer")
    for actor, method in ((other, "online"), (other, "written"), (officer, "in_person"), (helper, "written")):
        with pytest.raises(Forbidden):
            _consent(actor, principal, 2, consent_method=method)
    assert AgentConsent.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"relation": "boss"},
        {"consent_method": "telepathy"},
        {"expires_at": in_days(-1)},
        {"agent_name": "别人"},
    ],
)
def test_consent_validation(change):
    principal = person(1, level=2)
    person(2, level=2)
    with pytest.raises(InvalidInput):
        _consent(principal, principal, 2, **change)
    assert AgentConsent.objects.count() == 0


def test_helper_acts_for_the_principal_until_revoked():
    principal = person(1, level=2)
    helper = person(2, level=2)
    consent = _consent(principal, principal, 2)
    services.do_switch_acting(actor=helper, kind="principal", target_id=consent.pk)
    assert services.check_may_act_for(actor=helper, item_code=ITEM) == {
        "kind": "principal",
        "principal_id": principal.pk,
        "agent_id": helper.pk,
    }
    with pytest.raises(Forbidden):
        services.check_may_act_for(actor=helper, item_code=OTHER_ITEM)
    stranger = person(3, level=2)
    with pytest.raises(NotFound):
        services.do_revoke_consent(actor=stranger, consent_id=consent.pk)
    services.do_revoke_consent(actor=principal, consent_id=consent.pk)
    helper.refresh_from_db()
    seq = last_seq()
    with pytest.raises(Forbidden):
        services.check_may_act_for(actor=helper, item_code=ITEM)
    with pytest.raises(Forbidden):
        services.do_switch_acting(actor=helper, kind="principal", target_id=consent.pk)
    assert audit_actions(seq) == ["accounts.acting.refused", "accounts.acting.refused"]


def test_switch_acting_validation_and_back_to_self():
    user = person(1, level=2)
    with pytest.raises(InvalidInput):
        services.do_switch_acting(actor=user, kind="king")
    with pytest.raises(Forbidden):  # somebody else's grant, or none
        services.do_switch_acting(actor=user, kind="enterprise", target_id=999999)
    assert services.do_switch_acting(actor=user, kind="self") == {"kind": "self"}
    assert services.check_may_act_for(actor=user, item_code=ITEM) == {"kind": "self", "principal_id": user.pk}


# --- Staff roles ------------------------------------------------------------------------------------


@pytest.fixture
def two_departments(db):
    core_services.do_load_regions(actor=SYSTEM)
    rng = random.Random("depts")
    return [
        core_services.do_upsert_department(
            actor=SYSTEM,
            name=n,
            credit_code=make_credit_code(rng, region="420106", kind="11"),
            region_code="420106",
        )
        for n in ("武昌区行政审批局", "武昌区民政局")
    ]


def test_role_changes_are_audited(two_departments):
    a, _b = two_departments
    platform = staff("platform", "platform_admin")
    officer = staff("officer", "approving_officer", department_id=a.pk)
    seq = last_seq()
    services.do_set_staff_roles(
        actor=platform, user_id=officer.pk, roles=["window_clerk", "approving_officer"]
    )
    assert set(officer.groups.values_list("name", flat=True)) == {"window_clerk", "approving_officer"}
    assert audit_actions(seq) == ["accounts.staff.roles"]
    from tongban.core.models import AuditEvent

    event = AuditEvent.objects.get(seq__gt=seq)
    assert event.data == {"before": ["approving_officer"], "after": ["approving_officer", "window_clerk"]}
    assert event.actor == f"user:{platform.pk}"


def test_department_admin_changes_roles_in_their_department_only(two_departments):
    a, b = two_departments
    dept_admin = staff("deptadmin", "department_admin", department_id=a.pk)
    mine = staff("mine", "window_clerk", department_id=a.pk)
    theirs = staff("theirs", "window_clerk", department_id=b.pk)
    services.do_set_staff_roles(actor=dept_admin, user_id=mine.pk, roles=["approving_officer"])
    assert list(mine.groups.values_list("name", flat=True)) == ["approving_officer"]
    seq = last_seq()
    for user, roles in ((theirs, ["approving_officer"]), (mine, ["platform_admin"])):
        with pytest.raises(Forbidden):
            services.do_set_staff_roles(actor=dept_admin, user_id=user.pk, roles=roles)
    with pytest.raises(InvalidInput):
        services.do_set_staff_roles(actor=dept_admin, user_id=mine.pk, roles=["emperor"])
    assert audit_actions(seq) == ["accounts.staff.roles_refused"] * 2  # refusals are on record
    clerk = staff("clerk", "window_clerk", department_id=a.pk)
    citizen = person(1)
    seq = last_seq()
    with pytest.raises(Forbidden):
        services.do_set_staff_roles(actor=clerk, user_id=mine.pk, roles=["window_clerk"])
    with pytest.raises(NotFound):
        services.do_set_staff_roles(actor=dept_admin, user_id=citizen.pk, roles=["window_clerk"])
    assert list(theirs.groups.values_list("name", flat=True)) == ["window_clerk"]
    assert list(mine.groups.values_list("name", flat=True)) == ["approving_officer"]
    assert audit_actions(seq) == ["accounts.staff.roles_refused"]


def test_upsert_staff_is_idempotent_and_audits_role_changes():
    first = staff("clerk", "window_clerk")
    seq = last_seq()
    again = staff("clerk", "window_clerk")
    assert again.pk == first.pk and audit_actions(seq) == ["accounts.staff.update"]
    seq = last_seq()
    staff("clerk", "window_clerk", "inspector")
    assert audit_actions(seq) == ["accounts.staff.update", "accounts.staff.roles"]
    assert services.totp_secret(again) == "JBSWY3DPEHPK3PXP" + "A" * 16


# --- Device sessions ----------------------------------------------------------------------------------


def test_device_session_is_ended_by_its_owner_only():
    owner = person(1)
    other = person(2)
    store = SessionStore()
    store["x"] = 1
    store.create()
    device = services.do_start_device_session(
        user=owner, session_key=store.session_key, method="password", ip="127.0.0.1", user_agent="pytest"
    )
    assert list(queries.device_sessions(owner)) == [device]
    with pytest.raises(NotFound):
        services.do_end_device_session(actor=other, device_session_id=device.pk)
    assert Session.objects.filter(session_key=store.session_key).exists()
    seq = last_seq()
    services.do_end_device_session(actor=owner, device_session_id=device.pk)
    assert DeviceSession.objects.get(pk=device.pk).ended_at is not None
    assert not Session.objects.filter(session_key=store.session_key).exists()
    assert audit_actions(seq) == ["accounts.session.end"]
    assert list(queries.device_sessions(owner)) == []
    with pytest.raises(NotFound):
        services.do_end_device_session(actor=owner, device_session_id=device.pk)
