"""Case reads: the applicant's cases, the staff queues, the clock as shown, the statistics."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole

from . import clock
from .enums import CaseState, ClockLevel, StepState
from .models import Case, CaseEvent, CaseStep, Notification

DUE_SOON_DAYS = 2


def clock_lines(case: Case) -> list[str]:
    """The calculation behind the deadlines, line by line, for the case page."""
    if case.accepted_on is None:
        return [f"收件日 {case.received_on:%Y-%m-%d}，尚未受理，办理时限未起算"]
    kw = {"paused_days": case.paused_days, "extension_days": case.extension_days}
    lines = [
        clock.deadline(case.accepted_on, case.promised_days, **kw).explain(case.accepted_on),
        "法定时限：" + clock.deadline(case.accepted_on, case.statutory_days, **kw).explain(case.accepted_on),
    ]
    for pause in case.pauses.all():
        end = (
            f"至 {pause.ended_on:%Y-%m-%d}，计 {pause.working_days} 个工作日"
            if pause.ended_on
            else "（进行中）"
        )
        lines.append(f"{pause.get_kind_display()}：{pause.started_on:%Y-%m-%d} 起 {end}；{pause.reason}")
    if case.extension_days:
        lines.append(
            f"延期 {case.extension_days} 个工作日（批准人：{case.extension_approver}）；{case.extension_reason}"
        )
    return lines


def cases_of(user) -> QuerySet[Case]:
    """ "My cases": as applicant, as agent, as submitter, or for an enterprise the person acts for."""
    mandated = [m.legal_person_id for m in account_queries.my_mandates(user)]
    return (
        Case.objects.filter(
            Q(applicant=user) | Q(agent=user) | Q(submitted_by=user) | Q(legal_person_id__in=mandated)
        )
        .select_related("department")
        .order_by("-submitted_at")
    )


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def notifications(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user).select_related("case").order_by("-created_at")
    return qs.filter(read_at__isnull=True) if unread_only else qs


QUEUES = {
    "precheck": "待预审",
    "mine": "我的待办",
    "team": "科室待办",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "paused": "暂停计时",
}


def queue(actor, kind: str, *, on: dt.date) -> QuerySet[Case]:
    """The staff queues of the actor's department."""
    base = Case.objects.filter(department_id=actor.department_id).select_related("department")
    roles = [r for r in StaffRole.values if account_queries.has_role(actor, r)]
    active = CaseStep.objects.filter(state=StepState.ACTIVE)
    if kind == "precheck":
        qs = base.filter(state=CaseState.SUBMITTED).order_by("received_on", "id")
    elif kind == "mine":
        qs = base.filter(pk__in=active.filter(assignee=actor).values("case_id")).order_by(
            "statutory_due", "id"
        )
    elif kind == "team":
        qs = base.filter(
            pk__in=active.filter(assignee__isnull=True, role__in=roles).values("case_id")
        ).order_by("promised_due", "id")
    elif kind == "due_soon":
        qs = base.filter(state=CaseState.ACCEPTED, clock_level=ClockLevel.WARNING).order_by(
            "promised_due", "id"
        )
    elif kind == "overdue":
        qs = base.filter(state__in=[CaseState.ACCEPTED, CaseState.PAUSED], promised_due__lt=on).order_by(
            "promised_due", "id"
        )
    elif kind == "paused":
        qs = base.filter(state=CaseState.PAUSED).order_by("id")
    else:
        qs = base.none()
    return qs


def active_step(case: Case) -> CaseStep | None:
    return case.steps.filter(state=StepState.ACTIVE).first()
