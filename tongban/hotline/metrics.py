"""Metric rollups (指标): counters per handling unit and per hotline centre, per month, moved in
the transaction of each transition (increments of one row), so reading the rates for the whole
province sums a few hundred rows and never scans tickets. A centre's month is split into
`STRIPES` rows (every intake moves it: one row would serialise the intakes through their
commit); the totals sum them, exact as before.

Rates (None when the denominator is 0):
- 接通率 answered calls / calls (centre);            - 直接答复率 direct answers / tickets (centre);
- 按时签收率 accepted on time / accepted (unit);      - 按时办结率 closed on time / closed (unit);
- 回访率 visited / closed (unit);                      - 满意率 satisfied / rated (unit);
- 退单率 returned / dispatched (unit).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading

from django.db import connection
from django.db.models import F, Sum

from .models import CentreRollup, UnitRollup

UNIT_FIELDS = (
    "dispatched",
    "accepted",
    "accepted_on_time",
    "returned",
    "closed",
    "closed_on_time",
    "visited",
    "rated",
    "satisfied",
)
CENTRE_FIELDS = ("calls", "answered_calls", "tickets", "direct")


def month_of(day: dt.date | dt.datetime) -> dt.date:
    if isinstance(day, dt.datetime):
        from django.utils import timezone

        day = timezone.localdate(day)
    return day.replace(day=1)


def bump_unit(department_id: int | None, at, **counts: int) -> None:
    if department_id is None:
        return
    changes = {k: F(k) + v for k, v in counts.items() if v}
    if not changes:
        return
    month = month_of(at)
    updated = UnitRollup.objects.filter(department_id=department_id, month=month).update(**changes)
    if not updated:
        row, _created = UnitRollup.objects.get_or_create(department_id=department_id, month=month)
        UnitRollup.objects.filter(pk=row.pk).update(**changes)


STRIPES = 8  # rows per centre and month (CentreRollup.stripe)
_stripes = itertools.count(os.getpid())
_thread = threading.local()


def _stripe() -> int:
    """This thread's stripe: threads (and processes, from their pid) take the stripes in turn,
    so writers at once mostly move different rows; one thread always moves the same row."""
    stripe = getattr(_thread, "stripe", None)
    if stripe is None:
        stripe = _thread.stripe = next(_stripes) % STRIPES
    return stripe


assert CentreRollup._meta.db_table == "hotline_centrerollup"
_CENTRE_UPSERT_SQL = (
    "INSERT INTO hotline_centrerollup (region_code, month, stripe, {columns}) VALUES (%s, %s, %s, {values}) "
    "ON CONFLICT (region_code, month, stripe) DO UPDATE SET {sets}"
)


def centre_upsert(region_code: str, at, **counts: int) -> tuple[str, list] | None:
    """The statement adding `counts` to the centre's month (this thread's stripe row) and its
    parameters; None when there is nothing to add. PostgreSQL and SQLite both take it; intake
    runs it inside its own statement (`intake._insert_ticket`)."""
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return None
    unknown = set(counts) - set(CENTRE_FIELDS)
    if unknown:
        raise ValueError(f"not a centre counter: {sorted(unknown)}")
    # Column names from CENTRE_FIELDS only, never from the caller; a new row gets every column.
    sql = _CENTRE_UPSERT_SQL.format(
        columns=", ".join(CENTRE_FIELDS),
        values=", ".join(["%s"] * len(CENTRE_FIELDS)),
        sets=", ".join(
            f"{n} = hotline_centrerollup.{n} + excluded.{n}" for n in CENTRE_FIELDS if n in counts
        ),
    )
    return sql, [region_code, month_of(at), _stripe(), *(counts.get(n, 0) for n in CENTRE_FIELDS)]


def bump_centre(region_code: str, at, **counts: int) -> None:
    """Add `counts` to the centre's month, in the caller's transaction: one upsert."""
    upsert = centre_upsert(region_code, at, **counts)
    if upsert is not None:
        with connection.cursor() as cur:
            cur.execute(*upsert)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def unit_rates(totals: dict) -> dict:
    return {
        "accept_on_time_rate": _rate(totals["accepted_on_time"], totals["accepted"]),
        "close_on_time_rate": _rate(totals["closed_on_time"], totals["closed"]),
        "visit_rate": _rate(totals["visited"], totals["closed"]),
        "satisfaction_rate": _rate(totals["satisfied"], totals["rated"]),
        "return_rate": _rate(totals["returned"], totals["dispatched"]),
    }


def centre_rates(totals: dict) -> dict:
    return {
        "answer_rate": _rate(totals["answered_calls"], totals["calls"]),
        "direct_rate": _rate(totals["direct"], totals["tickets"]),
    }


def unit_totals(department_ids=None, *, since: dt.date | None = None, until: dt.date | None = None) -> dict:
    qs = UnitRollup.objects.all()
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    if since:
        qs = qs.filter(month__gte=month_of(since))
    if until:
        qs = qs.filter(month__lte=month_of(until))
    sums = qs.aggregate(**{f: Sum(f) for f in UNIT_FIELDS})
    return {f: sums[f] or 0 for f in UNIT_FIELDS}


def per_unit(*, since: dt.date | None = None) -> dict[int, dict]:
    qs = UnitRollup.objects.all()
    if since:
        qs = qs.filter(month__gte=month_of(since))
    rows = qs.values("department_id").annotate(**{f"s_{f}": Sum(f) for f in UNIT_FIELDS})
    return {r["department_id"]: {f: r[f"s_{f}"] or 0 for f in UNIT_FIELDS} for r in rows}


def centre_totals(region_code: str | None = None, *, since: dt.date | None = None) -> dict:
    qs = CentreRollup.objects.all()
    if region_code:
        qs = qs.filter(region_code=region_code)
    if since:
        qs = qs.filter(month__gte=month_of(since))
    sums = qs.aggregate(**{f: Sum(f) for f in CENTRE_FIELDS})
    return {f: sums[f] or 0 for f in CENTRE_FIELDS}
