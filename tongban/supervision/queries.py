"""Supervision core reads: the entity registry, its public listings, rules, alerts and tasks.

Who may see what is decided by the callers (views and API) with `permissions`; these are plain
reads, except the `*_for(actor)` lists, which are already limited to what the actor may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tongban.core.errors import NotFound

from . import permissions
from .models import (
    AbnormalListing,
    Entity,
    EntityLicence,
    ListingState,
    RiskAlert,
    RiskRule,
    SeriousViolation,
    Task,
    TaskStep,
)

PAGE = 50


def entity(pk: int | None = None, *, credit_code: str | None = None) -> Entity:
    """One entity by primary key or unified social credit code, else NotFound (S2 and S3 use it)."""
    qs = Entity.objects.all()
    if pk is not None:
        row = qs.filter(pk=pk).first()
    elif credit_code:
        row = qs.filter(credit_code=(credit_code or "").strip().upper()).first()
    else:
        row = None
    if row is None:
        raise NotFound("没有找到该监管对象")
    return row


def entities(
    *, text: str = "", region: str = "", industry: str = "", credit_class: str = ""
) -> QuerySet[Entity]:
    qs = Entity.objects.all().order_by("pk")
    text = (text or "").strip()[:50]
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(credit_code=text.upper()))
    if region:
        qs = qs.filter(region_code__startswith=region[:6])
    if industry:
        qs = qs.filter(industry__startswith=industry[:10].upper())
    if credit_class in ("A", "B", "C", "D"):
        qs = qs.filter(credit_class=credit_class)
    return qs


def licences_of(entity_row: Entity) -> QuerySet[EntityLicence]:
    return entity_row.licences.order_by("type_code", "identifier")


def listings_of(entity_row: Entity) -> QuerySet[AbnormalListing]:
    return entity_row.abnormal_listings.select_related("department").order_by("-listed_on", "-pk")


def public_listings() -> dict:
    """What is published: every 经营异常名录 listing (listed, removed with its date, moved) and
    严重违法失信名单."""
    return {
        "abnormal": list(
            AbnormalListing.objects.select_related("entity", "department").order_by("-listed_on", "-pk")[:500]
        ),
        "serious": list(
            SeriousViolation.objects.select_related("entity").order_by("-listed_on", "-pk")[:500]
        ),
        "listed_count": AbnormalListing.objects.filter(state=ListingState.LISTED).count(),
    }


def rules_for(actor) -> QuerySet[RiskRule]:
    qs = RiskRule.objects.order_by("-pk")
    if permissions.is_platform_admin(actor):
        return qs
    return qs.filter(department_id=permissions.department_of(actor))


def alerts_for(actor, *, state: str = "") -> QuerySet[RiskAlert]:
    qs = RiskAlert.objects.select_related("rule", "entity").order_by("-raised_at", "-pk")
    if not permissions.is_platform_admin(actor):
        qs = qs.filter(rule__department_id=permissions.department_of(actor))
    if state:
        qs = qs.filter(state=state)
    return qs


def alerts_of(entity_row: Entity) -> QuerySet[RiskAlert]:
    return entity_row.alerts.select_related("rule").order_by("-raised_at")


def tasks_for(actor) -> QuerySet[Task]:
    qs = Task.objects.select_related("department", "entity").order_by("-pk")
    if permissions.is_platform_admin(actor):
        return qs
    return qs.filter(parties__department_id=permissions.department_of(actor)).distinct()


def steps_of(task: Task) -> QuerySet[TaskStep]:
    return task.steps.select_related("department").order_by("seq")
