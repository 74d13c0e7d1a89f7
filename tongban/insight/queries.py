"""insight reads: indicator values, series, breakdowns by child region and volumes, all from the
rollups (one aggregate query each, whatever the number of cases) and, for the catalogue's
indicators, from catalog.queries. Definitions: indicators.py and docs/indicators.md.

A period [date_from, date_to] is read as its whole months from the month rows and its ragged
edges from the day rows, so a year at province level reads some thousands of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from tongban.cases.enums import CaseState, Channel
from tongban.catalog import queries as catalog_queries
from tongban.core import queries as core_queries
from tongban.core.errors import InvalidInput, NotFound
from tongban.exchange import queries as exchange_queries
from tongban.licences import queries as licence_queries

from . import indicators as defs
from .indicators import CATALOGUE, EXCHANGE, INDICATORS, LICENCES, Indicator
from .models import CHANNELS, COUNTERS, STATES, Rollup
from .rollups import month_of

MAX_YEARS = 10
GRAINS = ("day", "month")
VOLUME_KINDS = ("channel", "state", "department", "item")


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    value: Decimal | int | None
    numerator: int | None
    denominator: int | None


@dataclass(frozen=True)
class RegionValue:
    code: str
    name: str
    value: Decimal | int | None
    numerator: int | None
    denominator: int | None


# --- Input checks (the field named) ----------------------------------------------------------


def check_period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    if date_from is None:
        raise InvalidInput.field("from", "请填写开始日期")
    if date_to is None:
        raise InvalidInput.field("to", "请填写结束日期")
    if date_to < date_from:
        raise InvalidInput.field("to", "结束日期不能早于开始日期")
    try:
        limit = date_from.replace(year=date_from.year + MAX_YEARS)
    except ValueError:  # 29 February
        limit = date_from.replace(year=date_from.year + MAX_YEARS, day=28)
    if date_to >= limit:
        raise InvalidInput.field("to", f"查询期间不能超过{MAX_YEARS}年")
    return date_from, date_to


def check_region(code: str):
    """The region (core Region) of a 6- or 12-digit code; unknown: InvalidInput naming `region`."""
    try:
        return core_queries.get_region(code or "", field="region")
    except NotFound:
        raise InvalidInput.field("region", "没有这个行政区划") from None


def check_department(key: str | int | None) -> int | None:
    """A department id (or credit code) → its id; unknown: InvalidInput naming `department`."""
    if key in (None, ""):
        return None
    text = str(key).strip()
    if not (text.isdigit() and len(text) <= 12) and not (len(text) == 18 and text.isalnum()):
        raise InvalidInput.field("department", "部门应为部门编号或18位统一社会信用代码")
    try:
        return core_queries.get_department(text).pk
    except NotFound:
        raise InvalidInput.field("department", "没有这个部门") from None


# --- Reading the rollups ---------------------------------------------------------------------


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def period_rows(date_from: dt.date, date_to: dt.date, *, by_item: bool = False) -> Q:
    """Rows covering [date_from, date_to] exactly once: month rows for whole months, day rows
    for the edges (`by_item`: the item grains "n" and "i", else the department's "m" and "d")."""
    month, day = ("n", "i") if by_item else ("m", "d")
    first_full = date_from if date_from.day == 1 else _month_end(date_from) + dt.timedelta(days=1)
    last_full = date_to if date_to == _month_end(date_to) else date_to.replace(day=1) - dt.timedelta(days=1)
    if first_full > last_full:
        return Q(grain=day, day__gte=date_from, day__lte=date_to)
    q = Q(grain=month, day__gte=first_full, day__lte=month_of(last_full))
    if date_from < first_full:
        q |= Q(grain=day, day__gte=date_from, day__lte=first_full - dt.timedelta(days=1))
    if last_full < date_to:
        q |= Q(grain=day, day__gte=last_full + dt.timedelta(days=1), day__lte=date_to)
    return q


def _scope(region, date_from, date_to, department_id: int | None):
    qs = Rollup.objects.filter(period_rows(date_from, date_to), region_code__startswith=region.prefix)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs


SUMS = {name: Sum(name) for name in COUNTERS}


def _clean(row: dict) -> dict[str, int]:
    return {name: int(row.get(name) or 0) for name in COUNTERS}


def totals(*, region, date_from, date_to, department_id: int | None = None) -> dict[str, int]:
    return _clean(_scope(region, date_from, date_to, department_id).aggregate(**SUMS))


# --- Computing an indicator from counters ----------------------------------------------------

PERCENT = Decimal("0.01")
TENTH = Decimal("0.1")

CASE_FORMULAS = {  # id -> (numerator, denominator) from summed counters
    "online_case_rate": (lambda t: t["recv_2"] + t["recv_3"], lambda t: t["received"]),
    "at_most_once_rate": (lambda t: t["at_most_once"], lambda t: t["received"]),
    "zero_trip_rate": (lambda t: t["zero_trip"], lambda t: t["received"]),
    "received": (lambda t: t["received"], None),
    "accepted": (lambda t: t["accepted"], None),
    "concluded": (lambda t: t["concluded"], None),
    "on_time_rate": (lambda t: t["on_time"], lambda t: t["concluded"]),
    "immediate_share": (lambda t: t["immediate"], lambda t: t["received"]),
    "avg_days_saved": (lambda t: t["days_statutory"] - t["days_used"], lambda t: t["timed"]),
    "exempt_materials": (lambda t: t["exempt_licence"] + t["exempt_identity"] + t["exempt_form"], None),
}


def ratio(indicator: Indicator, numerator: int, denominator: int | None) -> Decimal | int | None:
    if denominator is None:
        return numerator
    if not denominator:
        return None
    if indicator.unit == "%":
        return (Decimal(100 * numerator) / Decimal(denominator)).quantize(PERCENT, ROUND_HALF_UP)
    return (Decimal(numerator) / Decimal(denominator)).quantize(TENTH, ROUND_HALF_UP)


def value_of(indicator: Indicator, counters: dict[str, int]) -> IndicatorValue:
    num_f, den_f = CASE_FORMULAS[indicator.id]
    numerator = num_f(counters)
    denominator = den_f(counters) if den_f else None
    return IndicatorValue(indicator, ratio(indicator, numerator, denominator), numerator, denominator)


CATALOGUE_KEYS = {"item_online_rate": "online", "item_fully_online_rate": "fully_online"}


def _catalogue_value(indicator: Indicator, figures: dict) -> IndicatorValue:
    numerator, denominator = (
        int(figures.get(CATALOGUE_KEYS[indicator.id]) or 0),
        int(figures.get("total") or 0),
    )
    return IndicatorValue(indicator, ratio(indicator, numerator, denominator), numerator, denominator)


def _catalogue_figures(region, department_id: int | None) -> dict:
    filters = catalog_queries.SearchFilters(region=region.code, department=str(department_id or ""))
    return catalog_queries.indicators(filters)


OTHER_SOURCES = {  # id -> (source, key of the figures)
    "licences_issued": (LICENCES, "issued"),
    "licence_uses": (LICENCES, "used"),
    "sharing_calls": (EXCHANGE, "calls"),
}


def _source_figures(source: str, region, date_from, date_to, department_id: int | None) -> dict[str, int]:
    read = licence_queries.issuance_figures if source == LICENCES else exchange_queries.call_figures
    return read(
        date_from=date_from, date_to=date_to, region_prefix=region.prefix, department_id=department_id
    )


def _other_value(indicator: Indicator, figures: dict[str, int]) -> IndicatorValue:
    n = int(figures[OTHER_SOURCES[indicator.id][1]])
    return IndicatorValue(indicator, n, n, None)


# --- The contract ------------------------------------------------------------------------------


def indicators(
    *, region: str, date_from: dt.date, date_to: dt.date, department: str | int | None = None
) -> list[IndicatorValue]:
    """Every indicator for the region (and below) over [date_from, date_to], optionally one
    department's: one rollup aggregate and one catalogue aggregate."""
    area = check_region(region)
    date_from, date_to = check_period(date_from, date_to)
    department_id = check_department(department)
    counters = totals(region=area, date_from=date_from, date_to=date_to, department_id=department_id)
    figures: dict[str, dict] = {}
    out = []
    for indicator in INDICATORS.values():
        source = indicator.source
        if source == CATALOGUE:
            if source not in figures:
                figures[source] = _catalogue_figures(area, department_id)
            out.append(_catalogue_value(indicator, figures[source]))
        elif source in (LICENCES, EXCHANGE):
            if source not in figures:
                figures[source] = _source_figures(source, area, date_from, date_to, department_id)
            out.append(_other_value(indicator, figures[source]))
        else:
            out.append(value_of(indicator, counters))
    return out


def _buckets(date_from: dt.date, date_to: dt.date, grain: str) -> list[dt.date]:
    out, day = [], date_from if grain == "day" else month_of(date_from)
    while day <= date_to:
        out.append(day)
        day = day + dt.timedelta(days=1) if grain == "day" else _month_end(day) + dt.timedelta(days=1)
    return out


def series(
    indicator_id: str,
    *,
    region: str,
    date_from: dt.date,
    date_to: dt.date,
    grain: str = "month",
    department: str | int | None = None,
) -> list[tuple[dt.date, Decimal | int | None]]:
    """The indicator per day or per month (the month's first day as its key; the first and last
    months cover only the days of the period). Every bucket is there (a count 0, a ratio None)."""
    indicator = defs.get(indicator_id)
    if grain not in GRAINS:
        raise InvalidInput.field("grain", "粒度只能是 day 或 month")
    if not indicator.has_series:
        raise InvalidInput.field("indicator", "该指标只有期间合计或当前值，没有按日、按月的序列")
    area = check_region(region)
    date_from, date_to = check_period(date_from, date_to)
    department_id = check_department(department)
    if grain == "day" and (date_to - date_from).days > 366:
        raise InvalidInput.field("grain", "按日查看的期间不能超过一年，请按月查看")
    if grain == "day":
        qs = _day_scope(area, date_from, date_to, department_id)
    else:
        qs = _scope(area, date_from, date_to, department_id)
    by_bucket: dict[dt.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in qs.values("day").annotate(**SUMS).order_by():
        key = row["day"] if grain == "day" else month_of(row["day"])
        bucket = by_bucket[key]
        for name, n in _clean(row).items():
            bucket[name] += n
    return [(day, value_of(indicator, by_bucket[day]).value) for day in _buckets(date_from, date_to, grain)]


def _day_scope(region, date_from, date_to, department_id):
    qs = Rollup.objects.filter(
        grain="d", day__gte=date_from, day__lte=date_to, region_code__startswith=region.prefix
    )
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs


def _child_of(children, region_code: str):
    for child in children:
        if region_code.startswith(child.prefix):
            return child
    return None


def breakdown(
    indicator_id: str,
    *,
    region: str,
    date_from: dt.date,
    date_to: dt.date,
    department: str | int | None = None,
) -> list[RegionValue]:
    """One row per child region of `region` (province → cities, city → counties), in code order.
    The parent's own cases (its own departments') belong to no child and are not in these rows."""
    indicator = defs.get(indicator_id)
    area = check_region(region)
    date_from, date_to = check_period(date_from, date_to)
    department_id = check_department(department)
    children = list(core_queries.region_children(area.code))
    if indicator.source == CATALOGUE:
        if department_id is not None:
            raise InvalidInput.field("department", "事项目录指标按地区分解时不能再限定部门")
        figures = dict((c.code, f) for c, f in catalog_queries.indicators_by_region(area.code))
        out = []
        for child in children:
            v = _catalogue_value(indicator, figures.get(child.code, {}))
            out.append(RegionValue(child.code, child.name, v.value, v.numerator, v.denominator))
        return out
    if indicator.source in (LICENCES, EXCHANGE):  # two counts per child region
        out = []
        for child in children:
            v = _other_value(
                indicator, _source_figures(indicator.source, child, date_from, date_to, department_id)
            )
            out.append(RegionValue(child.code, child.name, v.value, v.numerator, v.denominator))
        return out
    per_child: dict[str, dict[str, int]] = {c.code: dict.fromkeys(COUNTERS, 0) for c in children}
    rows = _scope(area, date_from, date_to, department_id).values("region_code").annotate(**SUMS).order_by()
    for row in rows:
        child = _child_of(children, row["region_code"])
        if child is None:
            continue
        acc = per_child[child.code]
        for name, n in _clean(row).items():
            acc[name] += n
    out = []
    for child in children:
        v = value_of(indicator, per_child[child.code])
        out.append(RegionValue(child.code, child.name, v.value, v.numerator, v.denominator))
    return out


def volumes(
    *,
    region: str,
    date_from: dt.date,
    date_to: dt.date,
    by: str,
    department: str | int | None = None,
    limit: int = 100,
) -> list[tuple[str, str, int]]:
    """Cases received in the period by channel (办理形式), current state, department or item:
    (key, label, count). Channels and states: every one, in code order; departments and items:
    those with cases, most first (at most `limit`)."""
    if by not in VOLUME_KINDS:
        raise InvalidInput.field("by", "只能按 channel、state、department 或 item 分组")
    area = check_region(region)
    date_from, date_to = check_period(date_from, date_to)
    department_id = check_department(department)
    if by in ("channel", "state"):
        t = totals(region=area, date_from=date_from, date_to=date_to, department_id=department_id)
        if by == "channel":
            return [(c, str(Channel(c).label), t[f"recv_{c}"]) for c in CHANNELS]
        return [(s, str(CaseState(s).label), t[f"st_{s}"]) for s in STATES]
    if by == "department":
        qs = _scope(area, date_from, date_to, department_id).values("department_id")
        rows = [(r["department_id"], r["n"]) for r in qs.annotate(n=Sum("received")).order_by() if r["n"]]
        rows.sort(key=lambda r: (-r[1], r[0]))
        rows = rows[:limit]
        names = core_queries.departments_by_id([r[0] for r in rows])
        return [(str(pk), names[pk].name if pk in names else str(pk), n) for pk, n in rows]
    qs = Rollup.objects.filter(
        period_rows(date_from, date_to, by_item=True), region_code__startswith=area.prefix
    )
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    rows = [
        (r["item_code"], r["n"])
        for r in qs.values("item_code").annotate(n=Sum("received")).order_by()
        if r["n"]
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    rows = rows[:limit]
    names = dict(
        catalog_queries.current_items()
        .filter(code__in=[code for code, _ in rows])
        .values_list("code", "name")
    )
    return [(code, names.get(code, code), n) for code, n in rows]
