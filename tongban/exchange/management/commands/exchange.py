"""`manage.py exchange <subcommand>`: the data-sharing commands.

- `verify-log`: check the gateway call log's hash chain (exit 1 naming the first broken seal and
  its rows' id range);
- `tick`: escalate share requests past their deadline, expire grants;
- `export-national [--format json|xml] [--out F]`: the catalogue in the national exchange format;
- `register-upstream`: a city node registers its catalogue entries with its province (federation).

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
        national = sub.add_parser("export-national", help="按国家共享平台交换格式导出政务信息资源目录")
        national.add_argument("--out", help="写入的文件（缺省写到标准输出）")
        national.add_argument("--format", choices=["json", "xml"], default="json", dest="fmt")
        sub.add_parser("register-upstream", help="市级节点：向省级节点登记本级目录（级联）")

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
                f"调用日志哈希链在第 {report.broken_seal} 批封存（第 {report.broken_at}–"
                f"{report.broken_last} 条记录）处断裂：{report.reason}（此前 {report.checked} 条完好）"
            )
        self.stdout.write(
            f"调用日志哈希链完好：{report.checked} 条记录，{report.seals} 批封存（本次封链 {sealed} 条）"
        )

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

    def _export_national(self, *, out=None, fmt="json", **options):
        from pathlib import Path

        from ... import national

        text = national.export(fmt=fmt)
        if not out:
            self.stdout.write(text, ending="")
            return
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"--out: 目录不存在：{path.parent}")
        path.write_text(text, encoding="utf-8")
        self.stderr.write(f"已导出到 {path}")

    def _register_upstream(self, **options):
        from tongban.core.errors import InvalidInput
        from tongban.exchange import federation

        try:
            answer = federation.push_upstream()
        except InvalidInput as error:
            raise CommandError(str(error)) from error
        except federation.RemoteRefused as error:
            raise CommandError(
                f"省级节点拒绝登记：{error.status} {error.code} {error.field} {error.message}"
            ) from error
        except federation.RemoteUnavailable as error:
            raise CommandError(f"省级节点不可达：{error}") from error
        for entry in answer.get("entries", []):
            self.stdout.write(
                f"{entry['origin_code']} → {entry['code']} v{entry['version']} {entry['result']}"
            )
        for code in answer.get("retired", []):
            self.stdout.write(f"{code} retired")
        self.stdout.write(f"{answer.get('node')}: {len(answer.get('entries', []))} registered")
