"""Indicator endpoints under /api/v1/insight (thin: parse, call queries, shape). Public data:
figures over rollups that carry no personal data; no sign-in needed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Query, Router

from tongban.core.schemas import ErrorOut

from . import queries
from .indicators import INDICATORS, Indicator
from .schemas import (
    BreakdownOut,
    BreakdownQuery,
    IndicatorDefinition,
    IndicatorsOut,
    PeriodQuery,
    SeriesOut,
    SeriesQuery,
    VolumeQuery,
    VolumesOut,
)

router = Router(tags=["insight"])
ERRORS = {400: ErrorOut}


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return date_from or today.replace(month=1, day=1), date_to or today


def definition(i: Indicator) -> dict:
    return {
        "id": i.id,
        "name": str(i.name),
        "unit": i.unit,
        "formula": str(i.formula),
        "numerator": str(i.numerator),
        "denominator": str(i.denominator),
        "source": i.source,
        "higher_is_better": i.higher_is_better,
        "has_series": i.has_series,
    }


def _region(code: str) -> dict:
    region = queries.check_region(code)
    return {"code": region.code, "name": region.name}


@router.get("/definitions", response={200: list[IndicatorDefinition]})
def definitions(request):
    """Every indicator's definition: id (the formula id of docs/indicators.md), name, unit,
    formula, numerator, denominator, source."""
    return [definition(i) for i in INDICATORS.values()]


@router.get("/indicators", response={200: IndicatorsOut, **ERRORS}, by_alias=True)
def indicators(request, params: Query[PeriodQuery]):
    """Every indicator for `region` (and below) over [`from`, `to`] (default: this year to
    date), optionally one `department`'s: each with its value, numerator, denominator and
    formula id. 400 naming the field: unknown region or department, `to` before `from`, a
    period over 10 years."""
    date_from, date_to = _period(params.date_from, params.date_to)
    values = queries.indicators(
        region=params.region, date_from=date_from, date_to=date_to, department=params.department or None
    )
    return {
        "region": _region(params.region),
        "date_from": date_from,
        "date_to": date_to,
        "department": queries.check_department(params.department),
        "indicators": [
            {
                **definition(v.indicator),
                "value": _number(v.value),
                "numerator_value": v.numerator,
                "denominator_value": v.denominator,
            }
            for v in values
        ],
    }


@router.get("/series", response={200: SeriesOut, **ERRORS})
def series(request, params: Query[SeriesQuery]):
    """One indicator per day or month (`grain`) over the period; every bucket present."""
    date_from, date_to = _period(params.date_from, params.date_to)
    points = queries.series(
        params.indicator,
        region=params.region,
        date_from=date_from,
        date_to=date_to,
        grain=params.grain,
        department=params.department or None,
    )
    indicator = INDICATORS[params.indicator]
    return {
        "indicator": indicator.id,
        "unit": indicator.unit,
        "grain": params.grain,
        "region": _region(params.region),
        "points": [{"date": d, "value": _number(v)} for d, v in points],
    }


@router.get("/breakdown", response={200: BreakdownOut, **ERRORS})
def breakdown(request, params: Query[BreakdownQuery]):
    """One indicator for each direct child region of `region` (province → cities → counties)."""
    date_from, date_to = _period(params.date_from, params.date_to)
    rows = queries.breakdown(params.indicator, region=params.region, date_from=date_from, date_to=date_to)
    indicator = INDICATORS[params.indicator]
    return {
        "indicator": indicator.id,
        "unit": indicator.unit,
        "region": _region(params.region),
        "rows": [
            {
                "code": r.code,
                "name": r.name,
                "value": _number(r.value),
                "numerator": r.numerator,
                "denominator": r.denominator,
            }
            for r in rows
        ],
    }


@router.get("/volumes", response={200: VolumesOut, **ERRORS})
def volumes(request, params: Query[VolumeQuery]):
    """Cases received in the period by channel, current state, department or item."""
    date_from, date_to = _period(params.date_from, params.date_to)
    rows = queries.volumes(
        region=params.region,
        date_from=date_from,
        date_to=date_to,
        by=params.by,
        department=params.department or None,
    )
    return {
        "by": params.by,
        "region": _region(params.region),
        "rows": [{"key": k, "label": label, "count": n} for k, label, n in rows],
    }
