"""accounts.queries: roles, grants valid now, acting options and the acting claim, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from tongban.accounts import queries, services
from tongban.accounts.models import AgentConsent, Mandate

from .services_support import PASSWORD, enterprise_for, id_number, in_days, mobile, name, person, staff

pytestmark = pytest.mark.django_db
ITEM = "11420106MB0000000X4420100101001"


def test_has_role():
    clerk = staff("clerk", "window_clerk")
    boss = services.do_upsert_staff(
        actor="system:test", username="root", password=PASSWORD, display_name="r", roles=[], superuser=True
    )
    assert queries.has_role(clerk, "window_clerk") and not queries.has_role(clerk, "inspector")
    assert queries.has_role(boss, "inspector")
    assert not queries.has_role(AnonymousUser(), "window_clerk")
    assert not queries.has_role(None, "window_clerk")
    assert queries.staff_department_id(clerk) is None and queries.staff_department_id(None) is None


@pytest.fixture
def grants():
    rep = person(1, level=2)
    agent = person(2, level=2)
    rep_mandate = enterprise_for(rep, 1)
    mandate = services.do_grant_mandate(
        actor=rep,
        legal_person_id=rep_mandate.legal_person_id,
        agent_name=name(2),
        agent_id_number=id_number(2),
        all_items=False,
        item_codes=[ITEM],
        expires_at=in_days(30),
    )
    consent = services.do_record_consent(
        actor=rep,
        principal=rep,
        agent_name=name(2),
        agent_id_number=id_number(2),
        relation="family",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )
    return rep, agent, rep_mandate, mandate, consent


def test_valid_grants_exclude_revoked_expired_and_others(grants):
    rep, agent, _rep_mandate, mandate, consent = grants
    assert queries.valid_mandate(agent, mandate.pk) == mandate
    assert queries.valid_mandate(rep, mandate.pk) is None  # somebody else's
    assert queries.valid_mandate(agent, None) is None
    assert queries.valid_consent(agent, consent.pk) == consent
    assert queries.valid_consent(rep, consent.pk) is None
    Mandate.objects.filter(pk=mandate.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.valid_mandate(agent, mandate.pk) is None
    services.do_revoke_consent(actor=rep, consent_id=consent.pk)
    assert queries.valid_consent(agent, consent.pk) is None
    assert list(queries.my_principals(agent)) == []
    assert list(queries.my_agents(rep)) == [AgentConsent.objects.get(pk=consent.pk)]  # all, revoked too
    assert list(queries.my_mandates(agent)) == []
    assert list(queries.mandates_granted(rep)) == [mandate]


def test_represented_by_code_is_the_legal_representatives_only(grants):
    """The legal person a person represents now, by credit code (a bundle files the company's
    member cases under it): not for its agent, another code, or once the mandate has ended."""
    rep, agent, rep_mandate, _mandate, _consent = grants
    lp = rep_mandate.legal_person
    assert queries.represented_by_code(rep, lp.credit_code) == {
        "id": lp.pk,
        "name": lp.name,
        "credit_code": lp.credit_code,
    }
    assert queries.represented_by_code(agent, lp.credit_code) is None  # an agent, not its representative
    assert queries.represented_by_code(rep, "") is None
    assert queries.represented_by_code(rep, "91420100MA4K000000") is None
    Mandate.objects.filter(pk=rep_mandate.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.represented_by_code(rep, lp.credit_code) is None


def test_acting_options_and_claims(grants, django_assert_max_num_queries):
    rep, agent, rep_mandate, mandate, consent = grants
    with django_assert_max_num_queries(2):
        options = queries.acting_options(agent)
    assert options == [
        {
            "kind": "self",
            "id": None,
            "label": f"本人：{name(2)}",
            "prefix": "本人：",
            "name": name(2),
            "note": "",
        },
        {
            "kind": "enterprise",
            "id": mandate.pk,
            "label": "武汉测试1商贸有限公司（经办人）",
            "prefix": "",
            "name": "武汉测试1商贸有限公司",
            "note": "（经办人）",
        },
        {
            "kind": "principal",
            "id": consent.pk,
            "label": f"代办：{name(1)}（家属）",
            "prefix": "代办：",
            "name": name(1),
            "note": "（家属）",
        },
    ]
    assert queries.acting_claim(agent) == {"kind": "self"}
    assert queries.current_acting_label(agent) == "本人"
    with translation.override("en"):
        english = queries.acting_options(agent)
        assert [(o["prefix"], o["name"], o["note"]) for o in english] == [
            ("Myself: ", name(2), ""),
            ("", "武汉测试1商贸有限公司", " (Authorised agent)"),
            ("Acting for: ", name(1), " (Family member)"),
        ]
        assert queries.current_acting_label(agent) == "Myself"
    services.do_switch_acting(actor=agent, kind="enterprise", target_id=mandate.pk)
    assert queries.acting_claim(agent) == {
        "kind": "enterprise",
        "credit_code": rep_mandate.legal_person.credit_code,
        "name": "武汉测试1商贸有限公司",
        "role": "agent",
        "all_items": False,
        "items": [ITEM],
    }
    assert queries.current_acting_label(agent) == "武汉测试1商贸有限公司"
    services.do_switch_acting(actor=agent, kind="principal", target_id=consent.pk)
    assert queries.acting_claim(agent) == {
        "kind": "principal",
        "sub": str(rep.sub),
        "name": name(1),
        "all_items": True,
        "items": [],
    }
    assert queries.current_acting_label(agent) == f"代办：{name(1)}"
    services.do_revoke_consent(actor=agent, consent_id=consent.pk)
    assert queries.acting_claim(agent) == {"kind": "self"}  # a revoked grant falls back to self


def test_acting_options_query_count_does_not_grow(grants, django_assert_max_num_queries):
    _rep, agent, _rep_mandate, _mandate, _consent = grants
    for n in range(3, 6):
        principal = person(n, level=2)
        services.do_record_consent(
            actor=principal,
            principal=principal,
            agent_name=name(2),
            agent_id_number=id_number(2),
            relation="other",
            all_items=True,
            expires_at=in_days(10),
            consent_method="online",
        )
    with django_assert_max_num_queries(2):
        assert len(queries.acting_options(agent)) == 6


def test_login_history_and_person_kind():
    user = person(1)
    for _ in range(3):
        services.authenticate_password(identifier=mobile(1), password=PASSWORD)
    history = list(queries.login_history(user, limit=2))
    assert len(history) == 2 and history[0].at >= history[1].at
    assert queries.is_person(user) and not queries.is_person(staff("clerk", "window_clerk"))
    assert queries.get_user(user.pk) == user and queries.get_user(10**9) is None
