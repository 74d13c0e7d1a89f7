"""The answer clock of a disclosure request (答复期限), on the platform's working-day calendar.

政府信息公开条例 第三十三条: the body answers within 20 working days of receiving the request;
with the approval of the body's head it may extend once, by at most 20 working days. Here, as the
issue asks, asking the applicant to clarify (补正) stops the clock until they answer; every
working day it stood still is added on top (the regulation's own text restarts the period from
the clarified request: a body that wants that reading answers earlier, never later).

    due = received_on + 20 working days + paused working days + extension working days

Every figure comes with its calculation (`Clock.explain`), and a request inside its extended
deadline is never overdue: the extension is part of `due`. Working days come from
`core.workdays` (the calendar table, provisional years flagged 暂定), as for cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from tongban.core import workdays
from tongban.core.workdays import WorkCalendar

from .enums_disclosure import BASE_WORKING_DAYS, WARNING_WORKING_DAYS, ClockLevel, RequestState


def today() -> dt.date:
    """The local date every disclosure rule uses (tests set it: monkeypatch disclosure_clock.today)."""
    return timezone.localdate()


def due_date(received_on: dt.date, *, paused_days: int = 0, extension_days: int = 0) -> dt.date:
    return workdays.add_working_days(received_on, BASE_WORKING_DAYS + paused_days + extension_days)


@dataclass(frozen=True)
class Clock:
    received_on: dt.date
    base_days: int
    paused_days: int  # closed pauses, plus the open one up to `on` while paused
    extension_days: int
    due: dt.date | None  # None while paused (the due date moves every working day)
    paused_since: dt.date | None
    level: str
    days_left: int | None  # working days after `on` up to `due` (negative: overdue by)
    provisional: bool
    answered_on: dt.date | None = None

    @property
    def overdue_by(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def extended(self) -> bool:
        return self.extension_days > 0

    def explain(self) -> str:
        """The calculation in words, in the active language."""
        parts = [gettext("%(n)s个工作日") % {"n": self.base_days}]
        if self.paused_days:
            parts.append(gettext("补正暂停%(n)s个工作日") % {"n": self.paused_days})
        if self.extension_days:
            parts.append(gettext("延期%(n)s个工作日") % {"n": self.extension_days})
        values = {"date": f"{self.received_on:%Y-%m-%d}", "parts": " + ".join(parts)}
        if self.due is None:
            text = gettext(
                "收到申请 %(date)s 起算 %(parts)s；自 %(since)s 起补正暂停计时，申请人答复补正后重新计算期限"
            ) % (values | {"since": f"{self.paused_since:%Y-%m-%d}"})
        else:
            text = gettext("收到申请 %(date)s 起算 %(parts)s = %(due)s") % (
                values | {"due": f"{self.due:%Y-%m-%d}"}
            )
        if self.provisional:
            text += gettext("（暂定：部分年份尚无国务院节假日安排，按法定节假日推算）")
        return text


def clock_of(req, *, on: dt.date | None = None, calendar: WorkCalendar | None = None) -> Clock:
    """The clock of a request on `on` (default today). Pass a `calendar` covering the dates when
    computing many (the queue: one load)."""
    on = on or today()
    cal = calendar or WorkCalendar.load(req.received_on.year, max(on.year, req.due_on.year) + 1)
    paused = req.paused_days
    paused_since = req.pause_started_on if req.state == RequestState.CLARIFYING else None
    if paused_since is not None:
        paused += cal.between(paused_since, on)
    answered = (
        getattr(getattr(req, "answer", None), "answered_on", None)
        if req.state == RequestState.ANSWERED
        else None
    )
    due = None if paused_since is not None else req.due_on
    if req.state == RequestState.ANSWERED:
        level, left = ClockLevel.DONE, None
    elif paused_since is not None:
        level, left = ClockLevel.PAUSED, None
    else:
        left = cal.between(on, due) if due >= on else -cal.between(due, on)
        if on > due:
            level = ClockLevel.OVERDUE
        elif left <= WARNING_WORKING_DAYS:
            level = ClockLevel.WARNING
        else:
            level = ClockLevel.OK
    shown_due = due or req.due_on
    return Clock(
        received_on=req.received_on,
        base_days=BASE_WORKING_DAYS,
        paused_days=paused,
        extension_days=req.extension_days,
        due=due,
        paused_since=paused_since,
        level=level,
        days_left=left,
        provisional=cal.is_provisional(req.received_on, shown_due),
        answered_on=answered,
    )


def calendar_for(requests, on: dt.date) -> WorkCalendar:
    """One calendar snapshot for many requests' clocks."""
    first = min([r.received_on.year for r in requests] + [on.year])
    last = max([r.due_on.year for r in requests] + [on.year]) + 1
    return WorkCalendar.load(first, last)
