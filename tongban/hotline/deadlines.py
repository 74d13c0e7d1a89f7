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
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from tongban.core import versions, workdays

from .enums import (
    DEFAULT_ACCEPT_HOURS,
    DEFAULT_REPLY_DAYS,
    NEAR_DEADLINE_WORKING_DAYS,
    URGENT_REPLY_DAYS,
    Supervision,
    TicketState,
    Urgency,
)

log = logging.getLogger(__name__)


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


# The rules table (a few rows) is read on every intake. Each process keeps a snapshot of it,
# valid for one version token in the shared cache (Redis in production), which a rule write
# replaces when it commits (`rules_changed`): every process then reads the table again on its
# next intake. As with the calendar (`core.workdays`): without a reachable cache the table is
# read every time, and inside the transaction that writes a rule it is read uncached (that
# connection sees its own uncommitted row; a rollback leaves no snapshot behind).
RULES_VERSION_KEY = "hotline:deadline-rules:version"
_rules: tuple[str, dict[tuple[str, str], tuple[int, int]]] | None = None


def _rules_version() -> str | None:
    return versions.current(RULES_VERSION_KEY, "deadline rules")


def rules_changed() -> None:
    """A rule write committed: forget the snapshot here and, through the version, everywhere."""
    global _rules
    _rules = None
    versions.retire(RULES_VERSION_KEY, "deadline rules")


def _writing_rules() -> bool:
    return any(func is rules_changed for _, func, _ in transaction.get_connection().run_on_commit)


def _read_rules() -> dict[tuple[str, str], tuple[int, int]]:
    from .models import DeadlineRule

    return {
        (kind, urgency): (hours, days)
        for kind, urgency, hours, days in DeadlineRule.objects.values_list(
            "kind", "urgency", "accept_hours", "reply_days"
        )
    }


def rule_table() -> dict[tuple[str, str], tuple[int, int]]:
    """The configured rules, (kind, urgency) → (accept_hours, reply_days)."""
    global _rules
    if _writing_rules():
        return _read_rules()
    version = _rules_version()  # read before the rows: a write committed meanwhile bumps it again
    kept = _rules
    if version is not None and kept is not None and kept[0] == version:
        return kept[1]
    table = _read_rules()
    if version is not None:
        _rules = (version, table)
    return table


def rule_for(kind: str, urgency: str) -> Rule:
    configured = rule_table().get((kind, urgency))
    if configured is not None:
        return Rule(configured[0], configured[1], True)
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
