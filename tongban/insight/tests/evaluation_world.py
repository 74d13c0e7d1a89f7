"""A small evaluated province for the evaluation tests: Hubei's regions, two cities with
catalogue items (武汉's 江岸区 and 宜昌's 西陵区), two platform administrators and a published
five-line scheme over catalogue measures (weights 20 each, linear 0 → 100)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tongban.accounts import services as account_services
from tongban.catalog.testing import make_basic_item, make_department, make_item

# Hubei's regions once per module, removed afterwards so later modules start empty (catalog's fixture)
from tongban.core.models import AuditEvent
from tongban.insight import evaluation
from tongban.insight.models_evaluation import (
    EvaluationRun,
    EvaluationScheme,
    RegionScore,
    SchemeIndicator,
    ScoreLine,
)

SYSTEM = "system:test"
WUHAN, JIANGAN = "420100000000", "420102000000"
YICHANG, XILING = "420500000000", "420502000000"
PROVINCE = "420000000000"


def staff(username: str, *roles: str):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=None,
    )


def line(code, dimension, measure, *, weight=20, floor=0, target=100, source="catalog", rule="linear"):
    return {
        "code": code,
        "name": f"指标{code}",
        "dimension": dimension,
        "source": source,
        "measure": measure,
        "weight": Decimal(weight),
        "rule": rule,
        "floor": Decimal(floor),
        "target": Decimal(target),
    }


LINES = [
    line("1.1", "modes", "items_online"),
    line("2.1", "coverage", "basic_coverage"),
    line("3.1", "guides", "guide_completeness"),
    line("4.1", "maturity", "items_fully_online"),
    line("5.1", "effect", "guide_consistency"),
]
HEADER = {
    "name": "测试指标体系",
    "effective_year": 2026,
    "notes": "",
    "grade_first": "90",
    "grade_second": "80",
    "grade_third": "65",
}


def published(actor=SYSTEM, lines=None, **header) -> EvaluationScheme:
    scheme = evaluation.do_create_scheme(actor=actor, header=HEADER | header, lines=lines or LINES)
    evaluation.do_submit_scheme(actor=actor, version=scheme.version)
    return evaluation.do_publish_scheme(actor=actor, version=scheme.version)


def snapshot() -> dict:
    """Everything the evaluation writes, to assert that a refused write changed nothing."""
    return {
        "schemes": sorted(
            EvaluationScheme.objects.values_list(
                "version", "state", "name", "effective_year", "submitted_by", "published_by", "review_comment"
            )
        ),
        "lines": sorted(
            (s, c, str(w), str(f), str(t))
            for s, c, w, f, t in SchemeIndicator.objects.values_list(
                "scheme__version", "code", "weight", "floor", "target"
            )
        ),
        "runs": sorted(EvaluationRun.objects.values_list("year", "scheme__version", "computed_at")),
        "scores": RegionScore.objects.count(),
        "score_lines": ScoreLine.objects.count(),
        "audit": AuditEvent.objects.filter(action__startswith="insight.").count(),
    }


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded):
    b1 = make_basic_item(name="营业执照核发")
    b2 = make_basic_item(name="食品经营许可", item_type="01")
    jiangan = make_department(region="420102", name="武汉市江岸区行政审批局")
    xiling = make_department(region="420502", name="宜昌市西陵区行政审批局")
    # 江岸: two items, both complete and consistent; the second not fully online.
    url = "https://zwfw.hubei.gov.cn/apply"
    make_item(jiangan, b1, level="4", online_url=url)
    make_item(jiangan, b2, level="4", fully_online=False, online_url=url)
    # 西陵: one item, its guide without FAQs (incomplete) and its name not the basic item's.
    make_item(xiling, b1, level="4", faqs=[], name="营业执照办理")
    return {
        "b1": b1,
        "b2": b2,
        "admin": staff("eval-admin", "platform_admin"),
        "admin2": staff("eval-admin-2", "platform_admin"),
        "officer": staff("eval-officer", "approving_officer"),
    }
