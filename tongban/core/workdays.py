"""Working days (工作日) from the calendar table.

A day is a working day when it is Monday-Friday and not a public holiday, or when it is an
adjusted workday (调休上班日). The table holds only the exceptions; `CalendarYear` rows say
which years it covers, and any computation that touches an uncovered year raises
`CalendarNotCovered` instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .enums import DayKind
from .errors import CalendarNotCovered, InvalidInput
from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """A snapshot of the calendar for a range of years; cheap to query many times."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkCalendar:
        covered = set(
            CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year).values_list(
                "year", flat=True
            )
        )
        rows = CalendarDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year)
        holidays, workdays = set(), set()
        for day, kind in rows.values_list("date", "kind"):
            (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
        return cls(frozenset(covered), frozenset(holidays), frozenset(workdays))

    def _require(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise CalendarNotCovered(
                f"工作日历没有{day.year}年的数据，无法计算期限；请管理员导入该年度的节假日安排"
            )

    def is_workday(self, day: dt.date) -> bool:
        self._require(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, start: dt.date, n: int) -> dt.date:
        """The date N working days after `start` (the start day itself does not count)."""
        if n < 0:
            raise InvalidInput.field("n", "工作日数不能为负数")
        day = start
        remaining = n
        while remaining:
            day += ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_workday(day):
                count += 1
        return count


def add_working_days(start: dt.date, n: int) -> dt.date:
    """N working days after `start` (start does not count). Raises CalendarNotCovered."""
    # A working day is never more than ~3 calendar weeks away (the longest holiday is 8 days).
    # Beyond the calendar's last year the walk stops with CalendarNotCovered, however large n is.
    try:
        horizon = start + dt.timedelta(days=n * 2 + 30)
    except OverflowError:
        horizon = dt.date.max
    return WorkCalendar.load(start.year, horizon.year).add(start, n)


def count_working_days(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    return WorkCalendar.load(start.year, end.year).between(start, end)


def is_working_day(day: dt.date) -> bool:
    return WorkCalendar.load(day.year, day.year).is_workday(day)
