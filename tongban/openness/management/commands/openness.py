"""`manage.py openness <subcommand>`: the openness commands.

- `tick [--date YYYY-MM-DD]`: disclosure requests near or past their deadline get their warning
  (once per level; `disclosure.tick`). Schedule it daily, as `cases tick` and `exchange tick`.

Each subcommand's work lives in a module of the app; this file only parses and dispatches."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "政务公开：tick（依申请公开答复期限预警）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        tick = sub.add_parser("tick", help="依申请公开：临近或超过答复期限的申请预警")
        tick.add_argument("--date", help="按该日期运行（YYYY-MM-DD，默认今天）")

    def handle(self, *args, subcommand: str, **options):
        return getattr(self, "_" + subcommand.replace("-", "_"))(**options)

    def _tick(self, date=None, **options):
        from tongban.openness import disclosure

        try:
            on = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date: {date!r} 不是 YYYY-MM-DD 格式的日期") from None
        report = disclosure.tick(on=on)
        self.stdout.write(
            f"checked={report.checked} warning={len(report.warning)} overdue={len(report.overdue)}"
        )
        for number in report.overdue:
            self.stdout.write(f"overdue {number}")
        for number in report.warning:
            self.stdout.write(f"warning {number}")
