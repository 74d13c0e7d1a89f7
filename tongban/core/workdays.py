"""Working days (工作日) from the calendar table.

A day is a working day when it is Monday-Friday and not a public holiday, or when it is an
adjusted workday (调休上班日). The table holds only the exceptions; `CalendarYear` rows say
which years it covers, and any computation that touches an uncovered year raises
`CalendarNotCovered` instead of guessing.

Every deadline needs a calendar, so snapshots are kept in memory per process. They are valid
for one calendar version, a token in the shared cache (Redis in production) that `changed()`
replaces after every calendar write commits: each process then reloads on its next use. Without
a reachable cache the snapshot is read from the database every time.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from .enums import DayKind
from .errors import CalendarNotCovered, InvalidInput
from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)
VERSION_KEY = "core:calendar:version"
log = logging.getLogger(__name__)
_snapshots: dict[tuple[int, int], tuple[str, WorkCalendar]] = {}


def _version() -> str | None:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # the cache is down: read the calendar from the database, uncached
        log.warning("calendar version unavailable from the cache; reading the calendar uncached")
        return None


def changed() -> None:
    """The calendar changed: forget every snapshot, in this process and (through the shared
    version) in every other. Calendar writes call it on commit."""
    _snapshots.clear()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        log.warning("could not publish the new calendar version; other processes keep theirs")


def changed_on_commit(**_signal) -> None:
    """A calendar write in the open transaction: this connection reads the calendar uncached
    until the transaction ends (it sees its own uncommitted rows); the commit retires every
    process's snapshots."""
    _snapshots.clear()
    transaction.on_commit(changed)


def _writing() -> bool:
    """Has the open transaction written the calendar? (Its on-commit `changed` is pending.)"""
    return any(func is changed for _, func, _ in transaction.get_connection().run_on_commit)


@dataclass(frozen=True)
class WorkCalendar:
    """A snapshot of the calendar for a range of years; cheap to query many times."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkCalendar:
        """The calendar of these years: the process's snapshot while the version holds."""
        if _writing():
            return cls.read(first_year, last_year)
        version = _version()  # read before the rows: a change committed meanwhile bumps it again
        kept = _snapshots.get((first_year, last_year))
        if version is not None and kept is not None and kept[0] == version:
            return kept[1]
        calendar = cls.read(first_year, last_year)
        if version is not None:
            _snapshots[(first_year, last_year)] = (version, calendar)
        return calendar

    @classmethod
    def read(cls, first_year: int, last_year: int) -> WorkCalendar:
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
