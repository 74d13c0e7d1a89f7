"""经营异常名录 (the list of entities with abnormal operations) and 严重违法失信名单.

- Listing by a statutory ground (《企业经营异常名录管理暂行办法》第四条): no annual report by
  30 June (the report for year Y is due 1 January – 30 June of Y+1; the tick lists every
  enterprise and 个体工商户 without it on 1 July), information not disclosed when ordered, false
  disclosure, unreachable at the registered address. Staff list the last three; the tick the
  first.
- Removal (移出) once the defect is cured, with the cure recorded (for a missing report: the
  report has been filed).
- After three years listed (满三年, calendar years), the tick moves the entity to
  严重违法失信名单.
- All of it is public (`queries.public_listings`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.inputs import has_nul

from . import permissions
from .models import (
    AbnormalGround,
    AbnormalListing,
    AnnualReport,
    Entity,
    EntityKind,
    ListingState,
    SeriousViolation,
)

SYSTEM = "system:supervision"
YEARS_TO_SERIOUS = 3
REPORT_DEADLINE = (6, 30)  # 30 June
REPORTING_KINDS = (EntityKind.ENTERPRISE, EntityKind.INDIVIDUAL)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def report_deadline(year: int) -> dt.date:
    """The last day to file the annual report for `year`."""
    return dt.date(year + 1, *REPORT_DEADLINE)


def _entity_locked(entity_id) -> Entity:
    entity = Entity.objects.select_for_update().filter(pk=entity_id).first()
    if entity is None:
        raise NotFound("没有找到该监管对象")
    return entity


def _text(field: str, raw: str, limit: int, *, required: bool) -> str:
    value = (raw or "").strip()
    if has_nul(value):
        raise InvalidInput.field(field, "不能包含空字符（NUL）")
    if required and not value:
        raise InvalidInput.field(field, "必填")
    if len(value) > limit:
        raise InvalidInput.field(field, f"不能超过 {limit} 字")
    return value


def do_file_annual_report(*, actor, entity_id: int, year: int, filed_on: dt.date) -> AnnualReport:
    """Record that the entity filed its annual report for `year` (idempotent)."""
    if not (permissions.is_supervisor(actor) or permissions.is_internal(actor)):
        raise NotFound("没有找到要访问的内容")
    if not isinstance(year, int) or year < 2000 or year >= filed_on.year + 1:
        raise InvalidInput.field("year", "年度应为已结束的年份")
    with transaction.atomic():
        entity = _entity_locked(entity_id)
        report, created = AnnualReport.objects.get_or_create(
            entity=entity, year=year, defaults={"filed_on": filed_on}
        )
        if created:
            audit.record(
                actor=actor,
                action="supervision.annual_report",
                obj=report,
                data={"entity": entity.pk, "year": year},
            )
    return report


def do_list(
    *,
    actor,
    entity_id: int,
    ground: str,
    listed_on: dt.date,
    detail: str = "",
    report_year: int | None = None,
    department_id: int | None = None,
) -> AbnormalListing:
    """List an entity in 经营异常名录 on a statutory ground."""
    if ground not in AbnormalGround.values:
        raise InvalidInput.field("ground", "请选择法定列入事由")
    if department_id is None and permissions.is_staff(actor):
        department_id = actor.department_id
    if not (permissions.is_internal(actor) or permissions.is_department_supervisor(actor, department_id)):
        raise NotFound("没有找到要访问的内容")
    detail = _text("detail", detail, 300, required=False)
    if ground == AbnormalGround.NO_ANNUAL_REPORT:
        if report_year is None:
            raise InvalidInput.field("report_year", "请填写未公示的年度报告年度")
        if listed_on <= report_deadline(report_year):
            raise InvalidInput.field(
                "listed_on",
                f"{report_year} 年度报告的公示期至 {report_deadline(report_year)}，期满后方可列入",
            )
    with transaction.atomic():
        entity = _entity_locked(entity_id)
        if AbnormalListing.objects.filter(entity=entity, ground=ground, state=ListingState.LISTED).exists():
            raise Conflict("该主体已因此事由列入经营异常名录")
        if (
            ground == AbnormalGround.NO_ANNUAL_REPORT
            and AnnualReport.objects.filter(entity=entity, year=report_year).exists()
        ):
            raise Conflict("该主体已公示该年度报告")
        listing = AbnormalListing.objects.create(
            entity=entity,
            ground=ground,
            detail=detail,
            report_year=report_year,
            listed_on=listed_on,
            department_id=department_id,
        )
        audit.record(
            actor=actor,
            action="supervision.abnormal.list",
            obj=listing,
            data={
                "entity": entity.pk,
                "ground": ground,
                "listed_on": listed_on.isoformat(),
                "year": report_year,
            },
        )
    return listing


def do_remove(*, actor, listing_id: int, cure: str, removed_on: dt.date) -> AbnormalListing:
    """Remove a listing (移出) after the defect is cured; the cure is recorded."""
    with transaction.atomic():
        listing = AbnormalListing.objects.select_for_update().filter(pk=listing_id).first()
        if listing is None or not (
            permissions.is_internal(actor)
            or permissions.is_department_supervisor(actor, listing.department_id)
            or (listing.department_id is None and permissions.is_supervisor(actor))
        ):
            raise NotFound("没有找到该列入记录")
        cure = _text("cure", cure, 300, required=True)
        if listing.state != ListingState.LISTED:
            raise Conflict("该记录已不在经营异常名录中")
        if removed_on < listing.listed_on:
            raise InvalidInput.field("removed_on", "移出日期不能早于列入日期")
        if (
            listing.ground == AbnormalGround.NO_ANNUAL_REPORT
            and not AnnualReport.objects.filter(
                entity_id=listing.entity_id, year=listing.report_year
            ).exists()
        ):
            raise InvalidInput.field("cure", f"该主体尚未补报 {listing.report_year} 年度报告")
        listing.state = ListingState.REMOVED
        listing.removed_on = removed_on
        listing.cure = cure
        listing.save(update_fields=["state", "removed_on", "cure"])
        audit.record(
            actor=actor,
            action="supervision.abnormal.remove",
            obj=listing,
            data={"entity": listing.entity_id, "removed_on": removed_on.isoformat(), "cure": cure},
        )
    return listing


@dataclass
class TickReport:
    listed: int
    moved: int


def do_list_missing_reports(*, on: dt.date, actor=SYSTEM) -> int:
    """On or after 1 July: list every reporting entity (registered by the end of the year) that
    has not filed last year's annual report and is not already listed for it."""
    year = on.year - 1
    if on <= report_deadline(year):
        return 0
    end_of_year = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    filed = AnnualReport.objects.filter(year=year).values("entity_id")
    already = AbnormalListing.objects.filter(ground=AbnormalGround.NO_ANNUAL_REPORT, report_year=year).values(
        "entity_id"
    )
    missing = (
        Entity.objects.filter(active=True, kind__in=REPORTING_KINDS, created_at__lt=end_of_year)
        .exclude(pk__in=filed)
        .exclude(pk__in=already)
        .values_list("pk", flat=True)
    )
    count = 0
    with transaction.atomic(), audit.batch():
        for entity_id in missing.iterator():
            listing = AbnormalListing.objects.create(
                entity_id=entity_id,
                ground=AbnormalGround.NO_ANNUAL_REPORT,
                report_year=year,
                detail=f"未在 {report_deadline(year).isoformat()} 前公示 {year} 年度报告",
                listed_on=on,
            )
            audit.record(
                actor=actor,
                action="supervision.abnormal.list",
                obj=listing,
                data={
                    "entity": entity_id,
                    "ground": listing.ground,
                    "listed_on": on.isoformat(),
                    "year": year,
                },
            )
            count += 1
    return count


def do_move_to_serious(*, on: dt.date, actor=SYSTEM) -> int:
    """Move every listing held three years (listed_on + 3 years <= on) to 严重违法失信名单."""
    cutoff = add_years(on, -YEARS_TO_SERIOUS)
    count = 0
    with transaction.atomic(), audit.batch():
        due = AbnormalListing.objects.select_for_update().filter(
            state=ListingState.LISTED, listed_on__lte=cutoff
        )
        for listing in due.order_by("pk"):
            if add_years(listing.listed_on, YEARS_TO_SERIOUS) > on:
                continue
            listing.state = ListingState.MOVED
            listing.moved_on = on
            listing.save(update_fields=["state", "moved_on"])
            serious = SeriousViolation.objects.create(
                entity_id=listing.entity_id,
                listing=listing,
                reason=f"列入经营异常名录满三年未移出（{AbnormalGround(listing.ground).label}）",
                listed_on=on,
            )
            audit.record(
                actor=actor,
                action="supervision.serious.list",
                obj=serious,
                data={"entity": listing.entity_id, "listing": listing.pk, "on": on.isoformat()},
            )
            count += 1
    return count


def tick(*, on: dt.date | None = None) -> TickReport:
    on = on or timezone.localdate()
    return TickReport(listed=do_list_missing_reports(on=on), moved=do_move_to_serious(on=on))
