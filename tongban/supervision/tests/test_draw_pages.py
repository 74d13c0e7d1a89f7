"""The 双随机一公开 pages: the public index, plan and JSON (一公开, no sign-in), and the workbench
flow through the forms (plan, approval, commit, reveal, result)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongban.supervision import draws
from tongban.supervision.enums_draw import PlanState
from tongban.supervision.models_draw import Assignment, DrawTarget, InspectionResult, Plan

from .draw_world import SECRET_1, SECRET_2, World, entities, record_result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("regions_loaded")]


@pytest.fixture
def world():
    return World(inspectors=4)


def test_public_pages_publish_plan_draw_and_results(client, world):
    rows = entities(30)
    draw = world.drawn()
    target = DrawTarget.objects.filter(draw=draw).select_related("entity").first()
    record_result(target, "rectify", record={"检查情况": "台账不全"})
    index = client.get("/supervision/public/")
    assert index.status_code == 200
    body = index.content.decode()
    assert draw.plan.title in body
    assert target.entity.name in body  # the latest results
    page = client.get(f"/supervision/public/plans/{draw.plan_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    for value in (
        draw.seed,
        draw.entities_sm3,
        draw.inspectors_sm3,
        draw.input_sm3,
        draw.commit_1,
        draw.reveal_2,
        "tongban-srs v1",
    ):
        assert value in text
    assert target.entity.credit_code in text
    assert "发现问题已责令整改" in text
    filtered = client.get(f"/supervision/public/plans/{draw.plan_id}/?result=rectify").content.decode()
    assert filtered.count('<td data-label="统一社会信用代码">') == 1
    download = client.get(f"/supervision/public/draws/{draw.pk}.json")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="draw-{draw.pk}.json"'
    doc = json.loads(download.content)
    assert doc["seed"] == draw.seed and doc["input_sm3"] == draw.input_sm3
    assert sorted(e for ids in doc["inputs"]["entities"].values() for e in ids) == sorted(e.pk for e in rows)


def test_public_pages_show_nothing_undrawn(client, world):
    entities(4)
    plan = world.approved()
    assert client.get(f"/supervision/public/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/supervision/public/draws/{plan.draw.pk}.json").status_code == 404
    assert plan.title not in client.get("/supervision/public/").content.decode()


def test_public_plan_page_is_paginated_with_bounded_queries(client, world):
    entities(200, classes="D")
    draw = world.drawn(ratios={"D": 10000})
    with CaptureQueriesContext(connection) as first:
        page = client.get(f"/supervision/public/plans/{draw.plan_id}/")
    assert page.status_code == 200
    assert page.content.decode().count('<td data-label="序号">') == 20
    with CaptureQueriesContext(connection) as later:
        assert client.get(f"/supervision/public/plans/{draw.plan_id}/?page=5").status_code == 200
    assert len(later.captured_queries) == len(first.captured_queries) <= 15


def test_the_workbench_flow_through_the_forms(client, world):
    entities(12)
    client.force_login(world.drafter)
    new = client.post(
        "/supervision/draws/plans/new/",
        {
            "title": "表单计划",
            "matter": world.matter.pk,
            "region_prefix": "4201",
            "industries": "H62",
            "period_start": timezone.localdate().isoformat(),
            "period_end": "2099-12-31",
            "ratio_A": "5000",
            "ratio_B": "5000",
            "ratio_C": "5000",
            "ratio_D": "5000",
        },
    )
    plan = Plan.objects.get(title="表单计划")
    assert new.status_code == 302 and new["Location"] == f"/supervision/draws/plans/{plan.pk}/"
    assert client.post(f"/supervision/draws/plans/{plan.pk}/submit/").status_code == 302
    client.force_login(world.reviewer)
    client.post(f"/supervision/draws/plans/{plan.pk}/decide/", {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    for official, secret in ((world.official_1, SECRET_1), (world.official_2, SECRET_2)):
        client.force_login(official)
        client.post(
            f"/supervision/draws/plans/{plan.pk}/commit/",
            {"commitment": draws.commitment(bytes.fromhex(secret))},
        )
    for official, secret in ((world.official_1, SECRET_1), (world.official_2, SECRET_2)):
        client.force_login(official)
        client.post(f"/supervision/draws/plans/{plan.pk}/reveal/", {"secret": secret})
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN
    assert plan.draw.target_count == 8  # 3 per class, 50 % rounded up
    target = DrawTarget.objects.filter(draw=plan.draw).first()
    inspector = Assignment.objects.filter(target=target).first().inspector
    client.force_login(inspector.user)
    tasks = client.get("/supervision/draws/tasks/").content.decode()
    assert f"/supervision/draws/tasks/{target.pk}/" in tasks
    bad = client.post(f"/supervision/draws/tasks/{target.pk}/", {"result": "", "inspected_on": "x"})
    assert bad.status_code == 400
    assert not InspectionResult.objects.filter(target=target).exists()
    done = client.post(
        f"/supervision/draws/tasks/{target.pk}/",
        {
            "result": "pass",
            "inspected_on": timezone.localdate().isoformat(),
            "record_0": "正常",
            "summary": "",
        },
    )
    assert done.status_code == 302
    assert InspectionResult.objects.get(target=target).result == "pass"


def test_strangers_get_404_and_visitors_the_login(client, world):
    entities(4)
    draw = world.drawn()
    target = DrawTarget.objects.filter(draw=draw).first()
    assert client.get(f"/supervision/draws/plans/{draw.plan_id}/").status_code == 302
    drawn = set(Assignment.objects.filter(target=target).values_list("inspector_id", flat=True))
    outsider = next(i for i in world.inspectors if i.pk not in drawn)
    client.force_login(outsider.user)
    assert client.get(f"/supervision/draws/tasks/{target.pk}/").status_code == 404
    assert client.post(f"/supervision/draws/tasks/{target.pk}/", {"result": "pass"}).status_code == 404
    from .draw_world import department, staff

    other = staff("sup-elsewhere", "department_admin", dept=department("宜昌市市场监督管理局", "420500"))
    client.force_login(other)
    assert client.get(f"/supervision/draws/plans/{draw.plan_id}/").status_code == 404
    assert client.post(f"/supervision/draws/plans/{draw.plan_id}/submit/").status_code == 404
