"""`manage.py cases tick [--date DATE]` and `manage.py cases export-national --since DATE
[--until DATE] [--out FILE]`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import CommandError

from tongban.core.commands import ActionCommand

from ... import clock, national, services


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: “{value}” is not a date (YYYY-MM-DD)") from None


class Command(ActionCommand):
    help = "Cases (办件): the daily clock tick and the export to the national platform."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser(
            "tick",
            help="deemed acceptance, expired supplements, escalation of overdue steps, 电子监察 levels",
        )
        tick.add_argument("--date", default="", help="the day to run for (default: today)")
        export = sub.add_parser(
            "export-national", help="GB/T 39046 data sets (申请, 受理, 办理, 办结) as JSON lines"
        )
        export.add_argument("--since", required=True, help="first day, YYYY-MM-DD (inclusive)")
        export.add_argument("--until", default="", help="last day, YYYY-MM-DD (inclusive; default: today)")
        export.add_argument("--out", default="", help="file to write (default: standard output)")

    def do_tick(self, date, **_):
        on = _date(date, "--date") if date else clock.today()
        report = services.do_tick(on=on)
        self.stdout.write(f"Tick for {on:%Y-%m-%d}:")
        for key, value in asdict(report).items():
            self.stdout.write(f"  {key}: {len(value) if key == 'failed' else value}")
        if report.failed:  # the others went on; the exit status says the tick was not clean
            raise CommandError(
                f"{len(report.failed)} case(s) failed and were left as they were (see the log): "
                + ", ".join(report.failed[:20])
                + (" ..." if len(report.failed) > 20 else "")
            )

    def do_export_national(self, since, until, out, **_):
        first = _date(since, "--since")
        last = _date(until, "--until") if until else clock.today()
        if last < first:
            raise CommandError(f"--until {last} is before --since {first}")
        counts = dict.fromkeys(national.DATASETS, 0)
        target = Path(out) if out else None
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"--out: the folder {target.parent} does not exist")
        handle = target.open("w", encoding="utf-8") if target else self.stdout
        try:
            for record in national.export_records(since=first, until=last):
                handle.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
                counts[record["dataset"]] += 1
        finally:
            if target is not None:
                handle.close()
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        (self.stderr if target is None else self.stdout).write(
            f"Exported {first:%Y-%m-%d}..{last:%Y-%m-%d}: {summary}\n"
        )
