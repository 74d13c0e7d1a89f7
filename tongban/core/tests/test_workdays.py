"""Working days from the calendar table: seeding, computing, refusing, importing, editing."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from tongban.core import services
from tongban.core.enums import DayKind
from tongban.core.errors import CalendarNotCovered, InvalidInput, NotFound
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear
from tongban.core.workdays import WorkCalendar, add_working_days, count_working_days, is_working_day

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
    with pytest.raises(CalendarNotCovered):
        add_working_days(D("2026-12-30"), 3)


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


# --- Refusing uncovered years ------------------------------------------------------------------


def test_a_deadline_into_2027_is_refused_and_changes_nothing(calendar):
    before = snapshot()
    with pytest.raises(CalendarNotCovered) as exc:
        add_working_days(D("2026-12-30"), 3)
    assert exc.value.status == 409
    assert exc.value.code == "calendar_not_covered"
    assert "2027" in exc.value.message
    with pytest.raises(CalendarNotCovered):
        count_working_days(D("2026-12-01"), D("2027-01-05"))
    with pytest.raises(CalendarNotCovered):
        is_working_day(D("2027-01-04"))
    assert snapshot() == before


@pytest.mark.parametrize("n", [10**6, 10**9, 2**31 - 1])
def test_an_absurd_number_of_days_runs_into_the_uncovered_year(calendar, n):
    with pytest.raises(CalendarNotCovered):
        add_working_days(D("2026-01-01"), n)


def test_days_before_the_uncovered_year_still_compute(calendar):
    assert add_working_days(D("2026-12-29"), 2) == D("2026-12-31")


def test_nothing_is_computed_without_any_calendar(db):
    with pytest.raises(CalendarNotCovered):
        add_working_days(D("2026-09-30"), 1)


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
