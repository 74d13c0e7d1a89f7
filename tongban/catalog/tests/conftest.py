from __future__ import annotations

import pytest

from tongban.accounts import services as account_services
from tongban.catalog.models import HandlingItem, ImplementationItem, Material
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department
from tongban.core.models import AuditEvent
from tongban.licences import services as licence_services

# The licence type of make_item's second material (营业执照, the market regulator's type 001).
LIBRARY_TYPE = "11100000000013338W001"


def make_staff(username: str, *roles: str, department=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=department.pk if department else None,
    )


def counts() -> dict[str, int]:
    """Row counts a refused write must leave unchanged."""
    return {
        "items": ImplementationItem.objects.count(),
        "materials": Material.objects.count(),
        "handling": HandlingItem.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def dept(db):
    return make_department(region="420100", name="武汉市市场监督管理局")


@pytest.fixture
def other_dept(db):
    return make_department(region="420200", name="黄石市市场监督管理局")


@pytest.fixture
def basic(db):
    return make_basic_item(code="420100101000", name="企业营业执照核发")


@pytest.fixture
def editor(dept):
    return make_staff("editor", "catalog_editor", department=dept)


@pytest.fixture
def reviewer(dept):
    return make_staff("reviewer", "catalog_reviewer", department=dept)


@pytest.fixture
def admin(db):
    return make_staff("admin", "platform_admin")


@pytest.fixture
def library_type(db):
    """The e-licence library holds the 营业执照 type, registered through the licences services."""
    licence_services.do_seed_standard_types(actor=SYSTEM, codes={"营业执照": LIBRARY_TYPE})
    return LIBRARY_TYPE
