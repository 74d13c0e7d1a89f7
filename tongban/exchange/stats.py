"""The gateway's public operational statistics (`/exchange/stats/`, `/exchange/stats.json`): per
data service, calls per day over the last `WINDOW_DAYS` days, the share refused and the p95
latency. Nothing personal: counts and latencies per service code, never a caller or a subject.

Past days come from `CallStatDay`, rolled up from the call log by `rollup()` (run by
`manage.py exchange rollup`, idempotent: a day rolled up again is replaced, never added twice);
today is computed live from the call log. Days are local calendar days (TIME_ZONE).

Latency: a day's p95 is the nearest-rank 95th percentile of the latencies of its answered calls
(outcome ok; refusals are answered before any provider is asked and would flatter it). Each day
also keeps a histogram of those latencies over `BUCKETS_MS`, so the p95 over the whole window is
given as the bucket bound it falls under ("≤ 20 ms") without reading the log again.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from tongban.core import audit
from tongban.core import queries as core_queries

from .enums import CallOutcome
from .models import CallLog, CallStatDay, Resource

WINDOW_DAYS = 30
BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)  # upper bounds; one more: above
ROLLUP_ACTOR = "system:exchange:rollup"


def p95(latencies: list[float]) -> float | None:
    """Nearest-rank 95th percentile (None for no values)."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    return round(ordered[math.ceil(0.95 * len(ordered)) - 1], 1)


def histogram(latencies: list[float]) -> list[int]:
    counts = [0] * (len(BUCKETS_MS) + 1)
    for value in latencies:
        counts[next((i for i, bound in enumerate(BUCKETS_MS) if value <= bound), len(BUCKETS_MS))] += 1
    return counts


def p95_bound(counts: list[int]) -> float | None:
    """The bucket bound under which the 95th percentile of a histogram falls (math.inf above
    the last bound; None for an empty histogram)."""
    total = sum(counts)
    if not total:
        return None
    rank, seen = math.ceil(0.95 * total), 0
    for i, n in enumerate(counts):
        seen += n
        if seen >= rank:
            return float(BUCKETS_MS[i]) if i < len(BUCKETS_MS) else math.inf
    return math.inf  # pragma: no cover - seen reaches total


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def today() -> dt.date:
    return timezone.localdate()


@dataclass
class Day:
    """One service's figures for one day."""

    day: dt.date
    calls: int = 0
    ok: int = 0
    refused: int = 0
    failed: int = 0
    p95_ms: float | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))


def compute_day(day: dt.date) -> dict[str, Day]:
    """Each service's figures for `day`, from the call log (one query over the day's rows)."""
    start, end = _bounds(day)
    rows = CallLog.objects.filter(at__gte=start, at__lt=end).values_list(
        "service_code", "outcome", "latency_ms"
    )
    out: dict[str, Day] = {}
    answered: dict[str, list[float]] = {}
    for code, outcome, latency in rows.iterator(chunk_size=5000):
        d = out.setdefault(code, Day(day=day))
        d.calls += 1
        if outcome == CallOutcome.OK:
            d.ok += 1
            answered.setdefault(code, []).append(latency or 0.0)
        elif outcome == CallOutcome.REFUSED:
            d.refused += 1
        else:
            d.failed += 1
    for code, d in out.items():
        d.p95_ms = p95(answered.get(code, []))
        d.histogram = histogram(answered.get(code, []))
    return out


def rollup(*, since: dt.date | None = None, until: dt.date | None = None, now=None) -> int:
    """Roll the call log up into `CallStatDay` for each day from `since` through `until`
    (default: from the last day rolled up, again, or the first day of the log, through
    yesterday; today is never stored, it is computed live). A day rolled up again is replaced.
    Returns the number of days rolled up."""
    local_now = timezone.localtime(now) if now else timezone.localtime()
    until = min(until or local_now.date() - dt.timedelta(days=1), local_now.date() - dt.timedelta(days=1))
    if since is None:
        last = CallStatDay.objects.aggregate(day=Max("day"))["day"]
        first = CallLog.objects.aggregate(at=Min("at"))["at"]
        if last is not None:
            since = last
        elif first is not None:
            since = timezone.localtime(first).date()
        else:
            return 0
    days = 0
    day = since
    while day <= until:
        try:
            _store_day(day, local_now)
        except IntegrityError:  # a concurrent rollup stored the same day first: do it again
            _store_day(day, local_now)
        days += 1
        day += dt.timedelta(days=1)
    return days


def _store_day(day: dt.date, now) -> None:
    """Replace `day`'s rows with its figures from the call log (one transaction)."""
    figures = compute_day(day)
    with transaction.atomic():
        CallStatDay.objects.filter(day=day).delete()
        CallStatDay.objects.bulk_create(
            CallStatDay(
                day=day,
                service_code=code,
                calls=d.calls,
                ok=d.ok,
                refused=d.refused,
                failed=d.failed,
                p95_ms=d.p95_ms,
                histogram=d.histogram,
                rolled_up_at=now,
            )
            for code, d in sorted(figures.items())
        )
        audit.record(
            actor=ROLLUP_ACTOR,
            action="exchange.stats.rollup",
            object_type="exchange.CallStatDay",
            object_id=day.isoformat(),
            data={"services": len(figures), "calls": sum(d.calls for d in figures.values())},
        )


# --- What the public page shows -----------------------------------------------------------------


@dataclass
class Service:
    code: str
    name: str
    provider: str
    days: list[Day]

    @property
    def calls(self) -> int:
        return sum(d.calls for d in self.days)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.days)

    @property
    def refused_share(self) -> float | None:
        """Refused calls as a share of all calls (0..1), None without calls."""
        return self.refused / self.calls if self.calls else None

    @property
    def p95_bound_ms(self) -> float | None:
        counts = [sum(col) for col in zip(*(d.histogram for d in self.days), strict=True)]
        return p95_bound(counts)

    @property
    def peak(self) -> int:
        return max((d.calls for d in self.days), default=0)


def window(*, on: dt.date | None = None, days: int = WINDOW_DAYS) -> list[Service]:
    """Every service called in the `days` days ending `on` (today by default), each with one
    `Day` per calendar day (zero days included), oldest first; services by code. Past days from
    the rollup, the current day live."""
    on = on or today()
    first = on - dt.timedelta(days=days - 1)
    per: dict[str, dict[dt.date, Day]] = {}
    for row in CallStatDay.objects.filter(day__gte=first, day__lt=on):
        per.setdefault(row.service_code, {})[row.day] = Day(
            day=row.day,
            calls=row.calls,
            ok=row.ok,
            refused=row.refused,
            failed=row.failed,
            p95_ms=row.p95_ms,
            histogram=list(row.histogram) or [0] * (len(BUCKETS_MS) + 1),
        )
    for code, d in compute_day(on).items():
        per.setdefault(code, {})[on] = d
    names = _names(per)
    out = []
    for code in sorted(per):
        name, provider = names.get(code, (code, ""))
        series = [
            per[code].get(first + dt.timedelta(days=i)) or Day(day=first + dt.timedelta(days=i))
            for i in range(days)
        ]
        out.append(Service(code=code, name=name, provider=provider, days=series))
    return out


def _names(codes) -> dict[str, tuple[str, str]]:
    """Each code's current catalogue name and its provider's name (one query each)."""
    rows = list(
        Resource.objects.filter(code__in=list(codes), is_current=True).values_list(
            "code", "name", "provider_id"
        )
    )
    providers = {pk: d.name for pk, d in core_queries.departments_by_id({r[2] for r in rows}).items()}
    return {code: (name, providers.get(pid, "")) for code, name, pid in rows}


def as_json(services: list[Service]) -> dict:
    """The JSON form of `window()` (`/exchange/stats.json`)."""

    def bound(value):
        return None if value is None else ("inf" if math.isinf(value) else value)

    return {
        "window_days": len(services[0].days) if services else WINDOW_DAYS,
        "generated_at": timezone.now().isoformat(),
        "latency": "p95 of answered calls, milliseconds; window p95 as a histogram bucket bound",
        "services": [
            {
                "code": s.code,
                "name": s.name,
                "provider": s.provider,
                "calls": s.calls,
                "refused": s.refused,
                "refused_share": None if s.refused_share is None else round(s.refused_share, 4),
                "p95_ms_at_most": bound(s.p95_bound_ms),
                "days": [
                    {
                        "date": d.day.isoformat(),
                        "calls": d.calls,
                        "ok": d.ok,
                        "refused": d.refused,
                        "failed": d.failed,
                        "p95_ms": d.p95_ms,
                    }
                    for d in s.days
                ],
            }
            for s in services
        ],
    }
