"""The entity registry (监管对象库): entities from 法人库 (accounts' legal-person register) plus
个体工商户, with industry, region and location, and their licences as read from the e-licence
library (`licences.queries`). Licence states feed the credit model as facts (a revoked,
suspended or expired licence, dated by its state change)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.core.errors import FieldProblem, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code
from tongban.core.inputs import has_nul
from tongban.licences import queries as licence_queries

from . import permissions
from .models import CreditFact, CreditFactor, Entity, EntityKind, EntityLicence

# 法人库 kinds → registry kinds.
_KIND_FROM_REGISTER = {
    "enterprise": EntityKind.ENTERPRISE,
    "institution": EntityKind.INSTITUTION,
    "social_org": EntityKind.SOCIAL,
    "sole_trader": EntityKind.INDIVIDUAL,
}
# Licence states that are credit facts, with their factor.
_LICENCE_FACTS = {
    "revoked": CreditFactor.LICENCE_REVOKED,
    "suspended": CreditFactor.LICENCE_SUSPENDED,
    "expired": CreditFactor.LICENCE_EXPIRED,
}


def _text(problems, field, raw, limit, *, required=True) -> str:
    value = (raw or "").strip()
    if has_nul(value):
        problems.append(FieldProblem(field, "不能包含空字符（NUL）"))
    elif required and not value:
        problems.append(FieldProblem(field, "必填"))
    elif len(value) > limit:
        problems.append(FieldProblem(field, f"不能超过 {limit} 字"))
    return value


def _coordinate(problems, field, raw, low, high) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        problems.append(FieldProblem(field, "应为数字"))
        return None
    if not value.is_finite() or not low <= value <= high:
        problems.append(FieldProblem(field, f"应在 {low} 到 {high} 之间"))
        return None
    return value.quantize(Decimal("0.000001"))


def check_entity(data: dict) -> dict:
    problems: list[FieldProblem] = []
    code = (data.get("credit_code") or "").strip().upper()
    result = check_credit_code(code)
    if not result.ok:
        problems.append(FieldProblem("credit_code", result.reason))
    clean = {"credit_code": code}
    clean["name"] = _text(problems, "name", data.get("name"), 200)
    kind = data.get("kind") or ""
    if kind not in EntityKind.values:
        problems.append(FieldProblem("kind", "请选择主体类型"))
    clean["kind"] = kind
    region = (data.get("region_code") or "").strip()
    if len(region) != 6 or not (region.isascii() and region.isdigit()):
        problems.append(FieldProblem("region_code", "行政区划代码应为6位数字"))
    clean["region_code"] = region
    industry = (data.get("industry") or "").strip().upper()
    if not industry or len(industry) > 10 or not industry[0].isalpha() or not industry[1:].isdigit():
        problems.append(FieldProblem("industry", "行业代码应为 GB/T 4754 门类字母加数字，如 H62"))
    clean["industry"] = industry
    clean["address"] = _text(problems, "address", data.get("address"), 200, required=False)
    clean["latitude"] = _coordinate(problems, "latitude", data.get("latitude"), -90, 90)
    clean["longitude"] = _coordinate(problems, "longitude", data.get("longitude"), -180, 180)
    if problems:
        raise InvalidInput(problems=problems)
    return clean


def do_register_entity(*, actor, **data) -> Entity:
    """Add or update an entity by its credit code (idempotent: the same values write nothing)."""
    if not permissions.is_supervisor(actor):
        raise NotFound("没有找到要访问的内容")
    clean = check_entity(data)
    with transaction.atomic():
        entity = Entity.objects.select_for_update().filter(credit_code=clean["credit_code"]).first()
        if entity is None:
            entity = Entity.objects.create(**clean)
            audit.record(actor=actor, action="supervision.entity.register", obj=entity, data=_audit(clean))
            return entity
        changed = {k: v for k, v in clean.items() if getattr(entity, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(entity, key, value)
            entity.save(update_fields=list(changed))
            audit.record(actor=actor, action="supervision.entity.update", obj=entity, data=_audit(changed))
    return entity


def _audit(values: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def do_import_register(*, actor, industry: str, region_prefix: str = "", limit: int = 10000) -> int:
    """Import entities from 法人库 (accounts' legal-person register) not yet in the registry,
    with `industry` as their provisional industry; returns how many were added."""
    if not permissions.is_platform_admin(actor):
        raise NotFound("没有找到要访问的内容")
    problems: list[FieldProblem] = []
    industry = (industry or "").strip().upper()
    if not industry or not industry[0].isalpha() or not industry[1:].isdigit() or len(industry) > 10:
        problems.append(FieldProblem("industry", "行业代码应为 GB/T 4754 门类字母加数字，如 H62"))
    if problems:
        raise InvalidInput(problems=problems)
    rows = account_queries.legal_register_records().order_by("pk")
    if region_prefix:
        rows = rows.filter(region_code__startswith=region_prefix)
    have = set(Entity.objects.values_list("credit_code", flat=True))
    added = 0
    with transaction.atomic(), audit.batch():
        for row in rows[:limit]:
            if row.credit_code in have or not check_credit_code(row.credit_code).ok:
                continue
            region = (row.region_code or "")[:6]
            if len(region) != 6 or not region.isdigit():
                continue
            entity = Entity.objects.create(
                credit_code=row.credit_code,
                name=row.name[:200],
                kind=_KIND_FROM_REGISTER.get(row.kind, EntityKind.ENTERPRISE),
                region_code=region,
                industry=industry,
            )
            audit.record(
                actor=actor,
                action="supervision.entity.import",
                obj=entity,
                data={"credit_code": entity.credit_code, "source": "法人库"},
            )
            added += 1
    return added


def do_sync_licences(*, actor, entity_id: int) -> dict:
    """Read the entity's licences from the e-licence library (current versions), keep their
    state here and record a credit fact for each revoked, suspended or expired one."""
    with transaction.atomic():
        entity = Entity.objects.select_for_update().filter(pk=entity_id).first()
        if entity is None:
            raise NotFound("没有找到该监管对象")
        now = timezone.now()
        seen: set[str] = set()
        facts = 0
        for lic in licence_queries.licences_of_holder(entity.credit_code, code_type="001"):
            if lic.state == "superseded":
                continue
            seen.add(lic.identifier)
            EntityLicence.objects.update_or_create(
                entity=entity,
                identifier=lic.identifier,
                defaults={
                    "type_code": lic.type_code,
                    "type_name": lic.name[:100],
                    "state": lic.state,
                    "valid_until": lic.valid_until,
                    "synced_at": now,
                },
            )
            factor = _LICENCE_FACTS.get(lic.state)
            if factor:
                on = _state_day(lic)
                _, created = CreditFact.objects.get_or_create(
                    entity=entity,
                    factor=factor,
                    source="licences",
                    ref=f"{lic.identifier}:{lic.state}",
                    defaults={"occurred_on": on, "note": lic.name[:200]},
                )
                facts += int(created)
        gone = EntityLicence.objects.filter(entity=entity).exclude(identifier__in=seen)
        removed = gone.count()
        gone.delete()
        report = {"licences": len(seen), "new_facts": facts, "removed": removed}
        audit.record(actor=actor, action="supervision.entity.licences", obj=entity, data=report)
    return report


def _state_day(lic) -> dt.date:
    if lic.state == "expired" and lic.valid_until:
        return lic.valid_until
    if lic.state_changed_at:
        return timezone.localdate(lic.state_changed_at)
    return lic.issued_on
