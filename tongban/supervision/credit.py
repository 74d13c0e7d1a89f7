"""The credit model (信用评价): a score per entity from what the platform knows, mapped to A–D.

score = base − Σ over factors of weight × min(count, cap), clamped to [0, base]; the count of a
factor is the number of its facts in the window (days back from the day of computing) or, for
the listings (经营异常名录, 严重违法失信名单), whether the entity is listed now. Class: score ≥
thresholds["A"] → A, ≥ "B" → B, ≥ "C" → C, else D. Weights, caps, windows and thresholds are
data: a `CreditModelVersion` row; a new version is drafted by one person and activated by
another (four eyes), and the whole registry is recomputed with it.

Two paths compute the same scores:

- `recompute_sql`: set-based, one INSERT … SELECT … GROUP BY pass per factor into a temporary
  table, then one UPDATE … FROM over the registry writing only the rows whose score or class
  changed. Portable SQL (PostgreSQL and SQLite ≥ 3.33), so tests run it on both.
- `recompute_python`: reads the facts and computes in Python (`counts_for`, `score_of`), the
  same functions that explain one entity's score (`explain`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound

from . import permissions
from .models import (
    AbnormalListing,
    CreditClass,
    CreditFact,
    CreditFactor,
    CreditModelVersion,
    Entity,
    ListingState,
    SeriousViolation,
    VersionState,
)

SYSTEM = "system:supervision"

# Listing factors count the current listing; the others count facts in their window.
LISTING_FACTORS = (CreditFactor.ABNORMAL.value, CreditFactor.SERIOUS.value)

DEFAULT_FACTORS: dict[str, dict[str, int]] = {
    CreditFactor.LICENCE_REVOKED: {"weight": 30, "cap": 2, "window_days": 1095},
    CreditFactor.LICENCE_SUSPENDED: {"weight": 15, "cap": 2, "window_days": 365},
    CreditFactor.LICENCE_EXPIRED: {"weight": 5, "cap": 3, "window_days": 365},
    CreditFactor.ABNORMAL: {"weight": 20, "cap": 1, "window_days": 0},
    CreditFactor.SERIOUS: {"weight": 40, "cap": 1, "window_days": 0},
    CreditFactor.INSPECTION_PROBLEM: {"weight": 10, "cap": 3, "window_days": 1095},
    CreditFactor.INSPECTION_PASS: {"weight": -2, "cap": 5, "window_days": 1095},
    CreditFactor.PENALTY: {"weight": 10, "cap": 3, "window_days": 1095},
    CreditFactor.COMPLAINT: {"weight": 2, "cap": 5, "window_days": 365},
}
DEFAULT_THRESHOLDS = {"A": 90, "B": 75, "C": 60}
DEFAULT_BASE = 100


# --- Versions -------------------------------------------------------------------------------------


def check_model(*, base, factors: dict, thresholds: dict) -> tuple[int, dict, dict]:
    """The version's values, or InvalidInput naming each wrong field."""
    problems: list[FieldProblem] = []

    def integer(field: str, raw, low: int, high: int) -> int | None:
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            problems.append(FieldProblem(field, "应为整数"))
            return None
        if not low <= value <= high:
            problems.append(FieldProblem(field, f"应在 {low} 到 {high} 之间"))
            return None
        return value

    clean_base = integer("base", base, 1, 1000)
    clean_factors: dict[str, dict[str, int]] = {}
    if not isinstance(factors, dict):
        problems.append(FieldProblem("factors", "应为因子到权重的对应表"))
        factors = {}
    for name in factors:
        if name not in CreditFactor.values:
            problems.append(FieldProblem(f"factors.{name}", "未知的信用因子"))
    for name in CreditFactor.values:
        row = factors.get(name)
        if not isinstance(row, dict):
            problems.append(FieldProblem(f"factors.{name}", "缺少该因子的权重、上限和时间窗"))
            continue
        weight = integer(f"factors.{name}.weight", row.get("weight"), -100, 100)
        cap = integer(f"factors.{name}.cap", row.get("cap"), 0, 100)
        window = integer(f"factors.{name}.window_days", row.get("window_days"), 0, 3650)
        if name not in LISTING_FACTORS and window == 0:
            problems.append(FieldProblem(f"factors.{name}.window_days", "应大于 0"))
        clean_factors[name] = {"weight": weight, "cap": cap, "window_days": window}
    clean_thresholds: dict[str, int] = {}
    if not isinstance(thresholds, dict):
        problems.append(FieldProblem("thresholds", "应为等级到分数的对应表"))
        thresholds = {}
    for cls in ("A", "B", "C"):
        clean_thresholds[cls] = integer(f"thresholds.{cls}", thresholds.get(cls), 0, 1000)
    a, b, c = (clean_thresholds.get(k) for k in ("A", "B", "C"))
    if None not in (a, b, c, clean_base) and not (clean_base >= a > b > c >= 0):
        problems.append(FieldProblem("thresholds", "应满足 基础分 ≥ A > B > C ≥ 0"))
    if problems:
        raise InvalidInput(problems=problems)
    return clean_base, clean_factors, clean_thresholds


def active_version() -> CreditModelVersion:
    """The active version; the built-in default (version 1) is made active on first use."""
    version = CreditModelVersion.objects.filter(state=VersionState.ACTIVE).first()
    if version is not None:
        return version
    with transaction.atomic():
        if not CreditModelVersion.objects.exists():
            version = CreditModelVersion.objects.create(
                number=1,
                base=DEFAULT_BASE,
                factors={str(k): v for k, v in DEFAULT_FACTORS.items()},
                thresholds=dict(DEFAULT_THRESHOLDS),
                note="默认模型",
                state=VersionState.ACTIVE,
                activated_at=timezone.now(),
            )
            audit.record(actor=SYSTEM, action="supervision.credit.default", obj=version, data={"number": 1})
            return version
    raise Conflict("没有生效的信用评价模型版本")


def do_draft_credit_version(
    *, actor, base, factors: dict, thresholds: dict, note: str = ""
) -> CreditModelVersion:
    permissions.require_credit_admin(actor)
    clean_base, clean_factors, clean_thresholds = check_model(
        base=base, factors=factors, thresholds=thresholds
    )
    note = (note or "").strip()[:200]
    with transaction.atomic():
        last = CreditModelVersion.objects.select_for_update().order_by("-number").first()
        version = CreditModelVersion.objects.create(
            number=(last.number if last else 0) + 1,
            base=clean_base,
            factors=clean_factors,
            thresholds=clean_thresholds,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="supervision.credit.draft",
            obj=version,
            data={
                "number": version.number,
                "base": clean_base,
                "factors": clean_factors,
                "thresholds": clean_thresholds,
            },
        )
    return version


def do_activate_credit_version(*, actor, number: int) -> CreditModelVersion:
    """Four eyes: the author may not activate their own version. The previous one retires."""
    permissions.require_credit_admin(actor)
    with transaction.atomic():
        version = CreditModelVersion.objects.select_for_update().filter(number=number).first()
        if version is None:
            raise NotFound("没有找到该模型版本")
        if version.state != VersionState.DRAFT:
            raise Conflict("只能启用草稿状态的版本")
        if version.created_by_id is not None and version.created_by_id == getattr(actor, "pk", None):
            raise Conflict("模型版本须由起草人以外的人员启用（双人复核）")
        CreditModelVersion.objects.filter(state=VersionState.ACTIVE).update(state=VersionState.RETIRED)
        version.state = VersionState.ACTIVE
        version.activated_by = actor if getattr(actor, "pk", None) else None
        version.activated_at = timezone.now()
        version.save(update_fields=["state", "activated_by", "activated_at"])
        audit.record(actor=actor, action="supervision.credit.activate", obj=version, data={"number": number})
    return version


# --- Facts ----------------------------------------------------------------------------------------


def do_record_fact(
    *, actor, entity_id: int, factor: str, occurred_on: dt.date, source: str, ref: str, note: str = ""
) -> tuple[CreditFact, bool]:
    """Record one credit fact (idempotent by entity, factor, source and ref); (fact, created)."""
    if factor not in CreditFactor.values or factor in LISTING_FACTORS:
        raise InvalidInput.field("factor", "未知的信用因子")
    source, ref = (source or "").strip()[:40], (ref or "").strip()[:120]
    if not source or not ref:
        raise InvalidInput.field("ref", "请注明来源和编号")
    with transaction.atomic():
        entity = Entity.objects.select_for_update().filter(pk=entity_id).first()
        if entity is None:
            raise NotFound("没有找到该监管对象")
        fact, created = CreditFact.objects.get_or_create(
            entity=entity,
            factor=factor,
            source=source,
            ref=ref,
            defaults={"occurred_on": occurred_on, "note": (note or "")[:200]},
        )
        if created:
            audit.record(
                actor=actor,
                action="supervision.credit.fact",
                obj=fact,
                data={
                    "entity": entity.pk,
                    "factor": factor,
                    "on": occurred_on.isoformat(),
                    "source": source,
                    "ref": ref,
                },
            )
    return fact, created


# --- Computing ------------------------------------------------------------------------------------


def _window_start(on: dt.date, days: int) -> dt.date:
    return on - dt.timedelta(days=days)  # a look-back window, not a statutory period


def counts_for(entity_ids, *, on: dt.date, version: CreditModelVersion) -> dict[int, dict[str, int]]:
    """Per entity, per factor: the number of facts counted (before the cap)."""
    ids = list(entity_ids)
    out: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for factor, spec in version.factors.items():
        if factor == CreditFactor.ABNORMAL:
            rows = AbnormalListing.objects.filter(state=ListingState.LISTED, entity_id__in=ids).values_list(
                "entity_id", flat=True
            )
        elif factor == CreditFactor.SERIOUS:
            rows = SeriousViolation.objects.filter(entity_id__in=ids).values_list("entity_id", flat=True)
        else:
            rows = CreditFact.objects.filter(
                factor=factor,
                entity_id__in=ids,
                occurred_on__gt=_window_start(on, spec["window_days"]),
                occurred_on__lte=on,
            ).values_list("entity_id", flat=True)
        for pk in rows:
            out[pk][factor] = out[pk].get(factor, 0) + 1
    return out


def class_of(score: int, thresholds: dict) -> str:
    for cls in ("A", "B", "C"):
        if score >= thresholds[cls]:
            return cls
    return CreditClass.D.value


def score_of(counts: dict[str, int], version: CreditModelVersion) -> int:
    points = sum(spec["weight"] * min(counts.get(f, 0), spec["cap"]) for f, spec in version.factors.items())
    return max(0, min(version.base, version.base - points))


@dataclass
class RecomputeReport:
    version: int
    entities: int
    changed: int
    method: str


def recompute_python(*, on: dt.date, version: CreditModelVersion, entity_ids=None, batch: int = 2000) -> int:
    """Compute in Python and write the changed rows; the number changed."""
    now = timezone.now()
    qs = Entity.objects.order_by("pk")
    if entity_ids is not None:
        qs = qs.filter(pk__in=list(entity_ids))
    changed = 0
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).values_list("pk", "credit_score", "credit_class")[:batch])
        if not rows:
            return changed
        last = rows[-1][0]
        counts = counts_for([r[0] for r in rows], on=on, version=version)
        updates = []
        for pk, old_score, old_class in rows:
            score = score_of(counts[pk], version)
            cls = class_of(score, version.thresholds)
            if old_score is None or int(old_score) != score or old_class != cls:
                updates.append(Entity(pk=pk, credit_score=score, credit_class=cls, credit_scored_at=now))
        Entity.objects.bulk_update(updates, ["credit_score", "credit_class", "credit_scored_at"])
        changed += len(updates)


def recompute_sql(*, on: dt.date, version: CreditModelVersion) -> int:
    """Set-based: one pass per factor into a temporary table, one UPDATE … FROM; rows changed."""
    entity = Entity._meta.db_table
    fact = CreditFact._meta.db_table
    listing = AbnormalListing._meta.db_table
    serious = SeriousViolation._meta.db_table
    th = version.thresholds
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS sup_credit_points")
        cur.execute(
            "CREATE TEMPORARY TABLE sup_credit_points (entity_id bigint NOT NULL, points integer NOT NULL)"
        )
        for factor, spec in version.factors.items():
            weight, cap = int(spec["weight"]), int(spec["cap"])
            if weight == 0 or cap == 0:
                continue
            counted = f"(CASE WHEN COUNT(*) > {cap} THEN {cap} ELSE COUNT(*) END) * {weight}"
            if factor == CreditFactor.ABNORMAL:
                source, params = f"FROM {listing} WHERE state = %s", [ListingState.LISTED.value]
            elif factor == CreditFactor.SERIOUS:
                source, params = f"FROM {serious} WHERE 1 = 1", []
            else:
                source = f"FROM {fact} WHERE factor = %s AND occurred_on > %s AND occurred_on <= %s"
                params = [factor, _window_start(on, spec["window_days"]), on]
            cur.execute(
                f"INSERT INTO sup_credit_points (entity_id, points) SELECT entity_id, {counted} {source} GROUP BY entity_id",
                params,
            )
        base = int(version.base)
        raw = f"({base} - COALESCE(p.points, 0))"
        clamped = f"(CASE WHEN {raw} < 0 THEN 0 WHEN {raw} > {base} THEN {base} ELSE {raw} END)"
        cur.execute(
            f"""
            UPDATE {entity} AS e
               SET credit_score = x.score, credit_class = x.cls, credit_scored_at = %s
              FROM (
                SELECT s.id, s.score,
                       CASE WHEN s.score >= {int(th["A"])} THEN 'A'
                            WHEN s.score >= {int(th["B"])} THEN 'B'
                            WHEN s.score >= {int(th["C"])} THEN 'C' ELSE 'D' END AS cls
                  FROM (
                    SELECT en.id, {clamped} AS score
                      FROM {entity} en
                      LEFT JOIN (SELECT entity_id, SUM(points) AS points FROM sup_credit_points GROUP BY entity_id) p
                        ON p.entity_id = en.id
                  ) s
              ) x
             WHERE e.id = x.id
               AND (e.credit_score IS NULL OR e.credit_score <> x.score OR e.credit_class <> x.cls)
            """,  # noqa: S608 - table names from the models, integers from the version, values as params
            [timezone.now()],
        )
        changed = cur.rowcount
        cur.execute("DROP TABLE sup_credit_points")
    return changed


def do_recompute_credit(*, actor, on: dt.date | None = None, method: str = "sql") -> RecomputeReport:
    """Recompute every entity's score and class with the active version (monthly tick, after a
    new version is activated). `method` "sql" (set-based) or "python"."""
    if method not in ("sql", "python"):
        raise InvalidInput.field("method", "应为 sql 或 python")
    on = on or timezone.localdate()
    version = active_version()
    with transaction.atomic():
        changed = (recompute_sql if method == "sql" else recompute_python)(on=on, version=version)
        total = Entity.objects.count()
        audit.record(
            actor=actor,
            action="supervision.credit.recompute",
            object_type="supervision.creditmodelversion",
            object_id=version.number,
            data={
                "on": on.isoformat(),
                "version": version.number,
                "entities": total,
                "changed": changed,
                "method": method,
            },
        )
    return RecomputeReport(version=version.number, entities=total, changed=changed, method=method)


def do_recompute_entity(*, actor, entity_id: int, on: dt.date | None = None) -> Entity:
    """Recompute one entity (on an event: a new fact, a listing, a licence change)."""
    on = on or timezone.localdate()
    version = active_version()
    with transaction.atomic():
        entity = Entity.objects.select_for_update().filter(pk=entity_id).first()
        if entity is None:
            raise NotFound("没有找到该监管对象")
        before = (entity.credit_score, entity.credit_class)
        recompute_python(on=on, version=version, entity_ids=[entity_id])
        entity.refresh_from_db()
        if before != (entity.credit_score, entity.credit_class):
            audit.record(
                actor=actor,
                action="supervision.credit.entity",
                obj=entity,
                data={
                    "score": int(entity.credit_score),
                    "class": entity.credit_class,
                    "version": version.number,
                },
            )
    return entity


def explain(entity: Entity, *, on: dt.date | None = None) -> dict:
    """Why the entity has its score: each factor's count, what was counted, weight and points."""
    on = on or timezone.localdate()
    version = active_version()
    counts = counts_for([entity.pk], on=on, version=version)[entity.pk]
    rows = []
    for factor, spec in version.factors.items():
        n = counts.get(factor, 0)
        counted = min(n, spec["cap"])
        rows.append(
            {
                "factor": factor,
                "label": CreditFactor(factor).label,
                "count": n,
                "counted": counted,
                "weight": spec["weight"],
                "cap": spec["cap"],
                "window_days": spec["window_days"],
                "points": -spec["weight"] * counted,
            }
        )
    score = score_of(counts, version)
    return {
        "version": version.number,
        "base": version.base,
        "factors": rows,
        "score": score,
        "class": class_of(score, version.thresholds),
        "thresholds": version.thresholds,
        "on": on,
    }
