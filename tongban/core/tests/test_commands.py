"""`manage.py calendar ...` and `manage.py audit verify`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from tongban.core import audit
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear
from tongban.core.workdays import add_working_days

from .conftest import CALENDAR_2027


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def manage(monkeypatch):
    """Run like `manage.py ARGS` does, returning the exit status. (The command line closes the
    database connections when done; here they hold the test's transaction, so keep them.)"""
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run_argv(*args) -> int:
        try:
            execute_from_command_line(["manage.py", *args])
        except SystemExit as exc:
            return exc.code
        return 0

    return run_argv


def snapshot():
    return (
        list(CalendarDay.objects.values_list("date", "kind", "name")),
        list(CalendarYear.objects.values_list("year", "source")),
        AuditEvent.objects.count(),
    )


# --- calendar ----------------------------------------------------------------------------------


def test_calendar_seed(db):
    out = run("calendar", "seed", "--first", "2025", "--last", "2026")
    n = CalendarDay.objects.count()
    assert out == f"Seeded {n} holidays and adjusted workdays for 2025-2026.\n"
    assert list(CalendarYear.objects.values_list("year", flat=True)) == [2025, 2026]


def test_calendar_seed_refuses_years_the_package_lacks(db):
    with pytest.raises(CommandError, match="2027"):
        run("calendar", "seed", "--first", "2026", "--last", "2027")
    assert not CalendarYear.objects.exists()


def test_calendar_add_and_show(calendar):
    assert run("calendar", "add", "2026-09-30", "3") == "2026-10-10\n"
    shown = run("calendar", "show", "2026").splitlines()
    assert "2026-10-10\tworkday\t国庆节" in shown
    assert "2026-10-01\tholiday\t国庆节" in shown
    assert len(shown) == 39
    assert run("calendar", "show", "1949") == "No exceptions stored for 1949.\n"


def test_calendar_add_into_2027_answers_a_provisional_date(calendar, manage, capsys):
    """The interface of issue 10: a 2027 date marked 暂定, exit status 0."""
    assert manage("calendar", "add", "2026-12-28", "20") == 0
    assert capsys.readouterr().out == "2027-01-26 暂定 (provisional: no official arrangement for 2027)\n"
    shown = run("calendar", "show", "2027").splitlines()
    assert shown[0] == "2027: 暂定 (provisional; no official arrangement imported)"
    assert "2027-02-09\tholiday\t春节（补假）\t暂定" in shown
    assert len(shown) == 1 + 13


def test_calendar_add_beyond_the_provisional_years_fails_with_the_reason(calendar):
    with pytest.raises(CommandError, match="2032"):
        run("calendar", "add", "2026-12-30", "3000")
    with pytest.raises(CommandError, match="date: use YYYY-MM-DD"):
        run("calendar", "add", "30/09/2026", "3")


def test_calendar_import_makes_2027_computable(calendar, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    assert run("calendar", "add", "2026-12-31", "1").endswith(
        " 暂定 (provisional: no official arrangement for 2027)\n"
    )
    assert run("calendar", "import", str(path)) == "Imported 2027.\n"
    assert CalendarYear.objects.get(year=2027).source == "file 2027.csv"
    assert run("calendar", "add", "2026-12-31", "1") == "2027-01-04\n"
    assert add_working_days(dt.date(2027, 2, 5), 1) == dt.date(2027, 2, 15)


def test_calendar_import_accepts_a_utf8_bom(calendar, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(CALENDAR_2027, encoding="utf-8-sig")
    assert run("calendar", "import", str(path)) == "Imported 2027.\n"


def test_calendar_import_of_a_bad_file_reports_each_bad_row_and_imports_nothing(calendar, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-01-05,workday,调休\n"
        "2027-01-01,holiday,元旦\n",
        encoding="utf-8",
    )
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        run("calendar", "import", str(path))
    lines = str(exc.value).splitlines()
    assert lines[0] == "日历文件有 3 处错误，未导入任何数据"
    assert lines[1].startswith("  第3行 A列：date：")
    assert lines[2].startswith("  第4行 B列：kind：")
    assert lines[3].startswith("  第5行 A列：date：")
    assert len(lines) == 4
    assert snapshot() == before


def test_calendar_import_of_a_missing_or_binary_file(calendar, tmp_path):
    before = snapshot()
    with pytest.raises(CommandError, match="does not exist"):
        run("calendar", "import", str(tmp_path / "missing.csv"))
    binary = tmp_path / "gbk.csv"
    binary.write_bytes("date,kind,name\n2027-01-01,holiday,元旦\n".encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("calendar", "import", str(binary))
    assert snapshot() == before


def test_calendar_import_exits_non_zero_from_the_command_line(calendar, tmp_path, capsys, manage):
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n2027-01-04,workday,x\n", encoding="utf-8")
    assert manage("calendar", "import", str(path)) == 1
    assert "第2行 B列：kind：" in capsys.readouterr().err
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- audit verify ------------------------------------------------------------------------------


def record(n: int) -> list[AuditEvent]:
    return [audit.record(actor="system:test", action="test.event", data={"i": i}) for i in range(n)]


def test_audit_verify_reports_an_intact_chain(db, manage):
    record(4)
    assert run("audit", "verify") == (
        "Audit chain intact: 4 events verified against 0 anchors, no anchor yet (run `audit anchor`).\n"
    )
    assert manage("audit", "verify") == 0


def test_audit_verify_names_the_tampered_event_and_exits_non_zero(db, capsys, manage):
    events = record(5)
    AuditEvent.objects.filter(seq=events[2].seq).update(data={"i": 99})
    with pytest.raises(CommandError) as exc:
        run("audit", "verify")
    assert str(exc.value) == (
        f"Audit chain broken at event #{events[2].seq}: hash does not match the event's content "
        "(2 events before it verified)."
    )
    capsys.readouterr()
    assert manage("audit", "verify") == 1
    assert f"#{events[2].seq}" in capsys.readouterr().err


def test_audit_verify_detects_a_deleted_event(db, capsys, manage):
    events = record(5)
    AuditEvent.objects.filter(seq=events[1].seq).delete()
    assert manage("audit", "verify") == 1
    assert f"Audit chain broken at event #{events[2].seq}: prev_hash" in capsys.readouterr().err
