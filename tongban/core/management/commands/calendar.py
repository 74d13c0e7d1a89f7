"""`manage.py calendar seed|import FILE|show YEAR|add DATE N`: the working-day calendar.

A year without the State Council's arrangement answers from the provisional calendar (暂定):
`show` lists its computed holidays marked 暂定, `add` marks a date computed through it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError

from tongban.core import services, workdays
from tongban.core.commands import ActionCommand


class Command(ActionCommand):
    help = "Maintain the working-day calendar (工作日历).\n\n" + services.CALENDAR_FILE_HELP

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="seed 2004-2026 from the chinesecalendar package")
        seed.add_argument("--first", type=int, default=2004)
        seed.add_argument("--last", type=int, default=2026)
        imp = sub.add_parser("import", help="import a year (or years) from a CSV file: date,kind,name")
        imp.add_argument("file")
        show = sub.add_parser("show", help="list a year's holidays and adjusted workdays")
        show.add_argument("year", type=int)
        add = sub.add_parser("add", help="the date N working days after DATE")
        add.add_argument("date")
        add.add_argument("n", type=int)

    def do_seed(self, first, last, **_):
        n = services.do_seed_calendar_from_package(actor="system:calendar", first_year=first, last_year=last)
        self.stdout.write(f"Seeded {n} holidays and adjusted workdays for {first}-{last}.")

    def do_import(self, file, **_):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file: {file} does not exist")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("file: not UTF-8 text") from None
        years = services.do_import_calendar(actor="system:calendar", text=text, source=f"file {path.name}")
        self.stdout.write(f"Imported {', '.join(map(str, years))}.")

    def do_show(self, year, **_):
        rows = list(services.calendar_rows(year))
        if not rows and year in services.provisional_years(year, year):
            self.stdout.write(f"{year}: 暂定 (provisional; no official arrangement imported)")
            for day, name in services.provisional_rows(year):
                self.stdout.write(f"{day}\tholiday\t{name}\t暂定")
            return
        if not rows:
            self.stdout.write(f"No exceptions stored for {year}.")
        for day, kind, name in rows:
            self.stdout.write(f"{day}\t{kind}\t{name}")

    def do_add(self, date, n, **_):
        try:
            start = dt.date.fromisoformat(date)
        except ValueError:
            raise CommandError("date: use YYYY-MM-DD") from None
        due = workdays.add_working_days(start, n)
        if workdays.is_provisional(due, start):
            self.stdout.write(f"{due.isoformat()} 暂定 (provisional: no official arrangement for {due.year})")
        else:
            self.stdout.write(due.isoformat())
