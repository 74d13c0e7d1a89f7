"""Reads owned by the kernel (regions, departments, calendar)."""

from __future__ import annotations

from django.db.models import QuerySet

from .errors import InvalidInput, NotFound
from .models import AuditEvent, CalendarYear, Department, Region

REGION_CODE_LENGTHS = (6, 12)


def check_region_code(code: str, *, field: str = "region") -> str:
    """A 6-digit GB/T 2260 or 12-digit statistical code, as the 12-digit code."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()) or len(code) not in REGION_CODE_LENGTHS:
        raise InvalidInput.field(field, "行政区划代码应为6位或12位数字")
    return code.ljust(12, "0")


def get_region(code: str, *, field: str = "region") -> Region:
    code12 = check_region_code(code, field=field)
    try:
        return Region.objects.select_related("parent").get(code=code12)
    except Region.DoesNotExist:
        raise NotFound(f"行政区划 {code} 不存在") from None


def region_children(code: str, *, field: str = "region") -> QuerySet[Region]:
    return get_region(code, field=field).children.order_by("code")


def region_ancestors(region: Region) -> list[Region]:
    """From the province down to `region` itself."""
    chain = [region]
    while chain[-1].parent_id:
        chain.append(chain[-1].parent)  # no query for a parent already loaded (get_region's)
    return list(reversed(chain))


def region_codes_serving(region: Region) -> list[str]:
    """Codes of the regions whose services a resident of `region` may use (itself and above)."""
    return [r.code for r in region_ancestors(region)]


def regions_by_code(codes) -> dict[str, Region]:
    """Regions by their 12-digit code, in one query (unknown codes are left out)."""
    codes = [c for c in codes if c]
    return {r.code: r for r in Region.objects.filter(code__in=codes)} if codes else {}


def departments_by_id(ids) -> dict[int, Department]:
    """Departments by id, with their region, in one query (unknown ids are left out)."""
    ids = [i for i in ids if i]
    return {d.pk: d for d in Department.objects.select_related("region").filter(pk__in=ids)} if ids else {}


def provinces() -> QuerySet[Region]:
    return Region.objects.filter(parent__isnull=True)


def display_code(region: Region) -> str:
    return region.gb_code or region.code


def departments(*, region: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("region")
    if region:
        qs = qs.filter(region_id=check_region_code(region))
    return qs.order_by("region_id", "name")


def get_department(key: str | int) -> Department:
    """By primary key or by unified social credit code."""
    qs = Department.objects.select_related("region", "parent")
    try:
        if isinstance(key, int) or (str(key).isdigit() and len(str(key)) < 18):
            return qs.get(pk=int(key))
        return qs.get(credit_code=str(key).upper())
    except Department.DoesNotExist:
        raise NotFound(f"部门 {key} 不存在") from None


def department_by_credit_code(code: str) -> Department | None:
    return Department.objects.filter(credit_code=code.upper()).first()


def covered_years() -> list[int]:
    return list(CalendarYear.objects.values_list("year", flat=True))


def audit_events_for(object_type: str, object_id) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("seq")


def region_full_names():
    return Region.objects.values_list("code", "full_name")


WARN_FROM_MONTH = 10  # the State Council usually announces next year's arrangement in November


def calendar_warning(today=None) -> str:
    """For administrators, from 1 October: next year's official holiday arrangement is missing, so
    deadlines into it are provisional (暂定) until it is imported. "" when nothing to say."""
    import datetime as dt

    from django.utils import timezone

    today = today or timezone.localdate()
    missing = [
        year
        for year in (today.year, today.year + 1)
        if (year == today.year or today >= dt.date(today.year, WARN_FROM_MONTH, 1))
        and not CalendarYear.objects.filter(year=year).exists()
    ]
    if not missing:
        return ""
    from django.utils.translation import gettext

    years = gettext("、").join(gettext("%(year)s年") % {"year": y} for y in missing)
    return gettext(
        "工作日历尚未导入%(years)s的国务院节假日安排：期限按暂定日历（周末和法定节假日，不含调休）计算并标注“暂定”。"
        "安排公布后请用 manage.py calendar import 导入，已受理办件的期限将自动重算并通知申请人。"
    ) % {"years": years}
