"""Export of ratings to the national 好差评 system as JSON lines (`manage.py ratings export-national
--since DATE [--until DATE]`; format in docs/ratings-export.md).

The interface numbers satisfaction the reverse way (1 = 非常不满意 … 5 = 非常满意); the platform
keeps the standard's numbering (1 = 非常满意) and maps here, at the interface, and nowhere else
(`interface_level`). A record is written for each event in the date range (local dates,
inclusive): 评价 when a rating was given (default ones included), 修改 when the rater changed it,
整改 when the unit replied to a bad one, 撤销 when an appeal removed one. No personal data: the
rater is not named; clerks are stable labels (`user:<pk>`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone, translation

from .enums import CHANNEL_CODES, AppealState, Level
from .models import Appeal, Rating, Rectification

DATASETS = ("评价", "修改", "整改", "撤销")
CHUNK = 2000


def _chinese(label) -> str:
    """The national data set names levels in Chinese, whatever language the caller runs in."""
    with translation.override("zh-hans"):
        return str(label)


def interface_level(level: int) -> int:
    """The standard's 满意度 code (1 = 非常满意) as the upload interface numbers it (1 = 非常不满意)."""
    if level not in Level.values:
        raise ValueError(f"not a satisfaction level: {level}")
    return 6 - level


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _rating_row(r: Rating) -> dict:
    level = r.level  # as it stands at export time (a later change is its own 修改 record)
    return {
        "dataset": "评价",
        "rating_id": r.pk,
        "subject_kind": r.kind,
        "subject_ref": r.ref,
        "node": r.node,
        "channel": CHANNEL_CODES.get(r.channel, "9"),
        "satisfaction": interface_level(level),
        "satisfaction_name": _chinese(Level(level).label),
        "default": r.is_default,
        "reasons": list(r.reasons),
        "text": r.text,
        "item_code": r.item_code,
        "item_name": r.item_name,
        "department_code": r.department.credit_code if r.department_id else "",
        "region_code": r.region_code,
        "window_code": r.window.code if r.window_id else "",
        "clerk": f"user:{r.clerk_id}" if r.clerk_id else "",
        "rated_at": _time(r.created_at),
        "changed_at": _time(r.changed_at),
        "removed": r.state == "removed",
    }


def ratings(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = (
        Rating.objects.filter(created_at__gte=start, created_at__lt=end)
        .select_related("department", "window")
        .order_by("created_at", "id")
    )
    for r in qs.iterator(chunk_size=CHUNK):
        yield _rating_row(r)


def changes(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = Rating.objects.filter(changed_at__gte=start, changed_at__lt=end).order_by("changed_at", "id")
    for r in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "修改",
            "rating_id": r.pk,
            "subject_ref": r.ref,
            "node": r.node,
            "previous_satisfaction": interface_level(r.previous_level),
            "satisfaction": interface_level(r.level),
            "satisfaction_name": _chinese(Level(r.level).label),
            "reasons": list(r.reasons),
            "text": r.text,
            "changed_at": _time(r.changed_at),
        }


def rectifications(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = (
        Rectification.objects.filter(replied_at__gte=start, replied_at__lt=end)
        .select_related("rating")
        .order_by("replied_at", "id")
    )
    for rect in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "整改",
            "rating_id": rect.rating_id,
            "subject_ref": rect.rating.ref,
            "verified_at": _time(rect.verified_at),
            "workdays": rect.workdays,
            "due_on": rect.due_on.isoformat() if rect.due_on else None,
            "replied_at": _time(rect.replied_at),
            "on_time": rect.on_time,
            "measures": rect.measures,
            "reply": rect.reply,
        }


def removals(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = (
        Appeal.objects.filter(state=AppealState.APPROVED, decided_at__gte=start, decided_at__lt=end)
        .select_related("rectification__rating")
        .order_by("decided_at", "id")
    )
    for appeal in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "撤销",
            "rating_id": appeal.rectification.rating_id,
            "subject_ref": appeal.rectification.rating.ref,
            "reason": appeal.reason,
            "removed_at": _time(appeal.decided_at),
        }


def export_records(*, since: dt.date, until: dt.date) -> Iterator[dict]:
    yield from ratings(since, until)
    yield from changes(since, until)
    yield from rectifications(since, until)
    yield from removals(since, until)
