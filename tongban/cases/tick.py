"""The daily tick of the clock (`manage.py cases tick`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from tongban.core.workdays import WorkCalendar

from . import clock
from .common import (
    STEP_FIELDS,
    accept_case,
    conclude_case,
    lock_case,
    record_event,
    save_case,
    skip_open_steps,
)
from .enums import (
    CaseState,
    Channel,
    PauseKind,
    ResultCode,
    StepState,
)
from .models import (
    Case,
    CaseStep,
    ClockPause,
)


@dataclass
class TickReport:
    deemed_accepted: int = 0
    supplements_expired: int = 0
    steps_escalated: int = 0
    levels_changed: int = 0


def do_tick(*, on: dt.date | None = None) -> TickReport:
    """Run daily (`manage.py cases tick`): deemed acceptance after 5 working days without a
    pre-check answer, 退件 for supplements not delivered in time, escalation of overdue steps,
    and the 电子监察 levels. Idempotent: a second run the same day changes nothing."""
    on = on or clock.today()
    report = TickReport()
    actor = "system:clock"
    for number in Case.objects.filter(
        state=CaseState.SUBMITTED, channel__in=list(Channel.online())
    ).values_list("number", flat=True):
        with transaction.atomic():
            case = lock_case(number)
            if case.state == CaseState.SUBMITTED and on > clock.precheck_deadline(case.received_on):
                accept_case(case, actor, on=case.received_on, deemed=True)
                report.deemed_accepted += 1
    for number in Case.objects.filter(state=CaseState.SUPPLEMENT, supplement_due__lt=on).values_list(
        "number", flat=True
    ):
        with transaction.atomic():
            case = lock_case(number)
            before, case.state, case.return_reason = case.state, CaseState.RETURNED, "逾期未补正，作退件处理"
            case.result_code = ResultCode.RETURNED
            save_case(case, "state", "return_reason", "result_code")
            record_event(case, actor, "supplement_expired", before=before)
            report.supplements_expired += 1
    expired = ClockPause.objects.filter(kind=PauseKind.SUPPLEMENT, ended_on__isnull=True, due_on__lt=on)
    for number in expired.values_list("case__number", flat=True):
        with transaction.atomic():
            case = lock_case(number)
            pause = case.pauses.get(ended_on__isnull=True)
            pause.ended_on = on
            pause.save(update_fields=["ended_on"])
            skip_open_steps(case)
            save_case(case, *STEP_FIELDS)
            conclude_case(case, actor, ResultCode.RETURNED)
            report.supplements_expired += 1
    overdue = CaseStep.objects.filter(
        state=StepState.ACTIVE, escalated=False, due_on__lt=on, case__state=CaseState.ACCEPTED
    )
    for step_id, number in overdue.values_list("pk", "case__number"):
        with transaction.atomic():
            case = lock_case(number)
            step = CaseStep.objects.get(pk=step_id)
            step.escalated = True
            step.save(update_fields=["escalated"])
            record_event(
                case,
                actor,
                "escalate",
                before=case.state,
                note=f"“{step.name}”环节超期，已提请部门负责人督办",
                data={"step": step.name},
            )
            report.steps_escalated += 1
    report.levels_changed = refresh_levels(on=on)
    return report


def refresh_levels(*, on: dt.date) -> int:
    changed = 0
    open_cases = Case.objects.filter(state__in=[CaseState.ACCEPTED, CaseState.PAUSED]).exclude(
        accepted_on=None
    )
    first = open_cases.order_by("accepted_on").values_list("accepted_on", flat=True).first()
    if first is None:
        return 0
    calendar = WorkCalendar.load(first.year, on.year)  # one load for every case
    open_pauses = dict(
        ClockPause.objects.filter(ended_on__isnull=True, case__in=open_cases).values_list(
            "case_id", "started_on"
        )
    )
    for case in open_cases.only(
        "pk",
        "accepted_on",
        "paused_days",
        "extension_days",
        "promised_days",
        "promised_due",
        "clock_level",
        "state",
    ):
        used = clock.used_days(
            case.accepted_on,
            on,
            paused_days=case.paused_days,
            open_pause_since=open_pauses.get(case.pk),
            calendar=calendar,
        )
        new = clock.level(
            used=used, allowed=case.promised_days + case.extension_days, today=on, due=case.promised_due
        )
        if new != case.clock_level:
            Case.objects.filter(pk=case.pk).update(clock_level=new)
            changed += 1
    return changed
