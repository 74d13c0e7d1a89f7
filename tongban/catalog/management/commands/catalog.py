"""`manage.py catalog import|export|template|four-sames`: the implementation list (实施清单) in Excel.

    manage.py catalog import FILE [--publish] [--actor USERNAME]
    manage.py catalog export FILE [--region CODE] [--department ID_OR_CREDIT_CODE]
    manage.py catalog template FILE
    manage.py catalog four-sames [--region CODE] [--department ID_OR_CREDIT_CODE]

The template is described in docs/catalog-xlsx.md and in the workbook's own 说明 sheet.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tongban.catalog import queries, services, xlsx
from tongban.catalog.enums import Status
from tongban.core.errors import DomainError

DEFAULT_ACTOR = "system:import"
FIELD_NAMES = {"name": "名称", "item_type": "事项类型", "legal_basis": "设定依据", "code": "编码"}


class Command(BaseCommand):
    help = "Import and export implementation items (实施清单) as Excel workbooks; the 四级四同 report."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a workbook in the template (all or nothing)")
        imp.add_argument("file")
        imp.add_argument(
            "--publish", action="store_true", help="publish at once (default: drafts that await review)"
        )
        imp.add_argument(
            "--actor",
            default=DEFAULT_ACTOR,
            help=f"username of the staff member importing (default {DEFAULT_ACTOR})",
        )
        exp = sub.add_parser("export", help="export the current published items")
        exp.add_argument("file")
        exp.add_argument("--region", default="", help="6- or 12-digit region code (the region and below)")
        exp.add_argument("--department", default="", help="department id or unified social credit code")
        tpl = sub.add_parser("template", help="write an empty template")
        tpl.add_argument("file")
        four = sub.add_parser(
            "four-sames",
            help="items whose name, type, legal basis or code differ from their basic item (四级四同)",
        )
        four.add_argument("--region", default="")
        four.add_argument("--department", default="")
        sub.add_parser(
            "reindex-search",
            help="rebuild the search rows and store them in popularity order (run nightly and after bulk loads)",
        )

    def handle(self, *args, action, **opts):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**opts)
        except DomainError as exc:
            details = [xlsx.describe(p) for p in exc.problems]
            lines = details if details == [exc.message] else [exc.message, *(f"  {d}" for d in details)]
            raise CommandError("\n".join(lines)) from None
        except OSError as exc:  # writing the export or template
            raise CommandError(f"file：无法写入文件 {exc.filename or ''}：{exc.strerror or exc}") from None

    # -- search maintenance

    def do_reindex_search(self, **opts):
        report = services.do_reindex_search(actor="system:command")
        self.stdout.write(
            f"search rows: {report['rows']:,} ({report['rebuilt']:,} rebuilt) in {report['seconds']:.1f}s"
        )

    # -- import

    def _actor(self, name: str):
        if name.startswith("system:"):
            return name
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: name}).first()
        if user is None or not user.is_active:
            raise CommandError(f"actor：用户 {name} 不存在或已停用")
        return user

    def do_import(self, file, publish, actor, **_):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file：文件 {file} 不存在")
        who = self._actor(actor)
        bars: dict[str, tqdm] = {}
        labels = {"read": "读取", "save": "写入"}

        def progress(stage: str, advance: int, total: int | None) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(
                    total=total,
                    desc=labels.get(stage, stage),
                    unit="行",
                    file=self.stderr._out,
                    disable=None,
                    leave=False,
                )
            bar.update(advance)

        try:
            counts = xlsx.do_import_items_xlsx(actor=who, source=path, publish=publish, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        state = Status.PUBLISHED.label if publish else "草稿（待提交审核）"
        self.stdout.write(
            f"已导入 {counts['items']} 个事项：新建 {counts['created']} 个，新版本 {counts['new_versions']} 个；"
            f"申请材料 {counts['materials']} 份，业务办理项 {counts['handling_items']} 个；状态：{state}。"
        )

    # -- export

    def do_export(self, file, region, department, **_):
        n = xlsx.export_items_xlsx(file, region=region, department=department)
        self.stdout.write(f"已导出 {n} 个事项到 {file}。")

    def do_template(self, file, **_):
        xlsx.write_template(file)
        self.stdout.write(f"已写入空白模板 {file}。")

    # -- 四级四同

    def do_four_sames(self, region, department, **_):
        rows = queries.four_sames_report(queries.SearchFilters(region=region, department=department))
        if not rows:
            self.stdout.write("四级四同：所有当前发布的事项与基本目录一致。")
            return
        table = [("实施编码", "事项名称", "实施主体", "基本编码", "基本目录名称", "不一致的要素")]
        for d in rows:
            table.append(
                (
                    d.item.code,
                    d.item.name,
                    d.item.department.name,
                    d.item.basic_code,
                    d.basic.name if d.basic else "（基本目录中没有）",
                    "、".join(FIELD_NAMES.get(f, f) for f in d.fields),
                )
            )
        for line in _table_lines(table):
            self.stdout.write(line)
        self.stdout.write(f"共 {len(rows)} 个事项与基本目录不一致。")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table_lines(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(row):
        return "  ".join(
            cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
        ).rstrip()

    return [line(rows[0]), "  ".join("-" * w for w in widths), *(line(r) for r in rows[1:])]
