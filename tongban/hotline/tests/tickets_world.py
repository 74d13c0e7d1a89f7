"""The world of the ticket tests: Hubei's regions, the 2026 calendar, a provincial operator and
platform administrator, units at the province, Wuhan (city), 江夏区 (county) and 纸坊街道
(township), their staff, and a citizen. Built through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from django.test import TestCase
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import person
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code

from .. import deadlines
from ..services import do_intake

SYSTEM = "system:test"
# Tuesday 29 September 2026, 09:00 Beijing time: two days before the National Day holidays.
NOW = timezone.make_aware(dt.datetime(2026, 9, 29, 9, 0))


@dataclass
class World:
    province: object
    city: object
    city_other: object
    county: object
    county_other: object
    township: object
    operator: object
    admin: object
    city_staff: object
    city_other_staff: object
    county_staff: object
    county_other_staff: object
    township_staff: object
    citizen: object
    stranger: object


def department(name: str, region: str):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"hotline-test:{name}"), region=region[:6], kind="11"),
        region_code=region,
        kind="bureau",
    )


def staff(username: str, *roles: str, dept=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=dept.pk if dept else None,
    )


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch):
    """Pin the ticket rules' now: `clock(datetime)`; starts at NOW. Returns the setter."""

    def set_now(at: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(deadlines, "now", lambda: at)
        return at

    set_now(NOW)
    return set_now


@pytest.fixture(name="world")
def world_fixture(regions_loaded, db, clock, settings) -> World:
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    province = department("湖北省12345热线平台", "420000")
    city = department("武汉市城市管理执法委员会", "420100")
    city_other = department("武汉市市场监督管理局", "420100")
    county = department("武汉市江夏区城市管理执法局", "420115")
    county_other = department("武汉市江夏区住房和城市更新局", "420115")
    township = department("江夏区纸坊街道办事处", "420115001000")
    return World(
        province=province,
        city=city,
        city_other=city_other,
        county=county,
        county_other=county_other,
        township=township,
        operator=staff("h-operator", "hotline_operator", dept=province),
        admin=staff("h-admin", "platform_admin"),
        city_staff=staff("h-city", "approving_officer", dept=city),
        city_other_staff=staff("h-city2", "approving_officer", dept=city_other),
        county_staff=staff("h-county", "approving_officer", dept=county),
        county_other_staff=staff("h-county2", "approving_officer", dept=county_other),
        township_staff=staff("h-town", "approving_officer", dept=township),
        citizen=person(61, name="市民甲", level=2),
        stranger=person(62, name="市民乙", level=2),
    )


def phone_ticket(world: World, **over):
    values = {
        "channel": "phone",
        "kind": "complaint",
        "category": "urban",
        "text": "江夏区纸坊大街夜间施工噪音扰民，持续一周，严重影响休息",
        "address": "江夏区纸坊大街88号",
        "region_code": "420115",
        "contact_name": "张先生",
        "contact_phone": "13912345678",
    } | over
    with TestCase.captureOnCommitCallbacks(execute=True):
        return do_intake(actor=world.operator, **values)


def run(fn, **kwargs):
    """Call a service with its on-commit callbacks (SMS) executed."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(**kwargs)
