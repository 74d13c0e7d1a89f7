"""Export of case data to the national platform in the GB/T 39046 data sets, as JSON lines
(`manage.py cases export-national --since DATE [--until DATE]`; format in docs/cases-export.md).

A record is written for each event that happened in the date range (local dates, inclusive):
申请 when the case was submitted, 受理 when it was accepted, 办理 when an approval step was
completed, 办结 when it was concluded. Consecutive ranges therefore never repeat a record, and
a case appears in every range in which something happened to it. No personal data in clear:
a person's name keeps the family name only, ID numbers and credit codes are masked, handlers
are stable labels (`user:<pk>`, `system:client:<id>`), never names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.core.identifiers import mask_name

from .enums import ResultCode, StepOutcome, StepState
from .models import Case, CaseEvent, CaseStep

DATASETS = ("申请", "受理", "办理", "办结")
PERSON_ID_TYPE = "111"  # 居民身份证
CREDIT_CODE_TYPE = "001"  # 统一社会信用代码
CHUNK = 2000


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def applications(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = (
        Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .select_related("department")
        .order_by("submitted_at", "number")
    )
    batch: list[Case] = []
    for case in qs.iterator(chunk_size=CHUNK):
        batch.append(case)
        if len(batch) == CHUNK:
            yield from _application_rows(batch)
            batch = []
    yield from _application_rows(batch)


def _application_rows(cases: list[Case]) -> Iterator[dict]:
    people, firms = account_queries.masked_identity_codes(
        user_ids={c.applicant_id for c in cases if not c.legal_person_id},
        legal_person_ids={c.legal_person_id for c in cases if c.legal_person_id},
    )
    for case in cases:
        if case.legal_person_id:
            name, code_type, code = case.applicant_name, CREDIT_CODE_TYPE, firms.get(case.legal_person_id, "")
        else:
            name, code_type = mask_name(case.applicant_name), PERSON_ID_TYPE
            code = people.get(case.applicant_id, "")
        yield {
            "dataset": "申请",
            "case_number": case.number,
            "item_code": case.item_code,
            "item_name": case.item_name,
            "department_code": case.department.credit_code,
            "region_code": case.region_id,
            "case_type": case.case_type,
            "applicant_name": name,
            "applicant_code_type": code_type,
            "applicant_code": code,
            "channel": case.channel,
            "submitted_at": _time(case.submitted_at),
        }


def acceptances(since: dt.date, until: dt.date) -> Iterator[dict]:
    qs = Case.objects.filter(accepted_on__gte=since, accepted_on__lte=until).order_by("accepted_on", "number")
    for case in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "受理",
            "case_number": case.number,
            "accepted_on": _date(case.accepted_on),
            "deemed": case.deemed_accepted,
            "promised_days": case.promised_days,
            "statutory_days": case.statutory_days,
            "paused_days": case.paused_days,
            "extension_days": case.extension_days,
            "promised_due": _date(case.promised_due),
            "statutory_due": _date(case.statutory_due),
        }


def steps(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = (
        CaseStep.objects.filter(state=StepState.DONE, completed_at__gte=start, completed_at__lt=end)
        .select_related("case")
        .order_by("completed_at", "case__number", "index")
    )
    for step in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "办理",
            "case_number": step.case.number,
            "step_index": step.index,
            "step_name": step.name,
            "handler": f"user:{step.completed_by_id}" if step.completed_by_id else _step_actor(step),
            "started_on": _date(step.started_on),
            "due_on": _date(step.due_on),
            "completed_at": _time(step.completed_at),
            "outcome": step.outcome,
            "outcome_name": str(StepOutcome(step.outcome).label) if step.outcome else "",
            "opinion": step.comment,
        }


def _step_actor(step: CaseStep) -> str:
    """A step signed off by a system: the label on its timeline event (the n-th `step` event
    of the case is the sign-off of the step with index n, as steps run in order)."""
    labels = list(
        CaseEvent.objects.filter(case_id=step.case_id, action="step")
        .order_by("id")
        .values_list("actor_label", flat=True)
    )
    return labels[step.index] if step.index < len(labels) else "system"


def conclusions(since: dt.date, until: dt.date) -> Iterator[dict]:
    start, end = _bounds(since, until)
    qs = Case.objects.filter(concluded_at__gte=start, concluded_at__lt=end).order_by("concluded_at", "number")
    for case in qs.iterator(chunk_size=CHUNK):
        yield {
            "dataset": "办结",
            "case_number": case.number,
            "result_code": case.result_code,
            "result_name": str(ResultCode(case.result_code).label) if case.result_code else "",
            "concluded_at": _time(case.concluded_at),
            "on_time": case.concluded_on_time,
        }


def export_records(*, since: dt.date, until: dt.date) -> Iterator[dict]:
    """Every record of the range: all 申请, then 受理, 办理 and 办结, each in time order."""
    yield from applications(since, until)
    yield from acceptances(since, until)
    yield from steps(since, until)
    yield from conclusions(since, until)
