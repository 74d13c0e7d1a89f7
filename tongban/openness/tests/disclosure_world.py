"""The world of the disclosure tests: Hubei's regions, the calendar of 2026 (2027 provisional),
two bodies (江夏's 行政审批局 and 民政局), their staff, a citizen and an enterprise's legal
representative acting for it. Built through the services, as the house does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import TestCase

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import person, rid
from tongban.core import services as core_services
from tongban.licences.tests.conftest import COMPANY, department, staff

from .. import disclosure_clock
from ..disclosure import RequestInput, do_submit_request

SYSTEM = "system:test"
TODAY = dt.date(2026, 9, 29)  # a Tuesday, two days before the National Day holidays


@dataclass
class World:
    body: object
    other_body: object
    handler: object
    clerk: object
    head: object
    other_officer: object
    platform: object
    inspector: object
    citizen: object
    stranger: object
    rep: object
    mandate: object


@pytest.fixture(name="today")
def today_fixture(monkeypatch):
    """Pin the disclosure rules' today: `today(dt.date(...))`; starts at TODAY."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(disclosure_clock, "today", lambda: day)

    set_today(TODAY)
    return set_today


@pytest.fixture(name="world")
def world_fixture(regions_loaded, db, today) -> World:
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    body = department("武汉市江夏区行政审批局", "420115")
    other = department("武汉市江夏区民政局", "420115")
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉鑫达恒通商贸有限公司",
        kind="enterprise",
        legal_rep_name="法人庚",
        legal_rep_id_number=rid(47),
    )
    rep = person(47, name="法人庚", level=2)
    mandate = account_services.do_claim_legal_person(actor=rep, credit_code=COMPANY)
    return World(
        body=body,
        other_body=other,
        handler=staff("d-officer", "approving_officer", dept=body),
        clerk=staff("d-clerk", "window_clerk", dept=body),
        head=staff("d-head", "department_admin", dept=body),
        other_officer=staff("d-civil", "approving_officer", "department_admin", dept=other),
        platform=staff("d-platform", "platform_admin"),
        inspector=staff("d-inspector", "inspector"),
        citizen=person(41, name="市民甲", level=2),
        stranger=person(42, name="市民乙", level=2),
        rep=rep,
        mandate=mandate,
    )


def submit(actor, body, **over):
    values = {
        "department_id": body.pk,
        "description": "2025年江夏区食品经营许可办理情况统计表",
        "purpose": "学术研究",
        "form": "electronic",
        "delivery": "online",
    } | over
    with TestCase.captureOnCommitCallbacks(execute=True):
        return do_submit_request(actor=actor, data=RequestInput(**values))
