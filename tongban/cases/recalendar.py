"""When the calendar changes (the official arrangement imported, a day edited), the stored
deadlines of every open case are computed again (`core.workdays.on_change`, registered in
`CasesConfig.ready`), inside the calendar write's transaction: the promised and statutory due
dates, the supplement deadlines (before and after acceptance), the 告知承诺 check date, the
active steps' deadlines and the paused working days of closed pauses. A case whose dates moved
gets a timeline event with the old and the new dates, an audit event, and, when a date the
applicant was told moved, a notification (in-app now, SMS and e-mail after commit).

Province scale: the open cases are walked in primary-key chunks, each chunk read and locked in
one query, its pauses, steps and supplement requests in one query each, its changes written with
one bulk update per table; the calendar is read once for the whole transaction.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.core import audit

from . import clock
from .common import COMMITMENT_CHECK_DAYS, SUPPLEMENT_DAYS, actor_label, recompute_deadlines, step_due
from .enums import CaseState, StepState
from .models import Case, CaseEvent, CaseStep, ClockPause, Notification

CHUNK = 500
OPEN_STATES = (CaseState.SUPPLEMENT, CaseState.ACCEPTED, CaseState.PAUSED, CaseState.DECIDED)
CASE_DATES = {
    "promised_due": "承诺办结日期",
    "statutory_due": "法定办结日期",
    "supplement_due": "补正期限",
    "commitment_check_due": "承诺核查期限",
}
TOLD = {"promised_due", "statutory_due", "supplement_due", "commitment_check_due", "pause_due"}


def affected(since: dt.date):
    """Open cases with a stored deadline on or after `since` (an earlier one cannot move)."""
    late_pause = ClockPause.objects.filter(case=OuterRef("pk"), ended_on__isnull=True, due_on__gte=since)
    late_step = CaseStep.objects.filter(case=OuterRef("pk"), state=StepState.ACTIVE, due_on__gte=since)
    return Case.objects.filter(state__in=OPEN_STATES).filter(
        Q(promised_due__gte=since)
        | Q(statutory_due__gte=since)
        | Q(supplement_due__gte=since)
        | Q(commitment_check_due__gte=since)
        | Exists(late_pause)
        | Exists(late_step)
    )


def recompute_open_cases(*, actor, since: dt.date) -> int:
    """The listener: recompute every affected open case; returns how many had a date moved."""
    moved = 0
    last_pk = 0
    with audit.batch():
        while True:
            chunk = list(
                affected(since)
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(of=("self",))
                .select_related(None)[:CHUNK]
            )
            if not chunk:
                return moved
            moved += _recompute_chunk(chunk, actor=actor)
            last_pk = chunk[-1].pk


def _recompute_chunk(cases: list[Case], *, actor) -> int:
    ids = [c.pk for c in cases]
    pauses: dict[int, list[ClockPause]] = {}
    for pause in ClockPause.objects.filter(case_id__in=ids).order_by("case_id", "started_on", "id"):
        pauses.setdefault(pause.case_id, []).append(pause)
    steps: dict[int, list[CaseStep]] = {}
    for step in CaseStep.objects.filter(case_id__in=ids, state=StepState.ACTIVE):
        steps.setdefault(step.case_id, []).append(step)
    requested = dict(
        CaseEvent.objects.filter(
            case_id__in=[c.pk for c in cases if c.state == CaseState.SUPPLEMENT], action="request_supplement"
        )
        .values("case_id")
        .annotate(at=Max("at"))
        .values_list("case_id", "at")
    )
    changed_cases, changed_pauses, changed_steps, events, notes = [], [], [], [], []
    for case in cases:
        changes: dict[str, list] = {}
        old = {f: getattr(case, f) for f in CASE_DATES}
        closed = [p for p in pauses.get(case.pk, []) if p.ended_on is not None]
        for pause in closed:
            days = clock.working_days_between(pause.started_on, pause.ended_on)
            if days != pause.working_days:
                pause.working_days = days
                changed_pauses.append(pause)
        if closed and case.state != CaseState.SUPPLEMENT:
            case.paused_days = sum(p.working_days for p in closed)
        recompute_deadlines(case)
        if case.commitment and case.accepted_on:
            case.commitment_check_due = clock.add_days(case.accepted_on, COMMITMENT_CHECK_DAYS)
        if case.state == CaseState.SUPPLEMENT and case.pk in requested:
            case.supplement_due = clock.add_days(timezone.localdate(requested[case.pk]), SUPPLEMENT_DAYS)
        for field in CASE_DATES:
            if getattr(case, field) != old[field]:
                changes[field] = [old[field], getattr(case, field)]
        for pause in pauses.get(case.pk, []):
            if pause.ended_on is None and pause.due_on is not None:
                due = clock.add_days(pause.started_on, SUPPLEMENT_DAYS)
                if due != pause.due_on:
                    changes["pause_due"] = [pause.due_on, due]
                    pause.due_on = due
                    changed_pauses.append(pause)
        for step in steps.get(case.pk, []):
            if step.started_on is None:
                continue
            during = sum(p.working_days for p in closed if p.started_on >= step.started_on)
            due = step_due(case, step.started_on, step.limit_days + during)
            if due != step.due_on:
                changes[f"step_{step.index}_due"] = [step.due_on, due]
                step.due_on = due
                changed_steps.append(step)
        if not changes:
            continue
        case.lock_version += 1
        changed_cases.append(case)
        data = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
        note = "工作日历调整（国务院节假日安排导入或日历修改），期限重算：" + "；".join(
            f"{CASE_DATES.get(f, '补正期限' if f == 'pause_due' else '环节期限')}由 {a} 改为 {b}"
            for f, (a, b) in data.items()
        )
        events.append(
            CaseEvent(
                case=case,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=actor_label(actor),
                action="recalendar",
                from_state=case.state,
                to_state=case.state,
                note=note[:2000],
                data=data,
            )
        )
        audit.record(actor=actor_label(actor), action="cases.recalendar", obj=case, data={"changes": data})
        if TOLD & changes.keys():
            notes.append((case, data))
    if changed_cases:
        Case.objects.bulk_update(
            changed_cases, [*CASE_DATES, "paused_days", "lock_version"], batch_size=CHUNK
        )
    if changed_pauses:
        ClockPause.objects.bulk_update(changed_pauses, ["working_days", "due_on"], batch_size=CHUNK)
    if changed_steps:
        CaseStep.objects.bulk_update(changed_steps, ["due_on"], batch_size=CHUNK)
    CaseEvent.objects.bulk_create(events, batch_size=CHUNK)
    _notify(notes)
    return len(changed_cases)


def _notify(notes: list[tuple[Case, dict]]) -> None:
    from django.db import transaction

    rows, messages = [], []
    for case, data in notes:
        told = [f"{CASE_DATES.get(f, '补正期限')}调整为{b}" for f, (_a, b) in data.items() if f in TOLD]
        text = "国务院节假日安排已公布，" + "，".join(told)
        users = {case.applicant_id} | ({case.agent_id} if case.agent_id else set())
        rows += [Notification(user_id=u, case=case, text=text[:300]) for u in users]
        message = f"【通办】您的办件{case.number}（{case.item_name}）：{text}"
        messages += [(u, message, f"【通办】办件{case.number}期限调整") for u in users]
    Notification.objects.bulk_create(rows, batch_size=CHUNK)

    def send():
        for user_id, message, subject in messages:
            account_services.notify_user(user_id=user_id, text=message, subject=subject)

    if messages:
        transaction.on_commit(send)
