"""Fixtures of the catalogue tests (a module of their own: the app's conftest is shared)."""

from __future__ import annotations

import random

import pytest

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from ..models import Mount, Resource

SYSTEM = "system:test"


def department(name: str, region: str = "420115"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"exchange-test:dept:{name}"), region=region, kind="11"),
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


def entry_values(**kw) -> dict:
    values = {
        "name": "食品经营许可信息",
        "summary": "本部门核发的食品经营许可证信息。",
        "resource_class": "department",
        "base_register": "",
        "subject": "市场监管",
        "format": "database",
        "fields": [
            {"key": "licence_no", "name": "许可证编号", "type": "C", "length": 30, "sensitivity": "public"},
            {"key": "holder", "name": "经营者名称", "type": "C", "length": 200, "sensitivity": "public"},
            {"key": "issued_on", "name": "发证日期", "type": "D", "sensitivity": "internal"},
        ],
        "share_type": "conditional",
        "share_condition": "用于食品安全监管",
        "share_basis": "《中华人民共和国食品安全法》第一百一十三条",
        "open_type": "closed",
        "open_condition": "",
        "update_frequency": "daily",
        "keywords": ["食品", "许可"],
    }
    values.update(kw)
    return values


def snapshot() -> dict:
    """Everything the catalogue writes, to assert that a refused write changed nothing."""
    return {
        "resources": sorted(
            Resource.objects.values_list("code", "version", "state", "is_current", "name", "change_note")
        ),
        "fields": sorted((r.code, r.version, str(r.fields)) for r in Resource.objects.all()),
        "mounts": sorted(Mount.objects.values_list("code", "kind", "state", "target", "last_updated_at")),
        "audit_writes": AuditEvent.objects.exclude(action__contains="refused").count(),
    }


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded):
    market = department("武汉市江夏区市场监督管理局")
    other = department("武汉市江汉区行政审批局", region="420103")
    return {
        "market": market,
        "other": other,
        "admin": staff("market-admin", "department_admin", dept=market),
        "steward": staff("market-steward", "data_steward", dept=market),
        "clerk": staff("market-clerk", "window_clerk", dept=market),
        "outsider": staff("other-admin", "department_admin", dept=other),
        "platform": staff("platform-admin", "platform_admin"),
    }
