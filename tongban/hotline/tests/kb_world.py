"""Fixtures of the knowledge-base and dispatch-suggestion tests (a module of their own: the
app's tests are shared with the ticket part)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from ..models_kb import Article, ArticleLink, ArticleReview, ArticleVersion, DispatchModel

SYSTEM = "system:test"


def department(name: str, region: str = "420100"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"hotline-kb-test:dept:{name}"), region=region, kind="11"),
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
        "articles": Article.objects.count(),
        "versions": ArticleVersion.objects.count(),
        "links": ArticleLink.objects.count(),
        "reviews": ArticleReview.objects.count(),
        "models": DispatchModel.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded):
    """The 12345 centre with an operator; a district market bureau with a writer (any staff) and a
    reviewer (its administrator); another bureau's administrator; a platform administrator."""
    centre = department("武汉市12345市民服务热线中心")
    market = department("武汉市江岸区市场监督管理局", "420102")
    other = department("武汉市江岸区民政局", "420102")
    return SimpleNamespace(
        centre=centre,
        market=market,
        other=other,
        operator=staff("kb-operator", "hotline_operator", dept=centre),
        writer=staff("kb-writer", "window_clerk", dept=market),
        reviewer=staff("kb-reviewer", "department_admin", dept=market),
        outsider=staff("kb-outsider", "department_admin", dept=other),
        platform=staff("kb-platform", "platform_admin"),
    )
