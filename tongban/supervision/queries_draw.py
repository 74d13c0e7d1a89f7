"""Reads of 双随机一公开: the public plans, draws and results (一公开), the published draw
document (docs/supervision-draw.md), an inspector's tasks, and `inspections_of` for the credit
model."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Count, F, QuerySet

from . import draws
from .enums_draw import PlanState, ResultCode
from .models import Entity
from .models_draw import Assignment, Draw, DrawTarget, InspectionResult, Inspector, Matter, Plan

PUBLIC_STATES = (PlanState.DRAWN,)
PAGE_SIZE = 20
PUBLICATION_FORMAT = "tongban-draw-publication/1"


def inspections_of(entity_id: int) -> list[dict]:
    """Past inspection results of an entity, newest first, for the credit model (contract with
    the credit part): each {"date": date, "matter": matter code, "result": ResultCode value}."""
    rows = (
        InspectionResult.objects.filter(target__entity_id=entity_id)
        .order_by("-inspected_on", "-id")
        .values_list("inspected_on", "target__draw__plan__matter__code", "result")
    )
    return [{"date": d, "matter": m, "result": r} for d, m, r in rows]


def matters(*, department_id: int | None = None) -> QuerySet[Matter]:
    qs = Matter.objects.filter(active=True).select_related("department")
    return qs.filter(department_id=department_id) if department_id else qs


def public_plans(page: int | str = 1):
    """Drawn plans, newest first, a page at a time (with their draw and result counts)."""
    qs = (
        Plan.objects.filter(state__in=PUBLIC_STATES)
        .select_related("matter", "department", "draw")
        .annotate(results=Count("draw__targets__result"))
        .order_by("-id")
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)


def public_plan(plan_id: int) -> Plan | None:
    return (
        Plan.objects.filter(pk=plan_id, state__in=PUBLIC_STATES)
        .select_related("matter", "department", "draw", "rule")
        .first()
    )


def public_targets(draw: Draw, page: int | str = 1, *, result: str = ""):
    """A draw's targets with entity and result, in draw order, a page at a time."""
    qs = DrawTarget.objects.filter(draw=draw).select_related("entity", "result").order_by("position")
    if result in ResultCode.values:
        qs = qs.filter(result__result=result)
    elif result == "pending":
        qs = qs.filter(result__isnull=True)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def result_counts(draw: Draw) -> dict[str, int]:
    rows = InspectionResult.objects.filter(target__draw=draw).values("result").annotate(n=Count("id"))
    counts = {r["result"]: r["n"] for r in rows}
    return {code: counts.get(code, 0) for code in ResultCode.values}


def recent_results(limit: int = 20):
    return (
        InspectionResult.objects.filter(target__draw__plan__state__in=PUBLIC_STATES)
        .select_related("target__entity", "target__draw__plan__matter")
        .order_by("-inspected_on", "-id")[:limit]
    )


def draw_of(draw_id: int) -> Draw | None:
    return Draw.objects.select_related("plan__matter", "plan__department").filter(pk=draw_id).first()


def stored_strata(draw: Draw) -> dict[str, bytes]:
    """The snapshot's ids per class, as stored (one bytea each; binary on PostgreSQL)."""
    from . import snapshot_draw

    return snapshot_draw.read_strata(draw.pk)


def stored_selection(draw: Draw) -> draws.Selection:
    """The stored targets and their inspectors, in draw order (two plain queries: a province's
    draw has tens of thousands of targets)."""
    from django.db import connection

    t, a = DrawTarget._meta.db_table, Assignment._meta.db_table
    with connection.cursor() as cur:
        sql = f"SELECT id, credit_class, entity_id FROM {t} WHERE draw_id = %s ORDER BY position"  # noqa: S608
        cur.execute(sql, [draw.pk])
        targets = cur.fetchall()
        cur.execute(
            f"SELECT a.target_id, a.inspector_id FROM {a} a JOIN {t} t ON t.id = a.target_id "  # noqa: S608
            "WHERE t.draw_id = %s ORDER BY a.target_id, a.slot",
            [draw.pk],
        )
        picks: dict[int, list[int]] = {pk: [] for pk, _c, _e in targets}
        for target_id, inspector_id in cur.fetchall():
            picks[target_id].append(inspector_id)
    return draws.Selection(
        targets=[(c, e) for _pk, c, e in targets], inspectors=[picks[pk] for pk, _c, _e in targets]
    )


def publication(draw: Draw) -> dict:
    """The published draw (downloadable JSON): everything the stand-alone re-check needs."""
    import numpy as np

    plan = draw.plan
    strata = stored_strata(draw)
    selection = stored_selection(draw)
    entity_ids = [e for _c, e in selection.targets]
    named = {
        pk: {"credit_code": code, "name": name}
        for pk, code, name in Entity.objects.filter(pk__in=entity_ids).values_list(
            "id", "credit_code", "name"
        )
    }
    inspector_ids = sorted({i for picks in selection.inspectors for i in picks})
    badges = dict(Inspector.objects.filter(pk__in=inspector_ids).values_list("id", "badge_no"))
    return {
        "format": PUBLICATION_FORMAT,
        "algorithm": draw.algorithm,
        "version": draw.algorithm_version,
        "plan": {
            "id": plan.pk,
            "title": plan.title,
            "matter": {"code": plan.matter.code, "name": plan.matter.name},
            "department": plan.department.name,
            "region_prefix": plan.region_prefix,
            "industries": plan.industries,
            "period": [plan.period_start.isoformat(), plan.period_end.isoformat()],
            "ratios_bp": {c: int(plan.ratios_bp.get(c, 0)) for c in draws.CLASSES},
        },
        "per_target": draw.inspectors_per_target,
        "commitments": [draw.commit_1, draw.commit_2],
        "reveals": [draw.reveal_1, draw.reveal_2],
        "seed": draw.seed,
        "snapshot_at": draw.snapshot_at.isoformat() if draw.snapshot_at else None,
        "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None,
        "entities_sm3": draw.entities_sm3,
        "inspectors_sm3": draw.inspectors_sm3,
        "input_sm3": draw.input_sm3,
        "inputs": {
            "entities": {c: np.frombuffer(strata.get(c, b""), dtype=">i8").tolist() for c in draws.CLASSES},
            "inspectors": json.loads(draw.inspectors_json or "[]"),
        },
        "result": {"targets": selection.as_rows(), "result_sm3": draw.result_sm3},
        "entities": {str(pk): named[pk] for pk in entity_ids if pk in named},
        "inspectors": {str(pk): {"badge_no": badges.get(pk, "")} for pk in inspector_ids},
    }


def tasks_of(user) -> QuerySet[DrawTarget]:
    """The drawn targets an inspector (by their staff account) is assigned to, open ones first."""
    inspector = Inspector.objects.filter(user_id=getattr(user, "pk", None) or 0).first()
    if inspector is None:
        return DrawTarget.objects.none()
    return (
        DrawTarget.objects.filter(assignments__inspector=inspector)
        .select_related("entity", "result", "draw__plan__matter")
        .order_by(F("result__id").asc(nulls_first=True), "draw__plan__period_end", "position")
    )


def inspector_of(user) -> Inspector | None:
    return Inspector.objects.filter(user_id=getattr(user, "pk", None) or 0).first()


def department_plans(user, page: int | str = 1):
    """The plans of the user's department (all departments for a platform administrator)."""
    from .permissions_draw import is_platform_admin

    qs = Plan.objects.select_related("matter").order_by("-id")
    if not is_platform_admin(user):
        qs = qs.filter(department_id=getattr(user, "department_id", None) or 0)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def draw_for_plan(plan: Plan) -> Draw | None:
    return Draw.objects.filter(plan=plan).first()


def result_of(target: DrawTarget) -> InspectionResult | None:
    return InspectionResult.objects.filter(target=target).first()


def plan_titled(title: str, department_id: int) -> Plan | None:
    return Plan.objects.filter(title=title, department_id=department_id).select_related("draw").first()


def matter_by_code(code: str) -> Matter | None:
    return Matter.objects.filter(code=code).first()


def entity_ids_in(region_prefix: str, industry: str, limit: int = 1000) -> list[tuple[int, str]]:
    """(id, credit code) of active registry entities in a region prefix and industry, by id."""
    return list(
        Entity.objects.filter(active=True, region_code__startswith=region_prefix, industry=industry)
        .order_by("id")
        .values_list("id", "credit_code")[:limit]
    )


def assigned_inspector_users(target_id: int) -> list[int]:
    return list(
        Assignment.objects.filter(target_id=target_id)
        .order_by("slot")
        .values_list("inspector__user_id", flat=True)
    )


def draw_targets(draw: Draw) -> list[DrawTarget]:
    return list(DrawTarget.objects.filter(draw=draw).select_related("entity", "result").order_by("position"))
