"""The demo's 双随机一公开 (tongban/demo/supervision_draw.py): a plan drawn, re-verified, results
recorded and published; a second run writes nothing."""

from __future__ import annotations

import pytest

from tongban.core import services as core_services
from tongban.core.models import AuditEvent
from tongban.demo import supervision_draw as demo
from tongban.demo.data.departments import credit_code_for
from tongban.supervision import queries_draw, verify_draw
from tongban.supervision.enums_draw import PlanState

from .draw_world import counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("regions_loaded")]


def test_the_demo_draws_verifies_and_publishes(client):
    dept = core_services.do_upsert_department(
        actor="system:test",
        name=demo.DEPARTMENT,
        credit_code=credit_code_for(demo.DEPARTMENT, "420100"),
        region_code="420100",
        kind="bureau",
    )
    lines: list[str] = []
    assert demo.seed_draws(actor="system:seed", say=lines.append) is True
    plan = queries_draw.plan_titled(demo.PLAN, dept.pk)
    assert plan.state == PlanState.DRAWN
    draw = plan.draw
    assert verify_draw.differences(draw) == []
    assert lines == [f"  双随机 draw {draw.pk}: {draw.target_count} of 48 restaurants, re-verified"]
    # 48 restaurants, 12 A, 18 B, 12 C, 6 D; ratios 10 %, 20 %, 30 %, 50 %
    assert draw.target_count == 2 + 4 + 4 + 3
    assert queries_draw.result_counts(draw) == {
        "pass": 2, "rectify": 1, "no_issue": 1, "unreachable": 1, "fail": 1,
    }  # fmt: skip
    conflicted = queries_draw.entity_ids_in("4201", "H62", limit=1)[0][0]
    inspector_1 = queries_draw.inspector_of(demo._staff("sup-inspector-1", dept.pk))
    for target in queries_draw.draw_targets(draw):
        if target.entity_id == conflicted:
            assert inspector_1.user_id not in queries_draw.assigned_inspector_users(target.pk)
    page = client.get(f"/supervision/public/plans/{plan.pk}/").content.decode()
    assert "查无下落" in page and draw.seed in page
    before, events = counts(), AuditEvent.objects.count()
    assert demo.seed_draws(actor="system:seed", say=lines.append) is False
    assert (counts(), AuditEvent.objects.count()) == (before, events)
