"""`manage.py exchange <subcommand>`: the data-sharing commands.

- `verify-log`: check the gateway call log's hash chain (exit 1 naming the first broken row);
- `tick`: escalate share requests past their deadline, expire grants;
- `export-national [--format json|xml] [--out F]`: the catalogue in the national exchange format.

Each subcommand's work lives in a module of the app; this file only parses and dispatches."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "共享交换：verify-log（校验调用日志哈希链）、tick（逾期上报、授权到期）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify-log", help="校验调用日志哈希链")
        sub.add_parser("tick", help="共享申请逾期上报、授权到期")
        national = sub.add_parser("export-national", help="按国家共享平台交换格式导出政务信息资源目录")
        national.add_argument("--out", help="写入的文件（缺省写到标准输出）")
        national.add_argument("--format", choices=["json", "xml"], default="json", dest="fmt")

    def handle(self, *args, subcommand: str, **options):
        handler = getattr(self, "_" + subcommand.replace("-", "_"))
        return handler(**options)

    def _verify_log(self, **options):
        raise CommandError("verify-log: not built yet (issue 12, gateway)")

    def _tick(self, **options):
        raise CommandError("tick: not built yet (issue 12, grants)")

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
