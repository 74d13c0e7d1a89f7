"""Case rollups: the increments a case transition makes (`apply`, connected to
`cases.signals.case_changed` in InsightConfig.ready, so it runs in the transition's own
transaction), and the full rebuild from the cases (`rebuild`, `manage.py insight
rebuild-rollups`), which computes the same counters from `cases.queries.rollup_source`.

The two must agree: tests/test_recount.py walks random transitions through the case services
and compares the live rows with a recount."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from tongban.cases import queries as case_queries
from tongban.cases.signals import CREATING_ACTIONS
from tongban.core.workdays import CalendarNotCovered, count_working_days

from .models import CHANNELS, COUNTERS, RECEIVED_COUNTERS, STATES, Rollup

Key = tuple[str, dt.date, str, int, str]  # grain, day, region code, department id, item code
ONLINE_CHANNELS = ("2", "3")  # 电脑端, 移动端 (cases.enums.Channel.online())
WINDOW = "1"
IMMEDIATE = "1"  # 办件类型 即办件


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def days_used(accepted_on: dt.date, concluded_day: dt.date, paused_days: int) -> int | None:
    """Working days in (accepted_on, concluded_day] less the paused working days; None when the
    calendar does not cover those years (the case is then not `timed`)."""
    try:
        return count_working_days(accepted_on, concluded_day) - paused_days
    except CalendarNotCovered:
        return None


def received_counts(facts: dict) -> dict[str, int]:
    """What a new case adds on its day of submission (its state counted as st_<state>)."""
    visits = facts["visits"]
    return {
        "received": 1,
        f"recv_{facts['channel']}": 1,
        f"st_{facts['state']}": 1,
        "immediate": int(facts["case_type"] == IMMEDIATE),
        "zero_trip": int(visits == 0 and facts["channel"] != WINDOW),
        "at_most_once": int(visits <= 1),
        "exempt_licence": facts["exempt_licence"],
        "exempt_identity": facts["exempt_identity"],
        "exempt_form": facts["exempt_form"],
    }


def concluded_counts(facts: dict) -> dict[str, int]:
    counts = {"concluded": 1, "on_time": int(bool(facts["concluded_on_time"]))}
    if facts["accepted_on"] is not None:
        used = days_used(facts["accepted_on"], facts["concluded_day"], facts["paused_days"])
        if used is not None:
            counts.update(timed=1, days_used=used, days_statutory=facts["statutory_days"])
    return counts


def deltas(facts: dict, *, action: str, before: str) -> dict[dt.date, dict[str, int]]:
    """The counter changes of one transition, by day (finest grain), from the case's facts after
    it. A new case: its received counters; a state change: st_<before> -1, st_<after> +1 on the
    day of submission; an acceptance and a conclusion: their event counters on their day."""
    out: dict[dt.date, dict[str, int]] = defaultdict(dict)

    def add(day: dt.date, counts: dict[str, int]) -> None:
        row = out[day]
        for name, n in counts.items():
            if n:
                row[name] = row.get(name, 0) + n

    after = facts["state"]
    if action in CREATING_ACTIONS and not before:
        add(facts["submitted_day"], received_counts(facts))
    elif before != after and before:
        add(facts["submitted_day"], {f"st_{before}": -1, f"st_{after}": 1})
    if action == "accept" and facts["accepted_on"] is not None:
        add(facts["accepted_on"], {"accepted": 1})
    if action == "conclude" and facts["concluded_day"] is not None:
        add(facts["concluded_day"], concluded_counts(facts))
    return {day: row for day, row in out.items() if row}


def grains(day: dt.date, region: str, department: int, item: str) -> list[Key]:
    """The rows one finest-grain change reaches: the item's day and month rows, the department's
    day and month rows."""
    month = month_of(day)
    return [
        ("i", day, region, department, item),
        ("d", day, region, department, ""),
        ("m", month, region, department, ""),
        ("n", month, region, department, item),
    ]


def apply(*, case, action: str, before: str, **_signal) -> None:
    """The hook (cases.signals.case_changed): add this transition's deltas to every grain in one
    UPSERT statement, inside the transition's transaction."""
    facts = case_queries.rollup_facts(case, supplied=action in CREATING_ACTIONS and not before)
    changes = deltas(facts, action=action, before=before)
    if not changes:
        return
    rows: dict[Key, dict[str, int]] = defaultdict(dict)
    for day, counts in changes.items():
        for key in grains(day, facts["region_id"], facts["department_id"], facts["item_code"]):
            row = rows[key]
            for name, n in counts.items():
                row[name] = row.get(name, 0) + n
    upsert(rows)


def upsert(rows: dict[Key, dict[str, int]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c (PostgreSQL and SQLite alike)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    keys = ["grain", "day", "region_code", "department_id", "item_code"]
    touched = [name for name in COUNTERS if any(name in counts for counts in rows.values())]
    columns = keys + touched
    values, params = [], []
    # In key order: concurrent transitions lock the rows they share in the same order (no deadlock).
    for (grain, day, region, department, item), counts in sorted(rows.items()):
        values.append("(" + ", ".join(["%s"] * len(columns)) + ")")
        params += [grain, connection.ops.adapt_datefield_value(day), region, department, item]
        params += [counts.get(name, 0) for name in touched]
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in touched)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES {', '.join(values)} "  # noqa: S608 - our own column names, values as params
        f"ON CONFLICT ({', '.join(qn(c) for c in keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Rebuild ------------------------------------------------------------------------------------


def _sql_sum(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _received_rows(date_from: dt.date, date_to: dt.date) -> Iterable[tuple]:
    source, params = case_queries.rollup_source(
        by="submitted", date_from=date_from, date_to=date_to
    ).query.sql_with_params()
    parts = ["COUNT(*)"]
    parts += [_sql_sum(f"f.channel = '{c}'") for c in CHANNELS]
    parts += [_sql_sum(f"f.state = '{s}'") for s in STATES]
    parts += [
        _sql_sum(f"f.case_type = '{IMMEDIATE}'"),
        _sql_sum(f"f.visits = 0 AND f.channel <> '{WINDOW}'"),
        _sql_sum("f.visits <= 1"),
        "SUM(f.exempt_licence)",
        "SUM(f.exempt_identity)",
        "SUM(f.exempt_form)",
    ]
    sql = (
        f"SELECT f.submitted_day, f.region_id, f.department_id, f.item_code, {', '.join(parts)} "  # noqa: S608 - fixed expressions, values as params
        f"FROM ({source}) f GROUP BY f.submitted_day, f.region_id, f.department_id, f.item_code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _accepted_rows(date_from: dt.date, date_to: dt.date) -> Iterable[tuple]:
    source, params = case_queries.rollup_source(
        by="accepted", date_from=date_from, date_to=date_to
    ).query.sql_with_params()
    sql = (
        f"SELECT f.accepted_on, f.region_id, f.department_id, f.item_code, COUNT(*) FROM ({source}) f "  # noqa: S608
        "GROUP BY f.accepted_on, f.region_id, f.department_id, f.item_code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _concluded_rows(date_from: dt.date, date_to: dt.date) -> Iterable[tuple]:
    """By (day, region, department, item, acceptance day): count, on time, Σ statutory, Σ paused."""
    source, params = case_queries.rollup_source(
        by="concluded", date_from=date_from, date_to=date_to
    ).query.sql_with_params()
    sql = (
        "SELECT f.concluded_day, f.region_id, f.department_id, f.item_code, f.accepted_on, COUNT(*), "  # noqa: S608
        f"{_sql_sum('f.concluded_on_time')}, SUM(f.statutory_days), SUM(f.paused_days) FROM ({source}) f "
        "GROUP BY f.concluded_day, f.region_id, f.department_id, f.item_code, f.accepted_on"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def recount(date_from: dt.date, date_to: dt.date) -> dict[Key, dict[str, int]]:
    """Every grain's counters for the days [date_from, date_to] computed from the cases alone.
    Month rows are complete only when the range covers whole months (`rebuild` makes sure)."""
    fine: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for day, region, dept, item, *counts in _received_rows(date_from, date_to):
        row = fine[(_as_date(day), region, dept, item)]
        for name, n in zip(RECEIVED_COUNTERS, counts, strict=True):
            row[name] += int(n or 0)
    for day, region, dept, item, n in _accepted_rows(date_from, date_to):
        fine[(_as_date(day), region, dept, item)]["accepted"] += int(n)
    for day, region, dept, item, accepted_on, n, on_time, statutory, paused in _concluded_rows(
        date_from, date_to
    ):
        day = _as_date(day)
        row = fine[(day, region, dept, item)]
        row["concluded"] += int(n)
        row["on_time"] += int(on_time or 0)
        if accepted_on is not None:
            used = days_used(_as_date(accepted_on), day, 0)
            if used is not None:
                row["timed"] += int(n)
                row["days_used"] += used * int(n) - int(paused or 0)
                row["days_statutory"] += int(statutory or 0)
    out: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for (day, region, dept, item), counts in fine.items():
        for key in grains(day, region, dept, item):
            row = out[key]
            for name, n in counts.items():
                row[name] += n
    return dict(out)


def _month_ranges(date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    out, start = [], month_of(date_from)
    while start <= date_to:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        out.append((start, following - dt.timedelta(days=1)))
        start = following
    return out


def _hold_writers() -> None:
    """While a month is recounted, case transitions wait to add their increments (PostgreSQL: a
    table lock that conflicts with their INSERT … ON CONFLICT, and with another rebuild), so none
    is lost between the recount's read and its rows; SQLite's writer lock does the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(Rollup._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE"
            )


CHUNK_MONTHS = 12  # months recounted together: one scan of the cases per query and chunk


def rebuild(
    *, date_from: dt.date | None = None, date_to: dt.date | None = None, chunk_months: int = CHUNK_MONTHS
) -> dict[str, int]:
    """Replace the rollups of whole months [month of date_from, end of month of date_to] with a
    recount (default: every month with cases; then rows of any other day are dropped too).
    Idempotent: run twice, the same rows. Months go in chunks of `chunk_months`, each chunk in
    one transaction (its rows are never half there) while case transitions wait to add theirs."""
    full = date_from is None and date_to is None
    span = case_queries.rollup_span()
    if span is None and (date_from is None or date_to is None):
        deleted = Rollup.objects.all().delete()[0] if full else 0
        return {"months": 0, "rows": 0, "deleted": deleted}
    date_from = date_from or span[0]
    date_to = date_to or span[1]
    months = _month_ranges(date_from, date_to)
    rows = deleted = 0
    if full:  # rows of days no case reaches any more (a stale table)
        stale = Rollup.objects.exclude(day__gte=months[0][0], day__lte=months[-1][1])
        deleted += stale.delete()[0]
    for i in range(0, len(months), max(chunk_months, 1)):
        chunk = months[i : i + max(chunk_months, 1)]
        first, last = chunk[0][0], chunk[-1][1]
        with transaction.atomic():
            _hold_writers()
            deleted += Rollup.objects.filter(day__gte=first, day__lte=last).delete()[0]
            made = [
                Rollup(grain=g, day=d, region_code=r, department_id=dept, item_code=item, **counts)
                for (g, d, r, dept, item), counts in recount(first, last).items()
                if any(counts.values())
            ]
            Rollup.objects.bulk_create(made, batch_size=5000)
            rows += len(made)
    return {"months": len(months), "rows": rows, "deleted": deleted}


def live_rows(date_from: dt.date, date_to: dt.date) -> dict[Key, dict[str, int]]:
    """The stored rows of [date_from, date_to] (month rows by their first day), zero rows left out."""
    out = {}
    for row in Rollup.objects.filter(day__gte=date_from, day__lte=date_to).values(
        "grain", "day", "region_code", "department_id", "item_code", *COUNTERS
    ):
        counts = {name: row[name] for name in COUNTERS}
        if any(counts.values()):
            out[(row["grain"], row["day"], row["region_code"], row["department_id"], row["item_code"])] = (
                counts
            )
    return out
