"""Fixtures of the supervision core tests: departments, staff and entities, built through the
services (core, accounts, supervision.registry)."""

from __future__ import annotations

import random

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code

from .. import registry

SYSTEM = "system:test"


def department(name: str, region: str = "420100"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"sup-core-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def staff(username: str, *roles: str, dept=None, superuser: bool = False):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=dept.pk if dept else None,
        superuser=superuser,
    )


def credit_code(seed: str, region: str = "420100", kind: str = "91") -> str:
    return make_credit_code(random.Random(f"sup-core-test:entity:{seed}"), region=region, kind=kind)


def entity(
    seed: str, *, industry: str = "H62", region: str = "420102", kind: str = "enterprise", name: str = ""
):
    return registry.do_register_entity(
        actor=SYSTEM,
        credit_code=credit_code(seed, region=region[:4] + "00"),
        name=name or f"武汉{seed}有限公司",
        kind=kind,
        region_code=region,
        industry=industry,
        address="武汉市江岸区沿江大道 1 号",
    )
