"""Writes owned by the kernel: regions, departments and the working-day calendar.

Every `do_*` function takes `actor=` and records an audit event in the same transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import audit, workdays
from .enums import DayKind, DepartmentKind, RegionLevel
from .errors import FieldProblem, InvalidInput, NotFound
from .identifiers import check_credit_code, normalize
from .models import CalendarDay, CalendarYear, Department, Region

# --- Regions ----------------------------------------------------------------------------

_LEVELS = {
    "province": RegionLevel.PROVINCE,
    "city": RegionLevel.CITY,
    "county": RegionLevel.COUNTY,
    "township": RegionLevel.TOWNSHIP,
    "village": RegionLevel.VILLAGE,
}


def region_prefix(code12: str, level: int) -> str:
    """The significant prefix of a 12-digit code: 2/4/6/9/12 digits by level.

    The four units directly under the province (429004 仙桃 ...) are cities whose
    significant digits are six, as their codes are county-shaped."""
    if level == RegionLevel.CITY and code12[2:4] == "90":
        return code12[:6]
    return code12[: {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}[level]]


def to_statistical_code(code: str) -> str:
    return code.ljust(12, "0") if len(code) == 6 else code


@transaction.atomic
def do_load_regions(*, actor, directory: Path | None = None) -> int:
    """Load (or refresh) regions from the reference CSV files the project ships
    (`tongban/core/data/regions/`, sources named in its README); returns the number of rows."""
    directory = directory or settings.REFERENCE_DATA_DIR / "regions"
    rows: list[dict] = []
    for name in ("hubei.csv", "hubei-townships-villages.csv"):
        with open(directory / name, encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    by_code: dict[str, Region] = {}
    for row in rows:  # parents precede children in both files
        level = _LEVELS[row["level"]]
        code = to_statistical_code(row["code"])
        parent = by_code.get(to_statistical_code(row["parent_code"])) if row["parent_code"] else None
        full_name = f"{parent.full_name}{row['name']}" if parent else row["name"]
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={
                "gb_code": row["code"] if len(row["code"]) == 6 else "",
                "name": row["name"],
                "level": level,
                "parent": parent,
                "prefix": region_prefix(code, level),
                "full_name": full_name,
            },
        )
        by_code[code] = region
    audit.record(
        actor=actor,
        action="core.regions.load",
        object_type="core.region",
        object_id="*",
        data={"rows": len(rows), "source": str(directory.name)},
    )
    return len(rows)


# --- Departments ------------------------------------------------------------------------


def check_department(
    *, name: str, credit_code: str, region_code: str, kind: str, override: bool
) -> list[FieldProblem]:
    problems = []
    if not name.strip():
        problems.append(FieldProblem("name", "部门名称不能为空"))
    result = check_credit_code(credit_code)
    if not result and not (override and len(normalize(credit_code)) == 18):
        problems.append(FieldProblem("credit_code", result.reason + "（早期试点代码可由管理员确认例外）"))
    if not Region.objects.filter(code=to_statistical_code(region_code)).exists():
        problems.append(FieldProblem("region", f"行政区划代码 {region_code} 不存在"))
    if kind not in DepartmentKind.values:
        problems.append(FieldProblem("kind", f"部门类别 {kind} 无效"))
    return problems


@transaction.atomic
def do_upsert_department(
    *,
    actor,
    name: str,
    credit_code: str,
    region_code: str,
    kind: str = DepartmentKind.BUREAU,
    parent: Department | None = None,
    short_name: str = "",
    phone: str = "",
    address: str = "",
    hours: str = "",
    description: str = "",
    override: bool = False,
) -> Department:
    credit_code = normalize(credit_code)
    problems = check_department(
        name=name, credit_code=credit_code, region_code=region_code, kind=kind, override=override
    )
    if problems:
        raise InvalidInput(problems[0].__str__(), problems=problems)
    dept, created = Department.objects.update_or_create(
        credit_code=credit_code,
        defaults={
            "name": name.strip(),
            "short_name": short_name,
            "region_id": to_statistical_code(region_code),
            "kind": kind,
            "parent": parent,
            "phone": phone,
            "address": address,
            "hours": hours,
            "description": description,
            "credit_code_override": override and not check_credit_code(credit_code),
        },
    )
    audit.record(
        actor=actor,
        action="core.department." + ("create" if created else "update"),
        obj=dept,
        data={"name": dept.name, "credit_code": dept.credit_code, "region": dept.region_id},
    )
    return dept


# --- Working-day calendar ---------------------------------------------------------------

_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _replace_years(days: dict[int, list[tuple[dt.date, str, str]]], *, source: str) -> None:
    for year, entries in days.items():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(CalendarDay(date=d, kind=k, name=n) for d, k, n in entries)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    workdays.changed_on_commit()  # bulk writes send no signals


@transaction.atomic
def do_seed_calendar_from_package(*, actor, first_year: int = 2004, last_year: int = 2026) -> int:
    """Seed holidays and adjusted workdays from the `chinesecalendar` package."""
    import chinese_calendar

    # A year the package does not know would be stored as "covered, no holidays": refuse it.
    missing = sorted(set(range(first_year, last_year + 1)) - {d.year for d in chinese_calendar.holidays})
    if missing:
        raise InvalidInput.field(
            "year",
            f"chinesecalendar {chinese_calendar.__version__} 没有"
            f"{'、'.join(map(str, missing))}年的数据，请用 calendar import 导入该年度",
        )
    days: dict[int, list] = {y: [] for y in range(first_year, last_year + 1)}
    for source, kind in (
        (chinese_calendar.holidays, DayKind.HOLIDAY),
        (chinese_calendar.workdays, DayKind.WORKDAY),
    ):
        for day, name in source.items():
            if first_year <= day.year <= last_year and name:
                days[day.year].append((day, kind, _CC_NAMES.get(str(name), str(name))))
    # Plain weekdays without a holiday name are not exceptions; the package lists only real ones.
    _replace_years(days, source=f"chinesecalendar {chinese_calendar.__version__}")
    workdays.announce(actor=actor, since=dt.date(first_year, 1, 1))
    audit.record(
        actor=actor,
        action="core.calendar.seed",
        object_type="core.calendaryear",
        object_id=f"{first_year}-{last_year}",
        data={"days": sum(len(v) for v in days.values())},
    )
    return sum(len(v) for v in days.values())


CALENDAR_FILE_HELP = """\
A calendar file is UTF-8 CSV with the header `date,kind,name`, one row per exception:
  date  ISO date (2027-01-01)
  kind  holiday (法定节假日, 休息) or workday (调休上班日)
  name  the holiday's name (元旦, 春节 ...)
Every year that appears is replaced whole and marked as covered; ordinary weekends and
weekdays need no row. Lines starting with # are comments.
"""


def parse_calendar_file(text: str) -> dict[int, list[tuple[dt.date, str, str]]]:
    """Parse and validate a calendar file; raises InvalidInput naming every bad row."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["date", "kind", "name"]:
        raise InvalidInput.field("header", "日历文件表头应为 date,kind,name")
    problems: list[FieldProblem] = []
    days: dict[int, list] = {}
    seen: set[dt.date] = set()
    for rowno, row in enumerate(reader, start=2):
        try:
            day = dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            problems.append(
                FieldProblem("date", f"日期 {row['date']!r} 不是 YYYY-MM-DD 格式", row=rowno, column="A")
            )
            continue
        kind = (row["kind"] or "").strip()
        if kind not in DayKind.values:
            problems.append(
                FieldProblem("kind", f"类别 {kind!r} 应为 holiday 或 workday", row=rowno, column="B")
            )
            continue
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            problems.append(
                FieldProblem("kind", f"{day} 是周一至周五，不能标为调休上班日", row=rowno, column="B")
            )
            continue
        if day in seen:
            problems.append(FieldProblem("date", f"日期 {day} 重复", row=rowno, column="A"))
            continue
        seen.add(day)
        days.setdefault(day.year, []).append((day, kind, (row["name"] or "").strip()[:40]))
    if problems:
        raise InvalidInput(f"日历文件有 {len(problems)} 处错误，未导入任何数据", problems=problems)
    if not days:
        raise InvalidInput.field("file", "日历文件没有任何日期")
    return days


@transaction.atomic
def do_import_calendar(*, actor, text: str, source: str) -> list[int]:
    """Import a calendar file: all or nothing. Returns the years imported."""
    days = parse_calendar_file(text)
    _replace_years(days, source=source[:200])
    workdays.announce(actor=actor, since=dt.date(min(days), 1, 1))
    audit.record(
        actor=actor,
        action="core.calendar.import",
        object_type="core.calendaryear",
        object_id=",".join(map(str, sorted(days))),
        data={"source": source[:200], "days": sum(len(v) for v in days.values())},
    )
    return sorted(days)


@transaction.atomic
def do_set_calendar_day(*, actor, date: dt.date, kind: str | None, name: str = "") -> None:
    """Staff edit: mark a date as holiday/workday, or (kind=None) back to the ordinary rule."""
    if not CalendarYear.objects.filter(year=date.year).exists():
        raise NotFound(f"工作日历没有{date.year}年，请先导入该年度")
    if kind is None:
        CalendarDay.objects.filter(date=date).delete()
    else:
        if kind not in DayKind.values:
            raise InvalidInput.field("kind", "类别应为 holiday 或 workday")
        CalendarDay.objects.update_or_create(date=date, defaults={"kind": kind, "name": name[:40]})
    workdays.announce(actor=actor, since=date)
    audit.record(
        actor=actor,
        action="core.calendar.set_day",
        object_type="core.calendarday",
        object_id=date.isoformat(),
        data={"kind": kind, "name": name},
    )


def calendar_rows(year: int) -> Iterable[tuple[dt.date, str, str]]:
    return CalendarDay.objects.filter(date__year=year).values_list("date", "kind", "name")


def provisional_years(first_year: int, last_year: int) -> list[int]:
    return workdays.provisional_years(first_year, last_year)


def provisional_rows(year: int) -> list[tuple[dt.date, str]]:
    """The days off of a year's provisional calendar (weekdays only; weekends are off anyway)."""
    from . import provisional

    return list(provisional.holidays(year))
