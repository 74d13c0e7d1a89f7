"""Themes as an xlsx workbook (openpyxl): one sheet per part of the spec, every row naming its
theme's code, so one workbook carries several themes.

Sheets: 主题 (code, region, name, scenario, audience, promised days), 成员事项, 情形问题,
共享字段, 共享材料. The lists inside a row use the workbench editor's syntax
(`themes_form`). Import reads everything into theme documents and hands them to
`services.do_import_themes`, which checks every theme before writing any: a problem is named
by sheet and row where the workbook is at fault, by spec path otherwise.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import IO

import openpyxl

from tongban.core.errors import FieldProblem, InvalidInput, TooLarge

from . import services, themes_form

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 2000

THEME_SHEET = ("主题", ["code", "region", "name", "scenario", "audience", "promised_days"])
SHEETS = {
    "members": (
        "成员事项",
        ["theme", "key", "item_code", "when", "requires", "policy", "fields", "materials"],
    ),
    "questions": ("情形问题", ["theme", "key", "text", "choices"]),
    "shared_fields": ("共享字段", ["theme", "key", "label", "type", "required"]),
    "shared_materials": ("共享材料", ["theme", "key", "name", "licence_type"]),
}
HEADERS = {
    "code": "主题编码",
    "region": "区划代码",
    "name": "主题名称",
    "scenario": "适用情形",
    "audience": "服务对象",
    "promised_days": "承诺时限（工作日）",
    "theme": "主题编码",
    "key": "标识",
    "item_code": "实施编码",
    "when": "适用条件",
    "requires": "前置事项及证照",
    "policy": "前置事项不予许可时",
    "fields": "字段映射",
    "materials": "材料映射",
    "text": "问题",
    "choices": "选项",
    "label": "名称",
    "type": "类型",
    "required": "必填",
    "licence_type": "电子证照类型代码",
}


def export_workbook(docs: list[dict]) -> bytes:
    """A workbook of these theme documents (`queries.export_doc`)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title, columns = THEME_SHEET
    ws.append([HEADERS[c] for c in columns])
    for doc in docs:
        spec = doc["spec"]
        ws.append(
            [
                doc["code"],
                doc["region"],
                doc["name"],
                doc["scenario"],
                doc["audience"],
                spec.get("promised_days"),
            ]
        )
    for part, (title, columns) in SHEETS.items():
        sheet = wb.create_sheet(title)
        sheet.append([HEADERS[c] for c in columns])
        for doc in docs:
            rows = themes_form.rows_from_doc({part: doc["spec"].get(part) or []})[part]
            for row in rows[: len(doc["spec"].get(part) or [])]:
                if part == "shared_fields":
                    row["required"] = "是" if row["required"] == "on" else "否"
                sheet.append([doc["code"], *(row[c] for c in columns[1:])])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _problem(message: str, kind=InvalidInput):
    return kind(f"file：{message}", problems=[FieldProblem("file", message)])


def _check_zip(fh: IO[bytes]) -> None:
    not_xlsx = "不是有效的 Excel 工作簿（.xlsx）"
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _problem(not_xlsx) from None
    finally:
        fh.seek(0)
    if len(infos) > 500 or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise _problem("工作簿解压后过大", TooLarge)
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise _problem(not_xlsx)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_workbook(fh: IO[bytes]) -> list[dict]:
    """Theme documents from a workbook; InvalidInput names the sheet and row at fault."""
    _check_zip(fh)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _problem("工作簿已损坏，无法读取") from None
    try:
        return _read(wb)
    finally:
        wb.close()


def _rows(wb, title: str, columns: list[str]) -> list[tuple[int, dict]]:
    if title not in wb.sheetnames:
        raise _problem(f"缺少工作表“{title}”")
    out = []
    for n, values in enumerate(wb[title].iter_rows(values_only=True), start=1):
        if n == 1:
            continue
        if n > MAX_ROWS:
            raise _problem(f"工作表“{title}”超过{MAX_ROWS}行", TooLarge)
        row = {c: _text(values[i]) if i < len(values) else "" for i, c in enumerate(columns)}
        if any(row.values()):
            out.append((n, row))
    return out


def _read(wb) -> list[dict]:
    title, columns = THEME_SHEET
    docs: dict[str, dict] = {}
    rows_by_theme: dict[str, dict[str, list[dict]]] = {}
    problems: list[FieldProblem] = []
    for n, row in _rows(wb, title, columns):
        code = row["code"]
        if code in docs:
            problems.append(FieldProblem("code", f"主题 {code} 重复", row=n, column=HEADERS["code"]))
            continue
        docs[code] = {
            "code": code,
            "region": row["region"],
            "name": row["name"],
            "scenario": row["scenario"],
            "audience": row["audience"],
            "promised_days": row["promised_days"],
        }
        rows_by_theme[code] = {part: [] for part in SHEETS}
    for part, (sheet, cols) in SHEETS.items():
        for n, row in _rows(wb, sheet, cols):
            theme = row.pop("theme")
            if theme not in docs:
                problems.append(FieldProblem("theme", f"“主题”表中没有主题 {theme}", row=n, column=sheet))
                continue
            if part == "shared_fields":
                row["required"] = (
                    "on" if row["required"].lower() in ("是", "on", "true", "1", "y", "yes") else ""
                )
            rows_by_theme[theme][part].append(row)
    if problems:
        raise InvalidInput(f"导入文件：{problems[0]}", problems=problems)
    out = []
    for code, doc in docs.items():
        days = doc.pop("promised_days")
        doc["spec"] = themes_form.doc_from_rows(rows_by_theme[code], promised_days=days)
        out.append(doc)
    return out


def do_import_themes_xlsx(*, actor, source: IO[bytes]) -> dict[str, int]:
    return services.do_import_themes(actor=actor, docs=read_workbook(source))
