"""Delegation holds on every use (issue 10 §4): an agent's (经办人) item scope and expiry, a
helper's (帮办代办) consent, and staff acting as staff decide each read and write of a case, its
files and its notifications, asked of accounts on every use (nothing is cached on the case)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import enterprise, in_days, person, rid
from tongban.catalog.testing import make_basic_item, make_item
from tongban.core.errors import NotFound

from .. import queries, services
from ..enums import CaseState, Delivery
from ..models import Case, Notification
from .conftest import FORM, as_user, counts, upload

pytestmark = pytest.mark.usefixtures("regions_loaded")


def other_item(world):
    item = make_item(
        world["dept"], make_basic_item(name="食品生产许可"), promised_limit=5, statutory_limit=20
    )
    return item, list(item.materials.order_by("order", "id"))


def apply_as(actor, item, materials) -> Case:
    actor.refresh_from_db()
    return services.do_submit(
        actor=actor, item_code=item.code, data=FORM, uploads=[upload(m) for m in materials]
    )


def firm(world, **grant):
    """陈建国 represents a company; 李四 is its agent with `grant` (scope and expiry)."""
    rep = person(7, name="陈建国", level=2)
    _, legal_rep = enterprise(rep, 7, name="武汉鑫达商贸有限公司")
    agent = person(8, name="李四", level=2)
    mandate = account_services.do_grant_mandate(
        actor=rep,
        legal_person_id=legal_rep.legal_person_id,
        agent_name="李四",
        agent_id_number=rid(8),
        **({"all_items": True, "expires_at": in_days(30)} | grant),
    )
    return rep, legal_rep, agent, mandate


def act_for(user, kind: str, target_id: int):
    account_services.do_switch_acting(actor=user, kind=kind, target_id=target_id)
    user.refresh_from_db()
    return user


def refused_everywhere(actor, case: Case) -> None:
    """The actor reaches the case through no page, API call or write; nothing changes."""
    before = (counts(), list(Case.objects.filter(pk=case.pk).values()))
    with pytest.raises(NotFound):
        services.access_case(actor, case.number)
    with pytest.raises(NotFound):
        services.do_withdraw(actor=actor, number=case.number, reason="不办了")
    with pytest.raises(NotFound):
        services.do_choose_delivery(
            actor=actor, number=case.number, method=Delivery.POST, address="武汉市江夏区某路1号"
        )
    client = as_user(actor)
    material = case.materials.first()
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert client.get(f"/cases/{case.number}/files/{material.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404
    for path, body in (("withdraw", {"reason": "x"}), ("delivery", {"method": "electronic"})):
        r = client.post(
            f"/api/v1/cases/{case.number}/{path}",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": f"k-{path}"},
        )
        assert r.status_code == 404, r.content
    assert case.number not in {c.number for c in queries.cases_of(actor)}
    assert (counts(), list(Case.objects.filter(pk=case.pk).values())) == before


def test_an_agent_reaches_only_the_items_the_mandate_covers(world):
    food, food_materials = other_item(world)
    rep, legal_rep, agent, _ = firm(world, all_items=False, item_codes=[world["item"].code])
    act_for(rep, "enterprise", legal_rep.pk)
    outside = apply_as(rep, food, food_materials)  # the company's case for an item the agent lacks
    inside = apply_as(rep, world["item"], world["materials"])

    refused_everywhere(agent, outside)
    assert services.access_case(agent, inside.number) == inside
    assert [c.number for c in queries.cases_of(agent)] == [inside.number]
    services.do_accept(actor=world["officer"], number=inside.number)
    services.do_accept(actor=world["officer"], number=outside.number)
    heard = dict(Notification.objects.filter(text__startswith="已受理").values_list("case_id", "user_id"))
    assert heard == {inside.pk: rep.pk, outside.pk: rep.pk}  # the rep; the agent did not submit


def test_a_revoked_agent_loses_the_cases_they_submitted_and_hears_no_more(world):
    rep, _, agent, mandate = firm(world)
    case = apply_as(act_for(agent, "enterprise", mandate.pk), world["item"], world["materials"])
    assert services.access_case(agent, case.number) == case
    assert set(Notification.objects.filter(case=case).values_list("user_id", flat=True)) == {rep.pk, agent.pk}

    account_services.do_revoke_mandate(actor=rep, mandate_id=mandate.pk)
    refused_everywhere(agent, case)
    Notification.objects.all().delete()
    services.do_accept(actor=world["officer"], number=case.number)
    assert list(Notification.objects.filter(case=case).values_list("user_id", flat=True)) == [rep.pk]
    # The case stays with the company: its representative sees it and acts on it.
    assert services.access_case(rep, case.number) == case
    assert [c.number for c in queries.cases_of(rep)] == [case.number]
    services.do_withdraw(actor=rep, number=case.number, reason="公司决定不再申请")
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN


def test_an_expired_helper_loses_the_cases_they_submitted(world, monkeypatch):
    principal = person(7, name="王大妈", level=2)
    helper = person(8, name="李四", level=2)
    consent = account_services.do_record_consent(
        actor=principal,
        principal=principal,
        agent_name="李四",
        agent_id_number=rid(8),
        relation="family",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )
    case = apply_as(act_for(helper, "principal", consent.pk), world["item"], world["materials"])
    assert (case.applicant_id, case.agent_id) == (principal.pk, helper.pk)
    assert services.access_case(helper, case.number) == case

    later = timezone.now() + dt.timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    refused_everywhere(helper, case)
    Notification.objects.all().delete()
    services.do_accept(actor=world["officer"], number=case.number)
    assert list(Notification.objects.filter(case=case).values_list("user_id", flat=True)) == [principal.pk]
    assert services.access_case(principal, case.number) == case


def test_the_clerk_who_keyed_in_a_window_case_acts_as_staff_never_as_the_applicant(world):
    citizen, clerk = world["citizen"], world["clerk"]
    case = services.do_window_intake(
        actor=clerk,
        applicant_id=citizen.pk,
        item_code=world["item"].code,
        data=FORM,
        uploads=[upload(m) for m in world["materials"]],
    )
    assert case.submitted_by_id == clerk.pk and case.applicant_id == citizen.pk
    before = (counts(), list(Case.objects.filter(pk=case.pk).values()))
    client = as_user(clerk)
    for path, body in (
        ("withdraw", {"reason": "x"}),
        ("delivery", {"method": "post", "address": "武汉市江汉区某路1号"}),
    ):
        r = client.post(
            f"/api/v1/cases/{case.number}/{path}",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": f"clerk-{path}"},
        )
        assert r.status_code in (403, 404), r.content
    with pytest.raises(NotFound):
        services.do_withdraw(actor=clerk, number=case.number)
    with pytest.raises(NotFound):
        services.do_choose_delivery(actor=clerk, number=case.number, method=Delivery.ELECTRONIC)
    assert (counts(), list(Case.objects.filter(pk=case.pk).values())) == before
    # Still the clerk's to read at the workbench, and the applicant's to act on.
    assert services.access_case(clerk, case.number) == case
    services.do_choose_delivery(
        actor=citizen, number=case.number, method=Delivery.POST, address="武汉市江汉区某路1号"
    )
    assert Case.objects.get(pk=case.pk).delivery == Delivery.POST


def test_nobody_signed_out_reaches_a_case(world):
    case = apply_as(world["citizen"], world["item"], world["materials"])
    assert Client().get(f"/api/v1/cases/{case.number}").status_code == 401
