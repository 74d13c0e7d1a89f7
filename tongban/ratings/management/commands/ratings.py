"""`manage.py ratings tick` and `manage.py ratings export-national --since DATE [--until DATE]
[--out FILE]`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import CommandError

from tongban.core.commands import ActionCommand

from ... import common, national, services


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: “{value}” is not a date (YYYY-MM-DD)") from None


class Command(ActionCommand):
    help = "好差评: the daily tick and the export to the national 好差评 system."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="default ratings after the period, SMS links, escalation")
        tick.add_argument("--base-url", default=None, help="site address for SMS links (default: setting)")
        export = sub.add_parser(
            "export-national", help="ratings, changes, rectifications, removals as JSON lines"
        )
        export.add_argument("--since", required=True, help="first day, YYYY-MM-DD (inclusive)")
        export.add_argument("--until", default="", help="last day, YYYY-MM-DD (inclusive; default: today)")
        export.add_argument("--out", default="", help="file to write (default: standard output)")

    def do_tick(self, base_url=None, **_):
        report = services.do_tick(base_url=base_url)
        self.stdout.write("Ratings tick:")
        for key, value in asdict(report).items():
            self.stdout.write(f"  {key}: {value}")
        if report.failed:
            raise CommandError(f"{report.failed} item(s) failed and were left as they were (see the log)")

    def do_export_national(self, since, until, out, **_):
        first = _date(since, "--since")
        last = _date(until, "--until") if until else common.today()
        if last < first:
            raise CommandError(f"--until {last} is before --since {first}")
        counts = dict.fromkeys(national.DATASETS, 0)
        target = Path(out) if out else None
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"--out: the folder {target.parent} does not exist")
        handle = target.open("w", encoding="utf-8") if target else self.stdout
        try:
            for record in national.export_records(since=first, until=last):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                counts[record["dataset"]] += 1
        finally:
            if target is not None:
                handle.close()
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        (self.stderr if target is None else self.stdout).write(
            f"Exported {first:%Y-%m-%d}..{last:%Y-%m-%d}: {summary}\n"
        )
