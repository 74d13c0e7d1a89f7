"""The gateway tests' world: two departments (a provider of the registers and a caller), a calling
system with a real client_credentials token, the registers' entries mounted, a person and an
enterprise in the registers. Fixtures are imported by the gateway test modules (not a conftest:
other helpers' tests have their own)."""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass

import pytest
from django.test import Client

from tongban.accounts import clients as account_clients
from tongban.accounts import services as account_services
from tongban.core import queries as core_queries
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code, make_resident_id

from .. import gateway
from ..models import CallLog
from ..testing import (
    SYSTEM,
    make_grant,  # noqa: F401 (the tests import it from here)
    make_resource,
)

PERSON_ID = make_resident_id(
    random.Random("gateway:person"), region="420102", born=dt.date(1990, 5, 17), sex="F"
)
OTHER_ID = make_resident_id(
    random.Random("gateway:other"), region="420103", born=dt.date(1985, 1, 2), sex="M"
)
COMPANY = make_credit_code(random.Random("gateway:company"), region="420115", kind="91")

PERSON_FIELDS = [
    {"key": "name", "name": "姓名", "type": "C", "length": 60, "sensitivity": "personal"},
    {"key": "sex", "name": "性别", "type": "C", "length": 1, "sensitivity": "personal"},
    {"key": "birth_date", "name": "出生日期", "type": "D", "length": 10, "sensitivity": "personal"},
    {"key": "birthplace", "name": "出生地", "type": "C", "length": 12, "sensitivity": "personal"},
]
VERIFY_FIELDS = [{"key": "match", "name": "比对结果", "type": "L", "length": 1, "sensitivity": "internal"}]
ENTITY_FIELDS = [
    {"key": k, "name": k, "type": "C", "length": 200, "sensitivity": "public"}
    for k in ("name", "kind", "legal_rep_name", "region_code", "established", "status")
]


def department(name: str, region: str = "420115"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"gateway-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def system_token(dept, *, scopes=("api",)) -> tuple[str, str]:
    """A client_credentials system of `dept` and a token the token endpoint issued to it."""
    registered = account_clients.do_register_client(
        actor=SYSTEM,
        name=f"{dept.name}业务系统",
        department_id=dept.pk,
        allowed_scopes=scopes,
        grant_types=("client_credentials",),
    )
    client_id = registered.client.client_id
    basic = base64.b64encode(f"{client_id}:{registered.secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    return client_id, r.json()["access_token"]


@dataclass
class World:
    provider: object
    consumer: object
    client_id: str
    token: str
    person: object
    verify: object
    entity: object

    @property
    def caller(self) -> gateway.Caller:
        return gateway.Caller(client_id=self.client_id, department_id=self.consumer.pk)


@pytest.fixture
def world(db, regions_loaded):
    gateway.forget()
    if not core_queries.provinces().exists():  # a transactional test before this one flushed them
        core_services.do_load_regions(actor=SYSTEM)
    provider = department("湖北省公安厅", "420000")
    consumer = department("武汉市江汉区市场监督管理局", "420103")
    client_id, token = system_token(consumer)
    account_services.do_upsert_population_record(actor=SYSTEM, name="王芳", id_number=PERSON_ID)
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉江夏示范食品有限公司",
        kind="enterprise",
        legal_rep_name="王芳",
        legal_rep_id_number=PERSON_ID,
        established=dt.date(2019, 3, 1),
    )
    person = make_resource(
        provider,
        code="RK-001",
        name="人口基础信息查询",
        fields=PERSON_FIELDS,
        mount_target="population.person",
    )
    verify = make_resource(
        provider,
        code="RK-002",
        name="人口信息核查比对",
        fields=VERIFY_FIELDS,
        mount_target="population.verify",
    )
    entity = make_resource(
        provider,
        code="FR-001",
        name="法人基础信息查询",
        fields=ENTITY_FIELDS,
        mount_target="legal_person.entity",
    )
    yield World(provider, consumer, client_id, token, person, verify, entity)
    gateway.forget()


def log_rows() -> list[tuple]:
    return list(
        CallLog.objects.order_by("id").values_list(
            "service_code", "client_id", "outcome", "error_code", "fields"
        )
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Bearer " + token}
