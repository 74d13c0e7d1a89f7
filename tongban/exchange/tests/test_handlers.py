"""The registers' handlers behind the gateway: 电子证照库 (valid licences of a holder, holds a
licence of type X) and 社会信用库 (no file: not found), projected per record."""

from __future__ import annotations

import pytest

from tongban.accounts import clients as account_clients
from tongban.licences import services as licence_services
from tongban.licences.tests import conftest as licence_world

from .. import gateway, handlers
from ..errors import GatewayRefusal
from ..testing import make_resource
from .gateway_support import SYSTEM, department, log_rows, make_grant

today = licence_world.today
world = licence_world.world

pytestmark = pytest.mark.django_db

HOLDING_FIELDS = [
    {"key": k, "name": k, "type": "C", "length": 100, "sensitivity": "internal"}
    for k in ("type_code", "type_name", "number", "issuer_name", "valid_from", "valid_until", "state")
]
HOLDS_FIELDS = [{"key": "holds", "name": "是否持有", "type": "L", "length": 1, "sensitivity": "internal"}]
CREDIT_FIELDS = [
    {"key": k, "name": k, "type": "C", "length": 100, "sensitivity": "public"}
    for k in ("name", "level", "evaluated_on", "entries")
]


@pytest.fixture
def caller(world):
    gateway.forget()
    consumer = department("武汉市江汉区市场监督管理局", "420103")
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name="食品经营许可系统",
        department_id=consumer.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    yield consumer, gateway.Caller(client_id=registered.client.client_id, department_id=consumer.pk)
    gateway.forget()


def test_holdings_lists_valid_licences_projected_per_record(world, caller):
    consumer, who = caller
    business = licence_world.issue_business(world)
    food = licence_world.issue_food(world)
    licence_services.do_suspend_licence(actor=world["officer"], identifier=food.identifier, reason="停业整顿")
    resource = make_resource(
        world["jiangxia"], code="ZZ-001", fields=HOLDING_FIELDS, mount_target="licence.holdings"
    )
    make_grant(resource, consumer, who.client_id, fields=["type_code", "number", "valid_until"])
    answer = gateway.call(who, "ZZ-001", {"purpose": "verification", "subject": licence_world.COMPANY})
    assert answer.fields == {}
    assert answer.records == [
        {"type_code": business.type_code, "number": business.number, "valid_until": None}
        if business.valid_until is None
        else {
            "type_code": business.type_code,
            "number": business.number,
            "valid_until": business.valid_until.isoformat(),
        }
    ]
    assert answer.as_dict()["records"] == answer.records
    assert log_rows() == [("ZZ-001", who.client_id, "ok", "", ["number", "type_code", "valid_until"])]


def test_verify_holds(world, caller):
    consumer, who = caller
    business = licence_world.issue_business(world)
    resource = make_resource(
        world["jiangxia"], code="ZZ-002", fields=HOLDS_FIELDS, mount_target="licence.verify_holds"
    )
    make_grant(resource, consumer, who.client_id)
    q = {"purpose": "verification", "subject": licence_world.COMPANY}
    holds = gateway.call(who, "ZZ-002", q | {"params": {"type_code": business.type_code}})
    assert holds.fields == {"holds": True}
    food_code = licence_world.CODES["食品经营许可证"]
    assert gateway.call(who, "ZZ-002", q | {"params": {"type_code": food_code}}).fields == {"holds": False}
    with pytest.raises(GatewayRefusal) as info:
        gateway.call(who, "ZZ-002", q)
    assert (info.value.code, info.value.field) == ("QUERY_MALFORMED", "params.type_code")


def test_credit_record_without_a_file_is_not_found(world, caller):
    consumer, who = caller
    resource = make_resource(
        world["jiangxia"], code="XY-001", fields=CREDIT_FIELDS, mount_target="credit.record"
    )
    make_grant(resource, consumer, who.client_id)
    with pytest.raises(GatewayRefusal) as info:
        gateway.call(who, "XY-001", {"purpose": "verification", "subject": licence_world.COMPANY})
    assert info.value.code == "SUBJECT_NOT_FOUND"


def test_every_handler_named_in_the_interface_is_registered():
    assert handlers.names() == [
        "credit.record",
        "legal_person.entity",
        "legal_person.verify_status",
        "licence.holdings",
        "licence.verify_holds",
        "population.person",
        "population.verify",
    ]
