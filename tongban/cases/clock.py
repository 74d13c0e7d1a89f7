"""The statutory clock (办理时限) in working days, from the calendar table.

Deadlines count from the day of acceptance (受理; that day does not count): the promised and the
statutory limits of the item version, plus every working day the clock was paused (补齐补正,
特别程序) and any approved extension. Every figure comes with the calculation that produced it,
so the case page can show it. A year without calendar data raises CalendarNotCovered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tongban.core.workdays import WorkCalendar, count_working_days

from .enums import ClockLevel

WARNING_SHARE = 0.8  # 电子监察: warn when 80 % of the time is used
PRECHECK_DAYS = 5  # incomplete materials must be listed within 5 working days of receipt


def today() -> dt.date:
    """The local date every case rule uses (tests set it: monkeypatch clock.today)."""
    return timezone.localdate()


def calendar_for(start: dt.date, days: int = 0) -> WorkCalendar:
    """A calendar snapshot wide enough for `days` working days after `start`."""
    horizon = start + dt.timedelta(days=days * 2 + 40)
    return WorkCalendar.load(start.year, horizon.year)


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    base_days: int
    paused_days: int
    extension_days: int

    @property
    def total_days(self) -> int:
        return self.base_days + self.paused_days + self.extension_days

    def explain(self, accepted_on: dt.date) -> str:
        parts = [f"{self.base_days}个工作日"]
        if self.paused_days:
            parts.append(f"暂停计时{self.paused_days}个工作日")
        if self.extension_days:
            parts.append(f"延期{self.extension_days}个工作日")
        return f"受理日 {accepted_on:%Y-%m-%d} 起算 " + " + ".join(parts) + f" = {self.due:%Y-%m-%d}"


def deadline(accepted_on: dt.date, days: int, *, paused_days: int = 0, extension_days: int = 0) -> Deadline:
    return deadlines(accepted_on, days, paused_days=paused_days, extension_days=extension_days)[0]


def deadlines(
    accepted_on: dt.date, *limits: int, paused_days: int = 0, extension_days: int = 0
) -> list[Deadline]:
    """The deadlines of several limits (promised, statutory) from one calendar load."""
    extra = paused_days + extension_days
    calendar = calendar_for(accepted_on, max(limits) + extra)
    return [
        Deadline(
            due=calendar.add(accepted_on, days + extra),
            base_days=days,
            paused_days=paused_days,
            extension_days=extension_days,
        )
        for days in limits
    ]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    return count_working_days(start, end)


def add_days(start: dt.date, n: int) -> dt.date:
    return calendar_for(start, n).add(start, n)


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


def level(*, used: int, allowed: int, today: dt.date, due: dt.date) -> str:
    """电子监察: overdue after the due date, a warning once 80 % of the time is used."""
    if today > due:
        return ClockLevel.OVERDUE
    if allowed > 0 and used >= WARNING_SHARE * allowed:
        return ClockLevel.WARNING
    return ClockLevel.OK


def precheck_deadline(received_on: dt.date) -> dt.date:
    """After this day without a pre-check answer the case counts as accepted on receipt."""
    return add_days(received_on, PRECHECK_DAYS)
