"""Ticket deadlines (时限): 签收 within hours of dispatch, reply within working days of intake.

    accept_due = dispatched_at + accept_hours            (clock hours: the hotline runs 24/7)
    reply_due  = intake date + reply_days + paused + extension working days   (core.workdays)

The rules per kind and urgency are data (`DeadlineRule`, defaults in `enums`). The reply clock
stands still only during arbitration (争议裁定: the units' dispute is not the citizen's delay);
each working day it stood is added on its end. An approved extension adds its working days.
Every figure comes with its calculation (`explain`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from tongban.core import workdays

from .enums import (
    DEFAULT_ACCEPT_HOURS,
    DEFAULT_REPLY_DAYS,
    NEAR_DEADLINE_WORKING_DAYS,
    URGENT_REPLY_DAYS,
    Supervision,
    TicketState,
    Urgency,
)


def now() -> dt.datetime:
    """The moment every ticket rule uses (tests pin it: monkeypatch deadlines.now)."""
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@dataclass(frozen=True)
class Rule:
    accept_hours: int
    reply_days: int
    configured: bool  # from a DeadlineRule row (else the defaults)


def rule_for(kind: str, urgency: str) -> Rule:
    from .models import DeadlineRule

    row = DeadlineRule.objects.filter(kind=kind, urgency=urgency).first()
    if row is not None:
        return Rule(row.accept_hours, row.reply_days, True)
    days = URGENT_REPLY_DAYS if urgency == Urgency.URGENT else DEFAULT_REPLY_DAYS.get(kind, 10)
    return Rule(DEFAULT_ACCEPT_HOURS[Urgency(urgency)], days, False)


def accept_due(dispatched_at: dt.datetime, hours: int) -> dt.datetime:
    return dispatched_at + dt.timedelta(hours=hours)


def reply_due(start: dt.date, *, reply_days: int, paused_days: int = 0, extension_days: int = 0) -> dt.date:
    return workdays.add_working_days(start, reply_days + paused_days + extension_days)


def paused_so_far(ticket, on: dt.date | None = None) -> int:
    """Working days the clock has stood, the open pause included up to `on`."""
    days = ticket.paused_days
    if ticket.pause_started_on is not None:
        days += workdays.count_working_days(ticket.pause_started_on, on or today())
    return days


@dataclass(frozen=True)
class Clock:
    start: dt.date | None
    reply_days: int
    paused_days: int
    extension_days: int
    due: dt.date | None
    paused: bool
    provisional: bool
    days_left: int | None  # working days after today up to due (negative: overdue by)
    accept_due: dt.datetime | None

    def explain(self) -> str:
        if self.start is None or self.due is None:
            return gettext("直接答复，无办理时限")
        parts = [gettext("%(n)s个工作日") % {"n": self.reply_days}]
        if self.paused_days:
            parts.append(gettext("争议裁定暂停%(n)s个工作日") % {"n": self.paused_days})
        if self.extension_days:
            parts.append(gettext("延期%(n)s个工作日") % {"n": self.extension_days})
        text = gettext("受理日 %(start)s 起算 %(parts)s = %(due)s") % {
            "start": f"{self.start:%Y-%m-%d}",
            "parts": " + ".join(parts),
            "due": f"{self.due:%Y-%m-%d}",
        }
        if self.paused:
            text += gettext("（争议裁定中，暂停计时）")
        if self.provisional:
            text += gettext("（暂定：部分年份尚无国务院节假日安排，按法定节假日推算）")
        return text


def clock_of(ticket, on: dt.date | None = None) -> Clock:
    on = on or today()
    if ticket.reply_due is None or ticket.clock_start is None:
        return Clock(None, 0, 0, 0, None, False, False, None, ticket.accept_due)
    paused = paused_so_far(ticket, on)
    due = reply_due(
        ticket.clock_start,
        reply_days=ticket.reply_days,
        paused_days=paused,
        extension_days=ticket.extension_days,
    )
    left = workdays.count_working_days(on, due) if due >= on else -workdays.count_working_days(due, on)
    return Clock(
        start=ticket.clock_start,
        reply_days=ticket.reply_days,
        paused_days=paused,
        extension_days=ticket.extension_days,
        due=due,
        paused=ticket.pause_started_on is not None,
        provisional=workdays.is_provisional(due, ticket.clock_start),
        days_left=left,
        accept_due=ticket.accept_due,
    )


def supervision_level(ticket, *, at: dt.datetime | None = None) -> int:
    """督办 level for an open ticket: overdue (签收 or reply past due), near (reply due within
    NEAR_DEADLINE_WORKING_DAYS), else none. Arbitration pauses: none."""
    at = at or now()
    on = timezone.localdate(at)
    if ticket.state in (TicketState.ARBITRATION,) or ticket.reply_due is None:
        return Supervision.NONE
    if ticket.state == TicketState.DISPATCHED and ticket.accept_due and at > ticket.accept_due:
        return Supervision.OVERDUE
    if on > ticket.reply_due:
        return Supervision.OVERDUE
    if workdays.count_working_days(on, ticket.reply_due) <= NEAR_DEADLINE_WORKING_DAYS:
        return Supervision.NEAR
    return Supervision.NONE
