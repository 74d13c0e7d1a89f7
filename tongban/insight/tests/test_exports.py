"""Downloads of a figure's table as CSV and xlsx (exports.py, /insight/export.csv|xlsx)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tongban.cases import services
from tongban.cases.tests.conftest import submit
from tongban.insight import exports
from tongban.insight.dashboard import Column, Table

pytestmark = pytest.mark.usefixtures("regions_loaded")

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def figures(world):
    a = submit(world)
    services.do_accept(actor=world["officer"], number=a.number)
    submit(world, channel="3")
    return world


def sample() -> Table:
    columns = [
        Column("region", "地区", data=True),
        Column("value", "比率（%）", numeric=True),
        Column("day", "日期"),
    ]
    rows = [
        ("武汉市", Decimal("66.67"), date(2026, 3, 1)),
        ("=HYPERLINK(1)", None, date(2026, 3, 2)),
        ("+1", 3, None),
    ]
    return Table("sample", "样例/表[1]", columns, rows)


def test_csv_is_utf8_with_a_bom_and_defuses_formulas():
    data = exports.csv_bytes(sample())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == (
        "地区,比率（%）,日期\r\n武汉市,66.67,2026-03-01\r\n'=HYPERLINK(1),,2026-03-02\r\n'+1,3,\r\n"
    )


def test_xlsx_has_the_header_and_the_numbers_as_numbers():
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(sample())))
    sheet = book.active
    assert sheet.title == "样例 表 1"  # characters Excel refuses in a sheet name are replaced
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert rows[0] == ("地区", "比率（%）", "日期")
    assert rows[1][0] == "武汉市" and rows[1][1] == 66.67 and rows[1][2].date() == date(2026, 3, 1)
    assert rows[2][:2] == ("'=HYPERLINK(1)", None)
    assert rows[3] == ("'+1", 3, None)
    assert sheet["A1"].font.bold is True


def test_the_ranking_downloads_as_csv(client, figures):
    response = client.get("/insight/export.csv", {"table": "ranking", "region": "420000", **YEAR})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="insight-ranking-420000000000-20260101-20261231.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "排名,区划代码,地区,网办件比率（%）,分子,分母"
    assert lines[1] == "1,420100000000,武汉市,100.00,2,2"
    assert lines[2] == ",420200000000,黄石市,,0,0"
    assert len(lines) == 18


def test_the_channels_download_as_xlsx(client, figures):
    response = client.get("/insight/export.xlsx", {"table": "channels", "region": "420100", **YEAR})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert rows[0] == ("代码", "渠道", "办件数（件）")
    assert {r[0]: r[2] for r in rows[1:]} == {"1": 0, "2": 1, "3": 1, "4": 0, "9": 0}


def test_every_table_downloads(client, figures):
    for table in ("indicators", "ranking", "trend", "channels", "states"):
        for ext in ("csv", "xlsx"):
            response = client.get(f"/insight/export.{ext}", {"table": table, **YEAR})
            assert response.status_code == 200, (table, ext)
            assert f"insight-{table}-420000000000-20260101-20261231.{ext}" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"table": "secrets"}, "table"), ({}, "table"), ({"table": "ranking", "region": "999999"}, "region")],
)
def test_a_bad_download_is_refused_naming_the_field(client, figures, params, field):
    response = client.get("/insight/export.csv", {**YEAR, **params})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert f'<li data-field="{field}">' in response.content.decode()
