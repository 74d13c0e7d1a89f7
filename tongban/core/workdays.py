"""Working days (工作日) from the calendar table.

A day is a working day when it is Monday-Friday and not a public holiday, or when it is an
adjusted workday (调休上班日). The table holds only the exceptions; `CalendarYear` rows say
which years have the State Council's arrangement (official). A year without one, up to
`provisional.YEARS_AHEAD` years after the current one, gets the provisional calendar (暂定:
weekends and the statutory holidays, `provisional.py`, ADR 0006); a deadline that runs through
such a year is provisional (`WorkCalendar.is_provisional`, `is_provisional`) and is shown so.
Computation beyond that raises `CalendarNotCovered`.

Every deadline needs a calendar, so snapshots are kept in memory per process. They are valid
for one calendar version, a token in the shared cache (Redis in production) that `changed()`
replaces after every calendar write commits: each process then reloads on its next use. Without
a reachable cache the snapshot is read from the database every time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import provisional, versions
from .enums import DayKind
from .errors import CalendarNotCovered, InvalidInput
from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)
VERSION_KEY = "core:calendar:version"
log = logging.getLogger(__name__)
_snapshots: dict[tuple[int, int, int], tuple[str, WorkCalendar]] = {}
# Inside a transaction that writes the calendar: what it has read of its own rows, so that a
# listener recomputing many deadlines reads the calendar once. Cleared by every calendar write
# (`changed_on_commit`), and only used while such a transaction is open (`_writing`).
_uncommitted: dict[tuple[int, int, int, int], WorkCalendar] = {}


def provisional_limit() -> int:
    """The last year a provisional calendar is computed for."""
    return timezone.localdate().year + provisional.YEARS_AHEAD


def _version() -> str | None:
    return versions.current(VERSION_KEY, "calendar")


def changed() -> None:
    """The calendar changed: forget every snapshot, in this process and (through the shared
    version) in every other. Calendar writes call it on commit."""
    _snapshots.clear()
    _uncommitted.clear()
    versions.retire(VERSION_KEY, "calendar")


def changed_on_commit(**_signal) -> None:
    """A calendar write in the open transaction: this connection reads the calendar uncached
    until the transaction ends (it sees its own uncommitted rows); the commit retires every
    process's snapshots."""
    _snapshots.clear()
    _uncommitted.clear()
    transaction.on_commit(changed)


# --- Listeners: what depends on the calendar is recomputed in the calendar write's transaction --

_listeners: list[Callable[..., None]] = []


def on_change(listener: Callable[..., None]) -> None:
    """Register `listener(actor=..., since=date)`, called by every calendar write (seed, import,
    a day set or cleared) inside its transaction, after the rows are written: deadlines that end
    on or after `since` may have moved. Domain apps register in their AppConfig.ready (core
    imports none of them); a listener that raises rolls the calendar write back."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(*, actor, since: dt.date) -> None:
    for listener in list(_listeners):
        listener(actor=actor, since=since)


def _writing() -> bool:
    """Has the open transaction written the calendar? (Its on-commit `changed` is pending.)"""
    return any(func is changed for _, func, _ in transaction.get_connection().run_on_commit)


@dataclass(frozen=True)
class WorkCalendar:
    """A snapshot of the calendar for a range of years; cheap to query many times."""

    years: frozenset[int]  # every year it answers for, official or provisional
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    provisional: frozenset[int] = frozenset()  # of `years`, those without an official arrangement

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkCalendar:
        """The calendar of these years: the process's snapshot while the version holds."""
        key = (first_year, last_year, provisional_limit())
        if _writing():
            own = (*key, id(transaction.get_connection()))  # this connection's own rows only
            if own not in _uncommitted:
                _uncommitted[own] = cls.read(first_year, last_year)
            return _uncommitted[own]
        version = _version()  # read before the rows: a change committed meanwhile bumps it again
        kept = _snapshots.get(key)
        if version is not None and kept is not None and kept[0] == version:
            return kept[1]
        calendar = cls.read(first_year, last_year)
        if version is not None:
            _snapshots[key] = (version, calendar)
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
        guessed = set(range(max(first_year, provisional.FIRST_YEAR), min(last_year, provisional_limit()) + 1))
        guessed -= covered
        for year in guessed:
            holidays.update(day for day, _ in provisional.holidays(year))
        return cls(frozenset(covered | guessed), frozenset(holidays), frozenset(workdays), frozenset(guessed))

    def is_provisional(self, start: dt.date, end: dt.date) -> bool:
        """Does a computation from `start` to `end` run through a provisional year?"""
        return any(year in self.provisional for year in range(start.year, end.year + 1))

    def _require(self, day: dt.date) -> None:
        if day.year not in self.years:
            raise CalendarNotCovered(
                f"工作日历没有{day.year}年的数据（暂定日历只推算到{provisional_limit()}年），无法计算期限；"
                "请管理员导入该年度的节假日安排"
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


def is_provisional(end: dt.date, start: dt.date | None = None) -> bool:
    """Is a date computed from `start` (default: `end` itself) to `end` provisional (暂定)? True
    when a year between them has no official arrangement. Cheap: the process's snapshot."""
    start = min(start or end, end)
    if end.year > provisional_limit():
        return False  # nothing is computed there (CalendarNotCovered)
    return WorkCalendar.load(start.year, end.year).is_provisional(start, end)


def provisional_years(first_year: int, last_year: int) -> list[int]:
    """The years in the range that would be computed on the provisional calendar."""
    return sorted(WorkCalendar.load(first_year, last_year).provisional)
