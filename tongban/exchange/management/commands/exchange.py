"""`manage.py exchange <subcommand>`: the data-sharing commands.

- `verify-log`: check the gateway call log's hash chain (exit 1 naming the first broken row);
- `tick`: escalate share requests past their deadline, expire grants.

Each subcommand's work lives in a module of the app; this file only parses and dispatches."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "共享交换：verify-log（校验调用日志哈希链）、tick（逾期上报、授权到期）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify-log", help="校验调用日志哈希链")
        tick = sub.add_parser("tick", help="共享申请逾期上报、授权到期")
        tick.add_argument("--date", help="按该日期运行（YYYY-MM-DD，默认今天）")
        rollup = sub.add_parser("rollup", help="汇总调用日志到每日运行统计（可重复执行）")
        rollup.add_argument("--since", help="从这一天起重新汇总（YYYY-MM-DD）；默认从上次汇总的最后一天起")

    def handle(self, *args, subcommand: str, **options):
        handler = getattr(self, "_" + subcommand.replace("-", "_"))
        return handler(**options)

    def _verify_log(self, **options):
        from tongban.exchange import calllog

        sealed = 0
        while n := calllog.seal():
            sealed += n
        report = calllog.verify()
        if not report.ok:
            raise CommandError(
                f"调用日志哈希链在第 {report.broken_at} 条记录处断裂：{report.reason}"
                f"（此前 {report.checked} 条完好）"
            )
        self.stdout.write(f"调用日志哈希链完好：{report.checked} 条记录（本次封链 {sealed} 条）")

    def _tick(self, date=None, **options):
        import datetime as dt

        from tongban.exchange import grants

        try:
            on = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date: {date!r} 不是 YYYY-MM-DD 格式的日期") from None
        report = grants.tick(on=on)
        self.stdout.write(
            f"escalated={len(report.escalated)} expired={len(report.expired)} failed={len(report.failed)}"
        )
        for number in report.escalated:
            self.stdout.write(f"escalated {number}")
        if report.failed:
            raise CommandError("failed: " + " ".join(report.failed))

    def _rollup(self, *, since=None, **options):
        import datetime as dt

        from tongban.exchange import stats

        try:
            day = dt.date.fromisoformat(since) if since else None
        except ValueError as exc:
            raise CommandError(f"--since: 日期格式应为 YYYY-MM-DD（{since}）") from exc
        days = stats.rollup(since=day)
        self.stdout.write(f"rolled up {days} day(s)")
