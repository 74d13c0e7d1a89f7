"""The statutory clock (办理时限), from the calendar table.

Deadlines count from the day of acceptance (受理; that day does not count), in the unit of the
item version's limit, snapshotted on the case:

- 工作日 (workday): working days of the calendar (行政许可法 §82);
- 自然日 (calendar day): calendar days; 月 (month): calendar months (the same day of the month,
  or the month's last day); a period whose last day is not a working day ends on the next
  working day (the rule of 民法典 §203 for periods);
- 小时 (hour): elapsed hours, at the resolution of a day (a limit under 24 hours is due the day of
  acceptance); 分钟 (minute): the day of acceptance.

Every working day the clock was paused (补齐补正, 特别程序) and any approved extension are added
as working days on top. Every figure comes with the calculation that produced it, naming the
unit, so the case page can show it. A deadline computed through a year without the official
holiday arrangement is provisional (暂定, `core.provisional`) and says so.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tongban.catalog.enums import TimeUnit
from tongban.core import workdays
from tongban.core.workdays import WorkCalendar, count_working_days

from .enums import CaseState, ClockLevel

WARNING_SHARE = 0.8  # 电子监察: warn when 80 % of the time is used
PRECHECK_DAYS = 5  # incomplete materials must be listed within 5 working days of receipt
ONE_DAY = dt.timedelta(days=1)

UNIT_WORDS = {
    TimeUnit.WORKDAY: "个工作日",
    TimeUnit.CALENDAR_DAY: "个自然日",
    TimeUnit.MONTH: "个月",
    TimeUnit.HOUR: "小时",
    TimeUnit.MINUTE: "分钟",
}
# The same as shown in the active language (`explain`): an amount of each unit.
UNIT_AMOUNTS = {
    TimeUnit.WORKDAY: gettext_noop("%(n)s个工作日"),
    TimeUnit.CALENDAR_DAY: gettext_noop("%(n)s个自然日"),
    TimeUnit.MONTH: gettext_noop("%(n)s个月"),
    TimeUnit.HOUR: gettext_noop("%(n)s小时"),
    TimeUnit.MINUTE: gettext_noop("%(n)s分钟"),
}


def today() -> dt.date:
    """The local date every case rule uses (tests set it: monkeypatch clock.today)."""
    return timezone.localdate()


def _span(amount: int, unit: str) -> int:
    """Calendar days enough to hold `amount` of `unit` (to size a calendar load)."""
    per = {TimeUnit.WORKDAY: 2, TimeUnit.CALENDAR_DAY: 1, TimeUnit.MONTH: 31}.get(unit, 0)
    return amount * per + (amount // 24 if unit == TimeUnit.HOUR else 0)


def calendar_for(start: dt.date, days: int = 0, *, span: int | None = None) -> WorkCalendar:
    """A calendar snapshot wide enough for `days` working days (or `span` calendar days) after
    `start`."""
    try:
        horizon = start + dt.timedelta(days=(days * 2 if span is None else span + days * 2) + 40)
    except OverflowError:
        horizon = dt.date.max
    return WorkCalendar.load(start.year, horizon.year)


def add_months(start: dt.date, months: int) -> dt.date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(start.day, month_calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    base_days: int  # the limit, in `unit`
    paused_days: int
    extension_days: int
    unit: str = TimeUnit.WORKDAY
    period_end: dt.date | None = None  # a calendar period's last day, before moving to a working day
    provisional: bool = False

    @property
    def total_days(self) -> int:
        return self.base_days + self.paused_days + self.extension_days

    def explain(self, accepted_on: dt.date) -> str:
        """The calculation in words, in the active language."""
        if self.total_days == 0:  # 即办: nothing to count (never "0个工作日")
            return gettext("即办：受理日 %(date)s 当场办结") % {"date": f"{accepted_on:%Y-%m-%d}"}
        unit = UNIT_AMOUNTS.get(self.unit)
        parts = [gettext(unit) % {"n": self.base_days} if unit else f"{self.base_days}{self.unit}"]
        if self.period_end is not None:
            parts[0] += gettext("（期满日 %(date)s 非工作日，顺延）") % {
                "date": f"{self.period_end:%Y-%m-%d}"
            }
        if self.paused_days:
            parts.append(gettext("暂停计时%(n)s个工作日") % {"n": self.paused_days})
        if self.extension_days:
            parts.append(gettext("延期%(n)s个工作日") % {"n": self.extension_days})
        text = gettext("受理日 %(date)s 起算 %(parts)s = %(due)s") % {
            "date": f"{accepted_on:%Y-%m-%d}",
            "parts": " + ".join(parts),
            "due": f"{self.due:%Y-%m-%d}",
        }
        if self.provisional:
            text += gettext("（暂定：%(year)s年尚无国务院节假日安排，按法定节假日推算）") % {
                "year": self.due.year
            }
        return text


def _period_end(
    calendar: WorkCalendar, start: dt.date, amount: int, unit: str
) -> tuple[dt.date, dt.date | None]:
    """The end of the limit itself, and the calendar period's own last day when it was moved."""
    if unit == TimeUnit.WORKDAY:
        return calendar.add(start, amount), None
    if unit == TimeUnit.HOUR:
        return start + dt.timedelta(days=amount // 24), None
    if unit == TimeUnit.MINUTE:
        return start, None
    end = add_months(start, amount) if unit == TimeUnit.MONTH else start + dt.timedelta(days=amount)
    if calendar.is_workday(end):
        return end, None
    moved = end
    while not calendar.is_workday(moved):
        moved += ONE_DAY
    return moved, end


def deadline(
    accepted_on: dt.date,
    days: int,
    *,
    paused_days: int = 0,
    extension_days: int = 0,
    unit: str = TimeUnit.WORKDAY,
) -> Deadline:
    return deadlines(accepted_on, (days, unit), paused_days=paused_days, extension_days=extension_days)[0]


def deadlines(
    accepted_on: dt.date, *limits: int | tuple[int, str], paused_days: int = 0, extension_days: int = 0
) -> list[Deadline]:
    """The deadlines of several limits (promised, statutory), each a number of working days or an
    (amount, unit) pair, from one calendar load."""
    pairs = [(x, TimeUnit.WORKDAY) if isinstance(x, int) else x for x in limits]
    extra = paused_days + extension_days
    calendar = calendar_for(accepted_on, extra, span=max(_span(a, u) for a, u in pairs))
    out = []
    for amount, unit in pairs:
        end, moved_from = _period_end(calendar, accepted_on, amount, unit)
        due = calendar.add(end, extra)
        out.append(
            Deadline(
                due=due,
                base_days=amount,
                paused_days=paused_days,
                extension_days=extension_days,
                unit=unit,
                period_end=moved_from,
                provisional=calendar.is_provisional(accepted_on, due),
            )
        )
    return out


def case_deadlines(case) -> tuple[Deadline, Deadline]:
    """The promised and statutory deadlines of an accepted case, in the units of its item version."""
    promised, statutory = deadlines(
        case.accepted_on,
        (case.promised_limit, case.promised_unit),
        (case.statutory_limit, case.statutory_unit),
        paused_days=case.paused_days,
        extension_days=case.extension_days,
    )
    return promised, statutory


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    return count_working_days(start, end)


def add_days(start: dt.date, n: int) -> dt.date:
    return calendar_for(start, n).add(start, n)


def is_provisional(due: dt.date | None, start: dt.date | None = None) -> bool:
    """Is this deadline provisional (暂定): computed through a year without the official holiday
    arrangement?"""
    return due is not None and workdays.is_provisional(due, start)


def used_days(
    accepted_on: dt.date,
    today: dt.date,
    *,
    paused_days: int,
    open_pause_since: dt.date | None,
    calendar: WorkCalendar | None = None,
) -> int:
    """Working days the clock has run: since acceptance, less the closed and the open pauses.
    Pass a `calendar` covering the dates when computing many (one load for all)."""
    between = calendar.between if calendar is not None else working_days_between
    used = between(accepted_on, today) - paused_days
    if open_pause_since is not None:
        used -= between(open_pause_since, today)
    return max(used, 0)


def level(*, used: int, allowed: int, today: dt.date, due: dt.date | None) -> str:
    """电子监察: overdue after the due date, a warning once 80 % of the time is used. A paused
    clock has no due date to pass (`due=None`): at most a warning."""
    if due is not None and today > due:
        return ClockLevel.OVERDUE
    if allowed > 0 and used >= WARNING_SHARE * allowed:
        return ClockLevel.WARNING
    return ClockLevel.OK


def case_level(case, *, on: dt.date, open_pause_since: dt.date | None, calendar: WorkCalendar) -> str:
    """The 电子监察 level of an open case on `on`. While paused (补正, 特别程序) it is never
    overdue; the time allowed is the working days from acceptance to the promised due date, less
    the pauses (so every unit compares alike)."""
    used = used_days(
        case.accepted_on,
        on,
        paused_days=case.paused_days,
        open_pause_since=open_pause_since,
        calendar=calendar,
    )
    if case.promised_due is not None:
        allowed = max(calendar.between(case.accepted_on, case.promised_due) - case.paused_days, 0)
    else:
        allowed = case.promised_days + case.extension_days
    paused = open_pause_since is not None or case.state == CaseState.PAUSED
    return level(used=used, allowed=allowed, today=on, due=None if paused else case.promised_due)


def precheck_deadline(received_on: dt.date) -> dt.date:
    """After this day without a pre-check answer the case counts as accepted on receipt."""
    return add_days(received_on, PRECHECK_DAYS)
