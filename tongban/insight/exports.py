"""Downloads of a dashboard figure's data (数据下载): CSV and xlsx of one `dashboard.Table`.

    csv_bytes(table) -> bytes     UTF-8 with a byte-order mark (Excel opens it as UTF-8)
    xlsx_bytes(table) -> bytes    one sheet, a header row, numbers as numbers

Both write the header row (the column labels people read) and then the rows as the page shows
them, numbers unformatted (a Decimal stays exact: "97.5", never "97.50000001"). A text cell that
a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage return) is
written with a leading apostrophe, so a region or item name can never run as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet name
SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _text(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal | float):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def csv_bytes(table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(label) for label in table.column_labels()])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value):
    if value is None or (isinstance(value, int | float | date) and not isinstance(value, bool)):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        # a spreadsheet's numbers are doubles: 97.5 stays 97.5, only long fractions round
        return WriteOnlyCell(sheet, value=float(value))
    return WriteOnlyCell(sheet, value=_text(value))


def xlsx_bytes(table) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    title = str(table.title).translate(SHEET_TITLE_FORBIDDEN).strip()[:SHEET_TITLE_MAX] or "data"
    sheet = book.create_sheet(title=title)
    bold = Font(bold=True)
    header = []
    for label in table.column_labels():
        cell = WriteOnlyCell(sheet, value=_text(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(table, selection, extension: str) -> str:
    """An ASCII file name: insight-<table>-<region code>-<from>-<to>.<ext>."""
    start, end = selection.date_from.strftime("%Y%m%d"), selection.date_to.strftime("%Y%m%d")
    return f"insight-{table.id}-{selection.region.code}-{start}-{end}.{extension}"
