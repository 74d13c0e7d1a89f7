"""Excel (xlsx) import and export of implementation items (实施清单) in the documented template.

The template (docs/catalog-xlsx.md) has a sheet 说明 with the rules, a sheet 事项 with one row per
implementation item, and one sheet per list of an item (材料, 办理项, 流程, 地点, 常见问题, 收费)
whose rows name their item by 实施编码. Export writes exactly this template, so an export read
back by the import reproduces every element.

Import is all-or-nothing: the file is checked before anything is written (size, zip directory,
sheets, header columns, every cell, then every catalogue rule through `services.check_bundles`),
and every problem is reported with its sheet, row and column. Only a clean file reaches
`services.do_import_items`.

    bundles = read_items_xlsx(path)                  # raises InvalidInput / TooLarge
    counts = do_import_items_xlsx(actor=user, source=path, publish=False)
    write_items_xlsx(path, items)                    # items with department/region loaded
    write_template(path)
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import translation
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem, InvalidInput, TooLarge

from . import enums, queries, services
from .models import HandlingItem, ImplementationItem, Material

# --- Limits against hostile files ------------------------------------------------------------

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # total of the zip members, as the zip directory says
MAX_COMPRESSION_RATIO = 200  # real sheets compress 5-50x; a zip bomb ~1000x
MAX_ZIP_MEMBERS = 2000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767
MAX_ROWS_PER_ITEM = 1000  # materials, handling items, steps ... of one item (their order is a smallint)

Progress = Callable[[str, int, int | None], None]  # (stage "read" | "save", advance, total)


# --- The template: sheets and columns ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet. The header is "<title> <key>", e.g. "事项名称 name".

    kind: text (one line, stripped) | longtext (kept as typed) | int | limit (int or 即时) |
    bool (是/否) | code (one national code, written "01 行政许可") | label (one value, written by
    its Chinese name) | codes (several codes, "1、2") | labels (several values by name) |
    department (credit code) | region (region code) | item (实施编码 of a 事项 row).
    """

    key: str
    title: str
    kind: str = "text"
    choices: type[models.TextChoices] | None = None
    required: bool = False  # a blank cell is an error when the file is read
    needed: bool = False  # must be filled too, but the catalogue rules say so (services.check_bundles)
    max_length: int | None = None
    max_value: int | None = None
    width: int = 16
    note: str = ""
    blank: str = ""  # what a blank cell means, for the instructions
    upper: bool = False  # codes: letters are taken in upper case

    @property
    def header(self) -> str:
        return f"{self.title} {self.key}"

    @property
    def mandatory(self) -> bool:
        return self.required or self.needed


@dataclass(frozen=True)
class Sheet:
    name: str
    target: str  # "item" or the ItemBundle/JSON list the rows belong to
    columns: tuple[Column, ...]
    note: str


def _len(model, name: str) -> int:
    return model._meta.get_field(name).max_length


_INT_MAX = 2_147_483_647
_SMALL_MAX = 32_767


def _item_ref() -> Column:
    return Column(
        "item_code",
        "实施编码",
        "item",
        required=True,
        width=36,
        note="本行所属事项的实施编码，须在“事项”工作表中",
    )


ITEM_SHEET = Sheet(
    "事项",
    "item",
    (
        Column(
            "code",
            "实施编码",
            required=True,
            upper=True,
            width=36,
            note="31位：实施主体统一社会信用代码18位＋行使层级1位＋基本编码12位。已存在的编码导入为新版本",
        ),
        Column(
            "basic_code",
            "基本编码",
            required=True,
            upper=True,
            width=16,
            note="12位：来源2位＋事项类型2位＋主项5位＋子项3位，须在基本目录中",
        ),
        Column(
            "name",
            "事项名称",
            needed=True,
            width=30,
            max_length=_len(ImplementationItem, "name"),
            note="应与基本目录一致（四级四同）",
        ),
        Column(
            "item_type",
            "事项类型",
            "code",
            enums.ItemType,
            required=True,
            width=16,
            note="须与基本编码第3-4位一致",
        ),
        Column(
            "level",
            "行使层级",
            "code",
            enums.ExerciseLevel,
            required=True,
            width=16,
            note="须与实施编码第19位一致",
        ),
        Column(
            "department_credit_code",
            "实施主体统一社会信用代码",
            "department",
            required=True,
            width=24,
            note="18位，须是平台已登记的部门；须与实施编码前18位一致",
        ),
        Column(
            "region_code",
            "行政区划代码",
            "region",
            width=16,
            note="6位或12位",
            blank="实施主体所在的行政区划",
        ),
        Column(
            "service_objects",
            "服务对象",
            "codes",
            enums.ServiceObject,
            required=True,
            width=14,
            note="可多选",
        ),
        Column("description", "事项说明", "longtext", width=30),
        Column("legal_basis", "设定依据", "longtext", needed=True, width=40),
        Column("conditions", "受理条件", "longtext", width=30),
        Column("statutory_limit", "法定办结时限", "int", required=True, max_value=_INT_MAX, width=12),
        Column("statutory_unit", "法定时限单位", "label", enums.TimeUnit, width=12, blank="工作日"),
        Column(
            "promised_limit",
            "承诺办结时限",
            "limit",
            required=True,
            max_value=_INT_MAX,
            width=12,
            note="“即时”或0表示即时办结；不能超过法定时限",
        ),
        Column("promised_unit", "承诺时限单位", "label", enums.TimeUnit, width=12, blank="工作日"),
        Column("limit_note", "时限说明", max_length=_len(ImplementationItem, "limit_note"), width=20),
        Column(
            "case_type",
            "办件类型",
            "code",
            enums.CaseType,
            required=True,
            width=12,
            note="即办件的承诺时限必须为“即时”，承诺时限为“即时”的必须是即办件",
        ),
        Column(
            "charged",
            "是否收费",
            "bool",
            width=10,
            blank="否",
            note="收费的须填写收费依据，并在“收费”工作表列出收费项目和标准",
        ),
        Column("fee_basis", "收费依据", "longtext", width=24),
        Column(
            "visits",
            "到办事现场次数",
            "int",
            max_value=_SMALL_MAX,
            width=12,
            blank="0",
            note="全程网办的须为0",
        ),
        Column(
            "visit_reason",
            "必须现场办理原因",
            max_length=_len(ImplementationItem, "visit_reason"),
            width=24,
            note="到办事现场次数大于0时必填",
        ),
        Column(
            "handling_forms",
            "办理形式",
            "codes",
            enums.HandlingForm,
            required=True,
            width=14,
            note="可多选；全程网办的须包含2或3",
        ),
        Column("online_depth", "网上办理深度", "codes", enums.OnlineDepth, width=16, note="可多选"),
        Column("fully_online", "全程网办", "bool", width=10, blank="否"),
        Column(
            "nearby",
            "就近办",
            "bool",
            width=10,
            blank="否",
            note="可在乡镇（街道）、村（社区）便民服务站办理",
        ),
        Column("delivery_methods", "送达方式", "labels", enums.DeliveryMethod, width=20, note="可多选"),
        Column(
            "consult_phone",
            "咨询电话",
            needed=True,
            max_length=_len(ImplementationItem, "consult_phone"),
            width=16,
        ),
        Column(
            "complaint_phone",
            "监督投诉电话",
            needed=True,
            max_length=_len(ImplementationItem, "complaint_phone"),
            width=16,
        ),
        Column("result_name", "审批结果名称", max_length=_len(ImplementationItem, "result_name"), width=24),
        Column("result_sample", "审批结果样本", "longtext", width=20),
        Column("online_url", "网上办理地址", max_length=_len(ImplementationItem, "online_url"), width=30),
        Column("popularity", "热度", "int", max_value=_INT_MAX, width=8, blank="0"),
    ),
    "每行一个实施清单事项",
)

MATERIAL_SHEET = Sheet(
    "材料",
    "materials",
    (
        _item_ref(),
        Column("name", "材料名称", needed=True, max_length=_len(Material, "name"), width=30),
        Column("source", "来源渠道", "code", enums.MaterialSource, width=16, blank="1 申请人自备"),
        Column("source_note", "来源说明", max_length=_len(Material, "source_note"), width=20),
        Column("originals", "原件份数", "int", max_value=99, width=10, blank="1", note="0-99"),
        Column(
            "copies",
            "复印件份数",
            "int",
            max_value=99,
            width=10,
            blank="0",
            note="0-99；纸质材料的原件和复印件份数不能都为0",
        ),
        Column("medium", "材料形式", "label", enums.MaterialMedium, width=12, blank="纸质或电子"),
        Column("requirement", "必要性", "label", enums.MaterialRequirement, width=12, blank="必要"),
        Column(
            "license_type_code",
            "可替代的电子证照类型代码",
            max_length=_len(Material, "license_type_code"),
            width=26,
            note="填写后，电子证照库中已有的证照可免提交",
        ),
        Column(
            "license_type_name",
            "电子证照类型名称",
            max_length=_len(Material, "license_type_name"),
            width=20,
            note="填写了名称的须同时填写类型代码",
        ),
        Column("spec", "填报要求", max_length=_len(Material, "spec"), width=24),
        Column("note", "备注", max_length=_len(Material, "note"), width=20),
    ),
    "每行一份申请材料，按行的先后排序",
)

HANDLING_SHEET = Sheet(
    "办理项",
    "handling_items",
    (
        _item_ref(),
        Column(
            "code",
            "业务办理项编码",
            needed=True,
            upper=True,
            max_length=_len(HandlingItem, "code"),
            width=40,
            note="实施编码后接1-19位数字或大写字母，同一事项内不能重复",
        ),
        Column("name", "业务办理项名称", needed=True, max_length=_len(HandlingItem, "name"), width=30),
        Column("kind", "类别", "label", enums.HandlingKind, width=10, blank="设立"),
    ),
    "每行一个业务办理项，按行的先后排序",
)

STEP_SHEET = Sheet(
    "流程",
    "steps",
    (
        _item_ref(),
        Column("name", "环节名称", required=True, width=16),
        Column("description", "环节说明", "longtext", width=40),
        Column("time_limit", "环节时限", width=16),
    ),
    "每行一个办理环节，按行的先后排序",
)

PLACE_SHEET = Sheet(
    "地点",
    "places",
    (
        _item_ref(),
        Column("name", "地点名称", required=True, width=24),
        Column("address", "地址", required=True, width=36),
        Column("hours", "办公时间", width=20),
        Column("phone", "联系电话", width=16),
    ),
    "每行一个办理地点",
)

FAQ_SHEET = Sheet(
    "常见问题",
    "faqs",
    (
        _item_ref(),
        Column("q", "问题", "longtext", required=True, width=36),
        Column("a", "解答", "longtext", required=True, width=50),
    ),
    "每行一个问答",
)

FEE_SHEET = Sheet(
    "收费",
    "fees",
    (
        _item_ref(),
        Column("name", "收费项目", required=True, width=24),
        Column("standard", "收费标准", "longtext", required=True, width=40),
    ),
    "每行一个收费项目（事项的“是否收费”须为“是”）",
)

DATA_SHEETS = (ITEM_SHEET, MATERIAL_SHEET, HANDLING_SHEET, STEP_SHEET, PLACE_SHEET, FAQ_SHEET, FEE_SHEET)
LIST_SHEETS = (STEP_SHEET, PLACE_SHEET, FAQ_SHEET, FEE_SHEET)  # JSON lists of the item
INSTRUCTIONS = "说明"
SHEET_ORDER = {s.name: i for i, s in enumerate(DATA_SHEETS)}

# Rule problems from services name item fields; these live in other columns or sheets.
_FIELD_COLUMN = {"department_id": "department_credit_code", "region_id": "region_code"}
_LIST_SHEET = {s.target: s for s in LIST_SHEETS}
_CHILD_RE = re.compile(r"^(materials|handling_items)\[(\d+)\]\.(\w+)$")


# --- Values: code tables ----------------------------------------------------------------------


@cache
def _table(choices: type[models.TextChoices]) -> tuple[dict[str, str], dict[str, str]]:
    """({code: Chinese name}, {Chinese name: code}) whatever language is active."""
    with translation.override(None):
        names = {value: str(label) for value, label in choices.choices}
    return names, {name: value for value, name in names.items()}


def _written_choice(column: Column, value: str) -> str:
    names, _ = _table(column.choices)
    if value not in names:
        return value
    return (
        f"{value} {names[value]}"
        if column.kind == "code"
        else (value if column.kind == "codes" else names[value])
    )


def _allowed(column: Column) -> list[str]:
    names, _ = _table(column.choices)
    if column.kind in ("code", "codes"):
        return [f"{v} {n}" for v, n in names.items()]
    return list(names.values())


def _resolve_choice(column: Column, text: str) -> str | None:
    """A code from its code, its Chinese name, or "code name"; None if neither."""
    names, by_name = _table(column.choices)
    if text in names:
        return text
    if text in by_name:
        return by_name[text]
    head, _, tail = text.partition(" ")
    if head in names and tail.strip() == names[head]:
        return head
    return None


# --- Values: cells to Python ------------------------------------------------------------------

_OMIT = object()  # a blank optional cell: the service default applies
_ESCAPED_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_LITERAL_ESCAPE_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f]")
_SPLIT_RE = re.compile(r"\s*[、,，;；\n]\s*")
_TRUE = frozenset({"是", "Y", "YES", "TRUE", "1", "√"})
_FALSE = frozenset({"否", "N", "NO", "FALSE", "0", "×"})
_IMMEDIATE = frozenset({"即时", "即时办结", "即办"})


class CellError(ValueError):
    pass


def _cell_text(raw: Any) -> str:
    """The text of a cell as a person sees it. Excel writes control characters as _xHHHH_."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return _ESCAPED_RE.sub(lambda m: chr(int(m[1], 16)), raw) if "_x" in raw else raw
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime) and raw.time() == time(0):
        return raw.date().isoformat()
    if isinstance(raw, date | datetime | time):
        return raw.isoformat()
    return str(raw)


def _parse_int(column: Column, raw: Any) -> int:
    if isinstance(raw, bool):
        raise CellError("应为整数")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise CellError(f"应为整数，不能是 {raw}")
        value = int(raw)
    else:
        text = _cell_text(raw).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            raise CellError(f"“{_short(text)}”不是整数")
        value = int(text)
    if value < 0:
        raise CellError("应为不小于0的整数")
    if column.max_value is not None and value > column.max_value:
        raise CellError(f"不能大于{column.max_value}")
    return value


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def parse_cell(column: Column, raw: Any, *, context: _Context | None = None) -> Any:
    """The Python value of one cell, _OMIT for a blank optional cell; raises CellError."""
    text = _cell_text(raw)
    if not text or text.isspace():
        if column.required:
            raise CellError("不能为空")
        if column.kind in ("text", "longtext"):
            return ""
        if column.kind in ("codes", "labels"):
            return []
        return _OMIT
    kind = column.kind
    if kind in ("int", "limit"):
        if kind == "limit" and text.strip() in _IMMEDIATE:
            return 0
        return _parse_int(column, raw)
    if kind == "bool":
        text = text.strip().upper()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"“{_short(text)}”应为“是”或“否”")
    if "\x00" in text:
        raise CellError("含有不允许的控制字符")
    if kind == "longtext":
        if len(text) > EXCEL_MAX_CELL_CHARS:
            raise CellError(f"不能超过{EXCEL_MAX_CELL_CHARS}个字（现有{len(text)}个字）")
        return text
    text = text.strip()
    if kind == "text":
        limit = column.max_length or EXCEL_MAX_CELL_CHARS
        if len(text) > limit:
            raise CellError(f"不能超过{limit}个字（现有{len(text)}个字）")
        return text.upper() if column.upper else text
    if kind in ("code", "label"):
        if kind == "code" and isinstance(raw, int | float) and not isinstance(raw, bool):
            width = len(next(iter(_table(column.choices)[0])))
            text = text.zfill(width)
        code = _resolve_choice(column, text)
        if code is None:
            raise CellError(f"“{_short(text)}”不是有效的{column.title}，可填：{'、'.join(_allowed(column))}")
        return code
    if kind in ("codes", "labels"):
        values, bad = [], []
        for token in _SPLIT_RE.split(text):
            if not token:
                continue
            code = _resolve_choice(column, token)
            if code is None:
                bad.append(token)
            elif code not in values:
                values.append(code)
        if bad:
            raise CellError(
                f"“{_short('、'.join(bad))}”不在{column.title}代码表中，可填：{'、'.join(_allowed(column))}"
            )
        return values
    if kind == "department":
        code = text.upper()
        department = context.departments.get(code) if context else None
        if department is None:
            raise CellError(f"平台未登记统一社会信用代码为 {_short(code)} 的部门")
        return department
    if kind == "region":
        if not text.isdigit() or len(text) not in (6, 12):
            raise CellError("行政区划代码应为6位或12位数字")
        code12 = text.ljust(12, "0")
        if context is not None and code12 not in context.regions:
            raise CellError(f"行政区划 {text} 不存在")
        return code12
    if kind == "item":
        return text.upper()
    raise AssertionError(f"unknown column kind {kind}")


# --- Values: Python to cells ------------------------------------------------------------------

_FORMULA_STARTS = tuple("=+-@\t＝＋－＠")


def _escape(text: str) -> str:
    """Excel's escaping: a literal "_xHHHH_" gets "_x005F" before it, control characters
    become "_xHHHH_" (XML cannot hold them; an XML parser turns a bare CR into LF)."""
    if "_x" in text:
        text = _LITERAL_ESCAPE_RE.sub("_x005F_", text)
    return _CONTROL_RE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def _cell_value(column: Column, value: Any) -> Any:
    kind = column.kind
    if kind == "int":
        return value
    if kind == "limit":
        return "即时" if value == 0 else value
    if kind == "bool":
        return "是" if value else "否"
    if kind in ("code", "label"):
        return _written_choice(column, value) if value not in (None, "") else ""
    if kind in ("codes", "labels"):
        return "、".join(_written_choice(column, v) for v in value or [])
    return "" if value is None else value


class _Writer:
    """Writes the template, streaming rows (openpyxl write-only mode)."""

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    required_fill = PatternFill("solid", fgColor="C00000")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    border = Border(bottom=Side(style="thin", color="808080"))

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self.book = openpyxl.Workbook(write_only=True)
        self._write_instructions()
        self.sheets = {s.name: self._data_sheet(s, (sizes or {}).get(s.target)) for s in DATA_SHEETS}

    def _header_cell(self, ws, text: str, *, fill=None, comment: str = "") -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = self.header_font
        cell.fill = fill or self.header_fill
        cell.alignment = self.header_alignment
        cell.border = self.border
        if comment:
            cell.comment = Comment(comment, "tongban", width=320, height=120)
        return cell

    def _data_sheet(self, sheet: Sheet, rows: int | None):
        ws = self.book.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        if rows is not None:
            # Declare the used range (<dimension>): without it openpyxl's read-only mode parses
            # every sheet once more just to find its size.
            ref = f"A1:{get_column_letter(len(sheet.columns))}{rows + 1}"
            ws.calculate_dimension = lambda: ref
        for i, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            dim = ws.column_dimensions[letter]
            dim.width = max(column.width, len(column.title) * 2 + 2)
            if column.kind not in ("int", "limit"):
                dim.number_format = "@"  # what a clerk types stays text: "01" keeps its zero
            options = self._options(column)
            if options:
                formula = '"' + ",".join(options) + '"'
                if len(formula) <= 255:  # Excel's limit for an inline list
                    dv = DataValidation(
                        type="list",
                        formula1=formula,
                        allow_blank=True,
                        showErrorMessage=True,
                        errorStyle="warning",
                        errorTitle=column.title,
                        error="请从下拉列表中选择，或填写代码表中的代码",
                    )
                    dv.add(f"{letter}2:{letter}{EXCEL_MAX_ROWS}")
                    ws.data_validations.append(dv)
        ws.append(
            [
                self._header_cell(
                    ws, c.header, fill=self.required_fill if c.mandatory else None, comment=_column_help(c)
                )
                for c in sheet.columns
            ]
        )
        return ws

    @staticmethod
    def _options(column: Column) -> list[str]:
        if column.kind == "bool":
            return ["是", "否"]
        if column.kind in ("code", "label"):
            return _allowed(column)
        return []

    def _write_instructions(self) -> None:
        ws = self.book.create_sheet(INSTRUCTIONS)
        for letter, width in zip("ABCDEF", (10, 34, 8, 16, 60, 60), strict=True):
            ws.column_dimensions[letter].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        title = WriteOnlyCell(ws, value="实施清单事项导入导出模板")
        title.font = Font(bold=True, size=14)
        ws.append([title])
        for line in RULES:
            cell = WriteOnlyCell(ws, value=line)
            cell.alignment = Alignment(wrap_text=False, vertical="top")
            ws.append([cell])
        ws.append([])
        ws.append(
            [
                self._header_cell(ws, t)
                for t in ("工作表", "列（表头）", "必填", "留空表示", "填写说明", "可填的值")
            ]
        )
        for sheet in DATA_SHEETS:
            for column in sheet.columns:
                values = (
                    "、".join(_allowed(column))
                    if column.choices
                    else ("是、否" if column.kind == "bool" else "")
                )
                row = [
                    sheet.name,
                    column.header,
                    "是" if column.mandatory else "",
                    column.blank,
                    _column_help(column, with_values=False),
                    values,
                ]
                cells = []
                for value in row:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.alignment = wrap
                    cells.append(cell)
                ws.append(cells)

    def append(self, sheet: Sheet, values: list[Any]) -> None:
        self.sheets[sheet.name].append([_safe_cell(self.sheets[sheet.name], v) for v in values])

    def save(self, dest) -> None:
        self.book.save(dest)

    def discard(self) -> None:
        """Close the sheets' row streams after a failure (else they complain when collected)."""
        for ws in self.book.worksheets:
            rows = getattr(ws, "_rows", None)
            if rows is not None:
                with suppress(Exception):
                    rows.close()


def _safe_cell(ws, value: Any) -> Any:
    """Text goes out as text: escaped for XML and, when it looks like a formula, stored with
    Excel's quote prefix (the leading apostrophe), so Excel shows it and never evaluates it."""
    if not isinstance(value, str):
        return value
    if not value:
        return None  # no cell at all: smaller file, faster to read
    text = _escape(value)
    if not text.startswith(_FORMULA_STARTS):
        return text
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


_KIND_HELP = {
    "int": "不小于0的整数",
    "limit": "不小于0的整数或“即时”",
    "bool": "填“是”或“否”",
    "code": "填代码、名称或“代码 名称”",
    "label": "填名称",
    "codes": "填代码，多个用“、”或“,”分隔",
    "labels": "填名称，多个用“、”或“,”分隔",
    "longtext": "可换行",
    "department": "统一社会信用代码",
    "region": "行政区划代码",
}


def _column_help(column: Column, *, with_values: bool = True) -> str:
    """The instructions of a column (header comment; with_values=False: the 说明 table's text)."""
    parts = [
        p
        for p in (
            "必填" if with_values and column.mandatory else "",
            _KIND_HELP.get(column.kind, ""),
            column.note,
        )
        if p
    ]
    if column.max_length:
        parts.append(f"不超过{column.max_length}个字")
    if with_values and column.blank:
        parts.append(f"留空表示{column.blank}")
    if with_values and column.choices:
        parts.append("可填：" + "、".join(_allowed(column)))
    return "；".join(parts)


RULES = (
    "1. 工作表“事项”每行一个实施清单事项；“材料”“办理项”“流程”“地点”“常见问题”“收费”每行属于一个事项，用第一列的实施编码对应。",
    "2. 第1行是表头，格式为“中文名 字段名”，列的顺序可以调整，但不能缺列、不能改名；不要删除、改名任何工作表。本“说明”工作表导入时不读取。",
    "3. 红色表头的列必须填写。代码列可填代码、名称或下拉列表中的“代码 名称”；可多选的列用“、”或“,”分隔。是/否列填“是”或“否”。",
    "4. 材料、办理项、流程按行的先后排序。同一实施编码已存在时，导入为该事项的新版本，新版本的清单完全以本文件为准。",
    "5. 导入前逐行校验：承诺时限不能超过法定时限；即办件的承诺时限为“即时”；全程网办的到现场次数为0；到现场的须说明原因；收费的须有收费依据和收费项目；编码须符合规则。",
    "6. 任何一行有错，整个文件都不导入；错误会列出工作表、行号和列号，改正后重新导入。",
    "7. 公式按最后一次计算的结果读取；未计算过的公式视为空。文件不能超过平台规定的大小和行数。",
)


# --- Export -----------------------------------------------------------------------------------


def _region_display(region) -> str:
    if region.gb_code and region.gb_code.ljust(12, "0") == region.code:
        return region.gb_code
    return region.code


def _item_values(item: ImplementationItem) -> list[Any]:
    out = []
    for column in ITEM_SHEET.columns:
        if column.key == "department_credit_code":
            out.append(item.department.credit_code)
        elif column.key == "region_code":
            out.append(_region_display(item.region))
        else:
            out.append(_cell_value(column, getattr(item, column.key)))
    return out


def _child_values(sheet: Sheet, code: str, entry: Any) -> list[Any]:
    get = entry.get if isinstance(entry, dict) else (lambda k, default=None: getattr(entry, k, default))
    values = [code]
    for column in sheet.columns[1:]:
        values.append(_cell_value(column, get(column.key, "")))
    return values


def _sizes(qs: QuerySet[ImplementationItem]) -> dict[str, int]:
    """Rows per sheet, so each sheet can declare its size before its rows are streamed."""
    ids = qs.order_by().values("pk")
    sizes = {
        "item": qs.count(),
        "materials": Material.objects.filter(item_id__in=ids).count(),
        "handling_items": HandlingItem.objects.filter(item_id__in=ids).count(),
    }
    targets = [s.target for s in LIST_SHEETS]
    for s in targets:
        sizes[s] = 0
    for lists in qs.order_by().values_list(*targets).iterator(chunk_size=2000):
        for target, value in zip(targets, lists, strict=True):
            sizes[target] += len(value) if isinstance(value, list) else 0
    return sizes


def write_items_xlsx(
    dest: str | Path | IO[bytes], items: QuerySet[ImplementationItem] | Iterable[ImplementationItem]
) -> int:
    """Write items (with department and region; materials and handling items prefetched) in the
    template. A queryset is streamed in chunks. Returns the number of items written."""
    if isinstance(items, QuerySet):
        writer = _Writer(_sizes(items))
        items = items.iterator(chunk_size=1000)
    else:
        items = list(items)
        writer = _Writer(
            {
                "item": len(items),
                "materials": sum(len(i.materials.all()) for i in items),
                "handling_items": sum(len(i.handling_items.all()) for i in items),
                **{s.target: sum(len(getattr(i, s.target) or []) for i in items) for s in LIST_SHEETS},
            }
        )
    n = 0
    try:
        with _destination(dest) as out:  # a path that cannot be written fails before any work
            for item in items:
                n += 1
                writer.append(ITEM_SHEET, _item_values(item))
                for material in item.materials.all():
                    writer.append(MATERIAL_SHEET, _child_values(MATERIAL_SHEET, item.code, material))
                for handling in item.handling_items.all():
                    writer.append(HANDLING_SHEET, _child_values(HANDLING_SHEET, item.code, handling))
                for sheet in LIST_SHEETS:
                    for entry in getattr(item, sheet.target) or []:
                        entry = entry if isinstance(entry, dict) else {}
                        writer.append(sheet, _child_values(sheet, item.code, entry))
            writer.save(out)
    except BaseException:
        writer.discard()
        raise
    return n


@contextmanager
def _destination(dest: str | Path | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(dest, str | Path):
        with open(dest, "wb") as fh:
            yield fh
    else:
        yield dest


def write_template(dest: str | Path | IO[bytes]) -> None:
    """An empty template: instructions, headers, drop-down lists."""
    write_items_xlsx(dest, [])


def export_queryset(*, region: str = "", department: str = ""):
    """Current published items of a region (and below) and/or a department, ready to write."""
    filters = queries.check_filters(queries.SearchFilters(region=region, department=department))
    qs = queries.filter_items(queries.current_items(), filters)
    return (
        qs.select_related("department", "region")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
            Prefetch("handling_items", queryset=HandlingItem.objects.order_by("order", "code")),
        )
        .order_by("code")
    )


def export_items_xlsx(dest: str | Path | IO[bytes], *, region: str = "", department: str = "") -> int:
    return write_items_xlsx(dest, export_queryset(region=region, department=department))


# --- Import: the file itself ------------------------------------------------------------------


def _file_problem(message: str, error=InvalidInput) -> DomainError:
    return error(f"file：{message}", problems=[FieldProblem("file", message)])


@contextmanager
def _opened(source: str | Path | bytes | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes | bytearray):
        yield io.BytesIO(source)
    elif isinstance(source, str | Path):
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise _file_problem(f"无法打开文件：{exc.strerror or exc}") from None
        with fh:
            yield fh
    else:
        yield source


def _human(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} 字节"


def _check_size(fh: IO[bytes]) -> None:
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    try:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(0)
    except (AttributeError, OSError):
        raise _file_problem("无法读取上传的文件") from None
    if size > limit:
        raise _file_problem(f"文件有 {_human(size)}，超过了 {_human(limit)} 的上限", TooLarge)
    if size == 0:
        raise _file_problem("文件是空的")


def _check_zip(fh: IO[bytes]) -> None:
    """An xlsx is a zip. Refuse what is not one, and zip bombs, from the zip directory alone
    (Python's zipfile never inflates a member beyond the size its directory entry states)."""
    not_xlsx = "不是有效的 Excel 工作簿（.xlsx）；.xls 或加密的工作簿请先在 Excel 中另存为不加密的 .xlsx"
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _file_problem(not_xlsx) from None
    finally:
        fh.seek(0)
    limit = getattr(settings, "CATALOG_IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _file_problem(f"压缩包内有 {len(infos)} 个文件，不是正常的工作簿", TooLarge)
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise _file_problem(f"解压后有 {_human(total)}，超过了 {_human(limit)} 的上限", TooLarge)
    for info in infos:
        if info.flag_bits & 0x1:
            raise _file_problem(not_xlsx)
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise _file_problem(f"压缩比异常（{info.filename}），疑似压缩炸弹，拒绝读取", TooLarge)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _file_problem(not_xlsx)


def _load(fh: IO[bytes]):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except DomainError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file; the person needs one answer
        raise _file_problem("工作簿已损坏或不是 Excel 生成的 .xlsx 文件，无法读取") from None


# --- Import: sheets and rows ------------------------------------------------------------------


@dataclass
class _Context:
    departments: dict[str, Any]  # credit code -> Department
    regions: set[str]


@dataclass
class _Entry:
    bundle: services.ItemBundle
    child_rows: dict[str, list[int]] = field(default_factory=dict)  # target -> sheet rows, in order
    lists: dict[str, list[dict]] = field(default_factory=dict)
    failed_lists: set[str] = field(default_factory=set)
    over_limit: set[str] = field(default_factory=set)


class _Reader:
    def __init__(self, book, *, progress: Progress | None) -> None:
        self.book = book
        self.progress = progress
        self.problems: list[FieldProblem] = []
        self.seen: set[tuple[str, int | None, str, str]] = set()
        self.unreadable: set[tuple[str, int | None, str]] = set()
        self.entries: list[_Entry] = []
        self.by_code: dict[str, _Entry] = {}
        self.by_row: dict[int, _Entry] = {}
        self.context = _Context(
            departments={d.credit_code.upper(): d for d in core_queries.departments()},
            regions={code for code, _ in core_queries.region_full_names()},
        )
        self.max_rows = settings.CATALOG_IMPORT_MAX_ROWS
        self.layouts: dict[str, dict[str, int]] = {}  # sheet -> key -> column index
        self.total_rows: int | None = 0  # for progress, from the sheets' <dimension> (may be absent)

    def problem(
        self, sheet: Sheet, key: str, message: str, *, row: int | None, column: str | None, rule: bool = False
    ) -> None:
        """Record a problem once. A cell that could not be read is reported once, by the reader:
        the rules then see None there and their complaints about that cell are dropped."""
        cell = (sheet.name, row, key)
        if rule and cell in self.unreadable:
            return
        if not rule:
            self.unreadable.add(cell)
        if (*cell, message) in self.seen:
            return
        self.seen.add((*cell, message))
        self.problems.append(FieldProblem(f"{sheet.name}.{key}", message, row=row, column=column))

    # -- structure

    def read_layouts(self) -> dict[str, dict[str, int]]:
        """Column index of every key, per sheet; raises if a sheet or column is missing."""
        structural: list[FieldProblem] = []
        layouts: dict[str, dict[str, int]] = {}
        names = set(self.book.sheetnames)
        for sheet in DATA_SHEETS:
            if sheet.name not in names or not hasattr(self.book[sheet.name], "iter_rows"):
                structural.append(FieldProblem("file", f"缺少工作表“{sheet.name}”（请使用导出的模板）"))
                continue
            layout, problems = self._header(sheet)
            structural += problems
            layouts[sheet.name] = layout
        if structural:
            raise InvalidInput(
                f"导入文件的格式与模板不符，有 {len(structural)} 处需要修改", problems=structural
            )
        return layouts

    def _header(self, sheet: Sheet) -> tuple[dict[str, int], list[FieldProblem]]:
        ws = self.book[sheet.name]
        if self.total_rows is not None:
            self.total_rows = self.total_rows + ws.max_row - 1 if isinstance(ws.max_row, int) else None
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        by_header: dict[str, str] = {}
        for column in sheet.columns:
            by_header[column.header] = by_header[column.key] = by_header[column.title] = column.key
        layout: dict[str, int] = {}
        problems = []
        for index, raw in enumerate(first):
            text = " ".join(_cell_text(raw).split())
            if not text:
                continue
            key = by_header.get(text) or by_header.get(text.rsplit(" ", 1)[-1])
            letter = get_column_letter(index + 1)
            if key is None:
                problems.append(FieldProblem(sheet.name, f"未知的列“{_short(text)}”", row=1, column=letter))
            elif key in layout:
                problems.append(FieldProblem(sheet.name, f"列“{text}”重复", row=1, column=letter))
            else:
                layout[key] = index
        for column in sheet.columns:
            if column.key not in layout:
                problems.append(FieldProblem(sheet.name, f"缺少列“{column.header}”", row=1))
        return layout, problems

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, tuple]]:
        layout = self.layouts[sheet.name]
        ws = self.book[sheet.name]
        total = self.total_rows or None
        ws.reset_dimensions()  # a stale <dimension> must not hide rows
        width = max(layout.values()) + 1
        count = 0
        pending = 0
        for number, values in enumerate(ws.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            if number > EXCEL_MAX_ROWS:
                break
            pending += 1
            if pending == 500 and self.progress:
                self.progress("read", pending, total)
                pending = 0
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            count += 1
            if count > self.max_rows:
                raise TooLarge(
                    f"“{sheet.name}”工作表超过了 {self.max_rows} 行的上限",
                    problems=[FieldProblem("file", f"“{sheet.name}”工作表超过了 {self.max_rows} 行的上限")],
                )
            if len(values) < width:
                values = (*values, *(None,) * (width - len(values)))
            yield number, values
        if pending and self.progress:
            self.progress("read", pending, total)

    def parse(self, sheet: Sheet, number: int, values: tuple) -> dict[str, Any]:
        """The values of one row by key; a cell that fails is reported and becomes None."""
        layout = self.layouts[sheet.name]
        out: dict[str, Any] = {}
        for column in sheet.columns:
            index = layout[column.key]
            raw = values[index]
            if raw is None and not column.required:  # the common empty cell, without the full parse
                if column.kind in ("text", "longtext"):
                    out[column.key] = ""
                elif column.kind in ("codes", "labels"):
                    out[column.key] = []
                continue
            try:
                value = parse_cell(column, raw, context=self.context)
            except CellError as exc:
                self.problem(sheet, column.key, str(exc), row=number, column=get_column_letter(index + 1))
                value = None
            if value is not _OMIT:
                out[column.key] = value
        return out

    # -- sheets

    def read_items(self) -> None:
        for number, raw in self.rows(ITEM_SHEET):
            values = self.parse(ITEM_SHEET, number, raw)
            department = values.pop("department_credit_code", None)
            region = values.pop("region_code", None)
            data = dict(values)
            data["department_id"] = department.pk if department is not None else None
            if region:
                data["region_id"] = region
            entry = _Entry(services.ItemBundle(data, [], [], row=number))
            self.entries.append(entry)
            self.by_row[number] = entry
            code = data.get("code")
            if code and code not in self.by_code:
                self.by_code[code] = entry

    def read_children(self, sheet: Sheet) -> None:
        ref_letter = self.letter(sheet, "item_code")
        for number, raw in self.rows(sheet):
            values = self.parse(sheet, number, raw)
            code = values.pop("item_code", None)
            entry = self.by_code.get(code) if code else None
            if code and entry is None:
                self.problem(
                    sheet,
                    "item_code",
                    f"“事项”工作表中没有实施编码为 {_short(code, 40)} 的事项",
                    row=number,
                    column=ref_letter,
                    rule=True,
                )
            if entry is None:
                continue
            rows = entry.child_rows.setdefault(sheet.target, [])
            if len(rows) >= MAX_ROWS_PER_ITEM:
                if sheet.target in entry.over_limit:
                    continue
                entry.over_limit.add(sheet.target)
                self.problem(
                    sheet,
                    "item_code",
                    f"实施编码 {_short(code, 40)} 在“{sheet.name}”工作表中超过了 {MAX_ROWS_PER_ITEM} 行的上限",
                    row=number,
                    column=ref_letter,
                    rule=True,
                )
                continue
            rows.append(number)
            if sheet.target == "materials":
                entry.bundle.materials.append(values)
            elif sheet.target == "handling_items":
                entry.bundle.handling_items.append(values)
            else:
                if any(v is None for v in values.values()):
                    entry.failed_lists.add(sheet.target)
                entry.lists.setdefault(sheet.target, []).append({k: v for k, v in values.items() if v != ""})

    def finish_lists(self) -> None:
        for entry in self.entries:
            for sheet in LIST_SHEETS:
                entry.bundle.data[sheet.target] = entry.lists.get(sheet.target, [])

    # -- the catalogue rules

    def letter(self, sheet: Sheet, key: str) -> str | None:
        index = self.layouts[sheet.name].get(key)
        return get_column_letter(index + 1) if index is not None else None

    def raise_problems(self) -> None:
        if self.problems:
            problems = sorted(self.problems, key=_sort_key)
            raise InvalidInput(f"导入文件有 {len(problems)} 处需要修改，未导入任何事项", problems=problems)

    def check_rules(self) -> None:
        """The catalogue rules (services.check_bundles), each problem placed in its sheet, row and
        column. Rows whose department is unknown are already reported and skipped (the rules
        need the department); duplicate codes are found here so those rows count too."""
        code_letter = self.letter(ITEM_SHEET, "code")
        first_row: dict[str, int] = {}
        for entry in self.entries:
            code, row = entry.bundle.data.get("code"), entry.bundle.row
            if not code:
                continue
            if code in first_row:
                self.problem(
                    ITEM_SHEET,
                    "code",
                    f"实施编码 {code} 在文件中重复（另见第{first_row[code]}行）",
                    row=row,
                    column=code_letter,
                    rule=True,
                )
            else:
                first_row[code] = row
        bundles = [e.bundle for e in self.entries if e.bundle.data.get("department_id") is not None]
        for p in services.check_bundles(bundles):
            self.place(p)

    def place(self, p: FieldProblem) -> None:
        """Record a rule problem of an item bundle in the sheet, row and column it comes from."""
        entry = self.by_row.get(p.row)
        letter = self.letter
        m = _CHILD_RE.match(p.field)
        if m and entry is not None:
            sheet = MATERIAL_SHEET if m[1] == "materials" else HANDLING_SHEET
            rows = entry.child_rows.get(sheet.target, [])
            i = int(m[2]) - 1
            row = rows[i] if i < len(rows) else p.row
            self.problem(sheet, m[3], p.message, row=row, column=letter(sheet, m[3]), rule=True)
            return
        if p.field in _LIST_SHEET and entry is not None:
            sheet = _LIST_SHEET[p.field]
            if p.field in entry.failed_lists:
                return  # the cells at fault are already reported in that sheet
            rows = entry.child_rows.get(sheet.target)
            if rows:
                self.problem(
                    sheet, p.field, p.message, row=rows[0], column=letter(sheet, "item_code"), rule=True
                )
                return
            key = "charged" if p.field == "fees" else "code"
            self.problem(
                ITEM_SHEET,
                key,
                f"{p.message}（在“{sheet.name}”工作表中填写）",
                row=p.row,
                column=letter(ITEM_SHEET, key),
                rule=True,
            )
            return
        key = _FIELD_COLUMN.get(p.field, p.field)
        self.problem(ITEM_SHEET, key, p.message, row=p.row, column=letter(ITEM_SHEET, key), rule=True)


def _sort_key(p: FieldProblem):
    sheet = p.field.split(".", 1)[0]
    column = p.column or ""
    return SHEET_ORDER.get(sheet, -1), p.row or 0, len(column), column


def _read(source: str | Path | bytes | IO[bytes], *, progress: Progress | None, rules: bool) -> _Reader:
    """Read every row; raise with every problem found. `rules`: also apply the catalogue rules
    (they are applied anyway when a cell could not be read, so that one pass reports all)."""
    with _opened(source) as fh:
        _check_size(fh)
        _check_zip(fh)
        book = _load(fh)
        try:
            reader = _Reader(book, progress=progress)
            reader.layouts = reader.read_layouts()
            try:
                reader.read_items()
                for sheet in DATA_SHEETS[1:]:
                    reader.read_children(sheet)
            except DomainError:
                raise
            except Exception:  # a damaged sheet inside a well-formed zip
                raise _file_problem("工作簿内容已损坏，无法读取") from None
        finally:
            book.close()
    reader.finish_lists()
    if not reader.entries and not reader.problems:
        raise InvalidInput("导入文件中没有事项", problems=[FieldProblem("事项", "“事项”工作表没有数据行")])
    if rules or reader.problems:
        reader.check_rules()
    reader.raise_problems()
    return reader


def read_items_xlsx(
    source: str | Path | bytes | IO[bytes], *, progress: Progress | None = None
) -> list[services.ItemBundle]:
    """Parse and check a workbook in the template. Returns the item bundles, in row order, or
    raises InvalidInput/TooLarge listing every problem (sheet, row, column). Writes nothing."""
    return [e.bundle for e in _read(source, progress=progress, rules=True).entries]


def do_import_items_xlsx(
    *, actor, source: str | Path | bytes | IO[bytes], publish: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Read the whole workbook, then load it in one transaction (all or nothing). The catalogue
    rules run once, inside the service; their problems are placed back in sheet, row and column."""
    reader = _read(source, progress=progress, rules=False)
    bundles = [e.bundle for e in reader.entries]
    total = len(bundles)

    def saved(n: int) -> None:
        if progress:
            progress("save", n, total)

    try:
        counts = services.do_import_items(actor=actor, bundles=bundles, publish=publish, progress=saved)
    except InvalidInput as exc:
        if not exc.problems or any(p.row is None for p in exc.problems):
            raise
        for p in exc.problems:
            reader.place(p)
        reader.raise_problems()
        raise
    return {
        **counts,
        "items": total,
        "materials": sum(len(b.materials) for b in bundles),
        "handling_items": sum(len(b.handling_items) for b in bundles),
    }


def describe(problem: FieldProblem) -> str:
    """'事项 第5行 N列 promised_limit：承诺时限…' for people and command output."""
    sheet, _, key = problem.field.partition(".")
    parts = [sheet]
    if problem.row is not None:
        parts.append(f"第{problem.row}行")
    if problem.column:
        parts.append(f"{problem.column}列")
    if key:
        parts.append(key)
    return " ".join(parts) + "：" + problem.message
