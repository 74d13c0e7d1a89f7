"""The statutory clock on the 2026 calendar (National Day 10-01..10-07, adjusted Saturday 10-10)."""

import datetime as dt

import pytest

from tongban.catalog.testing import SYSTEM
from tongban.core import services as core_services
from tongban.core.errors import CalendarNotCovered

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


def test_a_deadline_in_a_year_without_calendar_data_is_refused(calendar):
    with pytest.raises(CalendarNotCovered):
        clock.deadline(D("2026-12-20"), 20)
