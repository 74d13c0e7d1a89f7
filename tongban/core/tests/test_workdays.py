"""Working days from the calendar table: seeding, computing, refusing, importing, editing."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from tongban.core import provisional, services, workdays
from tongban.core.enums import DayKind
from tongban.core.errors import CalendarNotCovered, InvalidInput, NotFound
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear
from tongban.core.workdays import (
    WorkCalendar,
    add_working_days,
    count_working_days,
    is_provisional,
    is_working_day,
)

from .conftest import CALENDAR_2027, SYSTEM

D = dt.date.fromisoformat


def snapshot():
    return (
        list(CalendarDay.objects.values_list("date", "kind", "name")),
        list(CalendarYear.objects.values_list("year", "source")),
        AuditEvent.objects.count(),
    )


# --- Seeding ---------------------------------------------------------------------------------


def test_seed_covers_2004_to_2026_with_the_package_exceptions(calendar):
    assert list(CalendarYear.objects.values_list("year", flat=True)) == list(range(2004, 2027))
    assert CalendarYear.objects.get(year=2026).source == f"chinesecalendar {chinese_calendar.__version__}"
    rows_2026 = CalendarDay.objects.filter(date__year=2026)
    assert rows_2026.filter(kind=DayKind.HOLIDAY).count() == 33
    assert sorted(rows_2026.filter(kind=DayKind.WORKDAY).values_list("date", flat=True)) == [
        D("2026-01-04"),
        D("2026-02-14"),
        D("2026-02-28"),
        D("2026-05-09"),
        D("2026-09-20"),
        D("2026-10-10"),
    ]
    assert CalendarDay.objects.get(date=D("2026-10-01")).name == "国庆节"
    assert CalendarDay.objects.get(date=D("2026-02-17")).name == "春节"
    assert calendar == CalendarDay.objects.count()
    event = AuditEvent.objects.get(action="core.calendar.seed")
    assert (event.actor, event.object_id, event.data) == (SYSTEM, "2004-2026", {"days": calendar})


def test_reseeding_is_idempotent(calendar):
    before = list(CalendarDay.objects.values_list("date", "kind", "name"))
    assert services.do_seed_calendar_from_package(actor=SYSTEM) == calendar
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == before


@pytest.mark.parametrize(("first", "last"), [(2026, 2027), (2003, 2004), (2030, 2030)])
def test_seeding_a_year_the_package_lacks_is_refused_and_changes_nothing(calendar, first, last):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_seed_calendar_from_package(actor=SYSTEM, first_year=first, last_year=last)
    assert [p.field for p in exc.value.problems] == ["year"]
    assert snapshot() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- Computing in 2026 -------------------------------------------------------------------------


def test_three_working_days_after_national_day_eve_is_an_adjusted_saturday(calendar):
    assert add_working_days(D("2026-09-30"), 3) == D("2026-10-10")
    assert D("2026-10-10").weekday() == 5


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-01", False),  # National Day, Thursday
        ("2026-10-07", False),  # last day of the holiday, Wednesday
        ("2026-10-08", True),
        ("2026-09-20", True),  # Sunday, adjusted workday
        ("2026-10-10", True),  # Saturday, adjusted workday
        ("2026-10-11", False),  # ordinary Sunday
        ("2026-09-21", True),  # ordinary Monday
        ("2026-09-25", False),  # Mid-autumn, Friday
        ("2026-02-23", False),  # Spring Festival, Monday
        ("2026-01-04", True),  # Sunday, adjusted workday
    ],
)
def test_is_working_day(calendar, day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-09-30", 0, "2026-09-30"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 4, "2026-10-12"),
        ("2026-09-18", 1, "2026-09-20"),  # Friday -> the adjusted Sunday
        ("2026-02-13", 1, "2026-02-14"),  # Friday -> adjusted Saturday before Spring Festival
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-06-01", 20, "2026-06-30"),  # Dragon Boat Festival (19 June) skipped
        ("2025-12-31", 1, "2026-01-04"),  # across the year, over New Year onto an adjusted Sunday
    ],
)
def test_add_working_days(calendar, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-09-30", "2026-10-10", 3),
        ("2026-10-01", "2026-10-07", 0),
        ("2026-09-18", "2026-09-21", 2),  # Sunday 20th is worked
        ("2026-09-30", "2026-09-30", 0),
        ("2026-10-10", "2026-09-30", 0),  # end before start
        ("2025-12-31", "2026-12-31", 248),  # the whole of 2026
    ],
)
def test_count_working_days(calendar, start, end, expected):
    assert count_working_days(D(start), D(end)) == expected


def test_2026_count_agrees_with_the_package(calendar):
    assert count_working_days(D("2025-12-31"), D("2026-12-31")) == len(
        chinese_calendar.get_workdays(D("2026-01-01"), D("2026-12-31"))
    )


def test_add_and_count_are_inverse(calendar):
    start = D("2026-01-01")
    for n in (1, 5, 20, 60, 200):
        assert count_working_days(start, add_working_days(start, n)) == n


def test_negative_working_days_are_refused(calendar):
    with pytest.raises(InvalidInput) as exc:
        add_working_days(D("2026-09-30"), -1)
    assert [p.field for p in exc.value.problems] == ["n"]


def test_a_loaded_calendar_answers_without_queries(calendar, django_assert_num_queries):
    cal = WorkCalendar.load(2026, 2026)
    with django_assert_num_queries(0):
        assert cal.add(D("2026-09-30"), 3) == D("2026-10-10")
        assert cal.between(D("2026-09-30"), D("2026-10-10")) == 3


# --- A year without the official arrangement: the provisional calendar (暂定) -----------------


def test_a_deadline_into_2027_is_computed_provisionally_and_changes_nothing(calendar):
    before = snapshot()
    # 2026-12-30 (Wed): 12-31, then 2027-01-01 is New Year's Day (a Friday), weekend, 01-04.
    assert add_working_days(D("2026-12-30"), 2) == D("2027-01-04")
    assert is_provisional(D("2027-01-04"), D("2026-12-30")) is True
    assert is_provisional(D("2026-12-31"), D("2026-12-30")) is False
    assert count_working_days(D("2026-12-01"), D("2027-01-05")) == 24
    assert is_working_day(D("2027-01-04")) is True
    assert snapshot() == before  # nothing is stored for a provisional year


def test_the_provisional_2027_holidays_follow_the_2024_measures():
    # 13 statutory days: New Year 1, Spring Festival 4 (eve + first three days), Qingming 1,
    # Labour Day 2, Dragon Boat 1, Mid-autumn 1, National Day 3; those on a weekend made up on
    # the next working day, no adjusted workdays.
    assert [(d.isoformat(), n) for d, n in provisional.statutory_holidays(2027)] == [
        ("2027-01-01", "元旦"),
        ("2027-02-05", "春节"),  # 除夕
        ("2027-02-06", "春节"),  # 正月初一, Saturday
        ("2027-02-07", "春节"),  # Sunday
        ("2027-02-08", "春节"),
        ("2027-04-05", "清明节"),
        ("2027-05-01", "劳动节"),
        ("2027-05-02", "劳动节"),
        ("2027-06-09", "端午节"),
        ("2027-09-15", "中秋节"),
        ("2027-10-01", "国庆节"),
        ("2027-10-02", "国庆节"),
        ("2027-10-03", "国庆节"),
    ]
    assert [d.isoformat() for d, n in provisional.holidays(2027) if n.endswith("（补假）")] == [
        "2027-02-09",
        "2027-02-10",
        "2027-05-03",
        "2027-05-04",
        "2027-10-04",
        "2027-10-05",
    ]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_provisional_holidays_are_the_official_ones_of_past_years(year):
    """The statutory days the package's official arrangements contain (lunar dates, Qingming)."""
    official = {d for d in chinese_calendar.holidays if d.year == year}
    statutory = {d for d, _ in provisional.statutory_holidays(year)}
    if year == 2024:  # the 2024 Measures (13 days) took effect in 2025; 2024 had 11 (no 除夕, 5-2)
        statutory -= {D("2024-02-09"), D("2024-05-02")}
    assert statutory <= official


def test_the_second_of_two_holidays_on_one_day_is_made_up():
    days = dict(provisional.holidays(2028))  # 中秋 falls on 3 October
    assert len(days) == 13 - 1 + 1  # 国庆 10-01 is a Sunday: 13 weekday days off in all
    assert days[D("2028-10-03")] == "中秋节"
    assert days[D("2028-10-05")] == "国庆节（补假）"


def test_2028_with_2027_imported_is_still_provisional(calendar):
    services.do_import_calendar(actor=SYSTEM, text=CALENDAR_2027, source="file 2027.csv")
    assert is_provisional(D("2027-12-31"), D("2027-12-01")) is False
    assert is_provisional(D("2028-01-04"), D("2027-12-30")) is True
    assert is_provisional(D("2028-01-04")) is True


@pytest.mark.parametrize("n", [10**6, 10**9, 2**31 - 1])
def test_an_absurd_number_of_days_runs_into_the_uncovered_year(calendar, n):
    with pytest.raises(CalendarNotCovered) as exc:
        add_working_days(D("2026-01-01"), n)
    assert exc.value.status == 409
    assert exc.value.code == "calendar_not_covered"


def test_beyond_the_provisional_horizon_nothing_is_computed(calendar):
    last = workdays.provisional_limit()
    assert is_working_day(D(f"{last}-10-01")) is False  # the last provisional year still answers
    with pytest.raises(CalendarNotCovered) as exc:
        is_working_day(D(f"{last + 1}-01-04"))
    assert str(last + 1) in exc.value.message


def test_days_before_the_uncovered_year_still_compute(calendar):
    assert add_working_days(D("2026-12-29"), 2) == D("2026-12-31")


def test_without_any_imported_calendar_the_current_year_is_provisional(db):
    # National Day 10-01, 10-02 (Thu, Fri), 10-03 on Saturday made up on Monday 10-05.
    assert add_working_days(D("2026-09-30"), 1) == D("2026-10-06")
    assert is_provisional(D("2026-09-30")) is True


# --- Importing a year ------------------------------------------------------------------------


def test_importing_2027_makes_2027_computable(calendar):
    assert services.do_import_calendar(actor=SYSTEM, text=CALENDAR_2027, source="file 2027.csv") == [2027]
    assert CalendarYear.objects.get(year=2027).source == "file 2027.csv"
    assert CalendarDay.objects.filter(date__year=2027).count() == 10
    assert add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    assert add_working_days(D("2027-02-05"), 1) == D("2027-02-15")
    assert count_working_days(D("2027-02-05"), D("2027-02-20")) == 6
    assert is_working_day(D("2027-02-20")) is True
    event = AuditEvent.objects.get(action="core.calendar.import")
    assert (event.object_id, event.data) == ("2027", {"source": "file 2027.csv", "days": 10})


def test_importing_a_year_replaces_it_whole(calendar):
    text = "date,kind,name\n2026-12-31,holiday,测试\n"
    assert services.do_import_calendar(actor=SYSTEM, text=text, source="fix") == [2026]
    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind")) == [
        (D("2026-12-31"), "holiday")
    ]
    assert is_working_day(D("2026-10-01")) is True  # the package's rows for 2026 are gone
    assert CalendarDay.objects.filter(date__year=2025).count() > 0  # other years untouched


def test_a_bad_file_reports_every_bad_row_and_imports_nothing(calendar):
    text = (
        "date,kind,name\n"
        "2027-01-01,holiday,元旦\n"  # row 2: fine
        "2027-13-01,holiday,坏日期\n"  # row 3
        "2027-01-04,workday,调休\n"  # row 4: a Monday
        "2027-01-09,rest,休息\n"  # row 5
        "2027-01-01,holiday,重复\n"  # row 6
        "2027-02-20,workday,春节\n"  # row 7: fine
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_import_calendar(actor=SYSTEM, text=text, source="bad.csv")
    assert [(p.row, p.column, p.field) for p in exc.value.problems] == [
        (3, "A", "date"),
        (4, "B", "kind"),
        (5, "B", "kind"),
        (6, "A", "date"),
    ]
    assert exc.value.message == "日历文件有 4 处错误，未导入任何数据"
    assert snapshot() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("day,kind,name\n2027-01-01,holiday,元旦\n", "header"),
        ("", "header"),
        ("date,kind,name\n", "file"),
        ("# only a comment\ndate,kind,name\n# another\n", "file"),
    ],
)
def test_a_file_without_usable_rows_is_refused(calendar, text, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_import_calendar(actor=SYSTEM, text=text, source="x")
    assert [p.field for p in exc.value.problems] == [field]
    assert snapshot() == before


def test_comments_blank_lines_and_short_rows(calendar):
    text = "\n# header follows\ndate,kind,name\n\n2027-01-01,holiday\n"
    assert services.do_import_calendar(actor=SYSTEM, text=text, source="x") == [2027]
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind", "name")) == [
        (D("2027-01-01"), "holiday", "")
    ]


# --- Editing a day ---------------------------------------------------------------------------


def test_staff_can_mark_and_unmark_a_day(calendar):
    day = D("2026-11-02")  # an ordinary Monday
    services.do_set_calendar_day(actor=SYSTEM, date=day, kind=DayKind.HOLIDAY, name="临时休假")
    assert is_working_day(day) is False
    services.do_set_calendar_day(actor=SYSTEM, date=day, kind=None)
    assert is_working_day(day) is True
    assert list(
        AuditEvent.objects.filter(action="core.calendar.set_day").values_list("object_id", "data")
    ) == [
        ("2026-11-02", {"kind": "holiday", "name": "临时休假"}),
        ("2026-11-02", {"kind": None, "name": ""}),
    ]


def test_editing_an_uncovered_year_or_a_bad_kind_changes_nothing(calendar):
    before = snapshot()
    with pytest.raises(NotFound):
        services.do_set_calendar_day(actor=SYSTEM, date=D("2027-01-01"), kind=DayKind.HOLIDAY)
    with pytest.raises(InvalidInput) as exc:
        services.do_set_calendar_day(actor=SYSTEM, date=D("2026-11-02"), kind="weekend")
    assert [p.field for p in exc.value.problems] == ["kind"]
    assert snapshot() == before


# --- Snapshots shared by every deadline of a process -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_serves_until_the_calendar_changes(django_assert_num_queries):
    from django.core.cache import cache

    from tongban.core import workdays

    services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    first = WorkCalendar.load(2026, 2026)
    with django_assert_num_queries(0):
        assert WorkCalendar.load(2026, 2026) is first
        assert add_working_days(D("2026-09-29"), 5) == D("2026-10-12")
    # A staff edit commits: the snapshot retires and the next load reads the new calendar.
    services.do_set_calendar_day(actor=SYSTEM, date=D("2026-12-01"), kind=DayKind.HOLIDAY, name="测试")
    edited = WorkCalendar.load(2026, 2026)
    assert edited is not first
    assert not edited.is_workday(D("2026-12-01"))
    # Another process's edit arrives as a new version in the shared cache.
    cache.set(workdays.VERSION_KEY, "changed-elsewhere", timeout=None)
    assert WorkCalendar.load(2026, 2026) is not edited


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_writes_the_calendar_reads_it_uncached_and_a_rollback_leaves_no_trace():
    from django.db import transaction

    services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    assert WorkCalendar.load(2026, 2026).is_workday(D("2026-12-01"))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.do_set_calendar_day(actor=SYSTEM, date=D("2026-12-01"), kind=DayKind.HOLIDAY, name="测试")
        assert not WorkCalendar.load(2026, 2026).is_workday(D("2026-12-01"))  # its own write
        raise RuntimeError("the edit is abandoned")
    assert WorkCalendar.load(2026, 2026).is_workday(D("2026-12-01"))
    assert not CalendarDay.objects.filter(date=D("2026-12-01")).exists()


# --- The administrators' warning ---------------------------------------------------------------


def test_from_october_administrators_are_warned_while_next_year_is_missing(calendar, admin_client):
    from tongban.core.queries import calendar_warning

    assert calendar_warning(D("2026-09-30")) == ""
    assert "2027年" in calendar_warning(D("2026-10-01"))
    page = admin_client.get("/admin/").content.decode()
    assert calendar_warning() and calendar_warning() in page  # written in December 2026
    services.do_import_calendar(actor=SYSTEM, text=CALENDAR_2027, source="file 2027.csv")
    assert calendar_warning(D("2026-12-28")) == ""
    if calendar_warning() == "":  # while the real date is in 2026
        assert 'id="calendar-warning"' not in admin_client.get("/admin/core/calendarday/").content.decode()
