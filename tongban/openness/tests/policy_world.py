"""Fixtures of the policy tests (a module of their own: the app's conftest is shared with the
other openness parts)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from ..models import Interpretation, Policy, PolicyAttachment, PolicyLink, PolicyReview, SecrecyFinding

SYSTEM = "system:test"


def department(name: str, region: str = "420100"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"openness-test:dept:{name}"), region=region, kind="11"),
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


def snapshot() -> dict[str, int]:
    """Row counts a refused write must leave unchanged."""
    return {
        "policies": Policy.objects.count(),
        "interpretations": Interpretation.objects.count(),
        "attachments": PolicyAttachment.objects.count(),
        "links": PolicyLink.objects.count(),
        "reviews": PolicyReview.objects.count(),
        "findings": SecrecyFinding.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def policy_row(issuer, number: str = "鄂政办发〔2026〕3号", **kw) -> Policy:
    """A bare row (model tests only; the service tests go through services)."""
    values = {
        "number": number,
        "title": "湖北省人民政府办公厅关于进一步优化营商环境的通知",
        "issuer": issuer,
        "written_on": dt.date(2026, 3, 1),
        "text": "各市、州、县人民政府，省政府各部门：现将有关事项通知如下。",
    }
    values.update(kw)
    return Policy.objects.create(**values)


POLICY_VALUES = {
    "number": "鄂市监发〔2026〕12号",
    "title": "关于进一步优化食品经营许可办理的通知",
    "subject": "market",
    "doc_type": "notice",
    "written_on": "2026-03-01",
    "effective_on": "2026-04-01",
    "summary": "压减食品经营许可办理时限，推行告知承诺制。",
    "text": "各区市场监督管理局：为进一步优化营商环境，现就食品经营许可办理有关事项通知如下。",
}


def values(**kw) -> dict:
    return {**POLICY_VALUES, **kw}


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded):
    """Two departments; in the first a drafter (any staff), two reviewers (its administrator
    and an approving officer); the second's administrator; a platform administrator; one
    published catalogue item of the first department."""
    from tongban.catalog.testing import make_basic_item, make_item

    market = department("武汉市市场监督管理局")
    other = department("武汉市人力资源和社会保障局")
    item = make_item(market, make_basic_item(name="食品经营许可"))
    return {
        "market": market,
        "other": other,
        "drafter": staff("pol-drafter", "window_clerk", dept=market),
        "reviewer": staff("pol-admin", "department_admin", dept=market),
        "officer": staff("pol-officer", "approving_officer", dept=market),
        "outsider": staff("pol-outsider", "department_admin", dept=other),
        "platform": staff("pol-platform", "platform_admin"),
        "item": item,
    }
