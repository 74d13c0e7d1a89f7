"""The statutory clock on the 2026 calendar (National Day 10-01..10-07, adjusted Saturday 10-10)."""

import datetime as dt

import pytest

from tongban.catalog.enums import TimeUnit
from tongban.catalog.testing import SYSTEM
from tongban.core import services as core_services

from .. import clock
from ..enums import ClockLevel

D = dt.date.fromisoformat


@pytest.fixture
def calendar(db):
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)


def test_five_working_days_after_acceptance_on_2026_09_29(calendar):
    d = clock.deadline(D("2026-09-29"), 5)
    assert d.due == D("2026-10-12")
    assert d.explain(D("2026-09-29")) == "受理日 2026-09-29 起算 5个工作日 = 2026-10-12"


def test_a_three_day_pause_moves_the_deadline_three_working_days(calendar):
    d = clock.deadline(D("2026-09-29"), 5, paused_days=3)
    assert d.due == D("2026-10-15")
    assert d.explain(D("2026-09-29")) == "受理日 2026-09-29 起算 5个工作日 + 暂停计时3个工作日 = 2026-10-15"
    assert clock.deadline(D("2026-09-29"), 5, paused_days=3, extension_days=2).due == D("2026-10-19")


def test_working_days_between_skips_the_holiday(calendar):
    assert clock.working_days_between(D("2026-09-30"), D("2026-10-10")) == 3  # 10-08, 10-09, 10-10
    assert clock.working_days_between(D("2026-10-10"), D("2026-09-30")) == 0


def test_used_days_exclude_pauses(calendar):
    used = clock.used_days(D("2026-09-29"), D("2026-10-15"), paused_days=2, open_pause_since=D("2026-10-14"))
    # (09-29, 10-15]: 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14, 10-15 = 8; less 2 closed, 1 open
    assert used == 5


@pytest.mark.parametrize(
    ("used", "allowed", "today", "due", "level"),
    [
        (3, 5, "2026-10-09", "2026-10-12", ClockLevel.OK),
        (4, 5, "2026-10-10", "2026-10-12", ClockLevel.WARNING),
        (5, 5, "2026-10-12", "2026-10-12", ClockLevel.WARNING),
        (6, 5, "2026-10-13", "2026-10-12", ClockLevel.OVERDUE),
        (0, 0, "2026-10-12", "2026-10-12", ClockLevel.OK),
    ],
)
def test_levels(used, allowed, today, due, level):
    assert clock.level(used=used, allowed=allowed, today=D(today), due=D(due)) == level


def test_precheck_deadline_is_five_working_days_after_receipt(calendar):
    assert clock.precheck_deadline(D("2026-09-29")) == D("2026-10-12")


def test_a_deadline_into_2027_without_its_arrangement_is_provisional(calendar):
    """Issue 10 §2: no cliff at the end of the calendar; the date is marked 暂定."""
    d = clock.deadline(D("2026-12-28"), 20)
    # 12-29..12-31 (3), 2027-01-01 New Year's Day (provisional), then 17 more weekdays.
    assert d.due == D("2027-01-26")
    assert d.provisional is True
    assert d.explain(D("2026-12-28")).endswith(
        "= 2027-01-26（暂定：2027年尚无国务院节假日安排，按法定节假日推算）"
    )
    assert clock.deadline(D("2026-12-01"), 5).provisional is False
    assert clock.precheck_deadline(D("2026-12-28")) == D("2027-01-05")


# --- Units (issue 10 §3): 自然日 counts calendar days, 月 months, 小时 hours --------------------


def test_seven_calendar_days_are_seven_calendar_days(calendar):
    # Was 5 working days: 2026-10-12, 13 calendar days after 09-29.
    d = clock.deadline(D("2026-11-02"), 7, unit=TimeUnit.CALENDAR_DAY)
    assert d.due == D("2026-11-09")
    assert d.explain(D("2026-11-02")) == "受理日 2026-11-02 起算 7个自然日 = 2026-11-09"
    d = clock.deadline(D("2026-11-04"), 7, unit=TimeUnit.CALENDAR_DAY)
    assert d.due == D("2026-11-11")  # was 2026-11-13 (5 working days)


def test_a_calendar_period_ending_on_a_holiday_ends_on_the_next_working_day(calendar):
    d = clock.deadline(D("2026-09-29"), 7, unit=TimeUnit.CALENDAR_DAY)
    assert d.due == D("2026-10-08")  # 10-06 is within National Day
    assert d.explain(D("2026-09-29")) == (
        "受理日 2026-09-29 起算 7个自然日（期满日 2026-10-06 非工作日，顺延） = 2026-10-08"
    )


def test_months_count_months(calendar):
    assert clock.deadline(D("2026-03-16"), 3, unit=TimeUnit.MONTH).due == D("2026-06-16")
    # 2026-02-28 is a Saturday worked (调休): the month ends there.
    d = clock.deadline(D("2026-01-31"), 1, unit=TimeUnit.MONTH)
    assert (d.due, d.explain(D("2026-01-31"))) == (
        D("2026-02-28"),
        "受理日 2026-01-31 起算 1个月 = 2026-02-28",
    )
    assert clock.deadline(D("2026-08-07"), 2, unit=TimeUnit.MONTH).due == D("2026-10-08")


def test_hours_count_hours(calendar):
    assert clock.deadline(D("2026-09-29"), 4, unit=TimeUnit.HOUR).due == D("2026-09-29")
    d = clock.deadline(D("2026-09-29"), 48, unit=TimeUnit.HOUR)
    assert (d.due, d.explain(D("2026-09-29"))) == (
        D("2026-10-01"),
        "受理日 2026-09-29 起算 48小时 = 2026-10-01",
    )
    assert clock.deadline(D("2026-09-29"), 30, unit=TimeUnit.MINUTE).due == D("2026-09-29")


def test_pauses_and_extensions_add_working_days_to_any_unit(calendar):
    d = clock.deadline(D("2026-11-02"), 7, unit=TimeUnit.CALENDAR_DAY, paused_days=2, extension_days=1)
    assert d.due == D("2026-11-12")  # 11-09 + 3 working days
    assert d.explain(D("2026-11-02")) == (
        "受理日 2026-11-02 起算 7个自然日 + 暂停计时2个工作日 + 延期1个工作日 = 2026-11-12"
    )


def test_a_paused_case_is_never_overdue_while_paused(calendar):
    from tongban.core.workdays import WorkCalendar

    class Paused:
        accepted_on, paused_days, extension_days, promised_days = D("2026-09-01"), 0, 0, 5
        promised_due, state = D("2026-09-08"), "paused"

    cal = WorkCalendar.load(2026, 2026)
    assert clock.case_level(Paused, on=D("2026-11-02"), open_pause_since=D("2026-09-07"), calendar=cal) == (
        ClockLevel.WARNING
    )
    Paused.state = "accepted"
    assert (
        clock.case_level(Paused, on=D("2026-11-02"), open_pause_since=None, calendar=cal)
        == ClockLevel.OVERDUE
    )
