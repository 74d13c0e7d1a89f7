"""`manage.py insight <subcommand>`:

- `rebuild-rollups [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: recount the case rollups of the whole
  months touching the range (default: every month with cases) from the cases; idempotent (run it
  twice: the same rows). Audited as `insight.rollups.rebuild`.

The work lives in `insight.services` / `insight.rollups`; this file parses and dispatches."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from tongban.core.commands import ActionCommand


def _date(value: str | None, flag: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{flag}: 日期格式应为 YYYY-MM-DD（{value}）") from None


class Command(ActionCommand):
    help = "一屏全览：rebuild-rollups（从办件重建汇总，可重复执行）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild-rollups", help="从办件重建办件汇总（按整月，可重复执行）")
        rebuild.add_argument("--from", dest="date_from", help="起始日期（YYYY-MM-DD），按其所在月整月重建")
        rebuild.add_argument("--to", dest="date_to", help="结束日期（YYYY-MM-DD），按其所在月整月重建")

    def do_rebuild_rollups(self, *, date_from=None, date_to=None, **options):
        from tongban.insight import services

        report = services.do_rebuild_rollups(
            actor="manage.py insight rebuild-rollups",
            date_from=_date(date_from, "--from"),
            date_to=_date(date_to, "--to"),
        )
        self.stdout.write(
            f"rebuilt {report['months']} month(s): {report['rows']} row(s) written, {report['deleted']} replaced"
        )
