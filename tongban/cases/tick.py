"""The daily tick of the clock (`manage.py cases tick`).

Each case is handled in its own transaction with its row locked, and the state that selected it
is read again under the lock: an applicant's `do_supply` or an officer's step committed between
the selection and the lock wins, and the case is left alone. A case that fails is logged and
counted (`TickReport.failed`), is rolled back alone, and the tick goes on with the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min

from tongban.core.workdays import WorkCalendar

from . import clock
from .applying import purge_staged
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
    ClockLevel,
    PauseKind,
    ResultCode,
    StepState,
)
from .models import (
    Case,
    CaseStep,
    ClockPause,
)

log = logging.getLogger(__name__)
ACTOR = "system:clock"


@dataclass
class TickReport:
    deemed_accepted: int = 0
    supplements_expired: int = 0
    steps_escalated: int = 0
    levels_changed: int = 0
    staged_purged: int = 0  # files staged with drafts left alone (applying.STAGED_DAYS)
    failed: list[str] = field(default_factory=list)  # case numbers whose step raised


def _each(report: TickReport, numbers: Iterable[str], step: Callable[[Case], bool], counter: str) -> None:
    """Run `step` on each case, locked, in a transaction of its own; count the cases it changed.
    A failure rolls back that case only, and is logged and reported."""
    for number in numbers:
        try:
            with transaction.atomic():
                if step(lock_case(number)):
                    setattr(report, counter, getattr(report, counter) + 1)
        except Exception:
            log.exception("cases tick: %s failed (%s); the other cases go on", number, counter)
            report.failed.append(number)


def do_tick(*, on: dt.date | None = None) -> TickReport:
    """Run daily (`manage.py cases tick`): deemed acceptance after 5 working days without a
    pre-check answer (every channel: 行政许可法 §32), 退件 for supplements not delivered in time,
    escalation of overdue steps, the 电子监察 levels, and the files staged with drafts left alone. Idempotent: a second run the same day
    changes nothing."""
    on = on or clock.today()
    report = TickReport()

    def deem(case: Case) -> bool:
        if case.state != CaseState.SUBMITTED or on <= clock.precheck_deadline(case.received_on):
            return False
        accept_case(case, ACTOR, on=case.received_on, deemed=True)
        return True

    def expire_precheck_supplement(case: Case) -> bool:
        if case.state != CaseState.SUPPLEMENT or case.supplement_due is None or case.supplement_due >= on:
            return False  # supplied (or answered) meanwhile
        before, case.state, case.return_reason = case.state, CaseState.RETURNED, "逾期未补正，作退件处理"
        case.result_code = ResultCode.RETURNED
        save_case(case, "state", "return_reason", "result_code")
        record_event(case, ACTOR, "supplement_expired", before=before)
        return True

    def expire_paused_supplement(case: Case) -> bool:
        pause = case.pauses.filter(ended_on__isnull=True).first()
        if (
            case.state != CaseState.PAUSED
            or pause is None
            or pause.kind != PauseKind.SUPPLEMENT
            or pause.due_on is None
            or pause.due_on >= on
        ):
            return False  # supplied, resumed or withdrawn meanwhile: the pause is gone
        pause.ended_on = on
        pause.save(update_fields=["ended_on"])
        skip_open_steps(case)
        save_case(case, *STEP_FIELDS)
        conclude_case(case, ACTOR, ResultCode.RETURNED)
        return True

    def escalate(case: Case) -> bool:
        if case.state != CaseState.ACCEPTED:
            return False
        changed = False
        for step in case.steps.filter(state=StepState.ACTIVE, escalated=False, due_on__lt=on):
            step.escalated = True
            step.save(update_fields=["escalated"])
            record_event(
                case,
                ACTOR,
                "escalate",
                before=case.state,
                note=f"“{step.name}”环节超期，已提请部门负责人督办",
                data={"step": step.name},
            )
            changed = True
        return changed

    submitted = Case.objects.filter(state=CaseState.SUBMITTED).order_by("pk")
    _each(report, submitted.values_list("number", flat=True), deem, "deemed_accepted")
    supplement = Case.objects.filter(state=CaseState.SUPPLEMENT, supplement_due__lt=on).order_by("pk")
    _each(
        report, supplement.values_list("number", flat=True), expire_precheck_supplement, "supplements_expired"
    )
    expired = ClockPause.objects.filter(kind=PauseKind.SUPPLEMENT, ended_on__isnull=True, due_on__lt=on)
    _each(
        report,
        expired.order_by("case_id").values_list("case__number", flat=True),
        expire_paused_supplement,
        "supplements_expired",
    )
    overdue = CaseStep.objects.filter(
        state=StepState.ACTIVE, escalated=False, due_on__lt=on, case__state=CaseState.ACCEPTED
    )
    numbers = dict.fromkeys(overdue.order_by("case_id").values_list("case__number", flat=True))
    _each(report, numbers, escalate, "steps_escalated")
    try:
        report.levels_changed = refresh_levels(on=on)
    except Exception:
        log.exception("cases tick: the 电子监察 levels could not be refreshed")
        report.failed.append("levels")
    try:
        report.staged_purged = purge_staged()
    except Exception:
        log.exception("cases tick: the staged files of abandoned drafts could not be removed")
        report.failed.append("staged")
    return report


def refresh_levels(*, on: dt.date) -> int:
    """电子监察 levels of every open case. A paused case (补正, 特别程序) is never overdue while its
    pause lasts: its clock has stopped."""
    changed = 0
    open_cases = Case.objects.filter(state__in=[CaseState.ACCEPTED, CaseState.PAUSED]).exclude(
        accepted_on=None
    )
    span = open_cases.aggregate(first=Min("accepted_on"), last=Max("promised_due"))
    if span["first"] is None:
        return 0
    last = max(on, span["last"] or on)
    calendar = WorkCalendar.load(span["first"].year, last.year)  # one load for every case
    open_pauses = dict(
        ClockPause.objects.filter(ended_on__isnull=True, case__in=open_cases).values_list(
            "case_id", "started_on"
        )
    )
    for case in open_cases.only(
        "pk",
        "number",
        "accepted_on",
        "paused_days",
        "extension_days",
        "promised_days",
        "promised_due",
        "clock_level",
        "state",
    ).iterator(chunk_size=2000):
        try:
            new = clock.case_level(case, on=on, open_pause_since=open_pauses.get(case.pk), calendar=calendar)
        except Exception:
            log.exception("cases tick: the level of %s could not be computed", case.number)
            continue
        if new != case.clock_level:
            Case.objects.filter(pk=case.pk).update(clock_level=new)
            changed += 1
    return changed


__all__ = ["ClockLevel", "TickReport", "do_tick", "refresh_levels"]
